# ruff: noqa: E402 - Ctrl-C is handled before the libraries load
"""The `digest` command line: parse the arguments, call one use case (digest.app),
print its result.

Exit status: 0 on success, 1 when the work ran but something is left to do or
failed (a source, a delivery), 2 for bad input (missing file, unreachable URL,
unknown algorithm, bad config), 130/143 when stopped by SIGINT/SIGTERM, 141 when
the reader of our output went away (`digest extract ... | head -1`), as for a program
a SIGPIPE ends. Errors are one line on stderr, never a traceback. Heavy libraries are
imported inside the commands that need them, so `digest extract` starts quickly.

Help texts are plain text: a bracket such as `[delivery]` is shown as written, not
read as rich markup, and a flag shows no value placeholder (`--json`, not
`--json <bool>`).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn


def _interrupted_while_starting(signum: int, frame: object) -> NoReturn:
    """Ctrl-C while the libraries load (seconds on a busy machine): exit 130 quietly, as
    typer does for one while it parses a command line, instead of a KeyboardInterrupt's
    traceback from deep inside an import. Once loaded, Ctrl-C is KeyboardInterrupt again."""
    raise SystemExit(130)


if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not where SIGINT is ignored (`cmd &`)
    signal.signal(signal.SIGINT, _interrupted_while_starting)

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup
from typer.exceptions import TyperException

from digest.config import Settings, load_settings
from digest.errors import DigestError
from digest.urls import redact_urls

if TYPE_CHECKING:
    from digest.config import ListSettings
    from digest.store import Store


class _Digest(TyperGroup):
    """The root command: plain-text help everywhere, and a quiet end when stdout closes."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        _plain_help(self)
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        # Click's own errors (an unknown option, a value out of range) as one line, like
        # every other error: typer would draw a box around them below a usage line.
        try:
            code = super().main(*args, **{**kwargs, "standalone_mode": False})
        except Exception as exc:
            # Click's exceptions (typer's own copy of click in newer typer): known by shape.
            message, exit_code = getattr(exc, "format_message", None), getattr(exc, "exit_code", None)
            if type(exc).__name__ == "NoArgsIsHelpError":
                return super().main(*args, **kwargs)  # `digest` alone: the help, as ever
            if type(exc).__name__ == "Abort":
                report_error("aborted")
                sys.exit(1)
            if message is None or not isinstance(exit_code, int):
                raise
            ctx = getattr(exc, "ctx", None)
            hint = f" (see '{_command_path(ctx)} --help')" if ctx is not None and exit_code == 2 else ""
            report_error(f"{' '.join(message().split())}{hint}")
            sys.exit(exit_code)
        sys.exit(code if isinstance(code, int) else 0)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)  # `digest --help` prints here
        except BrokenPipeError:
            if not _reader_gone(sys.stdout):
                raise
            _stdout_closed()

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            if not _reader_gone(sys.stdout):
                raise  # some other pipe or socket: not ours to explain away
            _stdout_closed()
        except (typer.Exit, typer.Abort, TyperException):
            raise
        except Exception as exc:  # noqa: BLE001 - a failure no command foresaw: one line, never a traceback
            report_error(f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())[:500]}")
            raise typer.Exit(1) from None


def _command_path(ctx: Any) -> str:
    """`digest send`, however the program was started (`python -m digest.cli` included)."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(["digest", *reversed(names)])


def _plain_help(command: Any) -> None:
    """Help texts as written: typer reads them as rich markup, which eats `[delivery]`;
    and no `<bool>` placeholder after a flag, which takes no value."""
    for attribute in ("help", "short_help", "epilog"):
        if getattr(command, attribute, None):
            setattr(command, attribute, escape(_unwrap(getattr(command, attribute))))
    context = command.context_class(command, info_name=command.name)
    for param in command.get_params(context):  # the --help option included
        if getattr(param, "help", None):
            param.help = escape(param.help)
        if getattr(param, "is_flag", False):
            param.metavar = ""
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def _unwrap(text: str) -> str:
    """A docstring's paragraphs, each on one line: the terminal wraps them, not the source."""
    import inspect

    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(text).split("\n\n"))


# The exit status when the reader of our output went away: 128 + SIGPIPE, what a shell
# reports for `cat` or `grep` in `... | head -1`.
PIPE_CLOSED = 141


def _stdout_closed() -> NoReturn:
    """The reader of our output went away (`| head -1`): end quietly, as a program that
    SIGPIPE ends, with status 141. We do not let SIGPIPE end the process itself: a
    socket's closed peer (an SMTP or HTTP connection) must not end it. Whatever is left in
    the buffer goes to /dev/null, so the flush at exit raises nothing."""
    _silence(sys.stdout)
    raise typer.Exit(PIPE_CLOSED)


def _silence(stream: Any) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file (a test runner's stream): nothing to silence
        pass


def _reader_gone(stream: Any) -> bool:
    """Whether `stream` is a pipe whose reader closed it (poll reports an error on it)."""
    import select

    try:
        poller = select.poll()
        poller.register(stream.fileno(), select.POLLOUT)
        events = poller.poll(0)
    except (AttributeError, OSError, ValueError):  # no poll (Windows) or no real file
        return True
    return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in events)


def _is_devnull(stream: Any) -> bool:
    try:
        here, null = os.fstat(stream.fileno()), Path(os.devnull).stat()
    except (OSError, ValueError):
        return False
    return (here.st_dev, here.st_ino) == (null.st_dev, null.st_ino)


app = typer.Typer(
    cls=_Digest,
    name="digest",
    help="Gather articles, extract and summarise them, and build a newsletter digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _Console(Console):
    def print(self, *objects: Any, **kwargs: Any) -> None:
        if self.stderr and state.log_format == LogFormat.JSON and all(isinstance(o, str) for o in objects):
            _log_line(" ".join(objects))  # stderr is JSON lines: a command's notes too
            return
        super().print(*objects, **kwargs)

    def on_broken_pipe(self) -> None:
        # rich's own answer is exit status 1, which here means "something failed".
        self.quiet = True
        _silence(sys.stderr if self.stderr else sys.stdout)
        raise typer.Exit(PIPE_CLOSED)


# No emoji codes: a file or host named "x:smile:y" is printed as it is.
out = _Console(highlight=False, soft_wrap=True, emoji=False)
err = _Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


class LogFormat(StrEnum):
    HUMAN = "human"
    JSON = "json"


ListOption = Annotated[str | None, typer.Option("--list", "-l", help="The list (default: the first configured).")]


@dataclass
class _State:
    config: Path | None = None
    log_format: str = "human"
    command: str = ""  # the top-level command, as the root callback saw it
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            settings = load_settings(self.config, environ=os.environ)
            if os.environ.get("PREFECT_API_URL") and self.command in _NEEDS_SECRETS:
                settings = _with_secret_blocks(settings)
            self._settings = settings
        return self._settings


state = _State()

# The commands that sign or check links, log in to the server or sign mail: they read the
# Prefect Secret blocks the flows read, for what the config and the environment leave out.
_NEEDS_SECRETS = frozenset({"web", "unsubscribe", "send", "run", "dns", "bounces", "schedule"})
_BLOCKS_WAIT = 15.0  # seconds for the Prefect API to give the blocks (less if PREFECT_API_REQUEST_TIMEOUT is)


def _with_secret_blocks(settings: Settings) -> Settings:
    """`settings` with the blocks' secrets where it lacks them, read within _BLOCKS_WAIT, or
    Prefect's request timeout if shorter (a Prefect API that never answers does not hold the
    command); else as they are, said with -v only (a command that needs Prefect says so in
    its own one line)."""
    from flows.secrets import load_client, missing, with_secret_blocks

    if not missing(settings):
        return settings
    wait = load_client(wait=_BLOCKS_WAIT)  # Prefect's own import, seconds on a busy machine: not the API's wait
    found: list[Settings] = []
    failed: list[str] = []

    def read() -> None:
        try:
            found.append(with_secret_blocks(settings))
        except Exception as exc:  # noqa: BLE001 -- Prefect's client: any transport error
            failed.append(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)

    reader = threading.Thread(target=read, name="digest-secret-blocks", daemon=True)
    reader.start()
    reader.join(wait)
    if found:
        return found[0]
    reason = failed[0] if failed else f"no answer within {wait:g} s"
    logging.getLogger("digest.cli").info(
        "cannot read the Prefect Secret blocks at PREFECT_API_URL (%s): using the config's and the "
        "environment's values only",
        redact_urls(reason),
    )
    return settings


class Failed(Exception):
    """Raised inside a command to leave with a one-line error and exit status 2."""


@contextmanager
def errors() -> Iterator[None]:
    try:
        yield
    except (DigestError, Failed) as exc:
        report_error(str(exc))
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        report_error("interrupted", prefix="digest: ")
        raise typer.Exit(130) from None


def report_error(message: str, *, prefix: str = "digest: error: ") -> None:
    """One line on stderr; with --log-format json, a log record (level ERROR, logger
    `digest.cli`), so that stderr stays one JSON object per line."""
    if state.log_format == LogFormat.JSON:
        logging.getLogger("digest.cli").error("%s", message)
    else:
        err.print(f"{prefix}{redact_urls(message)}", markup=False)  # as the log formatters do


def _log_line(text: str) -> None:
    """A line a command writes for the operator on stderr, as a record of logger `digest.cli`
    shown whatever the log level, as the human line is: WARNING when it is a warning, else INFO."""
    prefix = next((p for p in ("digest: warning: ", "warning: ") if text.startswith(p)), "")
    logger = logging.getLogger("digest.cli")
    level = logging.WARNING if prefix else logging.INFO
    logger.handle(logger.makeRecord(logger.name, level, __file__, 0, "%s", (text[len(prefix) :],), None))


def chosen_list(list_name: str | None) -> ListSettings:
    """The list a command works on; from here on, log records carry its name."""
    from digest.logs import set_log_ids

    settings = state.settings
    if list_name:
        chosen = settings.list(list_name)
    elif settings.lists:
        chosen = settings.lists[0]
    else:
        raise Failed("no [lists.NAME] section in the config")
    set_log_ids(list=chosen.name)
    return chosen


@contextmanager
def open_store() -> Iterator[Store]:
    from digest.store import Store

    with Store(state.settings.store.url) as store:
        yield store


@app.callback()
def _main(
    context: typer.Context,
    config: Annotated[
        str | None,
        typer.Option("--config", "-c", help="Path to digest.toml (default: $DIGEST_CONFIG, ./digest.toml, the demo)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
    log_format: Annotated[
        LogFormat,
        typer.Option(
            "--log-format",
            envvar="DIGEST_LOG_FORMAT",
            help="Log lines on stderr: human, or json (one object per line, with the run, list and issue ids).",
        ),
    ] = LogFormat.HUMAN,
) -> None:
    _configure_logging(verbose=verbose, log_format=log_format.value)
    state.log_format = log_format.value
    if config is not None and not config.strip():  # "--config $CONFIG" with CONFIG unset: never the demo
        report_error("--config is empty: give the config file's path")
        raise typer.Exit(2)
    state.config = Path(config) if config is not None else None
    state.command = context.invoked_subcommand or ""
    state._settings = None  # read for this invocation (one process may run several, as tests do)


# What extraction calls; their records ("discarding data: ...") repeat what our own
# one-line errors and warnings say, so they show only under -v.
_LIBRARY_LOGGERS = ("trafilatura", "htmldate", "readability", "justext", "courlan", "lxml_html_clean")


def _configure_logging(*, verbose: bool, log_format: str = "human") -> None:
    """Log to stderr in `log_format`, every line carrying this run's id (and in JSON the
    list and issue ids the commands set), URLs redacted. Prefect, when a command runs a
    flow in this process, logs the same way: its run loggers reach our handler, and its
    own handlers take our formatter through its PREFECT_LOGGING_* settings."""
    import uuid

    from digest.logs import formatter, prefect_logging_environment, set_log_ids

    set_log_ids(run=uuid.uuid4().hex[:12])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])
    for key, value in prefect_logging_environment(log_format).items():
        os.environ.setdefault(key, value)
    for name in _LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if verbose else logging.CRITICAL + 1)


def command(args: str) -> str:
    """How to run ``digest ARGS`` from here: plain ``digest`` when that name on the PATH is
    this program, else the path it was started by (``.venv/bin/digest`` after the quick start)."""
    import shutil

    program = Path(sys.argv[0])
    found = shutil.which("digest")
    if program.name != "digest" or (found and Path(found).resolve() == program.resolve()):
        return f"digest {args}"
    return f"{program} {args}"


def main() -> None:
    from digest.cli.stdio import usable_stdio

    usable_stdio()
    quiet_already = _is_devnull(sys.stdout)
    try:
        app()
    except SystemExit as done:
        # Output still buffered when the command ended is flushed here; a reader that went
        # away ends us as during the command.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence(sys.stdout)
            raise SystemExit(done.code if done.code not in (0, None) else PIPE_CLOSED) from None
        if done.code == 1 and not quiet_already and _is_devnull(sys.stdout):
            # typer's help console met a closed pipe: rich sent stdout to /dev/null and exits 1.
            raise SystemExit(PIPE_CLOSED) from None
        raise


# The commands register themselves on `app`.
from digest.cli import bounces, content, database, dkim, operate, readers, schedule, sending, web  # noqa: F401

if signal.getsignal(signal.SIGINT) is _interrupted_while_starting:
    signal.signal(signal.SIGINT, signal.default_int_handler)  # loaded: Ctrl-C is KeyboardInterrupt again
