"""The sending pace: a token bucket over all connections that slows down when the
server throttles and wins the pace back as messages go through."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """A token bucket over all connections.

    A throttle reply halves the rate (`slow_down`): the configured one, or with no
    limit configured the rate actually reached over the last sends. Each message sent
    after that wins back 5 % (`speed_up`), never above the configured rate or, without
    one, the pace that was throttled."""

    FLOOR = 0.5  # messages per second: slower than this, the server is better left to a later run
    RECOVERY = 1.05
    FIRST_GUESS = 16.0  # messages per second, when throttled before any pace was measured

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.ceiling = rate  # 0: none
        self._next = time.monotonic()
        self._lock = asyncio.Lock()
        self._recent: deque[float] = deque(maxlen=64)  # start times of the last sends

    async def wait(self, *, until: Callable[[], bool] | None = None) -> None:
        """Until the next message may go; at once when `until()` turns true (the run is
        stopping: the messages queued behind this one need not wait out the pace)."""
        if self.rate <= 0:
            self._recent.append(time.monotonic())
            return
        async with self._lock:
            now = time.monotonic()
            if self._next > now:
                if await nap(self._next - now, until=until):
                    return
                now = time.monotonic()
            self._next = max(self._next, now) + 1 / self.rate
            self._recent.append(now)

    def observed(self) -> float:
        """Messages per second over the last sends; 0 when there are too few to tell."""
        if len(self._recent) < 2:
            return 0.0
        span = self._recent[-1] - self._recent[0]
        return (len(self._recent) - 1) / span if span > 0 else 0.0

    def slow_down(self) -> None:
        current = self.rate if self.rate > 0 else self.observed()
        if self.ceiling <= 0:
            # No limit configured: from now on, no faster than the pace that was throttled
            # (unbounded when it was too early to measure one).
            self.ceiling = current or float("inf")
        if current <= 0:
            current = self.FIRST_GUESS
        self.rate = max(current / 2, self.FLOOR)
        self._recent.clear()

    def speed_up(self) -> None:
        if self.rate > 0 and self.rate < self.ceiling:
            self.rate = min(self.rate * self.RECOVERY, self.ceiling)


# How often a long wait looks at whether it should end early.
NAP_CHECK = 0.25


async def nap(seconds: float, *, until: Callable[[], bool] | None = None) -> bool:
    """Sleep `seconds`, or less when `until()` turns true (looked at every NAP_CHECK
    seconds); whether it did."""
    if until is None:
        await asyncio.sleep(seconds)
        return False
    deadline = time.monotonic() + seconds
    while not until():
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        await asyncio.sleep(min(left, NAP_CHECK))
    return True
