"""Alembic's entry point: migrate the connection `digest.store.migrate` hands over.

Run by hand (`alembic revision --autogenerate`), it reads the URL from
`-x url=...` or the `sqlalchemy.url` option instead.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from digest.store.schema import metadata


def run(connection: sa.Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("the store's migrations inspect the database they run on: offline (--sql) mode is not supported")

connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or context.config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("no database URL: pass -x url=... or set sqlalchemy.url")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            run(conn)
            conn.commit()
    finally:
        engine.dispose()
