"""How the CLI ends and what it says: a sink on a busy port, a reader that closes the pipe,
and Prefect's run logs as JSON lines when `digest run` runs the flow in-process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import REPO, digest_cli

PAGES = sorted((REPO / "seeds" / "html").glob("*.html")) + sorted((REPO / "seeds" / "pages").glob("*.txt"))


def test_sink_on_a_busy_port_is_one_line_and_exit_2(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = digest_cli("sink", "--port", str(port), "--maildir", str(tmp_path / "mail"), cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert result.stdout == ""  # nothing claimed to be capturing
    assert result.stderr == f"digest: error: capture sink cannot listen on 127.0.0.1:{port}: Address already in use\n"


def test_sink_says_where_it_captures_once_it_listens(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    sink = subprocess.Popen(
        [sys.executable, "-m", "digest.cli", "sink", "--port", str(port), "--maildir", str(tmp_path / "mail")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    try:
        line = sink.stdout.readline() if sink.stdout else ""
        assert line.startswith(f"Capturing SMTP on 127.0.0.1:{port} into {tmp_path / 'mail'}")
        with socket.create_connection(("127.0.0.1", port), timeout=5) as smtp:  # listening by then
            assert smtp.recv(100).startswith(b"220")
    finally:
        sink.send_signal(signal.SIGTERM)
        sink.wait(timeout=10)
    assert sink.returncode == 0


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("as_json", [False, True], ids=["text", "json"])
def test_extract_into_head_ends_quietly_with_141(tmp_path, as_json):
    """`digest extract SOURCE... | head -1` through a real pipe: the output is larger than
    the pipe holds, so the reader is gone before the writer is done. No traceback, no
    message, and status 141 (128 + SIGPIPE), what `cat` or `grep` end with there."""
    assert PAGES
    sources = " ".join(str(p) for p in PAGES * 12)
    flag = "--json" if as_json else ""
    shell = f"{sys.executable} -m digest.cli extract {flag} {sources} | head -1; exit ${{PIPESTATUS[0]}}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=180)
    assert result.returncode == 141, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1
    if as_json:
        assert json.loads(result.stdout)["title"]


@pytest.mark.slow
def test_run_logs_prefect_lines_as_json(tmp_path):
    """`digest -v --log-format json run --dry-run` on the demo: every stderr line is a JSON
    object; Prefect's flow and task run lines carry their run ids and ours."""
    started = time.monotonic()
    result = digest_cli("-v", "--log-format", "json", "run", "--dry-run", cwd=tmp_path, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines()]  # every line parses
    assert lines, "nothing logged"
    assert {"time", "level", "logger", "message", "run_id"} <= set(lines[0])
    assert len({line["run_id"] for line in lines}) == 1
    flow = [line for line in lines if line["logger"] == "prefect.flow_runs"]
    tasks = [line for line in lines if line["logger"] == "prefect.task_runs"]
    assert flow and all(line["flow_run_id"] and line["flow_run"] for line in flow)
    assert tasks and all(line["task_run_id"] and line["flow_run_id"] for line in tasks)
    assert any("dry run" in line["message"] for line in flow)
    assert time.monotonic() - started < 300


def test_a_temporary_prefect_server_that_does_not_answer_in_time_is_one_line(tmp_path):
    """Prefect's temporary server failing to start (a busy machine) ends `digest run` with
    one line naming the setting that bounds the wait, not Prefect's traceback."""
    env = {"PREFECT_API_URL": "", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "0"}
    result = digest_cli("run", "--dry-run", cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("digest: error:")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("digest: error: Prefect: Timed out while attempting to connect")
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (0 s)" in errors[0]


@pytest.mark.parametrize("command", [("run", "--dry-run"), ("schedule",)])
def test_a_prefect_home_that_cannot_be_written_is_one_line_at_once(tmp_path, command):
    """HOME unwritable (a service account's `/`, or `/nonexistent`), or PREFECT_HOME on a
    read-only or missing place: Prefect's local server cannot keep its database there.
    `digest run` would wait out the server's start-up and end with a timeout and its
    traceback; it says which folder and why instead, before starting anything."""
    (tmp_path / "a-file").write_text("")
    home = tmp_path / "a-file" / "prefect"  # cannot be made, even by root
    env = {"PREFECT_API_URL": "", "PREFECT_HOME": str(home)}
    result = digest_cli(*command, cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 2, result.stderr
    expected = (
        f"digest: error: Prefect's home folder {home} cannot be written (Not a directory): "
        "set PREFECT_HOME to a folder this user can write, or PREFECT_API_URL to a running Prefect server"
    )
    assert result.stderr.splitlines() == [expected]


def _ascii_terminal() -> dict[str, str]:
    """A C locale without Python's UTF-8 mode: stdout takes ASCII only, as on a minimal
    server or in a cron job whose environment sets nothing."""
    return {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}


def test_an_ascii_stdout_shows_non_ascii_names_escaped_and_json_stays_json(tmp_path):
    """Readers' names, list titles and headlines in any script reach an ASCII-only stdout as
    \\uXXXX escapes: readable text, and JSON that still parses to the same values."""
    imported = digest_cli("subscribers", "import", str(REPO / "seeds" / "subscribers.csv"), cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    as_utf8 = digest_cli("subscribers", "list", "--json", cwd=tmp_path)
    as_ascii = digest_cli("subscribers", "list", "--json", cwd=tmp_path, env=_ascii_terminal())
    assert as_ascii.returncode == 0, as_ascii.stderr
    assert as_ascii.stdout.isascii()
    assert [json.loads(line) for line in as_ascii.stdout.splitlines()] == [
        json.loads(line) for line in as_utf8.stdout.splitlines()
    ]
    listed = digest_cli("subscribers", "list", cwd=tmp_path, env=_ascii_terminal())
    assert listed.returncode == 0, listed.stderr
    assert "Zo\\u00eb \\u0141ukasiewicz" in listed.stdout
    for args in (("status",), ("status", "--json")):
        shown = digest_cli(*args, cwd=tmp_path, env=_ascii_terminal())
        assert shown.returncode == 0, shown.stderr
        assert shown.stderr == "" and shown.stdout.isascii()


@pytest.mark.parametrize("closed", ["<&-", ">&-", "2>&-", "<&- >&- 2>&-"])
def test_a_closed_standard_stream_is_no_traceback(tmp_path, closed):
    """Started by a service manager or a script with stdin, stdout or stderr closed: the
    command runs, what it would print is dropped, and no file it opens takes the place of
    a standard stream (a later write to stderr would land in it)."""
    shell = f"{sys.executable} -m digest.cli subscribers import {REPO / 'seeds' / 'subscribers.csv'} {closed}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    result = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    listed = digest_cli("subscribers", "list", cwd=tmp_path)
    assert len(listed.stdout.splitlines()) == 12


def test_a_config_in_a_non_ascii_folder_works_in_an_ascii_locale(tmp_path):
    """`--config "Rapports été/digest.toml"` from a C locale (no UTF-8 mode): Python reads
    the name's bytes as escapes, and the store's path must reach SQLite as those bytes."""
    folder = tmp_path / "Rapports été"
    shutil.copytree(REPO / "seeds", folder)
    config = str(Path("Rapports été") / "digest.toml")
    result = digest_cli(
        "--config",
        config,
        "subscribers",
        "import",
        str(folder / "subscribers.csv"),
        cwd=tmp_path,
        env=_ascii_terminal(),
    )
    assert result.returncode == 0, result.stderr
    assert (folder / "digest.db").is_file()
    shown = digest_cli("--config", config, "status", cwd=tmp_path, env=_ascii_terminal())
    assert shown.returncode == 0, shown.stderr
