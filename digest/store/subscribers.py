"""Subscribers of each list, the token versions of the ones removed, and the history of
every change to them (`subscriber_events`), written in the same transaction as the change."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from digest.models import ChangeSource, Subscriber, SubscriberChange, SubscriberEvent, SubscriberStatus
from digest.store.base import StoreBase, aware, chunks, stored_text
from digest.store.schema import (
    deliveries_table,
    issues_table,
    meta_table,
    subscriber_events_table,
    subscribers_table,
)

_STATUS_CHANGES = {
    SubscriberStatus.ACTIVE: SubscriberChange.RESUBSCRIBED,
    SubscriberStatus.UNSUBSCRIBED: SubscriberChange.UNSUBSCRIBED,
    SubscriberStatus.BOUNCED: SubscriberChange.BOUNCED,
}


class Confirmation(StrEnum):
    """What following a confirmation link did."""

    CONFIRMED = "confirmed"  # the reader is active now
    ALREADY_ACTIVE = "already active"  # nothing to do
    OUTDATED = "outdated"  # the link was used, or the reader changed since it was sent


@dataclass(frozen=True, slots=True)
class BounceCounts:
    """What bounce and complaint intake recorded for a list."""

    hard: int = 0  # readers marked bounced (a permanent failure, or too many temporary ones)
    soft: int = 0  # temporary failures counted
    complaints: int = 0  # readers unsubscribed by a feedback-loop report
    last_at: datetime | None = None  # the newest of them


class SubscribersMixin(StoreBase):
    def add_subscribers(
        self,
        list_name: str,
        subscribers: Iterable,
        *,
        at: datetime,
        resubscribe: bool = False,
        source: ChangeSource = ChangeSource.IMPORT,
    ) -> tuple[int, int]:
        """Insert new subscribers in one transaction; (added, already present).
        An existing subscriber keeps their status unless `resubscribe`, which makes an
        unsubscribed or bounced one active again and bumps their token version. Each
        reader added or made active again is recorded in the history with `source`."""
        added = present = 0
        refresh_at = 1000  # then 4x as many: a handful of ANALYZEs even for a million readers
        t = subscribers_table
        with self.engine.begin() as conn:
            for chunk in chunks(subscribers, 1000):
                unique = list({new.key: new for new in chunk}.values())
                existing = {
                    r.key: r
                    for r in conn.execute(
                        sa.select(t.c.id, t.c.key, t.c.status, t.c.attributes).where(
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
                if added >= refresh_at:
                    self.refresh_statistics(conn, "subscribers", "subscriber_events")
                    refresh_at *= 4
                events = [_event(list_name, n.key, SubscriberChange.SUBSCRIBED, source, at) for n in newcomers]
                for new in unique:
                    row = existing.get(new.key)
                    if row is None:
                        continue
                    present += 1
                    values = {"name": new.name or t.c.name, "updated_at": at}
                    if new.attributes:  # over the stored ones: an attribute not given keeps its value
                        values["attributes"] = {**(row.attributes or {}), **dict(new.attributes)}
                    if resubscribe and row.status != SubscriberStatus.ACTIVE.value:
                        values |= {"status": SubscriberStatus.ACTIVE.value, "version": t.c.version + 1}
                        events.append(_event(list_name, new.key, SubscriberChange.RESUBSCRIBED, source, at))
                    conn.execute(sa.update(t).where(t.c.id == row.id).values(**values))
                if events:
                    conn.execute(sa.insert(subscriber_events_table), events)
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

    def stopped_keys(self, list_name: str, keys: Sequence[str]) -> set[str]:
        """Which of these readers of the list are on it but not active (bounced, complained,
        unsubscribed). Asked a chunk of an import at a time."""
        t = subscribers_table
        found: set[str] = set()
        with self.engine.connect() as conn:
            for part in chunks(keys, 1000):
                found.update(
                    conn.execute(
                        sa.select(t.c.key).where(
                            t.c.list_name == list_name,
                            t.c.key.in_(part),
                            t.c.status != SubscriberStatus.ACTIVE.value,
                        )
                    ).scalars()
                )
        return found

    def bounced_elsewhere(self, list_name: str, keys: Sequence[str]) -> dict[str, str]:
        """Which of these readers, not on the list, are bounced on another (the mailbox is
        dead): key to the first such list. Asked a chunk of an import at a time."""
        t, on_list = subscribers_table, subscribers_table.alias("on_list")
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for part in chunks(keys, 1000):
                rows = conn.execute(
                    sa.select(t.c.key, t.c.list_name)
                    .where(
                        t.c.key.in_(part),
                        t.c.status == SubscriberStatus.BOUNCED.value,
                        t.c.key.not_in(
                            sa.select(on_list.c.key).where(on_list.c.list_name == list_name, on_list.c.key.in_(part))
                        ),
                    )
                    .order_by(t.c.list_name)
                )
                for key, other in rows:
                    found.setdefault(key, other)
        return found

    def set_subscriber_status(
        self,
        list_name: str,
        key: str,
        status: SubscriberStatus,
        *,
        at: datetime,
        source: ChangeSource = ChangeSource.OPERATOR,
        version: int | None = None,
        detail: str = "",
    ) -> bool:
        """Whether the subscriber is on the list (at `version`, when given: a token's).
        A change of status is recorded with `source` (and `detail`, e.g. a bounce's
        reason); becoming active again bumps the token version, so links sent before
        cannot undo it. Setting the status a reader already has changes and records
        nothing, so a repeated click is harmless. A bounced reader's status is changed
        only by the operator: anything else (the reader leaving the list, a complaint)
        leaves the bounce standing and records nothing, so no page or link can undo it."""
        t = subscribers_table
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(t.c.id, t.c.status, t.c.version).where(t.c.list_name == list_name, t.c.key == key)
            ).first()
            if row is None or (version is not None and row.version != version):
                return False
            if row.status == status.value or (
                row.status == SubscriberStatus.BOUNCED.value and source is not ChangeSource.OPERATOR
            ):
                return True
            values: dict = {"status": status.value, "updated_at": at}
            if status is SubscriberStatus.ACTIVE:
                values["version"] = t.c.version + 1
            # Compare and set: of two clicks at the same moment, one changes the row and records it.
            changed = conn.execute(
                sa.update(t)
                .where(t.c.id == row.id, t.c.status == row.status, t.c.version == row.version)
                .values(**values)
            ).rowcount
            if changed:
                conn.execute(
                    sa.insert(subscriber_events_table).values(
                        _event(list_name, key, _STATUS_CHANGES[status], source, at, detail)
                    )
                )
        return True

    def confirm_subscriber(self, list_name: str, new, *, version: int, at: datetime) -> Confirmation:
        """Follow a confirmation link: the reader `new` (a NewSubscriber) becomes active,
        if the key is still at `version`, the version the link was made for (0, or the
        retired version of a removed reader, for someone not on the list). A used link
        finds the version moved on."""
        t = subscribers_table
        source = ChangeSource.EMAIL_CONFIRMATION
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(t.c.id, t.c.status, t.c.version).where(t.c.list_name == list_name, t.c.key == new.key)
            ).first()
            if row is None:
                if self._retired_versions(conn, list_name, [new.key]).get(new.key, 0) != version:
                    return Confirmation.OUTDATED
                try:
                    with conn.begin_nested():
                        conn.execute(
                            sa.insert(t).values(
                                list_name=list_name,
                                email=new.email,
                                key=new.key,
                                name=new.name,
                                attributes={},
                                status=SubscriberStatus.ACTIVE.value,
                                version=version + 1,
                                created_at=at,
                                updated_at=at,
                            )
                        )
                except IntegrityError:  # the same link followed twice at once: the other one won
                    return Confirmation.OUTDATED
                conn.execute(
                    sa.insert(subscriber_events_table).values(
                        _event(list_name, new.key, SubscriberChange.SUBSCRIBED, source, at)
                    )
                )
                return Confirmation.CONFIRMED
            if row.version != version:
                return Confirmation.OUTDATED
            if row.status == SubscriberStatus.ACTIVE.value:
                return Confirmation.ALREADY_ACTIVE
            changed = conn.execute(
                sa.update(t)
                .where(t.c.id == row.id, t.c.version == row.version, t.c.status == row.status)
                .values(status=SubscriberStatus.ACTIVE.value, version=t.c.version + 1, updated_at=at)
            ).rowcount
            if not changed:
                return Confirmation.OUTDATED
            conn.execute(
                sa.insert(subscriber_events_table).values(
                    _event(list_name, new.key, SubscriberChange.RESUBSCRIBED, source, at)
                )
            )
        return Confirmation.CONFIRMED

    def token_version(self, list_name: str, key: str) -> int:
        """The version a confirmation link is made for: the reader's, or for someone not on
        the list the last version they had (0 if never)."""
        t = subscribers_table
        with self.engine.connect() as conn:
            version = conn.execute(
                sa.select(t.c.version).where(t.c.list_name == list_name, t.c.key == key)
            ).scalar_one_or_none()
            if version is not None:
                return version
            return self._retired_versions(conn, list_name, [key]).get(key, 0)

    def rename_subscriber(self, key: str, name: str, *, at: datetime, source: ChangeSource) -> int:
        """Give the reader `name` on every list they are on; the number of lists changed."""
        t = subscribers_table
        with self.engine.begin() as conn:
            lists = [
                r.list_name for r in conn.execute(sa.select(t.c.list_name).where(t.c.key == key, t.c.name != name))
            ]
            if lists:
                conn.execute(
                    sa.update(t).where(t.c.key == key, t.c.list_name.in_(lists)).values(name=name, updated_at=at)
                )
                conn.execute(
                    sa.insert(subscriber_events_table),
                    [_event(list_name, key, SubscriberChange.RENAMED, source, at) for list_name in lists],
                )
        return len(lists)

    def subscriptions(self, key: str) -> list[Subscriber]:
        """The reader's row on every list they are on, by list name."""
        t = subscribers_table
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t).where(t.c.key == key).order_by(t.c.list_name)).mappings().all()
        return [subscriber_from_row(row) for row in rows]

    def record_subscriber_event(
        self,
        list_name: str,
        key: str,
        change: SubscriberChange,
        *,
        source: ChangeSource,
        at: datetime,
        detail: str = "",
    ) -> None:
        """A line of history that goes with no change of the subscriber row (a confirmation sent)."""
        with self.engine.begin() as conn:
            conn.execute(sa.insert(subscriber_events_table).values(_event(list_name, key, change, source, at, detail)))

    def subscriber_history(self, key: str, *, list_name: str | None = None, limit: int = 1000) -> list[SubscriberEvent]:
        """The reader's changes, oldest first (the newest `limit`)."""
        e = subscriber_events_table
        query = sa.select(e).where(e.c.key == key).order_by(e.c.at.desc(), e.c.id.desc()).limit(limit)
        if list_name is not None:
            query = query.where(e.c.list_name == list_name)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            SubscriberEvent(
                list_name=r["list_name"],
                key=r["key"],
                at=aware(r["at"]),
                change=SubscriberChange(r["change"]),
                source=ChangeSource(r["source"]),
                detail=stored_text(r["detail"]),
            )
            for r in reversed(rows)
        ]

    def remove_subscriber(
        self, list_name: str, key: str, *, at: datetime | None = None, source: ChangeSource = ChangeSource.OPERATOR
    ) -> bool:
        """Delete the subscriber and their deliveries; their history stays, with the removal."""
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
            conn.execute(
                sa.insert(subscriber_events_table).values(
                    _event(list_name, key, SubscriberChange.REMOVED, source, at or datetime.now(UTC))
                )
            )
        return True

    # ------------------------------------------------------------ bounces and complaints

    def subscriber_by_id(self, subscriber_id: int) -> Subscriber | None:
        with self.engine.connect() as conn:
            row = (
                conn.execute(sa.select(subscribers_table).where(subscribers_table.c.id == subscriber_id))
                .mappings()
                .first()
            )
        return subscriber_from_row(row) if row else None

    def issues_owed_to(self, subscriber_id: int) -> list[str]:
        """The ids of the issues with a ledger row for this subscriber, newest first: each
        issue of the reader's list, its row found by the ledger's key (not a scan of every
        ledger for the reader's rows)."""
        d, i, s = deliveries_table, issues_table, subscribers_table
        query = (
            sa.select(i.c.id)
            .join(s, s.c.list_name == i.c.list_name)
            .join(d, sa.and_(d.c.issue_id == i.c.id, d.c.subscriber_id == s.c.id))
            .where(s.c.id == subscriber_id)
            .order_by(i.c.created_at.desc(), i.c.id.desc())
        )
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def sent_before_active(self, issue_id: str, subscriber_id: int) -> bool:
        """Whether the reader's copy of the issue went out before they last became active
        (subscribed, or resubscribed, as the operator's reactivation is): what comes back
        about it says nothing of their mailbox since. False when it was not sent."""
        d, t, e = deliveries_table, subscribers_table, subscriber_events_table
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(d.c.sent_at, t.c.list_name, t.c.key)
                .join(t, t.c.id == d.c.subscriber_id)
                .where(d.c.issue_id == issue_id, d.c.subscriber_id == subscriber_id)
            ).first()
            if row is None or row.sent_at is None:
                return False
            became_active = conn.execute(
                sa.select(sa.func.max(e.c.at)).where(
                    e.c.list_name == row.list_name,
                    e.c.key == row.key,
                    e.c.change.in_([SubscriberChange.SUBSCRIBED.value, SubscriberChange.RESUBSCRIBED.value]),
                )
            ).scalar_one_or_none()
        return became_active is not None and aware(row.sent_at) < aware(became_active)

    def record_soft_bounce(
        self,
        list_name: str,
        key: str,
        *,
        at: datetime,
        detail: str,
        limit: int,
        within: timedelta,
        issue_id: str = "",
    ) -> int:
        """Record a temporary failure for an active reader and count theirs within `within`
        (since they last became active, if later); at `limit` the reader is marked bounced,
        in the same transaction. The failures are counted by message: those that name the
        same issue (a delay warning, then the final failure) count once. The count, 0 when
        the reader is not active (nothing is recorded then)."""
        t, e = subscribers_table, subscriber_events_table
        with self.engine.begin() as conn:
            row = conn.execute(
                sa.select(t.c.id, t.c.status, t.c.version).where(t.c.list_name == list_name, t.c.key == key)
            ).first()
            if row is None or row.status != SubscriberStatus.ACTIVE.value:
                return 0
            conn.execute(
                sa.insert(e).values(
                    _event(list_name, key, SubscriberChange.SOFT_BOUNCE, ChangeSource.BOUNCE, at, detail, issue_id)
                )
            )
            became_active = conn.execute(
                sa.select(sa.func.max(e.c.at)).where(
                    e.c.list_name == list_name,
                    e.c.key == key,
                    e.c.change.in_([SubscriberChange.SUBSCRIBED.value, SubscriberChange.RESUBSCRIBED.value]),
                )
            ).scalar_one_or_none()
            since = at - within
            if became_active is not None and aware(became_active) > since:
                since = aware(became_active)
            message = sa.case((e.c.issue_id != "", e.c.issue_id), else_="#" + sa.cast(e.c.id, sa.String))
            count = conn.execute(
                sa.select(sa.func.count(sa.distinct(message))).where(
                    e.c.list_name == list_name,
                    e.c.key == key,
                    e.c.change == SubscriberChange.SOFT_BOUNCE.value,
                    e.c.at >= since,
                )
            ).scalar_one()
            if count >= limit:
                changed = conn.execute(
                    sa.update(t)
                    .where(t.c.id == row.id, t.c.status == row.status, t.c.version == row.version)
                    .values(status=SubscriberStatus.BOUNCED.value, updated_at=at)
                ).rowcount
                if changed:
                    days = within.total_seconds() / 86400
                    note = f"{count} temporary failures within {days:g} days; the last: {detail}"
                    conn.execute(
                        sa.insert(e).values(
                            _event(list_name, key, SubscriberChange.BOUNCED, ChangeSource.BOUNCE, at, note)
                        )
                    )
            return count

    def bounce_counts(self, list_names: Sequence[str]) -> dict[str, BounceCounts]:
        """Per list, what bounce and complaint intake recorded: readers marked bounced,
        temporary failures counted, complaints, and the newest of them. One query."""
        e = subscriber_events_table
        found: dict[str, dict[str, int]] = {name: {} for name in list_names}
        latest: dict[str, datetime] = {}
        if not found:
            return {}
        kind = sa.case(
            (e.c.source == ChangeSource.COMPLAINT.value, "complaints"),
            (e.c.change == SubscriberChange.SOFT_BOUNCE.value, "soft"),
            else_="hard",
        )
        query = (
            sa.select(e.c.list_name, kind.label("kind"), sa.func.count(), sa.func.max(e.c.at))
            .where(
                e.c.list_name.in_(list(found)),
                sa.or_(
                    sa.and_(
                        e.c.source == ChangeSource.COMPLAINT.value,
                        e.c.change == SubscriberChange.UNSUBSCRIBED.value,
                    ),
                    sa.and_(
                        e.c.source == ChangeSource.BOUNCE.value,
                        e.c.change.in_([SubscriberChange.BOUNCED.value, SubscriberChange.SOFT_BOUNCE.value]),
                    ),
                ),
            )
            .group_by(e.c.list_name, kind)
        )
        with self.engine.connect() as conn:
            for list_name, name, n, last in conn.execute(query):
                found[list_name][name] = n
                moment = aware(last)
                if list_name not in latest or moment > latest[list_name]:
                    latest[list_name] = moment
        return {
            name: BounceCounts(
                hard=counts.get("hard", 0),
                soft=counts.get("soft", 0),
                complaints=counts.get("complaints", 0),
                last_at=latest.get(name),
            )
            for name, counts in found.items()
        }

    def stop_reasons(self, list_name: str, keys: Sequence[str]) -> dict[str, SubscriberEvent]:
        """For each of these readers of the list whom a bounce or a complaint stopped (their
        status is still what it made it), that change: its time, source and reason. Asked a
        page of readers at a time, so that listing a million holds one page of changes."""
        e, t = subscriber_events_table, subscribers_table
        status_changes = [
            c.value
            for c in (
                SubscriberChange.SUBSCRIBED,
                SubscriberChange.RESUBSCRIBED,
                SubscriberChange.UNSUBSCRIBED,
                SubscriberChange.BOUNCED,
            )
        ]
        query = (
            sa.select(e)
            .join(t, sa.and_(t.c.list_name == e.c.list_name, t.c.key == e.c.key))
            .where(
                e.c.list_name == list_name,
                e.c.key.in_(list(keys)),
                e.c.change.in_(status_changes),
                t.c.status != SubscriberStatus.ACTIVE.value,
            )
            .order_by(e.c.at, e.c.id)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        last = {r["key"]: r for r in rows}  # each reader's latest change of status
        return {
            key: SubscriberEvent(
                list_name=r["list_name"],
                key=key,
                at=aware(r["at"]),
                change=SubscriberChange(r["change"]),
                source=ChangeSource(r["source"]),
                detail=stored_text(r["detail"]),
            )
            for key, r in last.items()
            if r["source"] in (ChangeSource.BOUNCE.value, ChangeSource.COMPLAINT.value)
        }

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
        on_list: sa.ColumnElement[bool] | sa.TextClause
        if self.engine.dialect.name == "sqlite":
            # "+": not by the (list_name, key) index, which gives the list's rows out of id
            # order, so every page would read and sort the whole list; by the ids instead.
            on_list = sa.text("+subscribers.list_name = :on_list").bindparams(on_list=list_name)
        else:
            on_list = subscribers_table.c.list_name == list_name
        while True:
            query = (
                sa.select(subscribers_table)
                .where(on_list, subscribers_table.c.id > last)
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
        changed_at=aware(row["updated_at"]) if "updated_at" in row else None,
    )


def _event(
    list_name: str,
    key: str,
    change: SubscriberChange,
    source: ChangeSource,
    at: datetime,
    detail: str = "",
    issue_id: str | None = None,
) -> dict:
    return {
        "list_name": list_name,
        "key": key,
        "at": at,
        "change": change.value,
        "source": source.value,
        "detail": stored_text(detail),
        "issue_id": issue_id or None,
    }


def _retired_key(list_name: str, key: str) -> str:
    return "retired-version/" + hashlib.sha256(f"{list_name}\n{key}".encode("utf-8", "surrogatepass")).hexdigest()[:40]
