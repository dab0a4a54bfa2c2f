"""Single messages through the same sending code as the digests: the configured SMTP
server, or the local capture server, over a `Connection`."""

from __future__ import annotations

import asyncio
import contextlib

from digest.config import Settings
from digest.delivery.connection import Connection, Outcome
from digest.errors import DeliveryError
from digest.models import DeliveryStatus

_TRIES = 2  # a dropped connection or a 4xx is tried once more on a fresh connection


def send_one(settings: Settings, *, envelope_from: str, recipient: str, data: bytes) -> str:
    """Send `data` (CRLF line ends, not dot-stuffed) to `recipient`; where the mail went
    when it was the capture server, else "". DeliveryError when it was not sent."""
    with Mailer(settings) as mailer:
        return mailer.send(envelope_from=envelope_from, recipient=recipient, data=data)


class Mailer:
    """Messages one at a time over one connection, kept open between them until `close`
    (QUIT): a burst of messages pays for one greeting, TLS handshake and login. The
    signing key is read once. One thread uses a Mailer at a time."""

    def __init__(self, settings: Settings) -> None:
        from digest.app.deliverability import message_signer
        from digest.app.sending import smtp_target

        self._signer = message_signer(settings)
        self._held = contextlib.ExitStack()
        target = self._held.enter_context(smtp_target(settings))
        self.note = target.note  # where the mail went, when it was the capture server
        self._connection = Connection(target.settings)
        self._runner = asyncio.Runner()

    def send(self, *, envelope_from: str, recipient: str, data: bytes) -> str:
        """As `send_one`."""
        if self._signer is not None:
            data = self._signer.sign_message(data)
        outcome = self._runner.run(self._send(envelope_from, recipient, data))
        if outcome.status is not DeliveryStatus.SENT:
            raise DeliveryError(f"message to {recipient} not sent: {outcome.error or outcome.status.value}")
        return self.note

    async def _send(self, envelope_from: str, recipient: str, data: bytes) -> Outcome:
        # A connection kept from an earlier message may have been closed by the server
        # meanwhile (its idle timeout): that costs one more try, on a fresh connection.
        tries = _TRIES + self._connection.opened
        outcome = await self._connection.send(envelope_from, recipient, data)
        for _ in range(tries - 1):
            if outcome.status is not DeliveryStatus.DEFERRED:
                break
            outcome = await self._connection.send(envelope_from, recipient, data)
        return outcome

    def close(self) -> None:
        try:
            self._runner.run(self._connection.close())
        finally:
            self._runner.close()
            self._held.close()

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
