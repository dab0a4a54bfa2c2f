"""A failure no command foresaw still ends the CLI with one line and a non-zero status."""

from __future__ import annotations

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
