"""The send boundary: a `Sender` takes plain `OutgoingMessage` values and says what
became of each; the SMTP pool is the one that talks to a server."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from digest.config import SmtpSettings
from digest.delivery.connection import Connection, Outcome
from digest.models import DeliveryStatus, OutgoingMessage

log = logging.getLogger(__name__)

# Files a connection may hold in this process: its socket, and the server's end when the
# server runs here (the capture server). Kept free for the rest (the store's connections,
# the outcome journal, name lookups, the Maildir's files).
_FILES_PER_CONNECTION = 2
_FILES_KEPT_FREE = 16

# Messages handed to the pool per connection: one being sent, one more waiting, whose
# envelope can go out with the message before it (see Connection.send's `following`).
_WAITING_PER_CONNECTION = 2


# What `send` answers for a message whose `may_send` said no when its turn came.
NOT_SENT = Outcome(DeliveryStatus.DEFERRED, error="not sent: its claim was lost while it waited")


class Sender(Protocol):
    """Where messages go. `concurrency` is how many messages it takes at once. With
    `may_send`, the message goes out only if it still says yes when its turn comes (a
    claim can be lost while the message waits for a connection); else NOT_SENT."""

    concurrency: int

    async def send(self, message: OutgoingMessage, *, may_send: Callable[[], bool] | None = None) -> Outcome: ...

    async def close(self) -> None: ...


def connection_budget(wanted: int) -> int:
    """`wanted`, or fewer when the open-files limit (`ulimit -n`) has no room for them: a
    connection that cannot get a file fails as if the server were down (or, with the
    server in this process, hangs until the timeout), and the run would stop."""
    try:
        import resource

        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        in_use = sum(1 for _ in Path("/proc/self/fd").iterdir())
    except (ImportError, OSError, ValueError):  # no such limit or no way to count: as configured
        return wanted
    if limit == resource.RLIM_INFINITY:
        return wanted
    room = max(1, (limit - in_use - _FILES_KEPT_FREE) // _FILES_PER_CONNECTION)
    if room >= wanted:
        return wanted
    log.warning(
        "the open files limit (ulimit -n %d, %d in use) leaves room for %d SMTP connection(s) of the %d "
        "in [delivery] connections: sending with %d",
        limit,
        in_use,
        room,
        wanted,
        room,
    )
    return room


_Item = tuple[OutgoingMessage, "asyncio.Future[Outcome]", Callable[[], bool] | None]


class SmtpPool:
    """Up to `connections` reused SMTP connections to one server, each worked by a task
    of its own that takes the messages in the order they were handed over. A connection
    whose send failed in a way that may have left it unusable (a transient refusal, a
    lost reply) is closed, so a retry goes out on a fresh one."""

    def __init__(
        self, settings: SmtpSettings, *, connections: int = 8, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        count = connection_budget(max(1, connections))
        self.concurrency = count * _WAITING_PER_CONNECTION
        self._all = [Connection(settings, tls_context=tls_context) for _ in range(count)]
        self._queue: deque[_Item] = deque()
        self._idle: deque[asyncio.Future[None]] = deque()  # a waiting task's wake-up, one per task
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop  # set with the tasks, on the first send

    async def send(self, message: OutgoingMessage, *, may_send: Callable[[], bool] | None = None) -> Outcome:
        if len(message.recipients) != 1:
            raise ValueError("the SMTP pool sends one recipient per message")
        if not self._tasks:
            self._loop = asyncio.get_running_loop()  # asked once: each asking costs a getpid() call
            self._tasks = [asyncio.create_task(self._work(connection)) for connection in self._all]
        future: asyncio.Future[Outcome] = self._loop.create_future()
        self._queue.append((message, future, may_send))
        while self._idle:  # one waiting task, not all: a busy one takes it otherwise
            wake = self._idle.popleft()
            if not wake.done():
                wake.set_result(None)
                break
        return await future

    def _next(self) -> _Item | None:
        """The oldest message whose sender still waits for it and that may still be sent,
        checked now, just before it goes out."""
        while self._queue:
            item = self._queue.popleft()
            if item[1].done():  # its sender was cancelled
                continue
            if item[2] is not None and not item[2]():
                item[1].set_result(NOT_SENT)
                continue
            return item
        return None

    async def _work(self, connection: Connection) -> None:
        loop = asyncio.get_running_loop()
        item: _Item | None = None
        following: _Item | None = None

        def take() -> OutgoingMessage | None:
            nonlocal following
            following = self._next()
            return following[0] if following is not None else None

        try:
            while True:
                item, following = following, None
                if item is not None and not item[1].done() and item[2] is not None and not item[2]():
                    item[1].set_result(NOT_SENT)  # its envelope went out with the message before: dropped below
                    item = None
                if item is None or item[1].done():
                    item = self._next()
                if item is None:
                    wake = loop.create_future()
                    self._idle.append(wake)
                    await wake
                    continue
                message, future, _ = item
                try:
                    outcome = await connection.send(
                        message.envelope_from,
                        message.recipients[0],
                        message.data,
                        dot_free=message.dot_free,
                        following=take,
                    )
                    if outcome.reconnect or outcome.status is DeliveryStatus.DEFERRED:
                        await connection.close()
                except Exception as exc:  # noqa: BLE001 - raised to the message's sender (ServerUnavailable)
                    if not future.done():
                        future.set_exception(exc)
                    continue
                if not future.done():
                    future.set_result(outcome)
        finally:  # cancelled with the pool: whoever still waits is told
            for pending in (item, following):
                if pending is not None:
                    pending[1].cancel()

    async def check(self) -> None:
        """Open the first connection now, or raise ServerUnavailable: a server that cannot
        be used at all is reported once, before any message is claimed."""
        await self._all[0].check()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        while self._queue:
            self._queue.popleft()[1].cancel()
        await asyncio.gather(*(c.close() for c in self._all), return_exceptions=True)
