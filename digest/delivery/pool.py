"""The send boundary: a `Sender` takes plain `OutgoingMessage` values and says what
became of each; the SMTP pool is the one that talks to a server."""

from __future__ import annotations

import asyncio
import ssl
from typing import Protocol

from digest.config import SmtpSettings
from digest.delivery.connection import Connection, Outcome
from digest.models import DeliveryStatus, OutgoingMessage


class Sender(Protocol):
    """Where messages go. `concurrency` is how many messages it takes at once."""

    concurrency: int

    async def send(self, message: OutgoingMessage) -> Outcome: ...

    async def close(self) -> None: ...


class SmtpPool:
    """Up to `connections` reused SMTP connections to one server. A connection whose
    send failed in a way that may have left it unusable (a transient refusal, a lost
    reply) is closed, so a retry goes out on a fresh one."""

    def __init__(
        self, settings: SmtpSettings, *, connections: int = 8, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.settings = settings
        self.concurrency = max(1, connections)
        self._all = [Connection(settings, tls_context=tls_context) for _ in range(self.concurrency)]
        self._idle: asyncio.Queue[Connection] = asyncio.Queue()
        for connection in self._all:
            self._idle.put_nowait(connection)

    async def send(self, message: OutgoingMessage) -> Outcome:
        if len(message.recipients) != 1:
            raise ValueError("the SMTP pool sends one recipient per message")
        connection = await self._idle.get()
        try:
            outcome = await connection.send(message.envelope_from, message.recipients[0], message.data)
            if outcome.reconnect or outcome.status is DeliveryStatus.DEFERRED:
                await connection.close()
            return outcome
        finally:
            self._idle.put_nowait(connection)

    async def check(self) -> None:
        """Open the first connection now, or raise ServerUnavailable: a server that cannot
        be used at all is reported once, before any message is claimed."""
        await self._all[0].check()

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self._all), return_exceptions=True)
