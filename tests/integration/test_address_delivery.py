"""What import accepts, send can send: internationalised and mixed-case addresses
against a real aiosmtpd server on 127.0.0.1, with and without SMTPUTF8."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from aiosmtpd.smtp import Envelope

from digest.app import recipient_factory, render_for_list
from digest.config import ListSettings, SmtpSettings
from digest.delivery.connection import Connection
from digest.delivery.send import DeliveryOptions, deliver_issue
from digest.mail.compose import compose
from digest.mail.message import MessageFactory, Recipient
from digest.models import DeliveryStatus, SubscriberStatus
from digest.store import deliveries_table
from digest.subscribers import normalise_email, parse_subscriber_csv, read_token
from tests.helpers import save_issue
from tests.smtp_server import HOST, RecordingSMTPServer, _BoundController, _Handler

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
SECRET = "test-signing-secret"
LIST = ListSettings(name="daily", title="The Daily", sender="The Daily <digest@example.org>")
FAST = DeliveryOptions(connections=2, batch=50, attempts=2, backoff=0.01, defer=0.0)
CSV = (
    "email,name\n"
    "dup@example.org,Dup\n"
    "DUP@example.org,Dup Again\n"  # the same subscriber: one copy
    "anna@bücher.de,Anna\n"  # sent as anna@xn--bcher-kva.de; needs nothing from the server
    "Dörte@example.org,Dörte\n"  # needs SMTPUTF8
)


class Server(RecordingSMTPServer):
    """The recording server, with or without SMTPUTF8, keeping each message's MAIL options."""

    def __init__(self, *, smtputf8: bool) -> None:
        super().__init__()
        self.smtputf8 = smtputf8
        self.mail_options: dict[str, list[str]] = {}

    def start(self) -> Server:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((HOST, 0))
        sock.listen(50)
        self.port = sock.getsockname()[1]
        self._controller = _BoundController(
            _Handler(self),
            sock=sock,
            server_hostname="recording.localhost",
            data_size_limit=None,
            enable_SMTPUTF8=self.smtputf8,
        )
        self._controller.start()
        return self

    def _record(self, envelope: Envelope) -> None:
        with self._lock:
            for rcpt in envelope.rcpt_tos:
                self.mail_options[rcpt] = list(envelope.mail_options)
        super()._record(envelope)


@pytest.fixture(params=[True, False], ids=["smtputf8", "no-smtputf8"])
def server(request):
    with Server(smtputf8=request.param) as running:
        yield running


def parse(data: bytes) -> email.message.EmailMessage:
    return email.message_from_string(data.decode("utf-8"), policy=email.policy.SMTPUTF8)


def message_for(address: str) -> bytes:
    digest = compose([], list_name="daily", title="The Daily", day=date(2026, 11, 24))
    return MessageFactory(render_for_list(digest, LIST), sender=LIST.sender).build(Recipient(email=address))


async def send_one(server: Server, given: str) -> tuple[str, object]:
    address = normalise_email(given).email
    connection = Connection(SmtpSettings(host=server.host, port=server.port, security="none", timeout=5))
    try:
        outcome = await connection.send("digest@example.org", address, message_for(given))
        after = await connection.send("digest@example.org", "plain@example.org", message_for("plain@example.org"))
    finally:
        await connection.close()
    assert after.status is DeliveryStatus.SENT  # the connection goes on either way
    return address, outcome


async def test_an_internationalised_domain_goes_out_as_a_labels_without_smtputf8(server):
    _address, outcome = await send_one(server, "anna@bücher.de")
    assert outcome.status is DeliveryStatus.SENT
    assert [a.recipient for a in server.accepted] == ["anna@xn--bcher-kva.de", "plain@example.org"]
    assert "SMTPUTF8" not in server.mail_options["anna@xn--bcher-kva.de"]
    assert parse(server.accepted[0].data)["To"].addresses[0].addr_spec == "anna@xn--bcher-kva.de"


async def test_a_utf8_local_part_goes_out_with_smtputf8_where_offered():
    with Server(smtputf8=True) as server:
        address, outcome = await send_one(server, "Dörte@Example.org")
    assert outcome.status is DeliveryStatus.SENT
    assert address == "Dörte@example.org"
    assert "SMTPUTF8" in server.mail_options[address]
    assert "SMTPUTF8" not in server.mail_options["plain@example.org"]
    accepted = server.by_recipient()[address]
    assert [parse(a.data)["To"].addresses[0].addr_spec for a in accepted] == [address]


async def test_a_utf8_local_part_is_a_clear_failure_where_smtputf8_is_not_offered():
    with Server(smtputf8=False) as server:
        address, outcome = await send_one(server, "Dörte@Example.org")
    assert outcome.status is DeliveryStatus.FAILED
    assert outcome.error == "server does not offer SMTPUTF8, needed for 'Dörte@example.org'"
    assert server.attempts[address] == 0  # nothing was tried on the server
    assert [a.recipient for a in server.accepted] == ["plain@example.org"]


async def test_what_import_accepts_send_can_send(store, server):
    result = parse_subscriber_csv(CSV)
    assert [(e.line, e.reason) for e in result.errors] == [(3, "duplicate of line 2: 'DUP@example.org'")]
    assert store.add_subscribers("daily", result.subscribers, at=NOW) == (3, 0)
    # Against the store: the same people in other cases are already there.
    again = parse_subscriber_csv("email\nDup@Example.ORG\nANNA@BÜCHER.DE\nDÖRTE@example.org\n")
    assert again.errors == ()
    assert store.add_subscribers("daily", again.subscribers, at=NOW) == (0, 3)
    assert store.count_subscribers("daily") == 3

    smtp = SmtpSettings(host=server.host, port=server.port, security="none", timeout=5)
    report = await deliver_issue(
        save_issue(store),
        store=store,
        smtp=smtp,
        sender=LIST.sender,
        recipient_for=recipient_factory(LIST, secret=SECRET),
        options=FAST,
    )

    sent = {a.recipient: 1 for a in server.accepted}
    expected = {"dup@example.org": 1, "anna@xn--bcher-kva.de": 1}
    if server.smtputf8:
        expected["Dörte@example.org"] = 1
    assert sent == expected and len(server.accepted) == len(expected)  # one copy each
    for accepted in server.accepted:
        msg = parse(accepted.data)
        assert msg["To"].addresses[0].addr_spec == accepted.recipient
        token = msg["List-Unsubscribe"].split(",")[0].strip("<> ").split("token=")[1]
        assert read_token(token, secret=SECRET).key == normalise_email(accepted.recipient).key
    if server.smtputf8:
        assert report.complete and not report.failed
    else:
        assert report.totals[DeliveryStatus.FAILED] == 1
        with store.engine.connect() as conn:
            errors = (
                conn.execute(
                    sa.select(deliveries_table.c.last_error).where(
                        deliveries_table.c.status == DeliveryStatus.FAILED.value
                    )
                )
                .scalars()
                .all()
            )
        assert errors == ["server does not offer SMTPUTF8, needed for 'Dörte@example.org'"]


async def test_remove_and_unsubscribe_by_any_case(store):
    store.add_subscribers("daily", parse_subscriber_csv(CSV).subscribers, at=NOW)
    assert store.set_subscriber_status(
        "daily", normalise_email("DUP@EXAMPLE.ORG").key, SubscriberStatus.UNSUBSCRIBED, at=NOW
    )
    assert store.subscriber("daily", normalise_email("dup@example.org").key).status is SubscriberStatus.UNSUBSCRIBED
    assert store.subscriber("daily", normalise_email("dup@example.org").key).email == "dup@example.org"  # as given
    assert store.remove_subscriber("daily", normalise_email("DÖRTE@EXAMPLE.ORG").key)
    assert store.remove_subscriber("daily", normalise_email("Anna@xn--BCHER-kva.de").key)
    assert store.count_subscribers("daily") == 1
