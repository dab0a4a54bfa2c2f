"""`digest schedule`: serve each list's digest on its cron schedule (Prefect serve)."""

from __future__ import annotations

import logging
import os
import sys
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli import app, errors, out, state
from digest.config import find_config

if TYPE_CHECKING:
    from flows.schedule import PrefectApi, Served, Signals


@app.command()
def schedule(
    list_name: Annotated[
        str | None, typer.Option("--list", "-l", help="Serve this list only (default: every list with a schedule).")
    ] = None,
    gather_every: Annotated[
        int,
        typer.Option(
            "--gather-every", min=0, help="Also gather the sources every this many seconds (0: only with each digest)."
        ),
    ] = 0,
) -> None:
    """Send each list's digest on its schedule (the list's cron `schedule` in its
    `timezone`), on this machine, until stopped: one Prefect deployment of daily-digest
    per scheduled list, served here.

    Uses the Prefect server at PREFECT_API_URL, else the one on 127.0.0.1:4200
    (PREFECT_SERVER_API_PORT), else starts one there, with its UI, for as long as it
    runs. With no [smtp] host it runs the local capture SMTP server too, and with a
    [web] base_url the subscriber web service. Ctrl-C (exit
    130) or SIGTERM (exit 0) stops all it started. Exits 2 when no list has a schedule."""
    from flows.schedule import Signals, Stopped

    with errors(), Signals() as signals:
        done: list[str] = []  # what the stop undid, for its one line
        try:
            _schedule(signals, done, list_name=list_name, gather_every=gather_every)
        except (KeyboardInterrupt, Stopped):  # during the start-up, or a second Ctrl-C
            signals.received = signals.received or "SIGINT"
        what = f": {'; '.join(done)}" if done else ""
        out.print(f"digest schedule: stopped by {signals.received or 'its runner'}{what}.", markup=False)
        raise typer.Exit(130 if signals.received == "SIGINT" else 0)


def _schedule(signals: Signals, done: list[str], *, list_name: str | None, gather_every: int) -> None:
    from digest.app import smtp_target
    from flows.schedule import plan, prefect_api, serve

    settings = state.settings
    served = plan(settings, only=list_name, gather_every=gather_every)
    config = Path(settings.path or find_config(state.config, environ=os.environ)).absolute()
    _quiet_prefect_bookkeeping()
    stopped: list[str] = []
    try:
        with prefect_api(check=signals.check) as api, smtp_target(settings) as target, ExitStack() as stack:
            if api.started:
                stopped.append("the Prefect server")
            if settings.web.configured:
                from digest.web import WebServer

                web = stack.enter_context(WebServer(settings))
                stopped.append("the web service")
                out.print(f"Subscriber pages on {web.url} (links name {settings.web.public_url}).", markup=False)
            if settings.smtp.host:
                where = f"Sending through {settings.smtp.host}:{settings.smtp.port}"
            else:
                # The runs find the capture server on the port (a subprocess reads
                # DIGEST_SMTP_PORT: 0 meant "any free port", now this one).
                os.environ["DIGEST_SMTP_PORT"] = str(target.settings.port)
                where = f"Sending to the capture server already on 127.0.0.1:{target.settings.port}"
                if target.started:
                    stopped.append("the capture server")
                    maildir = Path(settings.delivery.maildir).resolve()
                    where = f"Capturing mail on 127.0.0.1:{target.settings.port} into the Maildir {maildir}"

            if serve(served, config=config, signals=signals, on_ready=lambda entries: _ready(entries, api, where)):
                done.append("schedules paused")
    finally:
        if stopped:
            done.append(f"stopped {', '.join(stopped[:-1])}{' and ' if len(stopped) > 1 else ''}{stopped[-1]}")


def _ready(served: list[Served], api: PrefectApi, where: str) -> None:
    from digest.app.overview import next_run
    from digest.cli import command
    from digest.cli.show import when

    now = datetime.now(UTC)
    started = " (started here)" if api.started else ""
    out.print(f"Prefect UI: {api.ui or api.url}{started}; API: {api.url}", markup=False)
    out.print(f"{where}.", markup=False)
    out.print(f"Serving {len(served)} deployment(s); Ctrl-C stops:", markup=False)
    for entry in served:
        if entry.list is not None:
            moment = next_run(entry.list, now=now)
            upcoming = when(moment, now=now, zone=entry.list.timezone or "UTC") if moment else "never"
            out.print(f"  {entry.full_name}: '{entry.list.schedule}', next run {upcoming}", markup=False)
        else:
            out.print(f"  {entry.full_name}: every {entry.interval} s", markup=False)
    # `prefect` beside this program when the hints name it by its path (.venv/bin/digest).
    beside = Path(sys.argv[0]).with_name("prefect")
    prefect = str(beside) if command("").startswith(sys.argv[0]) and beside.exists() else "prefect"
    out.print(
        f"A run now, from another shell: PREFECT_API_URL={api.url} {prefect} deployment run '{served[0].full_name}'",
        markup=False,
    )


def _quiet_prefect_bookkeeping() -> None:
    """Without -v this process shows its own lines, not the runner's account of each run
    it submits (the runs' own logs, from their processes, still show)."""
    if logging.getLogger().getEffectiveLevel() <= logging.INFO:
        return
    for handler in logging.getLogger().handlers:
        handler.addFilter(lambda record: not record.name.startswith("prefect") or record.levelno >= logging.WARNING)
