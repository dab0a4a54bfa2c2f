"""Issues: a rendered digest kept with its items, owed to the list's active subscribers.

A digest issue gets an id when it is composed, idempotently: at most one unfinished
issue per list (`ux_issues_open_list`), so two senders composing at once share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from digest.errors import StoreError
from digest.models import (
    Article,
    DeliveryStatus,
    Digest,
    DigestItem,
    RenderedDigest,
    SubscriberStatus,
)
from digest.store.base import StoreBase, aware
from digest.store.schema import deliveries_table, issues_table, subscribers_table

# Deliveries still owed: the issue is not finished while any is in one of these.
OWED = (DeliveryStatus.PENDING, DeliveryStatus.DEFERRED, DeliveryStatus.SENDING)


@dataclass(frozen=True, slots=True)
class StoredIssue:
    rendered: RenderedDigest
    article_urls: tuple[str, ...]
    created_at: datetime
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssueHead:
    """An issue without its body: what a status view shows of it."""

    issue_id: str
    list_name: str
    subject: str
    created_at: datetime
    completed_at: datetime | None


class IssuesMixin(StoreBase):
    """Completing an issue marks its articles sent through `ArticlesMixin._mark_sent`."""

    if TYPE_CHECKING:

        def _mark_sent(
            self, conn: sa.Connection, list_name: str, urls: Iterable[str], *, issue_id: str, at: datetime
        ) -> None: ...

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
                            id=digest.issue_id,
                            list_name=digest.list_name,
                            title=digest.title,
                            day=digest.day,
                            subject=rendered.subject,
                            html=rendered.html,
                            text=rendered.text,
                            markers=[list(m) for m in rendered.markers],
                            article_urls=list(article_urls),
                            items=items_to_json(digest.items),
                            more=digest.more,
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
            self.refresh_statistics(conn, "deliveries")
        return True

    def issue(self, issue_id: str) -> StoredIssue | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(issues_table).where(issues_table.c.id == issue_id)).mappings().first()
        return _issue(row) if row else None

    def open_issue(self, list_name: str) -> StoredIssue | None:
        """The newest issue of the list whose delivery is not finished."""
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(issues_table)
                    .where(issues_table.c.list_name == list_name, issues_table.c.completed_at.is_(None))
                    .order_by(issues_table.c.created_at.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return _issue(row) if row else None

    def last_issue(self, list_name: str) -> StoredIssue | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(
                    sa.select(issues_table)
                    .where(issues_table.c.list_name == list_name)
                    .order_by(issues_table.c.created_at.desc())
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return _issue(row) if row else None

    def issue_heads(self, list_name: str) -> tuple[IssueHead | None, IssueHead | None]:
        """The list's unfinished issue and its newest complete one, without their bodies."""
        i = issues_table
        columns = (i.c.id, i.c.list_name, i.c.subject, i.c.created_at, i.c.completed_at)
        newest = sa.select(*columns).where(i.c.list_name == list_name).order_by(i.c.created_at.desc()).limit(1)
        with self.engine.connect() as conn:
            unfinished = conn.execute(newest.where(i.c.completed_at.is_(None))).mappings().first()
            complete = conn.execute(newest.where(i.c.completed_at.is_not(None))).mappings().first()
        return (_head(unfinished) if unfinished else None, _head(complete) if complete else None)

    def reopen(self, issue_id: str, statuses: Sequence[DeliveryStatus], *, at: datetime) -> int:
        """Owe again the deliveries in `statuses` (--resend-failed, --resend-uncertain);
        the issue reopens. Refused while another issue of the list is unfinished."""
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(deliveries_table)
                .where(
                    deliveries_table.c.issue_id == issue_id, deliveries_table.c.status.in_([s.value for s in statuses])
                )
                .values(status=DeliveryStatus.PENDING.value, updated_at=at, next_attempt_at=None, claimed_by=None)
            )
            if result.rowcount:
                try:
                    with conn.begin_nested():
                        conn.execute(
                            sa.update(issues_table).where(issues_table.c.id == issue_id).values(completed_at=None)
                        )
                except IntegrityError:
                    raise StoreError(
                        f"issue {issue_id} cannot reopen while another issue of its list is unfinished"
                    ) from None
        return result.rowcount

    def complete_issue(self, issue_id: str, *, at: datetime, accept_uncertain: bool = False) -> bool:
        """If nothing is owed any more, close the issue and mark its articles sent to the
        list, in one transaction. False while deliveries are still owed, and while some
        are uncertain (maybe delivered) unless `accept_uncertain`: the operator settles
        those first (`send --resend-uncertain` or `--accept-uncertain`)."""
        d = deliveries_table
        unsettled = [s.value for s in OWED]
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


def items_to_json(items: Sequence[DigestItem]) -> list[dict]:
    """A digest's items as plain JSON values: each article's fields and its summary."""
    return [
        {
            "article": {
                "url": a.url,
                "title": a.title,
                "paragraphs": list(a.paragraphs),
                "authors": list(a.authors),
                "published": a.published.isoformat() if a.published else None,
                "image": a.image,
                "standfirst": a.standfirst,
                "source": a.source,
                "warnings": list(a.warnings),
            },
            "sentences": list(item.sentences),
            "source_label": item.source_label,
        }
        for item in items
        for a in (item.article,)
    ]


def items_from_json(value: list[dict] | None) -> tuple[DigestItem, ...]:
    """The items `items_to_json` wrote; none for an issue saved before they were kept."""
    items = []
    for item in value or ():
        a = item["article"]
        article = Article(
            url=a["url"],
            title=a["title"],
            paragraphs=tuple(a["paragraphs"]),
            authors=tuple(a["authors"]),
            published=aware(datetime.fromisoformat(a["published"])) if a.get("published") else None,
            image=a.get("image"),
            standfirst=a.get("standfirst", ""),
            source=a.get("source", ""),
            warnings=tuple(a.get("warnings", ())),
        )
        items.append(
            DigestItem(article=article, sentences=tuple(item["sentences"]), source_label=item.get("source_label", ""))
        )
    return tuple(items)


def _issue(row) -> StoredIssue:
    digest = Digest(
        issue_id=row["id"],
        list_name=row["list_name"],
        title=row["title"],
        day=row["day"],
        items=items_from_json(row["items"]),
        more=row["more"] or 0,
    )
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
        created_at=aware(row["created_at"]),
        completed_at=aware(row["completed_at"]),
    )


def _head(row) -> IssueHead:
    return IssueHead(
        issue_id=row["id"],
        list_name=row["list_name"],
        subject=row["subject"],
        created_at=aware(row["created_at"]),
        completed_at=aware(row["completed_at"]),
    )
