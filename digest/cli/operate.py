"""Commands for the operator: status (one view of the state) and sink (a capture SMTP server)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from digest.cli import app, errors, open_store, out, state
from digest.cli.show import print_status


@app.command()
def status() -> None:
    """Each list's readers, unsent articles and issues (open and last), with what is owed and when."""
    with errors():
        from digest.app import status as current

        with open_store() as store:
            print_status(current(state.settings, store=store))


@app.command()
def sink(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 2525,
    maildir: Annotated[
        Path | None, typer.Option(help="Maildir for captured messages (default: [delivery] maildir).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Run a local capture SMTP server that keeps every message in a Maildir."""
    with errors():
        from digest.delivery.sink import serve_sink

        folder = maildir or Path(state.settings.delivery.maildir)
        out.print(f"Capturing SMTP on {host}:{port} into {folder.resolve()} (Ctrl-C to stop)", markup=False)
        serve_sink(maildir=folder, host=host, port=port)
