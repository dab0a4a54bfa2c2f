"""The forked command-line runs the suite uses (tests/cli_process.py) behave as a fresh
`python -m digest.cli` does: same output, streams, exit status, folder and environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_process import fresh_interpreter, run_forked

RUNS = [
    ["--help"],
    ["status"],
    ["extract", "no-such-page.html"],
    ["send", "--no-such-option"],
    ["preview", "--output", "/dev/stdout"],
    ["--config", "missing.toml", "status"],
]


def _fresh(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "digest.cli", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


def _environment(**extra: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")} | extra


@pytest.mark.parametrize("args", RUNS, ids=" ".join)
def test_a_forked_run_says_and_exits_as_a_fresh_interpreter_does(args: list[str], tmp_path: Path) -> None:
    fresh_folder, forked_folder = tmp_path / "fresh", tmp_path / "forked"
    fresh_folder.mkdir()
    forked_folder.mkdir()
    fresh = _fresh(args, cwd=fresh_folder, env=_environment())
    forked = run_forked(args, cwd=forked_folder, env=_environment(), timeout=120)
    assert forked.returncode == fresh.returncode
    assert forked.stdout.replace(str(forked_folder), "FOLDER") == fresh.stdout.replace(str(fresh_folder), "FOLDER")
    assert forked.stderr.replace(str(forked_folder), "FOLDER") == fresh.stderr.replace(str(fresh_folder), "FOLDER")
    assert sorted(p.name for p in forked_folder.iterdir()) == sorted(p.name for p in fresh_folder.iterdir())


def test_each_forked_run_has_only_its_own_environment_and_folder(tmp_path: Path) -> None:
    (tmp_path / "digest.toml").write_text("[lists.daily\n")
    broken = run_forked(["status"], cwd=tmp_path, env=_environment(), timeout=120)
    assert broken.returncode == 2 and "digest.toml" in broken.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    named = run_forked(["status"], cwd=elsewhere, env=_environment(DIGEST_CONFIG="../digest.toml"), timeout=120)
    assert named.returncode == 2 and "digest.toml" in named.stderr
    clean = run_forked(["status"], cwd=elsewhere, env=_environment(), timeout=120)
    assert clean.returncode == 0, clean.stderr


def test_a_run_past_its_timeout_is_killed_with_what_it_said() -> None:
    with pytest.raises(subprocess.TimeoutExpired) as expired:
        run_forked(["sink", "--port", "0"], cwd=Path.cwd(), env=_environment(), timeout=3)
    assert "Capturing SMTP on 127.0.0.1:" in expired.value.output


def test_a_locale_or_python_setting_asks_for_a_fresh_interpreter() -> None:
    assert not fresh_interpreter(dict(os.environ))
    assert fresh_interpreter(dict(os.environ) | {"LC_ALL": "C", "LANG": "C"})
    assert fresh_interpreter(dict(os.environ) | {"PYTHONIOENCODING": "ascii"})
