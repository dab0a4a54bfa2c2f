"""What a send run is told (DeliveryOptions, from `[delivery]`), what it reports
(DeliveryReport), and how it is asked to stop (Stop)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from digest.config import DeliverySettings
from digest.models import DeliveryStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryOptions:
    connections: int = 8
    rate: float = 0.0  # messages per second over all connections; 0: no limit
    per_hour: int = 0  # at most this many messages sent in any hour, by all runs; 0: no cap
    batch: int = 500  # the most deliveries claimed at once
    lease: float = 300.0  # seconds a claim lasts unless renewed; a crashed sender's claims are free after it
    attempts: int = 3  # tries per message in this run for transient failures
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    defer: float = 300.0  # seconds before a later run retries a deferred message
    # A throttle reply (421, or 454 about the rate) slows the sender down and does not
    # use up an attempt; after this many for one message it is deferred to a later run.
    max_throttles: int = 8
    circuit: int = 5  # connections in a row that cannot be opened: the server is down, stop
    store_patience: float = 60.0  # seconds a lost database is waited for before the run stops
    journal: str = ""  # folder for outcomes a lost database could not take (digest.delivery.journal); "": none


def delivery_options(settings: DeliverySettings, **changes: Any) -> DeliveryOptions:
    """The options a `[delivery]` section asks for."""
    d = settings
    values: dict[str, Any] = {
        "connections": d.connections,
        "rate": d.rate,
        "per_hour": d.per_hour,
        "batch": d.batch,
        "attempts": d.attempts,
        "lease": d.lease,
        "defer": d.retry_delay,
        "journal": d.journal,
    }
    return DeliveryOptions(**(values | changes))


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    issue_id: str
    totals: dict[DeliveryStatus, int]
    this_run: dict[DeliveryStatus, int]
    complete: bool
    capped: bool = False  # stopped by the hourly cap
    throttled: int = 0  # throttle replies (421, 454 about the rate) in this run
    rate: float = 0.0  # the send rate the run ended at, messages per second (0: no limit)
    stopped: str = ""  # why the run stopped before the ledger was done, if it did
    released: int = 0  # claims given back unsent (a stop request)
    elsewhere: int = 0  # deliveries in flight at another sender whose lease is live
    lost: int = 0  # claims that passed to another sender before this one finished them
    next_due: datetime | None = None  # when the earliest deferred delivery may be tried again
    last_deferral: str | None = None  # why the most recently deferred delivery still deferred was
    last_failure: str | None = None  # why the most recent permanent failure failed

    @property
    def failed(self) -> bool:
        """Permanent failures, or uncertain deliveries the operator has not settled."""
        uncertain = self.totals[DeliveryStatus.UNCERTAIN] and not self.complete
        return bool(self.totals[DeliveryStatus.FAILED] or uncertain)

    @property
    def owed(self) -> int:
        """Deliveries still owed that no live sender is working on."""
        t = self.totals
        return max(
            0, t[DeliveryStatus.PENDING] + t[DeliveryStatus.DEFERRED] + t[DeliveryStatus.SENDING] - self.elsewhere
        )


class Stop:
    """A request to end a run gracefully, with its reason (the first one wins). With a
    `parent` (a process's signal stop), the run also stops when the parent is asked to;
    a request made to the run stops the run only."""

    def __init__(self, parent: Stop | None = None) -> None:
        self._reason = ""
        self.parent = parent

    @property
    def reason(self) -> str:
        return self._reason or (self.parent.reason if self.parent is not None else "")

    def request(self, reason: str) -> None:
        if not self._reason:
            self._reason = reason
            log.warning("stopping: %s", reason)

    def __bool__(self) -> bool:  # asked several times a message: no property in between
        return bool(self._reason) or (self.parent is not None and bool(self.parent))
