"""One message to one address through the same sending code as the digests: the
configured SMTP server, or the local capture server, over a `Connection`."""

from __future__ import annotations

import asyncio

from digest.config import Settings, SmtpSettings
from digest.delivery.connection import Connection, Outcome
from digest.errors import DeliveryError
from digest.models import DeliveryStatus

_TRIES = 2  # a dropped connection or a 4xx is tried once more on a fresh connection


def send_one(settings: Settings, *, envelope_from: str, recipient: str, data: bytes) -> str:
    """Send `data` (CRLF line ends, not dot-stuffed) to `recipient`; where the mail went
    when it was the capture server, else "". DeliveryError when it was not sent."""
    from digest.app.deliverability import message_signer
    from digest.app.sending import smtp_target

    signer = message_signer(settings)
    if signer is not None:
        data = signer.sign_message(data)

    async def go(smtp: SmtpSettings) -> Outcome:
        connection = Connection(smtp)
        try:
            outcome = await connection.send(envelope_from, recipient, data)
            for _ in range(_TRIES - 1):
                if outcome.status is not DeliveryStatus.DEFERRED:
                    break
                outcome = await connection.send(envelope_from, recipient, data)
            return outcome
        finally:
            await connection.close()

    with smtp_target(settings) as target:
        outcome = asyncio.run(go(target.settings))
    if outcome.status is not DeliveryStatus.SENT:
        raise DeliveryError(f"message to {recipient} not sent: {outcome.error or outcome.status.value}")
    return target.note
