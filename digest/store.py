"""The store: articles, per-source fetch state and what was sent to which list.

SQLAlchemy Core over any URL; SQLite file by default, PostgreSQL tested too.
An article is *new* when neither its canonical URL nor its content hash is stored.
Gathering never marks anything sent: only a finished delivery does (`mark_sent`),
so a failed run loses nothing from the next digest.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from digest.errors import StoreError
from digest.models import (
    Article,
    DeliveryResult,
    DeliveryStatus,
    Digest,
    RenderedDigest,
    Subscriber,
    SubscriberStatus,
)
from digest.urls import canonical_url, redact_url

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


subscribers_table = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("list_name", sa.String(200), nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False, default=""),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("list_name", "key"),
)

issues_table = sa.Table(
    "issues",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("list_name", sa.String(200), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("markers", sa.JSON, nullable=False),
    sa.Column("article_urls", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    # At most one unfinished issue per list: two senders composing at once share it.
    sa.Index("ux_issues_open_list", "list_name", unique=True,
             sqlite_where=sa.text("completed_at IS NULL"), postgresql_where=sa.text("completed_at IS NULL")),
)

deliveries_table = sa.Table(
    "deliveries",
    metadata,
    sa.Column("issue_id", sa.String(100), sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("code", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("claimed_by", sa.String(64)),  # the sender that holds the claim; only it records an outcome
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Index("ix_deliveries_issue_status", "issue_id", "status"),
    sa.Index("ix_deliveries_sent_at", "sent_at"),  # the hourly cap counts the last hour's sends
)

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

_OWED = (DeliveryStatus.PENDING, DeliveryStatus.DEFERRED, DeliveryStatus.SENDING)


@dataclass(frozen=True, slots=True)
class StoredIssue:
    rendered: RenderedDigest
    article_urls: tuple[str, ...]
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Claim:
    subscriber: Subscriber
    attempts: int  # including this one


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
            _upgrade_schema(self.engine)
        except (SQLAlchemyError, ModuleNotFoundError) as exc:
            raise StoreError(f"cannot open store {redact_url(url)}: {_first_line(exc)}") from None

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

    def mark_sent(self, list_name: str, urls: Iterable[str], *, issue_id: str, at: datetime) -> None:
        """Mark the stored articles at these URLs as sent to the list (idempotent)."""
        with self.engine.begin() as conn:
            self._mark_sent(conn, list_name, urls, issue_id=issue_id, at=at)

    def _mark_sent(self, conn, list_name: str, urls: Iterable[str], *, issue_id: str, at: datetime) -> None:
        keys = sorted({canonical_url(u) for u in urls})
        if not keys:
            return
        ids = sorted(
            r.id for r in conn.execute(sa.select(articles_table.c.id).where(articles_table.c.url_key.in_(keys)))
        )
        if ids:
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

    # Subscribers

    def add_subscribers(self, list_name: str, subscribers: Iterable, *, at: datetime, resubscribe: bool = False) -> tuple[int, int]:
        """Insert new subscribers in one transaction; (added, already present).
        An existing subscriber keeps their status unless `resubscribe`, which makes an
        unsubscribed or bounced one active again and bumps their token version."""
        added = present = 0
        t = subscribers_table
        with self.engine.begin() as conn:
            for chunk in _chunks(subscribers, 1000):
                unique = list({new.key: new for new in chunk}.values())
                existing = {
                    r.key: r
                    for r in conn.execute(
                        sa.select(t.c.id, t.c.key, t.c.status).where(
                            t.c.list_name == list_name, t.c.key.in_([n.key for n in unique])
                        )
                    )
                }
                newcomers = [n for n in unique if n.key not in existing]
                # Someone removed and added again starts above the version their old
                # unsubscribe links carry, so those links stay outdated.
                retired = self._retired_versions(conn, list_name, [n.key for n in newcomers])
                fresh = [
                    {"list_name": list_name, "email": n.email, "key": n.key, "name": n.name,
                     "attributes": dict(n.attributes), "status": SubscriberStatus.ACTIVE.value,
                     "version": retired.get(n.key, 0) + 1, "created_at": at, "updated_at": at}
                    for n in newcomers
                ]
                if fresh:
                    conn.execute(sa.insert(t), fresh)
                added += len(fresh)
                for new in unique:
                    row = existing.get(new.key)
                    if row is None:
                        continue
                    present += 1
                    values = {"name": new.name or t.c.name, "updated_at": at}
                    if new.attributes:
                        values["attributes"] = dict(new.attributes)
                    if resubscribe and row.status != SubscriberStatus.ACTIVE.value:
                        values |= {"status": SubscriberStatus.ACTIVE.value, "version": t.c.version + 1}
                    conn.execute(sa.update(t).where(t.c.id == row.id).values(**values))
        return added, present

    def subscriber(self, list_name: str, key: str) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(subscribers_table).where(
                    subscribers_table.c.list_name == list_name, subscribers_table.c.key == key
                )
            ).mappings().first()
        return _subscriber(row) if row else None

    def set_subscriber_status(self, list_name: str, key: str, status: SubscriberStatus, *, at: datetime) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(subscribers_table)
                .where(subscribers_table.c.list_name == list_name, subscribers_table.c.key == key)
                .values(status=status.value, updated_at=at)
            )
        return result.rowcount > 0

    def remove_subscriber(self, list_name: str, key: str) -> bool:
        with self.engine.begin() as conn:
            ids = [r.id for r in conn.execute(sa.select(subscribers_table.c.id).where(
                subscribers_table.c.list_name == list_name, subscribers_table.c.key == key))]
            if not ids:
                return False
            version = conn.execute(
                sa.select(sa.func.max(subscribers_table.c.version)).where(subscribers_table.c.id.in_(ids))
            ).scalar_one()
            retired_key = _retired_key(list_name, key)
            before = self._retired_versions(conn, list_name, [key]).get(key, 0)
            conn.execute(sa.delete(meta_table).where(meta_table.c.key == retired_key))
            conn.execute(sa.insert(meta_table).values(key=retired_key, value=str(max(version, before))))
            conn.execute(sa.delete(deliveries_table).where(deliveries_table.c.subscriber_id.in_(ids)))
            conn.execute(sa.delete(subscribers_table).where(subscribers_table.c.id.in_(ids)))
        return True

    def _retired_versions(self, conn, list_name: str, keys: Sequence[str]) -> dict[str, int]:
        """The last token version of removed subscribers, by key (kept as a hash of the key)."""
        if not keys:
            return {}
        by_meta = {_retired_key(list_name, k): k for k in keys}
        rows = conn.execute(sa.select(meta_table.c.key, meta_table.c.value).where(meta_table.c.key.in_(list(by_meta))))
        return {by_meta[r.key]: int(r.value) for r in rows}

    def iter_subscribers(
        self, list_name: str, *, status: SubscriberStatus | None = None, batch: int = 1000
    ) -> Iterator[Subscriber]:
        """Stream a list's subscribers in id order, `batch` rows per query: memory stays flat."""
        last = 0
        while True:
            query = (
                sa.select(subscribers_table)
                .where(subscribers_table.c.list_name == list_name, subscribers_table.c.id > last)
                .order_by(subscribers_table.c.id)
                .limit(batch)
            )
            if status is not None:
                query = query.where(subscribers_table.c.status == status.value)
            with self.engine.connect() as conn:
                rows = conn.execute(query).mappings().all()
            if not rows:
                return
            for row in rows:
                yield _subscriber(row)
            last = rows[-1]["id"]

    def count_subscribers(self, list_name: str, *, status: SubscriberStatus | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(subscribers_table).where(subscribers_table.c.list_name == list_name)
        if status is not None:
            query = query.where(subscribers_table.c.status == status.value)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    # Issues and the delivery ledger

    def save_issue(self, rendered: RenderedDigest, *, article_urls: Sequence[str], at: datetime) -> bool:
        """Keep the rendered issue and owe it to every active subscriber of its list, in
        one transaction. False when nothing changed: the issue was already saved, or the
        list already has an unfinished issue (a concurrent composer won)."""
        digest = rendered.digest
        with self.engine.begin() as conn:
            if conn.execute(sa.select(issues_table.c.id).where(issues_table.c.id == digest.issue_id)).first():
                return False
            try:
                with conn.begin_nested():
                    conn.execute(
                        sa.insert(issues_table).values(
                            id=digest.issue_id, list_name=digest.list_name, title=digest.title, day=digest.day,
                            subject=rendered.subject, html=rendered.html, text=rendered.text,
                            markers=[list(m) for m in rendered.markers], article_urls=list(article_urls),
                            created_at=at,
                        )
                    )
            except IntegrityError:
                # Another sender composed this issue, or another one of the list, first:
                # the caller sends that one (`open_issue`) instead.
                return False
            owed = sa.select(
                sa.literal(digest.issue_id).label("issue_id"),
                subscribers_table.c.id,
                sa.literal(DeliveryStatus.PENDING.value).label("status"),
                sa.literal(0).label("attempts"),
                sa.literal(at, sa.DateTime(timezone=True)).label("updated_at"),
            ).where(
                subscribers_table.c.list_name == digest.list_name,
                subscribers_table.c.status == SubscriberStatus.ACTIVE.value,
            )
            conn.execute(
                sa.insert(deliveries_table).from_select(
                    ["issue_id", "subscriber_id", "status", "attempts", "updated_at"], owed
                )
            )
        return True

    def issue(self, issue_id: str) -> StoredIssue | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(issues_table).where(issues_table.c.id == issue_id)).mappings().first()
        return _issue(row) if row else None

    def open_issue(self, list_name: str) -> StoredIssue | None:
        """The newest issue of the list whose delivery is not finished."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(issues_table)
                .where(issues_table.c.list_name == list_name, issues_table.c.completed_at.is_(None))
                .order_by(issues_table.c.created_at.desc())
                .limit(1)
            ).mappings().first()
        return _issue(row) if row else None

    def last_issue(self, list_name: str) -> StoredIssue | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(issues_table)
                .where(issues_table.c.list_name == list_name)
                .order_by(issues_table.c.created_at.desc())
                .limit(1)
            ).mappings().first()
        return _issue(row) if row else None

    def skip_inactive(self, issue_id: str, *, at: datetime) -> int:
        """Owed deliveries to subscribers who left since the issue was composed become skipped."""
        inactive = sa.select(subscribers_table.c.id).where(subscribers_table.c.status != SubscriberStatus.ACTIVE.value)
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(deliveries_table)
                .where(
                    deliveries_table.c.issue_id == issue_id,
                    deliveries_table.c.status.in_([DeliveryStatus.PENDING.value, DeliveryStatus.DEFERRED.value]),
                    deliveries_table.c.subscriber_id.in_(inactive),
                )
                .values(status=DeliveryStatus.SKIPPED.value, updated_at=at)
            )
        return result.rowcount

    def claim(
        self,
        issue_id: str,
        *,
        limit: int,
        lease: float,
        now: datetime,
        owner: str = "",
        subscribers: tuple[int, int] | None = None,
        deferred_due: datetime | None = None,
        hourly_cap: int = 0,
    ) -> list[Claim]:
        """Atomically take up to `limit` owed deliveries: pending ones, deferred ones whose
        time has come (by `deferred_due`, default `now`), and ones whose sender's lease ran
        out (a crashed run). Two senders never get the same row: SKIP LOCKED on
        PostgreSQL; SQLite runs one writer at a time. `subscribers` = (first, last) limits
        the claim to that id range (one send batch of a flow). With `hourly_cap`, no more
        than the room left under it (`hourly_used`); capped claims are serialised, so
        concurrent senders share one cap. The claimed rows carry `owner`: only that
        sender may renew them (`renew`) or record their outcome (`record`)."""
        with self.engine.begin() as conn:
            if hourly_cap:
                self._serialise(conn)
                limit = min(limit, hourly_cap - self._hourly_used(conn, issue_id, now=now))
                if limit <= 0:
                    return []
            attempts = {r.subscriber_id: r.attempts for r in conn.execute(
                self._claim_statement(issue_id, limit=limit, lease=lease, now=now, owner=owner,
                                      subscribers=subscribers, deferred_due=deferred_due)
            )}
            if not attempts:
                return []
            rows = conn.execute(
                sa.select(*_SUBSCRIBER_COLUMNS).where(subscribers_table.c.id.in_(list(attempts)))
                .order_by(subscribers_table.c.id)
            ).mappings().all()
        return [Claim(subscriber=_subscriber(r), attempts=attempts[r["id"]]) for r in rows]

    def hourly_used(self, issue_id: str, *, now: datetime) -> int:
        """What the hourly cap counts: messages sent in the hour before `now` (any issue),
        plus this issue's deliveries in flight."""
        with self.engine.connect() as conn:
            return self._hourly_used(conn, issue_id, now=now)

    def _hourly_used(self, conn: sa.Connection, issue_id: str, *, now: datetime) -> int:
        d = deliveries_table
        sent = sa.select(sa.func.count()).select_from(d).where(d.c.sent_at > now - timedelta(hours=1))
        in_flight = sa.select(sa.func.count()).select_from(d).where(
            d.c.issue_id == issue_id, d.c.status == DeliveryStatus.SENDING.value, d.c.claimed_until >= now
        )
        return conn.execute(sa.select(sent.scalar_subquery() + in_flight.scalar_subquery())).scalar_one()

    def _serialise(self, conn: sa.Connection) -> None:
        """Hold the claim lock until the transaction ends: a read-then-claim is then atomic."""
        if self.engine.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_CLAIM_LOCK)))
        else:
            # SQLite takes its one write lock at the first write, even one that changes nothing.
            conn.execute(sa.update(meta_table).where(sa.false()).values(value=meta_table.c.value))

    def _claim_statement(
        self,
        issue_id: str,
        *,
        limit: int,
        lease: float,
        now: datetime,
        owner: str,
        subscribers: tuple[int, int] | None,
        deferred_due: datetime | None,
    ) -> sa.Update:
        d = deliveries_table
        due_by = now if deferred_due is None else min(now, deferred_due)
        in_range = sa.true() if subscribers is None else d.c.subscriber_id.between(*subscribers)
        due = (
            sa.select(d.c.subscriber_id)
            .where(
                d.c.issue_id == issue_id,
                in_range,
                sa.or_(
                    d.c.status == DeliveryStatus.PENDING.value,
                    sa.and_(d.c.status == DeliveryStatus.DEFERRED.value, d.c.next_attempt_at <= due_by),
                    sa.and_(d.c.status == DeliveryStatus.SENDING.value, d.c.claimed_until < now),
                ),
            )
            .order_by(d.c.subscriber_id)
            .limit(limit)
        )
        if self.engine.dialect.name == "postgresql":
            # A CTE, so the locked LIMIT subquery runs once; inside IN (...) PostgreSQL
            # may evaluate it again and claim more than `limit` rows.
            chosen = due.with_for_update(skip_locked=True).cte("due")
            where = (d.c.issue_id == issue_id, d.c.subscriber_id == chosen.c.subscriber_id)
        else:
            where = (d.c.issue_id == issue_id, d.c.subscriber_id.in_(due.scalar_subquery()))
        return (
            sa.update(d)
            .where(*where)
            .values(
                status=DeliveryStatus.SENDING.value,
                attempts=d.c.attempts + 1,
                claimed_until=now + timedelta(seconds=lease),
                claimed_by=owner or None,
                updated_at=now,
            )
            .returning(d.c.subscriber_id, d.c.attempts)
        )

    def release(self, issue_id: str, subscriber_ids: Iterable[int], *, now: datetime, owner: str = "") -> int:
        """Give back claims that were not sent (the sender stopped early): owed again now.
        With `owner`, only rows that sender still holds."""
        ids = list(subscriber_ids)
        d = deliveries_table
        released = 0
        with self.engine.begin() as conn:
            for start in range(0, len(ids), _IDS_PER_STATEMENT):
                result = conn.execute(
                    sa.update(d)
                    .where(d.c.issue_id == issue_id, d.c.subscriber_id.in_(ids[start : start + _IDS_PER_STATEMENT]),
                           d.c.status == DeliveryStatus.SENDING.value, *_owned_by(owner))
                    .values(status=DeliveryStatus.PENDING.value, claimed_until=None, claimed_by=None, updated_at=now)
                )
                released += result.rowcount
        return released

    def renew(self, issue_id: str, subscriber_ids: Iterable[int], *, owner: str, lease: float, now: datetime) -> set[int]:
        """Extend `owner`'s claims on these rows to `now + lease`; the ids still held.
        An id missing from the answer was taken by another sender after its lease ran out."""
        ids = list(subscriber_ids)
        d = deliveries_table
        held: set[int] = set()
        with self.engine.begin() as conn:
            for start in range(0, len(ids), _IDS_PER_STATEMENT):
                rows = conn.execute(
                    sa.update(d)
                    .where(d.c.issue_id == issue_id, d.c.subscriber_id.in_(ids[start : start + _IDS_PER_STATEMENT]),
                           d.c.status == DeliveryStatus.SENDING.value, d.c.claimed_by == owner)
                    .values(claimed_until=now + timedelta(seconds=lease))
                    .returning(d.c.subscriber_id)
                )
                held.update(r.subscriber_id for r in rows)
        return held

    def in_flight_elsewhere(self, issue_id: str, *, owner: str, now: datetime) -> int:
        """Deliveries of the issue claimed by another sender whose lease has not run out."""
        d = deliveries_table
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count()).select_from(d).where(
                    d.c.issue_id == issue_id, d.c.status == DeliveryStatus.SENDING.value, d.c.claimed_until >= now,
                    sa.or_(d.c.claimed_by.is_(None), d.c.claimed_by != owner),
                )
            ).scalar_one()

    def subscriber_id_ranges(self, issue_id: str, *, size: int) -> list[tuple[int, int]]:
        """The issue's deliveries cut into id ranges of about `size` rows, for send batches."""
        d = deliveries_table
        with self.engine.connect() as conn:
            ids = conn.execute(
                sa.select(d.c.subscriber_id).where(d.c.issue_id == issue_id).order_by(d.c.subscriber_id)
            ).scalars()
            ranges, first, count, last = [], None, 0, None
            for sid in ids:
                first = sid if first is None else first
                count, last = count + 1, sid
                if count == size:
                    ranges.append((first, last))
                    first, count = None, 0
            if first is not None:
                ranges.append((first, last))
        return ranges

    def record(self, issue_id: str, results: Sequence[DeliveryResult], *, now: datetime, owner: str = "") -> int:
        """Write outcomes in one transaction; how many rows were written. With `owner`,
        only rows that sender still holds: an outcome for a claim that passed to another
        sender is not written (the other sender's own outcome will be)."""
        # One UPDATE per distinct outcome (nearly always one: sent, 250) over a list of ids:
        # an executemany with a parameter set per row costs several times as much.
        groups: dict[tuple, list[int]] = {}
        for r in results:
            deferred, sent = r.status is DeliveryStatus.DEFERRED, r.status is DeliveryStatus.SENT
            values = (
                r.status.value,
                r.code,
                r.error or None,
                now + timedelta(seconds=r.retry_after or 0) if deferred else None,
                now if sent else None,
            )
            groups.setdefault(values, []).append(r.subscriber_id)
        if not groups:
            return 0
        d = deliveries_table
        written = 0
        with self.engine.begin() as conn:
            for (status, code, error, next_at, sent_at), ids in groups.items():
                for start in range(0, len(ids), _IDS_PER_STATEMENT):
                    result = conn.execute(
                        sa.update(d)
                        .where(d.c.issue_id == issue_id, d.c.subscriber_id.in_(ids[start : start + _IDS_PER_STATEMENT]),
                               *_owned_by(owner))
                        .values(status=status, code=code, last_error=error, next_attempt_at=next_at, sent_at=sent_at,
                                claimed_until=None, claimed_by=None, updated_at=now)
                    )
                    written += result.rowcount
        return written

    def count_owed(self, issue_id: str, *, subscribers: tuple[int, int] | None = None) -> int:
        d = deliveries_table
        query = sa.select(sa.func.count()).select_from(d).where(
            d.c.issue_id == issue_id, d.c.status.in_([s.value for s in _OWED])
        )
        if subscribers is not None:
            query = query.where(d.c.subscriber_id.between(*subscribers))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def ledger_totals(self, issue_id: str) -> dict[DeliveryStatus, int]:
        d = deliveries_table
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(d.c.status, sa.func.count()).where(d.c.issue_id == issue_id).group_by(d.c.status)
            ).all()
        totals = {status: 0 for status in DeliveryStatus}
        totals.update({DeliveryStatus(status): count for status, count in rows})
        return totals

    def next_due(self, issue_id: str) -> datetime | None:
        """When the earliest still-owed delivery becomes claimable, or None if nothing is owed."""
        d = deliveries_table
        when = sa.case(
            (d.c.status == DeliveryStatus.PENDING.value, sa.literal(datetime(1970, 1, 1, tzinfo=UTC), sa.DateTime(timezone=True))),
            (d.c.status == DeliveryStatus.DEFERRED.value, d.c.next_attempt_at),
            else_=d.c.claimed_until,
        )
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.min(when)).where(
                    d.c.issue_id == issue_id, d.c.status.in_([s.value for s in _OWED])
                )
            ).scalar()
        return _aware(value) if not isinstance(value, str) else _aware(datetime.fromisoformat(value))

    def reopen(self, issue_id: str, statuses: Sequence[DeliveryStatus], *, at: datetime) -> int:
        """Owe again the deliveries in `statuses` (--resend-failed, --resend-uncertain);
        the issue reopens. Refused while another issue of the list is unfinished."""
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(deliveries_table)
                .where(deliveries_table.c.issue_id == issue_id, deliveries_table.c.status.in_([s.value for s in statuses]))
                .values(status=DeliveryStatus.PENDING.value, updated_at=at, next_attempt_at=None, claimed_by=None)
            )
            if result.rowcount:
                try:
                    with conn.begin_nested():
                        conn.execute(sa.update(issues_table).where(issues_table.c.id == issue_id).values(completed_at=None))
                except IntegrityError:
                    raise StoreError(f"issue {issue_id} cannot reopen while another issue of its list is unfinished") from None
        return result.rowcount

    def complete_issue(self, issue_id: str, *, at: datetime, accept_uncertain: bool = False) -> bool:
        """If nothing is owed any more, close the issue and mark its articles sent to the
        list, in one transaction. False while deliveries are still owed, and while some
        are uncertain (maybe delivered) unless `accept_uncertain`: the operator settles
        those first (`send --resend-uncertain` or `--accept-uncertain`)."""
        d = deliveries_table
        unsettled = [s.value for s in _OWED]
        if not accept_uncertain:
            unsettled.append(DeliveryStatus.UNCERTAIN.value)
        with self.engine.begin() as conn:
            owed = conn.execute(
                sa.select(sa.func.count()).select_from(d).where(d.c.issue_id == issue_id, d.c.status.in_(unsettled))
            ).scalar_one()
            if owed:
                return False
            row = conn.execute(sa.select(issues_table).where(issues_table.c.id == issue_id)).mappings().first()
            if row is None:
                return False
            if row["completed_at"] is None:
                conn.execute(sa.update(issues_table).where(issues_table.c.id == issue_id).values(completed_at=at))
            self._mark_sent(conn, row["list_name"], row["article_urls"], issue_id=issue_id, at=at)
        return True

    def meta_value(self, key: str, *, default_factory=None) -> str | None:
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


def _guarded(method):
    """Turn a database error inside a Store method into a one-line StoreError naming
    the store and the operation; generators are guarded while they are iterated."""
    name = method.__name__.strip("_").replace("_", " ")

    def fail(store: Store, exc: SQLAlchemyError) -> NoReturn:
        transient = isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or bool(
            getattr(exc, "connection_invalidated", False)
        )
        cause = _first_line(getattr(exc, "orig", None) or exc)
        raise StoreError(f"store {redact_url(store.url)}: {name} failed: {cause}",
                         transient=transient) from None

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


for _name, _method in list(vars(Store).items()):
    if inspect.isfunction(_method) and not _name.startswith("__") and _name not in ("close",):
        setattr(Store, _name, _guarded(_method))


def _owned_by(owner: str) -> tuple:
    """The WHERE terms for rows a sender still holds (none without an owner)."""
    if not owner:
        return ()
    d = deliveries_table
    return (d.c.status == DeliveryStatus.SENDING.value, d.c.claimed_by == owner)


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


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# What a Subscriber is made of: a claim reads only these (timestamps cost a parse each).
_SUBSCRIBER_COLUMNS = tuple(
    subscribers_table.c[name] for name in ("id", "list_name", "email", "key", "name", "attributes", "status", "version")
)


def _subscriber(row) -> Subscriber:
    return Subscriber(
        id=row["id"],
        list_name=row["list_name"],
        email=row["email"],
        key=row["key"],
        name=row["name"] or "",
        attributes=tuple(sorted((row["attributes"] or {}).items())),
        status=SubscriberStatus(row["status"]),
        version=row["version"],
    )


def _issue(row) -> StoredIssue:
    digest = Digest(issue_id=row["id"], list_name=row["list_name"], title=row["title"], day=row["day"], items=())
    rendered = RenderedDigest(
        digest=digest,
        subject=row["subject"],
        html=row["html"],
        text=row["text"],
        markers=tuple((name, marker) for name, marker in row["markers"]),
    )
    return StoredIssue(
        rendered=rendered,
        article_urls=tuple(row["article_urls"]),
        created_at=_aware(row["created_at"]),
        completed_at=_aware(row["completed_at"]),
    )


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _upgrade_schema(engine: sa.Engine) -> None:
    """Columns and indexes added after a table was created: create_all adds none to a
    table that exists. Another process opening the store may add one first."""
    inspector = sa.inspect(engine)
    for table in (deliveries_table, issues_table):
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            try:
                with engine.begin() as conn:
                    conn.execute(sa.text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}'))
            except SQLAlchemyError:
                if column.name not in {c["name"] for c in sa.inspect(engine).get_columns(table.name)}:
                    raise
        for index in table.indexes:
            try:
                index.create(engine, checkfirst=True)
            except IntegrityError:
                # An older store with two unfinished issues of one list: it keeps working,
                # without the guard, until one of them is finished.
                log.warning("store: index %s not created: an older store holds two unfinished issues of one list", index.name)
            except SQLAlchemyError:
                if index.name not in {i["name"] for i in sa.inspect(engine).get_indexes(table.name)}:
                    raise


_IDS_PER_STATEMENT = 500  # well under SQLite's limit on bound parameters
_CLAIM_LOCK = 0x6469676573740001  # pg_advisory_xact_lock key for capped claims ("digest" + 1)


def _engine_options(url: str) -> dict:
    if url in ("sqlite://", "sqlite:///:memory:"):
        # One shared connection, or every checkout would see its own empty database.
        return {"poolclass": sa.pool.StaticPool, "connect_args": {"check_same_thread": False}}
    if url.startswith("sqlite"):
        # How long to wait for another writer's lock; `?timeout=SECONDS` in the URL sets it.
        return {} if "timeout=" in url else {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _retired_key(list_name: str, key: str) -> str:
    return "retired-version/" + hashlib.sha256(f"{list_name}\n{key}".encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
