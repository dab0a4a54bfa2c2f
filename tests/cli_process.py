"""`digest ARGS...` in a process of its own, forked from one that has the library loaded.

A fresh interpreter spends most of a short command importing the library (about 2 s of
CPU for `digest send`); the suite runs the command line some hundreds of times. Each run
here is still its own process: its own environment, working folder, standard streams,
exit status and atexit handlers, as `python -m digest.cli` would have. What it shares
with its siblings is only the modules loaded before the fork, none of which reads the
environment or the working folder when imported (Prefect is never loaded ahead: it
reads its settings when imported). Python's own start-up settings (the locale,
PYTHONIOENCODING, PYTHONUTF8) only a fresh interpreter can honour: `fresh_interpreter`
says when a run needs one.

Only the standard library is imported here: the forked child unpickles `_run` from this
module.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import multiprocessing
import os
import runpy
import subprocess
import sys
import tempfile
import threading
import traceback
from pathlib import Path

CLI_MAIN = str(Path(__file__).resolve().parents[1] / "digest" / "cli" / "__main__.py")

# Read by the interpreter as it starts, so a forked run cannot take them from its environment.
_STARTUP_VARIABLES = ("PYTHON", "LC_", "LANG")

_context: multiprocessing.context.ForkServerContext | None = None
_started_with: dict[str, str] = {}


def _startup(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith(_STARTUP_VARIABLES)}


def fresh_interpreter(env: dict[str, str]) -> bool:
    """Whether `env` sets anything Python reads only when it starts, differently from the
    environment the forking process started in."""
    return _startup(env) != (_started_with if _context is not None else _startup(dict(os.environ)))


def _forkserver() -> multiprocessing.context.ForkServerContext:
    global _context, _started_with
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["tests.cli_preload"])
        _context, _started_with = context, _startup(dict(os.environ))
    return _context


def run_forked(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    """Run `digest ARGS` as `subprocess.run(..., capture_output=True, text=True)` would."""
    command = [sys.executable, "-m", "digest.cli", *args]
    if not cwd.is_dir():
        raise FileNotFoundError(f"no such folder: {cwd}")
    with tempfile.TemporaryDirectory(prefix="digest-cli-") as folder:
        # Named pipes: the command's stdout and stderr are pipes, as under subprocess.
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        os.mkfifo(out)
        os.mkfifo(err)
        process = _forkserver().Process(target=_run, args=(args, str(cwd), env, str(out), str(err)))
        process.start()
        readers = [_Reader(out), _Reader(err)]
        process.join(timeout)
        if process.exitcode is None:
            process.kill()
            process.join()
            raise subprocess.TimeoutExpired(command, timeout, *(reader.text() for reader in readers))
        return subprocess.CompletedProcess(command, process.exitcode, *(reader.text() for reader in readers))


class _Reader(threading.Thread):
    """Drains one pipe while the command runs, so a command that writes much never blocks."""

    def __init__(self, fifo: Path) -> None:
        super().__init__(daemon=True)
        self.fifo, self.data = fifo, bytearray()
        self.start()

    def run(self) -> None:
        with self.fifo.open("rb") as pipe:
            while chunk := pipe.read1(65536):
                self.data += chunk

    def text(self) -> str:
        """What the command wrote, once it has ended."""
        # A command that ended before opening its end: let the reader's open return (this
        # fails, harmlessly, where the reader has its end already or is done).
        with contextlib.suppress(OSError):
            os.close(os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK))
        self.join()
        # As `text=True` reads a pipe: the locale's encoding (UTF-8 here) and universal newlines.
        return bytes(self.data).decode().replace("\r\n", "\n").replace("\r", "\n")


def _run(args: list[str], cwd: str, env: dict[str, str], out: str, err: str) -> None:
    """The child: set up as a fresh `python -m digest.cli ARGS` would be, run, and exit."""
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, out), (2, err)):
        opened = os.open(path, os.O_WRONLY)
        os.dup2(opened, fd)
        os.close(opened)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # Block-buffered stdout and line-buffered stderr, as Python opens them on files.
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8")
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", line_buffering=True
    )
    sys.argv = [CLI_MAIN, *args]
    code = 0
    try:
        runpy.run_module("digest.cli", run_name="__main__", alter_sys=True)
    except SystemExit as done:
        if done.code is None:
            code = 0
        elif isinstance(done.code, int):
            code = done.code
        else:
            print(done.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - reported as the interpreter would report it
        traceback.print_exc()
        code = 1
    threading._shutdown()  # type: ignore[attr-defined] - as the interpreter does on the way out
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code & 0xFF)
