"""A send run's hold on the ledger: the claims it has taken (a small queue just ahead
of the connections, each with the moment its lease runs out), their renewal, and the
writer that records outcomes every few dozen messages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from digest.delivery.journal import Journal
from digest.delivery.options import DeliveryOptions, Stop
from digest.delivery.pace import RateLimiter
from digest.errors import StoreError
from digest.mail.message import MessageFactory, Recipient
from digest.models import DeliveryResult, DeliveryStatus, Subscriber
from digest.store import Claim, Store

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class SendRun:
    issue_id: str
    store: Store
    factory: MessageFactory
    sender: str
    recipient_for: Callable[[Subscriber], Recipient]
    options: DeliveryOptions
    limiter: RateLimiter
    stop: Stop
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    counts: dict[DeliveryStatus, int] = field(default_factory=lambda: dict.fromkeys(DeliveryStatus, 0))
    throttled: int = 0
    unreachable: int = 0  # connections in a row that could not be opened
    server_down: str = ""  # the reason, once the circuit opened
    lost: int = 0
    failure: Exception | None = None  # what a worker raised: raised again once every outcome is written

    def ending(self) -> bool:
        """Whether the run is stopping: asked to, or its server is down."""
        return bool(self.stop) or bool(self.server_down)

    async def patiently(self, what: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A store call, retried with backoff while the database is unreachable, for up
        to `store_patience` seconds. The call itself runs on the event loop: a worker
        thread would cost more in GIL hand-offs than the call blocks the loop."""
        deadline = time.monotonic() + self.options.store_patience
        delay = 0.1
        while True:
            try:
                return call(*args, **kwargs)
            except StoreError as exc:
                if not exc.transient or time.monotonic() + delay > deadline:
                    raise
                log.warning("%s: %s; trying again in %.1f s", what, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


class Claims:
    """The claims this sender holds: a small queue just ahead of the connections, and
    for every held row the moment (monotonic) its lease runs out."""

    AHEAD = 2.0  # seconds of sending claimed ahead

    def __init__(self, run: SendRun, *, subscribers: tuple[int, int] | None, deferred_due: datetime) -> None:
        self.run = run
        self.subscribers = subscribers
        self.deferred_due = deferred_due
        self.queue: deque[Claim] = deque()
        self.valid: dict[int, float] = {}  # subscriber id -> lease end; held until its outcome is written
        self.unsent: set[int] = set()  # held, no outcome yet
        self.skipped: list[Claim] = []  # held but not sent: the run stopped, or the lease ran short
        self.exhausted = False
        self._refill: asyncio.Future[None] | None = None
        self.margin = run.options.lease / 3

    async def next(self) -> Claim | None:
        while True:
            low = self._ahead()
            if len(self.queue) <= low and not self.exhausted and self._refill is None and not self.run.stop:
                self._refill = asyncio.ensure_future(self._claim_more())
            if self.queue:
                return self.queue.popleft()
            if self.exhausted or self.run.stop or self._refill is None:
                return None
            refill = self._refill
            await asyncio.shield(refill)

    async def _claim_more(self) -> None:
        run, options = self.run, self.run.options
        try:
            pace = run.limiter.rate if run.limiter.rate > 0 else run.limiter.observed()
            connections = max(1, options.connections)
            size = int(pace * self.AHEAD) if pace > 0 else connections * 8
            size = max(self._ahead(), min(options.batch, size))
            started = time.monotonic()
            claims = await run.patiently(
                "claiming deliveries",
                run.store.claim,
                run.issue_id,
                limit=size,
                lease=options.lease,
                now=_now(),
                owner=run.owner,
                subscribers=self.subscribers,
                deferred_due=self.deferred_due,
                hourly_cap=options.per_hour,
            )
            if not claims:
                self.exhausted = True
            for claim in claims:
                self.valid[claim.subscriber.id] = started + options.lease
                self.unsent.add(claim.subscriber.id)
                self.queue.append(claim)
        except StoreError as exc:
            run.stop.request(f"the store could not be reached: {exc}")
            self.exhausted = True
        finally:
            self._refill = None

    def _ahead(self) -> int:
        """Claims kept ready: one per connection, but under a set rate no more than it sends
        in AHEAD seconds, so a reader who leaves is not already claimed for long (a slow
        list held 8 claims, 16 s at one message every 2 s)."""
        connections = max(1, self.run.options.connections)
        rate = self.run.limiter.rate
        return min(connections, max(1, int(rate * self.AHEAD))) if rate > 0 else connections

    def holds(self, subscriber_id: int) -> bool:
        """True while the claim has enough lease left to start a message."""
        return self.valid.get(subscriber_id, 0.0) - time.monotonic() > self.margin

    def sent(self, subscriber_id: int) -> None:
        self.unsent.discard(subscriber_id)

    def written(self, ids: list[int]) -> None:
        for sid in ids:
            self.valid.pop(sid, None)

    def renewed(
        self, held: set[int], asked: list[int], *, until: float, removed: AbstractSet[int] = frozenset()
    ) -> None:
        for sid in asked:
            if sid not in self.valid:
                continue  # its outcome was written meanwhile
            if sid in held:
                self.valid[sid] = until
            elif sid in self.unsent:
                # Taken by another sender after our lease ran out, or its reader removed: never send it.
                self.valid.pop(sid)
                self.unsent.discard(sid)
                if sid not in removed:
                    self.run.lost += 1

    def take_skipped(self) -> list[int]:
        """The readers of the claims skipped so far (their lease ran short), forgotten here
        for their rows to be given back and claimed again."""
        ids = [c.subscriber.id for c in self.skipped if c.subscriber.id in self.unsent]
        self.skipped.clear()
        for sid in ids:
            self.valid.pop(sid, None)
            self.unsent.discard(sid)
        self.exhausted = False
        return ids

    def leftovers(self) -> list[Claim]:
        """Held claims that were never sent (a stop, an open circuit)."""
        left = [c for c in (*self.skipped, *self.queue) if c.subscriber.id in self.unsent]
        self.queue.clear()
        self.skipped.clear()
        return left


class OutcomeWriter:
    """Writes outcomes in small steps: once `PER_WRITE` have finished, or `DELAY` after
    the first of them, whichever comes first, one transaction for all that finished
    meanwhile. A crash loses at most those plus the messages on the connections; a
    transaction per message would cost more than the message.

    A write the store refuses for now (gone, locked) is tried again with backoff for up
    to `store_patience` seconds. Meanwhile `writable` is clear, so no new message starts,
    and the outcomes waiting are kept in the `journal` at once (digest.delivery.journal),
    so that a crash then loses none of them. Once the store answers the journal goes;
    if it never does, the run stops, and every outcome not written, then or after, is
    in `unrecorded` for the journal."""

    PER_WRITE = 32
    DELAY = 0.05  # seconds

    def __init__(
        self,
        run: SendRun,
        claims: Claims,
        on_written: Callable[[int], None] | None,
        *,
        journal: Journal | None = None,
    ) -> None:
        self.run = run
        self.claims = claims
        self.on_written = on_written
        self.journal = journal
        self.journaled: set[int] = set()  # readers whose outcome the journal holds
        self.pending: list[DeliveryResult] = []
        self.writable = asyncio.Event()
        self.writable.set()
        self._wake = asyncio.Event()
        self._full = asyncio.Event()
        self._closing = False
        self.failure: StoreError | None = None
        self.unrecorded: list[DeliveryResult] = []
        self._task = asyncio.ensure_future(self._loop())

    def add(self, result: DeliveryResult) -> None:
        if self.failure is not None:
            self.unrecorded.append(result)
            return
        self.pending.append(result)
        self._wake.set()
        if len(self.pending) >= self.PER_WRITE:
            self._full.set()

    async def close(self) -> None:
        self._closing = True
        self._wake.set()
        self._full.set()
        await self._task

    async def _loop(self) -> None:
        run = self.run
        while True:
            await self._wake.wait()
            self._wake.clear()
            if len(self.pending) < self.PER_WRITE and not self._closing:
                self._full.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self.DELAY)
            while self.pending:
                batch, self.pending = self.pending, []
                result = await self._write(batch)
                if result is None:
                    return
                written, batch = result
                if written < len(batch):
                    present = run.store.deliveries_present(run.issue_id, [r.subscriber_id for r in batch])
                    taken = sum(1 for r in batch if r.subscriber_id in present) - written
                    removed = len(batch) - written - taken
                    run.lost += taken
                    if taken:
                        log.warning("%d outcome(s) not recorded: their claims had passed to another sender", taken)
                    if removed:
                        log.info("%d outcome(s) not recorded: their readers were removed during the send", removed)
                self.claims.written([r.subscriber_id for r in batch])
                if self.on_written:
                    self.on_written(len(batch))
            if self._closing:
                return

    async def _write(self, batch: list[DeliveryResult]) -> tuple[int, list[DeliveryResult]] | None:
        """(rows written, the outcomes written: `batch` and those that finished while the
        store was away), or None when the store stayed away past the run's patience."""
        run = self.run
        deadline = time.monotonic() + run.options.store_patience
        delay = 0.1
        while True:
            try:
                written = run.store.record(run.issue_id, batch, now=_now(), owner=run.owner)
            except StoreError as exc:
                if not exc.transient or time.monotonic() + delay > deadline:
                    self.failure = exc
                    self.unrecorded, self.pending = [*batch, *self.pending], []
                    run.stop.request(f"delivery outcomes could not be recorded: {exc}")
                    self.writable.set()  # the waiting workers see the stop
                    return None
                if self.writable.is_set():
                    self.writable.clear()
                    log.warning("recording outcomes: %s; no new message starts until the store answers", exc)
                batch, self.pending = [*batch, *self.pending], []
                self._keep(batch)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                continue
            if not self.writable.is_set():
                log.warning("recording outcomes: the store answers again")
                self.writable.set()
            if self.journal is not None and self.journaled:
                self.journal.discard()  # every outcome it held is in `batch`, now written
                self.journaled.clear()
            return written, batch

    def _keep(self, batch: list[DeliveryResult]) -> None:
        if self.journal is None:
            return
        fresh = [r for r in batch if r.subscriber_id not in self.journaled]
        try:
            self.journal.keep(self.run.issue_id, fresh, at=_now())
        except OSError as exc:
            log.warning("cannot keep outcomes in the journal %s: %s", self.journal.path, exc.strerror or exc)
            return
        self.journaled.update(r.subscriber_id for r in fresh)


async def renew_leases(run: SendRun, claims: Claims) -> None:
    """Every quarter lease, extend the leases of every row still held."""
    lease = run.options.lease
    while True:
        await asyncio.sleep(lease / 4)
        asked = list(claims.valid)
        if not asked:
            continue
        started = time.monotonic()
        try:
            held = run.store.renew(run.issue_id, asked, owner=run.owner, lease=lease, now=_now())
            missing = [sid for sid in asked if sid not in held]
            removed = set(missing) - run.store.deliveries_present(run.issue_id, missing) if missing else set()
        except StoreError as exc:
            log.warning("cannot renew the leases of %d claim(s): %s", len(asked), exc)
            continue
        claims.renewed(held, asked, until=started + lease, removed=removed)


def _now() -> datetime:
    return datetime.now(UTC)
