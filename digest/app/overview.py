"""One view of the state, as `mailq` is for Postfix: per list, its readers, its unsent
articles, its open and last issues with what their ledgers owe and when, and its next
scheduled run, and what bounces and complaints did to its readers; per source, its last
success and its last error.

A few aggregate queries, whatever the number of subscribers: nothing here walks the
ledger or the subscribers row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from digest.config import ListSettings, Settings, plain_cron
from digest.delivery.journal import store_id, waiting_journals
from digest.models import DeliveryStatus, SubscriberStatus
from digest.store import Store
from digest.store.issues import OWED, IssueHead
from digest.store.ledger import LedgerOverview
from digest.store.subscribers import BounceCounts


@dataclass(frozen=True, slots=True)
class IssueState:
    issue_id: str
    subject: str
    created_at: datetime
    completed_at: datetime | None
    totals: Mapping[DeliveryStatus, int]  # every status, 0 when none
    next_due: datetime | None  # the earliest an owed delivery not in flight may be tried; None: none waits
    in_flight: int = 0  # claimed by a sender whose lease has not run out
    senders: int = 0  # the live senders holding those claims
    last_reason: str | None = None  # why the latest deferred delivery was deferred
    last_failure: str | None = None  # why the latest permanent failure failed

    @property
    def complete(self) -> bool:
        return self.completed_at is not None

    @property
    def owed(self) -> int:
        """Deliveries not yet done: pending, deferred, and claimed (in flight or stale)."""
        return sum(self.totals[s] for s in OWED)


@dataclass(frozen=True, slots=True)
class ListState:
    name: str
    title: str
    readers: Mapping[SubscriberStatus, int]  # every status, 0 when none
    unsent_articles: int
    open_issue: IssueState | None  # the unfinished issue, if any
    last_issue: IssueState | None  # the newest complete issue, if any
    schedule: str = ""  # the list's cron expression; empty: not scheduled
    timezone: str = "UTC"
    next_run: datetime | None = None  # in UTC; None when not scheduled
    bounces: BounceCounts = field(default_factory=BounceCounts)  # what bounce and complaint intake recorded


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    kind: str
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None

    @property
    def gathered(self) -> bool:
        return self.last_success is not None or self.last_error_at is not None

    @property
    def failing(self) -> bool:
        """The last attempt failed: an error newer than the last success."""
        if self.last_error_at is None:
            return False
        return self.last_success is None or self.last_error_at >= self.last_success


@dataclass(frozen=True, slots=True)
class Overview:
    at: datetime  # when the view was taken (UTC)
    lists: tuple[ListState, ...]
    sources: tuple[SourceHealth, ...]
    journals: tuple[str, ...] = ()  # outcome journals of stopped senders that wait for the next send


def sources_failed_since(settings: Settings, *, store: Store, since: datetime) -> list[tuple[str, str]]:
    """The configured sources whose last gather, at or after `since`, failed: (name, reason)."""
    since = since.replace(microsecond=0)  # a store may keep whole seconds
    return [
        (s.name, s.last_error or "failed")
        for s in store.source_states([s.name for s in settings.sources])
        if s.last_error_at is not None
        and s.last_error_at >= since
        and (s.last_success is None or s.last_error_at >= s.last_success)
    ]


def status(settings: Settings, *, store: Store, list_name: str | None = None, now: datetime | None = None) -> Overview:
    """The state of every configured list and source, or of `list_name` (which must
    exist) and the sources it reads."""
    now = now or datetime.now(UTC)
    chosen = [settings.list(list_name)] if list_name else list(settings.lists)
    readers = store.subscriber_counts([c.name for c in chosen])
    bounces = store.bounce_counts([c.name for c in chosen])
    heads = {c.name: store.issue_heads(c.name) for c in chosen}
    ids = [h.issue_id for pair in heads.values() for h in pair if h is not None]
    ledgers = store.ledger_overview(ids, now=now)
    lists = []
    for entry in chosen:
        unfinished, last = heads[entry.name]
        lists.append(
            ListState(
                name=entry.name,
                title=entry.title,
                readers=readers[entry.name],
                unsent_articles=store.count_unsent_articles(
                    entry.name, sources=[s.name for s in settings.sources_for(entry.name)]
                ),
                open_issue=_issue_state(unfinished, ledgers),
                last_issue=_issue_state(last, ledgers),
                schedule=entry.schedule.strip(),
                timezone=entry.timezone,
                next_run=next_run(entry, now=now),
                bounces=bounces[entry.name],
            )
        )
    sources = settings.sources_for(list_name) if list_name else settings.sources
    kinds = {s.name: s.kind.value for s in sources}
    health = tuple(
        SourceHealth(
            name=s.name,
            kind=kinds[s.name],
            last_success=s.last_success,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
        )
        for s in store.source_states([s.name for s in sources])
    )
    folder = Path(settings.delivery.journal)
    journals = tuple(str(p) for p in waiting_journals(folder, store_key=store_id(store))) if folder.is_dir() else ()
    return Overview(at=now, lists=tuple(lists), sources=health, journals=journals)


def next_run(entry: ListSettings, *, now: datetime) -> datetime | None:
    """When the list's scheduled run next starts after `now` (in UTC); None when the list is
    not scheduled or the schedule cannot be read (the config check refuses such a schedule
    before it gets here).

    `digest schedule` hands the cron expression and the timezone to Prefect, so this is
    Prefect's reading of them: the expression is matched against the wall clock of the
    zone, and each matching wall time runs at its first occurrence. A run stays at its
    local time across a change of clocks; a wall time the clocks skip in spring runs at
    the instant it has on the clock before the change (01:30 in London on the last Sunday
    of March runs at 01:30 GMT, 02:30 BST), and one they repeat in autumn runs once, the
    first time (01:30 BST, 00:30 UTC)."""
    schedule = entry.schedule.strip()
    if not schedule or not plain_cron(schedule):
        return None
    from cronsim import CronSimError

    try:
        return _next_start(schedule, ZoneInfo(entry.timezone or "UTC"), after=now)
    except (CronSimError, ZoneInfoNotFoundError, ValueError):
        return None


def _next_start(expression: str, zone: ZoneInfo, *, after: datetime) -> datetime | None:
    """The first instant after `after` at which a wall time matching `expression` falls in
    `zone`, each wall time placed at its first occurrence (fold=0); None if none in 50 years."""
    from cronsim import CronSim

    after = after.astimezone(UTC)
    # Wall times are tried from `after` read with the smaller of its offset and the offset
    # a day before: just after a spring-forward, the wall times the clocks skipped still
    # fall after `after` although they read before its wall time.
    offset = min(_offset(after.astimezone(zone)), _offset((after - timedelta(days=1)).astimezone(zone)))
    best: datetime | None = None
    until: datetime | None = None
    for wall in CronSim(expression, after.replace(tzinfo=None) + offset):  # naive: wall times, no DST rule
        if until is not None and wall >= until:
            break
        first = wall.replace(tzinfo=zone, fold=0)
        at = first.astimezone(UTC)
        if at <= after:
            continue  # before `after`, or the second occurrence of a repeated wall time
        if best is not None:
            best = min(best, at)
            continue
        best = at
        # A skipped wall time is placed with the offset before the change, so the wall
        # times after the change, for as long as the skip, read later but may fall earlier.
        skipped = _offset(wall.replace(tzinfo=zone, fold=1)) - _offset(first)
        if skipped <= timedelta(0):
            break
        until = wall + skipped
    return best


def _offset(moment: datetime) -> timedelta:
    return moment.utcoffset() or timedelta(0)


def _issue_state(head: IssueHead | None, ledgers: Mapping[str, LedgerOverview]) -> IssueState | None:
    if head is None:
        return None
    ledger = ledgers[head.issue_id]
    return IssueState(
        issue_id=head.issue_id,
        subject=head.subject,
        created_at=head.created_at,
        completed_at=head.completed_at,
        totals=ledger.totals,
        next_due=ledger.next_due,
        in_flight=ledger.in_flight,
        senders=ledger.senders,
        last_reason=ledger.last_deferral,
        last_failure=ledger.last_failure,
    )
