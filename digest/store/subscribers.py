"""Subscribers of each list, and the token versions of the ones removed."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa

from digest.models import Subscriber, SubscriberStatus
from digest.store.base import StoreBase, chunks
from digest.store.schema import deliveries_table, meta_table, subscribers_table


class SubscribersMixin(StoreBase):
    def add_subscribers(
        self, list_name: str, subscribers: Iterable, *, at: datetime, resubscribe: bool = False
    ) -> tuple[int, int]:
        """Insert new subscribers in one transaction; (added, already present).
        An existing subscriber keeps their status unless `resubscribe`, which makes an
        unsubscribed or bounced one active again and bumps their token version."""
        added = present = 0
        t = subscribers_table
        with self.engine.begin() as conn:
            for chunk in chunks(subscribers, 1000):
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
                    {
                        "list_name": list_name,
                        "email": n.email,
                        "key": n.key,
                        "name": n.name,
                        "attributes": dict(n.attributes),
                        "status": SubscriberStatus.ACTIVE.value,
                        "version": retired.get(n.key, 0) + 1,
                        "created_at": at,
                        "updated_at": at,
                    }
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
            row = (
                conn.execute(
                    sa.select(subscribers_table).where(
                        subscribers_table.c.list_name == list_name, subscribers_table.c.key == key
                    )
                )
                .mappings()
                .first()
            )
        return subscriber_from_row(row) if row else None

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
            ids = [
                r.id
                for r in conn.execute(
                    sa.select(subscribers_table.c.id).where(
                        subscribers_table.c.list_name == list_name, subscribers_table.c.key == key
                    )
                )
            ]
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
                yield subscriber_from_row(row)
            last = rows[-1]["id"]

    def count_subscribers(self, list_name: str, *, status: SubscriberStatus | None = None) -> int:
        query = (
            sa.select(sa.func.count()).select_from(subscribers_table).where(subscribers_table.c.list_name == list_name)
        )
        if status is not None:
            query = query.where(subscribers_table.c.status == status.value)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()

    def subscriber_counts(self, list_names: Sequence[str]) -> dict[str, dict[SubscriberStatus, int]]:
        """Each list's subscribers by status, every status present (0 when none), in one query."""
        s = subscribers_table
        counts = {name: dict.fromkeys(SubscriberStatus, 0) for name in list_names}
        if not counts:
            return counts
        query = (
            sa.select(s.c.list_name, s.c.status, sa.func.count())
            .where(s.c.list_name.in_(list(counts)))
            .group_by(s.c.list_name, s.c.status)
        )
        with self.engine.connect() as conn:
            for list_name, status, n in conn.execute(query):
                counts[list_name][SubscriberStatus(status)] = n
        return counts


# What a Subscriber is made of: a claim reads only these (timestamps cost a parse each).
SUBSCRIBER_COLUMNS = tuple(
    subscribers_table.c[name] for name in ("id", "list_name", "email", "key", "name", "attributes", "status", "version")
)


def subscriber_from_row(row) -> Subscriber:
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


def _retired_key(list_name: str, key: str) -> str:
    return "retired-version/" + hashlib.sha256(f"{list_name}\n{key}".encode("utf-8", "surrogatepass")).hexdigest()[:40]
