"""The `digest` command line: parse the arguments, call one use case (digest.app),
print its result.

Exit status: 0 on success, 1 when the work ran but something is left to do or
failed (a source, a delivery), 2 for bad input (missing file, unreachable URL,
unknown algorithm, bad config), 130/143 when stopped by SIGINT/SIGTERM. Errors are
one line on stderr, never a traceback. Heavy libraries are imported inside the
commands that need them, so `digest extract` starts quickly.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from digest.config import Settings, load_settings
from digest.errors import DigestError

if TYPE_CHECKING:
    from digest.config import ListSettings
    from digest.store import Store

app = typer.Typer(
    name="digest",
    help="Gather articles, extract and summarise them, and build a newsletter digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
ListOption = Annotated[str | None, typer.Option("--list", "-l", help="The list (default: the first configured).")]


@dataclass
class _State:
    config: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config, environ=os.environ)
        return self._settings


state = _State()


class Failed(Exception):
    """Raised inside a command to leave with a one-line error and exit status 2."""


@contextmanager
def errors() -> Iterator[None]:
    try:
        yield
    except (DigestError, Failed) as exc:
        err.print(f"digest: error: {exc}", markup=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("digest: interrupted", markup=False)
        raise typer.Exit(130) from None


def chosen_list(list_name: str | None) -> ListSettings:
    settings = state.settings
    if list_name:
        return settings.list(list_name)
    if not settings.lists:
        raise Failed("no [lists.NAME] section in the config")
    return settings.lists[0]


@contextmanager
def open_store() -> Iterator[Store]:
    from digest.store import Store

    with Store(state.settings.store.url) as store:
        yield store


@app.callback()
def _main(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Path to digest.toml (default: $DIGEST_CONFIG, ./digest.toml, the demo)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    _configure_logging(verbose=verbose)
    state.config = config


# What extraction calls; their records ("discarding data: ...") repeat what our own
# one-line errors and warnings say, so they show only under -v.
_LIBRARY_LOGGERS = ("trafilatura", "htmldate", "readability", "justext", "courlan", "lxml_html_clean")


def _configure_logging(*, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
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
    app()


# The commands register themselves on `app`.
from digest.cli import content, database, operate, readers, schedule, sending  # noqa: E402,F401
