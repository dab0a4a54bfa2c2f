"""Bring a store's schema to the newest migration, safely when several processes open it.

The migrations (Alembic, `migrations/versions/`) run on open; `upgrade_store` runs them
for `digest db upgrade`. A store at the head costs one read. Otherwise the upgrade runs
under a lock, so two processes opening a new store at once do not both create it:
PostgreSQL takes an advisory lock for the transaction (the DDL is transactional too),
SQLite takes its write lock up front (BEGIN IMMEDIATE). The second process then finds
the store at the head and has nothing to do.
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from digest.errors import StoreError
from digest.store.base import create_engine, first_line, url_problem
from digest.store.schema import issues_table, meta_table
from digest.urls import redact_url

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions (a test pins it): a store already there is
# opened without loading Alembic at all.
HEAD = "0009_article_links"
_UPGRADE_LOCK = 0x6469676573740002  # pg_advisory_xact_lock key for schema upgrades ("digest" + 2)
_DEFERRED_INDEX_KEY = "schema/deferred-index"  # see migrations/versions/0001_baseline.py
_SQLITE_ATTEMPTS = 5


def upgrade_store(url: str) -> str:
    """Run the store's migrations up to the newest; the revision reached."""
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ModuleNotFoundError, ValueError) as exc:
        raise StoreError(f"cannot open store {redact_url(url)}: {url_problem(exc)}") from None
    try:
        return upgrade(engine)
    except SQLAlchemyError as exc:
        raise StoreError(
            f"cannot upgrade store {redact_url(url)}: {first_line(getattr(exc, 'orig', None) or exc)}"
        ) from None
    finally:
        engine.dispose()


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the store is at; None for a new store or one written before migrations."""
    with engine.connect() as conn:
        return _current(conn)


def _current(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    row = conn.execute(sa.text("SELECT version_num FROM alembic_version")).first()
    return row.version_num if row else None


def upgrade(engine: sa.Engine) -> str:
    """Migrate the store behind `engine` to the head; the head. Raises SQLAlchemyError,
    or StoreError for a store written by a newer version of digest."""
    target = HEAD
    with engine.connect() as conn:
        current = _current(conn)
        if current == target and not _deferred_index(conn):
            return target
    if current is not None and current not in _known():
        raise StoreError(
            f"store {redact_url(engine.url.render_as_string())} is at schema "
            f"revision {current}, which this version of digest does not know (newest: {target}); "
            f"upgrade digest"
        )
    if engine.dialect.name == "sqlite":
        for attempt in range(1, _SQLITE_ATTEMPTS + 1):
            try:
                _locked_upgrade(engine, target)
                break
            except OperationalError as exc:
                # Another process held the write lock past the busy timeout: try again.
                # (Two switching a new file to WAL at once is handled as each connects.)
                if "locked" not in str(exc) or attempt == _SQLITE_ATTEMPTS:
                    raise
                time.sleep(0.1 * attempt)
    else:
        _locked_upgrade(engine, target)
    return target


def _locked_upgrade(engine: sa.Engine, target: str) -> None:
    from alembic import command
    from alembic.util import CommandError

    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_UPGRADE_LOCK)))
        elif engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        # Under the lock: another process may have upgraded the store meanwhile.
        current = _current(conn)
        if current != target:
            if current is None and sa.inspect(conn).has_table("issues"):
                log.info("store: written before migrations; bringing it to the baseline")
            config = _config()
            config.attributes["connection"] = conn
            try:
                command.upgrade(config, target)
            except CommandError as exc:
                raise StoreError(
                    f"store {redact_url(engine.url.render_as_string())}: upgrade failed: {first_line(exc)}"
                ) from None
            log.info("store: schema upgraded from %s to %s", current or "nothing", target)
        _retry_deferred_index(conn)
        conn.commit()


def _deferred_index(conn: sa.Connection) -> bool:
    return (
        conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == _DEFERRED_INDEX_KEY)).first() is not None
    )


def _retry_deferred_index(conn: sa.Connection) -> None:
    """An older store that held two unfinished issues of one list got no
    `ux_issues_open_list`; once it holds at most one, it gets the index."""
    if not _deferred_index(conn):
        return
    [index] = [i for i in issues_table.indexes if i.name == "ux_issues_open_list"]
    try:
        with conn.begin_nested():
            index.create(conn, checkfirst=True)
    except IntegrityError:
        return
    conn.execute(sa.delete(meta_table).where(meta_table.c.key == _DEFERRED_INDEX_KEY))
    log.info("store: index %s created", index.name)


def _config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    return config


@functools.cache
def _script():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


@functools.cache
def _known() -> frozenset[str]:
    return frozenset(r.revision for r in _script().walk_revisions())
