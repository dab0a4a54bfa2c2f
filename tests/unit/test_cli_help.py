"""Every `--help` reads as written: no `<bool>` after a flag, no bracket eaten as markup,
no empty default, and a closed pipe ends it quietly."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from digest.cli import app
from tests.helpers import REPO, digest_cli


def command_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [()]

    def walk(command, prefix: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            paths.append((*prefix, name))
            walk(sub, (*prefix, name))

    walk(typer.main.get_command(app), ())
    return paths


PATHS = command_paths()


def test_every_command_is_walked():
    assert {"status", "sink", "extract", "send", "run"} <= {p[0] for p in PATHS if p}
    assert ("subscribers", "import") in PATHS and ("db", "upgrade") in PATHS


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "digest")
def test_help_has_no_flag_placeholder_and_no_eaten_text(path):
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Usage: " in text
    assert "<bool>" not in text
    assert not re.search(r"\(default:\s*[),]|\(default:\s\s", text), text  # a default eaten as markup
    assert "--help" in text and re.search(r"--help\s+Show this message", text)  # a flag: no placeholder
    assert "..." not in text.replace("COMMAND [ARGS]...", "").replace("}...", "")  # no doubled ellipsis


def test_sink_help_shows_the_config_key():
    result = CliRunner().invoke(app, ["sink", "--help"], env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert "(default: [delivery] maildir of the config)" in result.output


def test_root_help_names_the_log_format_and_its_variable():
    result = digest_cli("--help", env={"COLUMNS": "200", "TERMINAL_WIDTH": "200"})
    assert result.returncode == 0
    assert "--log-format" in result.stdout and "<human|json>" in result.stdout
    assert "DIGEST_LOG_FORMAT" in result.stdout
    assert re.search(r"--verbose\s+-v\s+Log progress", result.stdout)


def test_help_into_a_closed_pipe_ends_quietly():
    """`digest --help` into a pipe nobody reads any more: 141, as a program SIGPIPE ends,
    and nothing on stderr."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first write
    try:
        result = subprocess.run(
            [sys.executable, "-m", "digest.cli", "--help"], stdout=write, stderr=subprocess.PIPE, cwd=REPO, timeout=60
        )
    finally:
        os.close(write)
    assert result.returncode == 141, result
    assert result.stderr == b""


def test_the_run_table_says_a_dry_run_found_an_unfinished_issue(capsys):
    from digest.cli.show import print_run

    print_run({"daily": {"dry_run": True, "unfinished": "daily-20261130-ab12"}})
    cells = " ".join(capsys.readouterr().out.replace("│", " ").replace("┃", " ").split())  # wrapped cells, joined
    assert "issue daily-20261130-ab12 is unfinished: nothing sent (dry run)" in cells
