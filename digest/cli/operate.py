"""Commands for the operator: status (one view of the state) and sink (a capture SMTP server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from digest.cli import ListOption, app, errors, open_store, out, state
from digest.cli.show import print_status, status_document


@app.command()
def status(
    list_name: ListOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON document, for scripts and monitoring.")] = False,
) -> None:
    """One view of the state: each list's readers, unsent articles, open and last issues (what
    is owed, when it is due, why) and next run; each source's last success and last error."""
    with errors():
        from digest.app.overview import status as overview
        from digest.logs import log_context

        with log_context(list=list_name), open_store() as store:
            view = overview(state.settings, store=store, list_name=list_name)
        if as_json:
            print(json.dumps(status_document(view), ensure_ascii=False, indent=2), flush=True)
        else:
            print_status(view)


@app.command()
def sink(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 2525,
    maildir: Annotated[
        Path | None, typer.Option(help="Maildir for captured messages (default: [delivery] maildir of the config).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Run a local capture SMTP server that keeps every message in a Maildir."""
    with errors():
        from digest.delivery.sink import serve_sink

        folder = maildir or Path(state.settings.delivery.maildir)

        def listening(where: str) -> None:
            out.print(f"Capturing SMTP on {where} into {folder.resolve()} (Ctrl-C to stop)", markup=False)

        if serve_sink(maildir=folder, host=host, port=port, on_ready=listening):
            raise typer.Exit(130)  # Ctrl-C; SIGTERM, a service manager's stop, is 0
