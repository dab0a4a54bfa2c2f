"""The archive: the issues a list has sent, newest first. An issue is in it once a reader
got it (a delivery sent) or it is complete; an issue composed but not yet sent is not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from digest.models import DeliveryStatus, DigestItem
from digest.store.base import StoreBase, aware
from digest.store.issues import StoredIssue, _issue, items_from_json
from digest.store.schema import deliveries_table, issues_table


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    issue_id: str
    list_name: str
    subject: str
    day: date
    created_at: datetime
    items: tuple[DigestItem, ...]


def _published():
    d = deliveries_table
    sent = sa.exists().where(d.c.issue_id == issues_table.c.id, d.c.status == DeliveryStatus.SENT.value)
    return sa.or_(issues_table.c.completed_at.is_not(None), sent)


class ArchiveMixin(StoreBase):
    def archive_entries(self, list_name: str, *, limit: int, offset: int = 0) -> list[ArchiveEntry]:
        i = issues_table
        query = (
            sa.select(i.c.id, i.c.list_name, i.c.subject, i.c.day, i.c.created_at, i.c["items"])
            .where(i.c.list_name == list_name, _published())
            .order_by(i.c.created_at.desc(), i.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            ArchiveEntry(
                issue_id=r["id"],
                list_name=r["list_name"],
                subject=r["subject"],
                day=r["day"],
                created_at=aware(r["created_at"]),
                items=items_from_json(r["items"]),
            )
            for r in rows
        ]

    def archived_issue(self, issue_id: str) -> StoredIssue | None:
        """The issue, if it is in its list's archive."""
        query = sa.select(issues_table).where(issues_table.c.id == issue_id, _published())
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _issue(row) if row else None
