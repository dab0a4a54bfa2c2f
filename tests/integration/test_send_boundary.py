"""The send boundary: delivery hands plain OutgoingMessage values to any `Sender`."""

from __future__ import annotations

from email import message_from_bytes

from digest.app import recipient_factory
from digest.delivery.connection import Outcome
from digest.delivery.send import DeliveryOptions, deliver_issue
from digest.models import DeliveryStatus, OutgoingMessage
from tests.faults.conftest import LIST, SECRET, save_issue, subscribe


class RecordingSender:
    """Takes every message; refuses the addresses in `refuse` with a 550."""

    def __init__(self, *, concurrency: int = 3, refuse: frozenset[str] = frozenset()) -> None:
        self.concurrency = concurrency
        self.refuse = refuse
        self.messages: list[OutgoingMessage] = []
        self.closed = False

    async def send(self, message: OutgoingMessage, *, may_send=None) -> Outcome:
        if message.recipients[0] in self.refuse:
            return Outcome(DeliveryStatus.FAILED, code=550, error="550 no such user")
        self.messages.append(message)
        return Outcome(DeliveryStatus.SENT, code=250)

    async def close(self) -> None:
        self.closed = True


async def test_delivery_hands_plain_messages_to_any_sender(store):
    emails = subscribe(store, 5)
    issue = save_issue(store)
    transport = RecordingSender(refuse=frozenset({emails[0]}))
    report = await deliver_issue(
        issue,
        store=store,
        transport=transport,
        sender=LIST.sender,
        recipient_for=recipient_factory(LIST, secret=SECRET),
        options=DeliveryOptions(),
    )
    assert transport.closed
    assert sorted(m.recipients[0] for m in transport.messages) == sorted(emails[1:])
    for message in transport.messages:
        assert message.envelope_from == "digest@example.org"
        parsed = message_from_bytes(message.data)
        assert parsed["To"].endswith(f"<{message.recipients[0]}>") or parsed["To"] == message.recipients[0]
        assert b"\r\n" in message.data and not message.data.endswith(b"\r\n.\r\n")
    assert report.totals[DeliveryStatus.SENT] == 4 and report.totals[DeliveryStatus.FAILED] == 1


async def test_the_pool_sends_no_message_whose_claim_was_lost_while_it_waited(smtp_server):
    """A paused sender (a frozen VM, a stall) comes back with messages queued for its
    connections whose claims another sender took meanwhile: each is checked as its turn
    comes, including one whose envelope would have gone out with the message before."""
    import asyncio

    from digest.config import SmtpSettings
    from digest.delivery.pool import NOT_SENT, SmtpPool

    pool = SmtpPool(SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none"), connections=1)
    lost = {"b@example.org", "d@example.org"}

    def message(to: str) -> OutgoingMessage:
        return OutgoingMessage("digest@example.org", (to,), b"Subject: x\r\n\r\nbody\r\n")

    try:
        outcomes = await asyncio.gather(
            *(
                pool.send(message(f"{n}@example.org"), may_send=lambda n=n: f"{n}@example.org" not in lost)
                for n in "abcde"
            )
        )
    finally:
        await pool.close()
    assert [o is NOT_SENT for o in outcomes] == [False, True, False, True, False]
    assert [a.recipient for a in smtp_server.accepted] == ["a@example.org", "c@example.org", "e@example.org"]
