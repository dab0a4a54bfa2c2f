"""The store: articles, per-source fetch state, subscribers, issues and the delivery ledger.

SQLAlchemy Core over any URL; SQLite file by default, PostgreSQL tested too.
`Store` is one class made of a part per concern (sources, articles, subscribers,
issues, ledger, archive, rate limits); `schema` holds the tables and `migrations` the Alembic revisions
that build them, run when a store is opened (`migrate`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import overload

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from digest.errors import StoreError
from digest.store.archive import ArchiveEntry, ArchiveMixin
from digest.store.articles import ArticlesMixin, StoredArticle, content_hash
from digest.store.base import create_engine, first_line, guard_methods, url_problem
from digest.store.imports import ImportsMixin
from digest.store.issues import IssuesMixin, StoredIssue
from digest.store.ledger import Claim, LedgerMixin
from digest.store.limits import LimitsMixin
from digest.store.migrate import upgrade, upgrade_store
from digest.store.schema import (
    article_sends_table,
    articles_table,
    deliveries_table,
    issues_table,
    meta_table,
    metadata,
    rate_limits_table,
    sources_table,
    subscriber_events_table,
    subscribers_table,
)
from digest.store.sources import SourcesMixin, SourceState
from digest.store.subscribers import Confirmation, SubscribersMixin
from digest.urls import hide_password, redact_url, store_url_problem

__all__ = [
    "ArchiveEntry",
    "Claim",
    "Confirmation",
    "SourceState",
    "Store",
    "StoredArticle",
    "StoredIssue",
    "article_sends_table",
    "articles_table",
    "content_hash",
    "deliveries_table",
    "issues_table",
    "meta_table",
    "metadata",
    "rate_limits_table",
    "sources_table",
    "subscriber_events_table",
    "subscribers_table",
    "upgrade_store",
]


def _sqlite_why(message: str, engine: sa.Engine) -> str:
    """SQLite's 'unable to open database file', with why, as the file system tells it."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database.startswith((":memory:", "file:")):
        return message
    path = Path(database)
    if message.endswith("attempt to write a readonly database"):
        # SQLite says so too when the file may be written but its folder may not: it makes
        # the -wal and -shm files beside it.
        if path.is_file() and not os.access(path, os.W_OK):
            return f"{message} ({path} is read-only)"
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return f"{message} (its folder {path.parent} is read-only: SQLite keeps {path.name}-wal and -shm there)"
        return message
    if not message.endswith("unable to open database file"):
        return message
    if path.is_dir():
        return f"{message} ({path} is a folder)"
    if not path.parent.is_dir():
        return f"{message} (no folder {path.parent})"
    if not path.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
        return f"{message} (it cannot be made in {path.parent}: permission denied)"
    return message


class Store(
    SourcesMixin, ArticlesMixin, SubscribersMixin, ImportsMixin, IssuesMixin, LedgerMixin, ArchiveMixin, LimitsMixin
):
    """Opening a store brings its schema to the newest migration."""

    def __init__(self, url: str) -> None:
        self.url = url
        if problem := store_url_problem(url):
            # The driver would take the password's tail for the host and quote it in its errors.
            raise StoreError(f"cannot open store {redact_url(url)}: {problem}")
        try:
            self.engine = create_engine(url)
        except (SQLAlchemyError, ModuleNotFoundError, ValueError) as exc:
            raise StoreError(f"cannot open store {redact_url(url)}: {hide_password(url_problem(exc), url)}") from None
        try:
            upgrade(self.engine)
        except SQLAlchemyError as exc:
            self.engine.dispose()
            message = f"cannot open store {redact_url(url)}: {hide_password(first_line(exc), url)}"
            raise StoreError(_sqlite_why(message, self.engine)) from None
        except StoreError as exc:
            self.engine.dispose()
            raise StoreError(_sqlite_why(hide_password(str(exc), url), self.engine), transient=exc.transient) from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @overload
    def meta_value(self, key: str) -> str | None: ...
    @overload
    def meta_value(self, key: str, *, default_factory: Callable[[], str]) -> str: ...
    def meta_value(self, key: str, *, default_factory: Callable[[], str] | None = None) -> str | None:
        """A stored setting; with `default_factory`, created on first use (race-safe)."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == key)).first()
            if row is not None or default_factory is None:
                return row.value if row else None
            value = default_factory()
            try:
                with conn.begin_nested():
                    conn.execute(sa.insert(meta_table).values(key=key, value=value))
            except IntegrityError:
                value = conn.execute(sa.select(meta_table.c.value).where(meta_table.c.key == key)).scalar_one()
            return value


# Every method, the parts' included, turns a database error into a one-line StoreError.
guard_methods(Store, except_=("close",))
