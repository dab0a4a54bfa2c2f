"""What every part of the store shares: the engine it works on, the error guard,
and small conversions."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import NoReturn, overload

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from digest.errors import StoreError
from digest.text import one_line
from digest.urls import redact_url


class StoreBase:
    """The state the per-concern parts of `Store` work on."""

    url: str
    engine: sa.Engine

    def refresh_statistics(self, conn: sa.Connection, *tables: str) -> None:
        """PostgreSQL's planner statistics for tables that just grew in bulk. Without them
        a fresh store's planner takes a table of 100,000 rows for an empty one, and every
        lookup by key or claim of a batch scans it (the cost of each grows with the list).
        SQLite's planner needs none for these queries."""
        if self.engine.dialect.name == "postgresql" and tables:
            conn.exec_driver_sql(f"ANALYZE {', '.join(tables)}")


def guarded(method):
    """Turn a database error inside a Store method into a one-line StoreError naming
    the store and the operation; generators are guarded while they are iterated."""
    name = method.__name__.strip("_").replace("_", " ")

    def fail(store: StoreBase, exc: SQLAlchemyError) -> NoReturn:
        transient = isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or bool(
            getattr(exc, "connection_invalidated", False)
        )
        cause = one_line(first_line(getattr(exc, "orig", None) or exc))
        raise StoreError(f"store {redact_url(store.url)}: {name} failed: {cause}", transient=transient) from None

    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self, *args, **kwargs):
            try:
                yield from method(self, *args, **kwargs)
            except SQLAlchemyError as exc:
                fail(self, exc)

        return generator

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except SQLAlchemyError as exc:
            fail(self, exc)

    return wrapper


def guard_methods(cls: type, *, except_: tuple[str, ...] = ()) -> None:
    """Guard every method `cls` has, its own and those of the parts it is made of,
    except dunders and `except_`. The guarded method is set on `cls`; the parts stay plain."""
    for name in dir(cls):
        if name.startswith("__") or name in except_:
            continue
        method = inspect.getattr_static(cls, name)
        if inspect.isfunction(method):
            setattr(cls, name, guarded(method))


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
def aware(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@overload
def stored_text(value: str) -> str: ...
@overload
def stored_text(value: None) -> None: ...
def stored_text(value: str | None) -> str | None:
    """Free text from outside (a server's reply, a bounce's reason, a fetch error) as the
    store writes it and hands it back: one printable line (digest.text.one_line).
    PostgreSQL refuses NUL in text, SQLite keeps it; escapes and line breaks would reach
    the operator's terminal and split tab-separated output. Read back through it too,
    for what versions before it stored."""
    return None if value is None else one_line(value)


def chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def url_problem(exc: BaseException) -> str:
    """Why a store URL could not be used, in words: a ValueError from parsing it says only
    "invalid literal for int() with base 10: '54x2'"."""
    if isinstance(exc, ValueError) and not isinstance(exc, sa.exc.SQLAlchemyError):
        return f"not a usable store URL ({first_line(exc)}): check its host, port and database"
    return first_line(exc)


def engine_options(url: str) -> dict:
    if url in ("sqlite://", "sqlite:///:memory:"):
        # One shared connection, or every checkout would see its own empty database.
        return {"poolclass": sa.pool.StaticPool, "connect_args": {"check_same_thread": False}}
    if url.startswith("sqlite"):
        # How long to wait for another writer's lock; `?timeout=SECONDS` in the URL sets it.
        return {} if "timeout=" in url else {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def create_engine(url: str) -> sa.Engine:
    engine = sa.create_engine(url, future=True, **engine_options(url))
    if engine.dialect.name == "sqlite":
        _create_private(engine.url.database)
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        sa.event.listen(engine, "connect", _postgres_lock_timeout)
    return engine


def _create_private(database: str | None) -> None:
    """A new SQLite file readable by its owner only, whatever the umask: it keeps the secret
    that signs readers' tokens, and their addresses. SQLite gives its -wal and -shm files the
    same mode. An existing file keeps the mode it has; a file that cannot be made here is
    left to SQLite, whose error says why."""
    if not database or database.startswith((":memory:", "file:")) or "mode=memory" in database:
        return
    with contextlib.suppress(OSError):
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


# How long a statement waits for a lock another session holds (a VACUUM FULL, an index
# built by hand, a transaction left open) before it fails, as SQLite's busy timeout does;
# PostgreSQL's default is to wait for ever. A lock_timeout set on the role or the URL stays.
POSTGRES_LOCK_TIMEOUT = "30s"


def _postgres_lock_timeout(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("SELECT current_setting('lock_timeout')")
    if cursor.fetchone()[0] in ("0", "0ms"):
        cursor.execute(f"SET lock_timeout = '{POSTGRES_LOCK_TIMEOUT}'")
    cursor.close()
    dbapi_conn.commit()  # or the pool's rollback on check-in would undo the SET


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Connections switching a new file to WAL at the same instant: SQLite answers all but one
# "database is locked" at once (waiting could deadlock), not after the busy timeout.
_WAL_SWITCH_SECONDS = 10.0


def _switch_to_wal(cursor) -> None:
    deadline = time.monotonic() + _WAL_SWITCH_SECONDS
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)
