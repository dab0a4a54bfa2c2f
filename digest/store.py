"""The store: articles, per-source fetch state and what was sent to which list.

SQLAlchemy Core over any URL; SQLite file by default, PostgreSQL tested too.
An article is *new* when neither its canonical URL nor its content hash is stored.
Gathering never marks anything sent: only a finished delivery does (`mark_sent`),
so a failed run loses nothing from the next digest.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from digest.errors import StoreError
from digest.models import Article
from digest.urls import canonical_url

log = logging.getLogger(__name__)

metadata = sa.MetaData()

sources_table = sa.Table(
    "sources",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("last_success", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", sa.DateTime(timezone=True)),
)

articles_table = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url_key", sa.Text, nullable=False, unique=True),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("source", sa.String(200), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("authors", sa.JSON, nullable=False),
    sa.Column("published", sa.DateTime(timezone=True)),
    sa.Column("paragraphs", sa.JSON, nullable=False),
    sa.Column("image", sa.Text),
    sa.Column("standfirst", sa.Text, nullable=False, default=""),
    sa.Column("warnings", sa.JSON, nullable=False),
    sa.Column("gathered_at", sa.DateTime(timezone=True), nullable=False),
)

article_sends_table = sa.Table(
    "article_sends",
    metadata,
    sa.Column("list_name", sa.String(200), primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("issue_id", sa.String(64), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StoredArticle:
    id: int
    article: Article
    gathered_at: datetime


def content_hash(article: Article) -> str:
    """Hash of the normalised title and body, so re-published copies at another URL match."""
    text = "\n".join((article.title, *article.paragraphs))
    normalised = re.sub(r"\s+", " ", text).strip().casefold()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine = sa.create_engine(url, future=True, **_engine_options(url))
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            metadata.create_all(self.engine)
        except (SQLAlchemyError, ModuleNotFoundError) as exc:
            raise StoreError(f"cannot open store {_redact(url)}: {_first_line(exc)}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Sources

    def source_state(self, name: str) -> SourceState:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sources_table).where(sources_table.c.name == name)).mappings().first()
        if row is None:
            return SourceState(name=name)
        return SourceState(
            name=name,
            etag=row["etag"],
            last_modified=row["last_modified"],
            last_success=_aware(row["last_success"]),
            last_error=row["last_error"],
            last_error_at=_aware(row["last_error_at"]),
        )

    def record_source_success(
        self, name: str, *, at: datetime, etag: str | None = None, last_modified: str | None = None
    ) -> None:
        values = {"last_success": at, "last_error": None, "last_error_at": None}
        if etag is not None or last_modified is not None:
            values |= {"etag": etag, "last_modified": last_modified}
        self._upsert_source(name, values)

    def record_source_failure(self, name: str, reason: str, *, at: datetime) -> None:
        self._upsert_source(name, {"last_error": reason, "last_error_at": at})

    def _upsert_source(self, name: str, values: dict) -> None:
        with self.engine.begin() as conn:
            updated = conn.execute(sa.update(sources_table).where(sources_table.c.name == name).values(**values))
            if updated.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(sa.insert(sources_table).values(name=name, **values))
                except IntegrityError:  # a concurrent writer inserted it first
                    conn.execute(sa.update(sources_table).where(sources_table.c.name == name).values(**values))

    # Articles

    def known_urls(self, urls: Iterable[str]) -> set[str]:
        """The subset of `urls` whose canonical form is already stored."""
        by_key = {canonical_url(u): u for u in urls}
        found: set[str] = set()
        keys = list(by_key)
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                rows = conn.execute(sa.select(articles_table.c.url_key).where(articles_table.c.url_key.in_(chunk)))
                found.update(by_key[r.url_key] for r in rows)
        return found

    def add_article(self, article: Article, *, gathered_at: datetime) -> bool:
        """Store the article if it is new; True when it was."""
        key = canonical_url(article.url)
        digest = content_hash(article)
        with self.engine.begin() as conn:
            exists = conn.execute(
                sa.select(articles_table.c.id).where(
                    sa.or_(articles_table.c.url_key == key, articles_table.c.content_hash == digest)
                ).limit(1)
            ).first()
            if exists:
                return False
            try:
                with conn.begin_nested():
                    conn.execute(
                        sa.insert(articles_table).values(
                            url_key=key,
                            content_hash=digest,
                            url=article.url,
                            source=article.source,
                            title=article.title,
                            authors=list(article.authors),
                            published=article.published,
                            paragraphs=list(article.paragraphs),
                            image=article.image,
                            standfirst=article.standfirst,
                            warnings=list(article.warnings),
                            gathered_at=gathered_at,
                        )
                    )
            except IntegrityError:  # a concurrent gather stored the same URL first
                return False
        return True

    def unsent_articles(
        self, list_name: str, *, sources: Sequence[str] | None = None, limit: int | None = None
    ) -> list[StoredArticle]:
        """Stored articles not yet sent to `list_name`, oldest gathered first."""
        sent = sa.select(article_sends_table.c.article_id).where(article_sends_table.c.list_name == list_name)
        query = sa.select(articles_table).where(articles_table.c.id.not_in(sent)).order_by(articles_table.c.id)
        if sources:
            query = query.where(articles_table.c.source.in_(list(sources)))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_stored(row) for row in conn.execute(query).mappings()]

    def count_articles(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(articles_table)).scalar_one()

    def mark_sent(self, list_name: str, article_ids: Iterable[int], *, issue_id: str, at: datetime) -> None:
        ids = sorted(set(article_ids))
        if not ids:
            return
        with self.engine.begin() as conn:
            already = {
                r.article_id
                for r in conn.execute(
                    sa.select(article_sends_table.c.article_id).where(
                        article_sends_table.c.list_name == list_name, article_sends_table.c.article_id.in_(ids)
                    )
                )
            }
            rows = [
                {"list_name": list_name, "article_id": i, "issue_id": issue_id, "sent_at": at}
                for i in ids
                if i not in already
            ]
            if rows:
                conn.execute(sa.insert(article_sends_table), rows)


def _stored(row: sa.RowMapping) -> StoredArticle:
    article = Article(
        url=row["url"],
        title=row["title"],
        paragraphs=tuple(row["paragraphs"]),
        authors=tuple(row["authors"]),
        published=_aware(row["published"]),
        image=row["image"],
        standfirst=row["standfirst"] or "",
        source=row["source"],
        warnings=tuple(row["warnings"]),
    )
    return StoredArticle(id=row["id"], article=article, gathered_at=_aware(row["gathered_at"]))


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _engine_options(url: str) -> dict:
    if url in ("sqlite://", "sqlite:///:memory:"):
        # One shared connection, or every checkout would see its own empty database.
        return {"poolclass": sa.pool.StaticPool, "connect_args": {"check_same_thread": False}}
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _redact(url: str) -> str:
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparseable URL: show only its scheme
        return url.split(":", 1)[0] + ":..."


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
