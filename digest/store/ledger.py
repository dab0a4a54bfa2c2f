"""The delivery ledger: one row per (issue, subscriber), nothing lost, nothing twice.

pending -> sending -> sent | failed | deferred | uncertain | skipped. A claim carries
its owner and a lease; only the owner renews it or records the outcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from digest.models import DeliveryResult, DeliveryStatus, Subscriber, SubscriberStatus
from digest.store.base import StoreBase, aware, stored_text
from digest.store.issues import OWED
from digest.store.schema import OWED_PREDICATE, deliveries_table, meta_table, subscribers_table
from digest.store.subscribers import SUBSCRIBER_COLUMNS, subscriber_from_row

_IDS_PER_STATEMENT = 500  # well under SQLite's limit on bound parameters
_CLAIM_LOCK = 0x6469676573740001  # pg_advisory_xact_lock key for capped claims ("digest" + 1)


@dataclass(frozen=True, slots=True)
class Claim:
    subscriber: Subscriber
    attempts: int  # including this one


class LedgerMixin(StoreBase):
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
            while True:
                attempts = {
                    r.subscriber_id: r.attempts
                    for r in conn.execute(
                        self._claim_statement(
                            issue_id,
                            limit=limit,
                            lease=lease,
                            now=now,
                            owner=owner,
                            subscribers=subscribers,
                            deferred_due=deferred_due,
                        )
                    )
                }
                if not attempts:
                    return []
                rows = (
                    conn.execute(
                        sa.select(*SUBSCRIBER_COLUMNS)
                        .where(subscribers_table.c.id.in_(list(attempts)))
                        .order_by(subscribers_table.c.id)
                    )
                    .mappings()
                    .all()
                )
                # A reader who left (or bounced) since the run began gets nothing more: their row
                # is skipped here, as skip_inactive does at the start of a run.
                left = [r["id"] for r in rows if r["status"] != SubscriberStatus.ACTIVE.value]
                if left:
                    conn.execute(
                        sa.update(deliveries_table)
                        .where(deliveries_table.c.issue_id == issue_id, deliveries_table.c.subscriber_id.in_(left))
                        .values(status=DeliveryStatus.SKIPPED.value, updated_at=now)
                    )
                claimed = [
                    Claim(subscriber=subscriber_from_row(r), attempts=attempts[r["id"]])
                    for r in rows
                    if r["status"] == SubscriberStatus.ACTIVE.value
                ]
                # A batch of readers who all left is no end of the ledger: claim the next one.
                if claimed or not left:
                    return claimed

    def hourly_used(self, issue_id: str, *, now: datetime) -> int:
        """What the hourly cap counts: messages sent in the hour before `now` (any issue),
        plus this issue's deliveries in flight."""
        with self.engine.connect() as conn:
            return self._hourly_used(conn, issue_id, now=now)

    def _hourly_used(self, conn: sa.Connection, issue_id: str, *, now: datetime) -> int:
        d = deliveries_table
        sent = sa.select(sa.func.count()).select_from(d).where(d.c.sent_at > now - timedelta(hours=1))
        in_flight = (
            sa.select(sa.func.count())
            .select_from(d)
            .where(d.c.issue_id == issue_id, d.c.status == DeliveryStatus.SENDING.value, d.c.claimed_until >= now)
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
                sa.text(OWED_PREDICATE),
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
            for chunk in _chunks_of(ids):
                result = conn.execute(
                    sa.update(d)
                    .where(
                        d.c.issue_id == issue_id,
                        d.c.subscriber_id.in_(chunk),
                        _in_flight(),
                        *_owned_by(owner),
                    )
                    .values(status=DeliveryStatus.PENDING.value, claimed_until=None, claimed_by=None, updated_at=now)
                )
                released += result.rowcount
        return released

    def renew(
        self, issue_id: str, subscriber_ids: Iterable[int], *, owner: str, lease: float, now: datetime
    ) -> set[int]:
        """Extend `owner`'s claims on these rows to `now + lease`; the ids still held.
        An id missing from the answer was taken by another sender after its lease ran out."""
        ids = list(subscriber_ids)
        d = deliveries_table
        held: set[int] = set()
        with self.engine.begin() as conn:
            for chunk in _chunks_of(ids):
                rows = conn.execute(
                    sa.update(d)
                    .where(
                        d.c.issue_id == issue_id,
                        d.c.subscriber_id.in_(chunk),
                        _in_flight(),
                        d.c.claimed_by == owner,
                    )
                    .values(claimed_until=now + timedelta(seconds=lease))
                    .returning(d.c.subscriber_id)
                )
                held.update(r.subscriber_id for r in rows)
        return held

    def deliveries_present(self, issue_id: str, subscriber_ids: Iterable[int]) -> set[int]:
        """Which of these readers still have a row for the issue (a reader removed during a
        send has none: their claim was not taken by another sender)."""
        d = deliveries_table
        present: set[int] = set()
        with self.engine.connect() as conn:
            for chunk in _chunks_of(list(subscriber_ids)):
                present.update(
                    conn.execute(
                        sa.select(d.c.subscriber_id).where(d.c.issue_id == issue_id, d.c.subscriber_id.in_(chunk))
                    ).scalars()
                )
        return present

    def in_flight_elsewhere(self, issue_id: str, *, owner: str, now: datetime) -> int:
        """Deliveries of the issue claimed by another sender whose lease has not run out."""
        d = deliveries_table
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(sa.func.count())
                .select_from(d)
                .where(
                    d.c.issue_id == issue_id,
                    d.c.status == DeliveryStatus.SENDING.value,
                    d.c.claimed_until >= now,
                    sa.or_(d.c.claimed_by.is_(None), d.c.claimed_by != owner),
                )
            ).scalar_one()

    def held_claims(
        self, issue_id: str, *, subscribers: tuple[int, int] | None = None, now: datetime
    ) -> tuple[int, datetime | None]:
        """(deliveries of the issue claimed by a sender whose lease has not run out, when the
        last of those leases runs out), within `subscribers` when given."""
        d = deliveries_table
        query = sa.select(sa.func.count(), sa.func.max(d.c.claimed_until)).where(
            d.c.issue_id == issue_id, d.c.status == DeliveryStatus.SENDING.value, d.c.claimed_until >= now
        )
        if subscribers is not None:
            query = query.where(d.c.subscriber_id.between(*subscribers))
        with self.engine.connect() as conn:
            count, until = conn.execute(query).one()
        if until is None:
            return count, None
        return count, aware(until) if not isinstance(until, str) else aware(datetime.fromisoformat(until))

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
        # The outcomes are grouped as they are first, then by what is written: the stored
        # form of each distinct outcome is made once a write, not once a row.
        outcomes: dict[tuple, list[int]] = {}
        for r in results:
            outcomes.setdefault((r.status, r.code, r.error, r.retry_after), []).append(r.subscriber_id)
        groups: dict[tuple, list[int]] = {}
        for (status, code, error, retry_after), ids in outcomes.items():
            values = (
                status.value,
                code,
                stored_text(error) or None,
                now + timedelta(seconds=retry_after or 0) if status is DeliveryStatus.DEFERRED else None,
                now if status is DeliveryStatus.SENT else None,
            )
            groups.setdefault(values, []).extend(ids)
        if not groups:
            return 0
        statement = _RECORD_OWNED if owner else _RECORD
        written = 0
        with self.engine.begin() as conn:
            for (status, code, error, next_at, sent_at), ids in groups.items():
                for chunk in _chunks_of(ids):
                    result = conn.execute(
                        statement,
                        {
                            "status": status,
                            "code": code,
                            "error": error,
                            "next_at": next_at,
                            "sent_at": sent_at,
                            "issue": issue_id,
                            "ids": chunk,
                            "owner": owner,
                            "now": now,
                        },
                    )
                    written += result.rowcount
        return written

    def give_up_deferred(self, issue_id: str, *, now: datetime) -> list[tuple[str, str, str]]:
        """Mark the issue's deferred deliveries failed, each keeping its last reason; the
        (list, subscriber key, last reason) of each, for the soft-bounce count."""
        d, s = deliveries_table, subscribers_table
        deferred = d.c.issue_id == issue_id, d.c.status == DeliveryStatus.DEFERRED.value
        with self.engine.begin() as conn:
            rows = conn.execute(
                sa.select(d.c.subscriber_id, s.c.list_name, s.c.key, d.c.last_error)
                .join(s, s.c.id == d.c.subscriber_id)
                .where(*deferred)
            ).all()
            for chunk in _chunks_of([r.subscriber_id for r in rows]):
                conn.execute(
                    sa.update(d)
                    .where(*deferred, d.c.subscriber_id.in_(chunk))
                    .values(
                        status=DeliveryStatus.FAILED.value,
                        last_error=sa.func.coalesce(d.c.last_error, "deferred") + " (given up)",
                        next_attempt_at=None,
                        updated_at=now,
                    )
                )
        return [(r.list_name, r.key, stored_text(r.last_error or "deferred")) for r in rows]

    def count_owed(self, issue_id: str, *, subscribers: tuple[int, int] | None = None) -> int:
        d = deliveries_table
        query = (
            sa.select(sa.func.count())
            .select_from(d)
            .where(d.c.issue_id == issue_id, d.c.status.in_([s.value for s in OWED]))
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
        totals = dict.fromkeys(DeliveryStatus, 0)
        totals.update({DeliveryStatus(status): count for status, count in rows})
        return totals

    def next_due(self, issue_id: str, *, deferred_only: bool = False) -> datetime | None:
        """When the earliest still-owed delivery (deferred one, with `deferred_only`)
        becomes claimable, or None if nothing is owed."""
        d = deliveries_table
        when = sa.case(
            (
                d.c.status == DeliveryStatus.PENDING.value,
                sa.literal(datetime(1970, 1, 1, tzinfo=UTC), sa.DateTime(timezone=True)),
            ),
            (d.c.status == DeliveryStatus.DEFERRED.value, d.c.next_attempt_at),
            else_=d.c.claimed_until,
        )
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.min(when)).where(
                    d.c.issue_id == issue_id,
                    d.c.status.in_([DeliveryStatus.DEFERRED.value] if deferred_only else [s.value for s in OWED]),
                )
            ).scalar()
        return aware(value) if not isinstance(value, str) else aware(datetime.fromisoformat(value))

    def ledger_overview(self, issue_ids: Sequence[str], *, now: datetime) -> dict[str, LedgerOverview]:
        """Each issue's ledger at a glance, in one grouped query (and one small query per
        issue for its latest reasons): totals by status, the claims of live senders, when
        the earliest owed delivery not in flight is due (pending ones: `now`; a stopped
        sender's claims: when their lease ran out) and why the last ones were deferred or
        failed."""
        d = deliveries_table
        ids = list(dict.fromkeys(issue_ids))
        if not ids:
            return {}
        live = d.c.claimed_until >= now
        grouped = (
            sa.select(
                d.c.issue_id,
                d.c.status,
                sa.func.count().label("n"),
                sa.func.sum(sa.case((live, 1), else_=0)).label("live"),
                sa.func.count(sa.distinct(sa.case((live, sa.func.coalesce(d.c.claimed_by, ""))))).label("senders"),
                sa.func.min(d.c.next_attempt_at).label("next_attempt"),
                sa.func.min(sa.case((d.c.claimed_until < now, d.c.claimed_until))).label("lapsed_since"),
            )
            .where(d.c.issue_id.in_(ids))
            .group_by(d.c.issue_id, d.c.status)
        )
        totals = {i: dict.fromkeys(DeliveryStatus, 0) for i in ids}
        in_flight, senders = dict.fromkeys(ids, 0), dict.fromkeys(ids, 0)
        due: dict[str, list[datetime]] = {i: [] for i in ids}
        reasons: dict[tuple[str, DeliveryStatus], str | None] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(grouped):
                status = DeliveryStatus(row.status)
                totals[row.issue_id][status] = row.n
                if status is DeliveryStatus.PENDING:
                    due[row.issue_id].append(now)
                elif status is DeliveryStatus.DEFERRED and row.next_attempt is not None:
                    due[row.issue_id].append(_moment(row.next_attempt))
                elif status is DeliveryStatus.SENDING:
                    in_flight[row.issue_id], senders[row.issue_id] = row.live or 0, row.senders or 0
                    if row.lapsed_since is not None:  # a stopped sender's claims: owed again
                        due[row.issue_id].append(_moment(row.lapsed_since))
            for issue_id in ids:
                for status in (DeliveryStatus.DEFERRED, DeliveryStatus.FAILED):
                    if totals[issue_id][status]:
                        last = conn.execute(
                            sa.select(d.c.last_error)
                            .where(d.c.issue_id == issue_id, d.c.status == status.value, d.c.last_error.is_not(None))
                            .order_by(d.c.updated_at.desc())
                            .limit(1)
                        ).scalar()
                        reasons[issue_id, status] = stored_text(last)
        return {
            i: LedgerOverview(
                totals=totals[i],
                in_flight=in_flight[i],
                senders=senders[i],
                next_due=min(due[i]) if due[i] else None,
                last_deferral=reasons.get((i, DeliveryStatus.DEFERRED)),
                last_failure=reasons.get((i, DeliveryStatus.FAILED)),
            )
            for i in ids
        }


@dataclass(frozen=True, slots=True)
class LedgerOverview:
    """One issue's ledger at a glance (`LedgerMixin.ledger_overview`)."""

    totals: dict[DeliveryStatus, int]  # every status, 0 when none
    in_flight: int  # claimed by a sender whose lease has not run out
    senders: int  # the senders holding those claims
    next_due: datetime | None  # the earliest a delivery not in flight may be tried; None: none waits
    last_deferral: str | None  # the error of the most recently deferred delivery still deferred
    last_failure: str | None  # the error of the most recent permanent failure

    @property
    def owed(self) -> int:
        return sum(self.totals[s] for s in OWED)


def _moment(value: datetime | str) -> datetime:
    """An aggregate's datetime: SQLite may hand back the stored text."""
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _chunks_of(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    """`ids` in pieces small enough for one statement's IN (...)."""
    for start in range(0, len(ids), _IDS_PER_STATEMENT):
        yield ids[start : start + _IDS_PER_STATEMENT]


def _record_statement(*, owned: bool) -> sa.Update:
    """`record`'s UPDATE, built once: made anew for each write of 32 outcomes, the
    statement cost more than SQLite's work on the rows."""
    d = deliveries_table
    owner_terms = (_in_flight(), d.c.claimed_by == sa.bindparam("owner")) if owned else ()
    return (
        sa.update(d)
        .where(
            d.c.issue_id == sa.bindparam("issue"),
            d.c.subscriber_id.in_(sa.bindparam("ids", expanding=True)),
            *owner_terms,
        )
        .values(
            status=sa.bindparam("status"),
            code=sa.bindparam("code"),
            last_error=sa.bindparam("error"),
            next_attempt_at=sa.bindparam("next_at"),
            sent_at=sa.bindparam("sent_at"),
            claimed_until=None,
            claimed_by=None,
            updated_at=sa.bindparam("now"),
        )
    )


def _owned_by(owner: str) -> tuple:
    """The WHERE terms for rows a sender still holds (none without an owner); with
    `subscriber_id IN (...)`, which finds the rows."""
    if not owner:
        return ()
    return (_in_flight(), deliveries_table.c.claimed_by == owner)


def _in_flight() -> sa.ColumnElement[bool]:
    """`status = 'sending'` as a check on rows found by their key, in a form no index can
    serve. As a plain equality, a store without planner statistics (SQLite's never has
    them) reads the rows through the (issue_id, status) index instead of the key: every
    row in flight, for each write of 32 outcomes."""
    return sa.func.coalesce(deliveries_table.c.status, "") == DeliveryStatus.SENDING.value


_RECORD = _record_statement(owned=False)
_RECORD_OWNED = _record_statement(owned=True)
