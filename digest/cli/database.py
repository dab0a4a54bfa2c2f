"""The `db` group: bring the store's schema up to date."""

from __future__ import annotations

import typer

from digest.cli import app, errors, out, state

db_app = typer.Typer(help="The store's schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the schema migrations the store lacks (opening a store does it too)."""
    with errors():
        from digest.store import upgrade_store
        from digest.urls import redact_url

        revision = upgrade_store(state.settings.store.url)
        out.print(f"store {redact_url(state.settings.store.url)} is at revision {revision}", markup=False)
