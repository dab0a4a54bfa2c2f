"""A failure no command foresaw still ends the CLI with one line and a non-zero status."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import flows.schedule
from digest.cli import app


def test_an_unexpected_error_is_one_line_without_a_traceback(monkeypatch, tmp_path):
    def broken(**_: object) -> str:
        raise ValueError("the\nlookup broke")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(flows.schedule, "server_for_run", broken)
    result = CliRunner().invoke(app, ["run", "--dry-run"])
    assert result.exit_code == 1
    assert result.output == "digest: error: unexpected ValueError: the lookup broke\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_exits_and_usage_errors_pass_through(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["run", "--spread", "-1"])
    assert result.exit_code == 2
    assert "unexpected" not in result.output


@pytest.mark.parametrize(("timeout", "wait"), [(None, 15.0), (2.0, 6.0), (4.0, 12.0), (60.0, 15.0), (0.0, 15.0)])
def test_the_secret_blocks_wait_at_most_prefects_own_request_timeout_for_each_block(timeout, wait):
    from prefect.settings import PREFECT_API_REQUEST_TIMEOUT, temporary_settings

    from flows.secrets import load_client

    with temporary_settings(updates={PREFECT_API_REQUEST_TIMEOUT: timeout} if timeout is not None else {}):
        assert load_client(wait=15.0) == wait


# Ctrl-C while `digest` is still importing its libraries (seconds on a busy machine):
# the interrupt comes as the import of typer starts.
_CTRL_C_WHILE_STARTING = """
import os, signal, sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, CtrlC())
from digest.cli import main
main()
"""


def test_ctrl_c_while_the_command_starts_ends_it_quietly_with_130(tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _CTRL_C_WHILE_STARTING, "status"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_run_with_a_store_that_cannot_be_opened_is_one_line_and_exit_2_before_prefect(monkeypatch, tmp_path):
    """As `send`: the store is opened before Prefect starts (a minute on a busy machine),
    and one that cannot be is bad input (2), not a failed flow run (1)."""
    import socket

    def never(**_: object) -> str:
        raise AssertionError("Prefect was started")

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(flows.schedule, "server_for_run", never)
    url = f"postgresql+psycopg://digest:SeCrEt@127.0.0.1:{port}/digest"
    result = CliRunner().invoke(app, ["run"], env={"DIGEST_STORE_URL": url})
    assert result.exit_code == 2, result.output
    assert result.output.startswith("digest: error: cannot open store ") and result.output.count("\n") == 1
    assert f"127.0.0.1:{port}" in result.output and "SeCrEt" not in result.output
