"""The recording SMTP server answers each programmed fault the way a real server would."""

from __future__ import annotations

import time

import pytest
from aiosmtplib import (
    SMTP,
    SMTPDataError,
    SMTPRecipientRefused,
    SMTPSenderRefused,
    SMTPServerDisconnected,
)

from tests.smtp_server import Faults, RecordingSMTPServer

SENDER = "digest@example.org"


def message(message_id: str = "<m1@example.org>") -> bytes:
    return (
        f"From: {SENDER}\r\nTo: list@example.org\r\nSubject: hello\r\nMessage-ID: {message_id}\r\n\r\nbody line\r\n"
    ).encode()


async def connect(server: RecordingSMTPServer) -> SMTP:
    client = SMTP(hostname=server.host, port=server.port, timeout=2)
    await client.connect()
    return client


async def send(server: RecordingSMTPServer, *rcpts: str, message_id: str = "<m1@example.org>") -> None:
    client = await connect(server)
    try:
        await client.mail(SENDER)
        for rcpt in rcpts:
            await client.rcpt(rcpt)
        await client.data(message(message_id))
        await client.quit()
    finally:
        client.close()


async def test_records_one_copy_per_recipient(smtp_server):
    await send(smtp_server, "a@example.org", "b@example.org")

    assert smtp_server.host == "127.0.0.1"
    assert smtp_server.copies("a@example.org") == 1
    assert sorted(smtp_server.by_recipient()) == ["a@example.org", "b@example.org"]
    copy = smtp_server.by_recipient()["a@example.org"][0]
    assert copy.message_id == "<m1@example.org>"
    assert copy.mail_from == SENDER
    assert b"body line" in copy.data
    assert smtp_server.attempts == {"a@example.org": 1, "b@example.org": 1}


async def test_permanent_reject_at_rcpt(smtp_server):
    smtp_server.faults.reject["gone@example.org"] = 550
    client = await connect(smtp_server)
    await client.mail(SENDER)

    with pytest.raises(SMTPRecipientRefused) as refused:
        await client.rcpt("gone@example.org")

    assert refused.value.code == 550
    assert refused.value.recipient == "gone@example.org"
    await client.rcpt("ok@example.org")
    await client.data(message())
    await client.quit()
    assert smtp_server.by_recipient().keys() == {"ok@example.org"}


async def test_transient_rcpt_then_accepts(smtp_server):
    smtp_server.faults.transient_rcpt["busy@example.org"] = 2
    client = await connect(smtp_server)
    await client.mail(SENDER)

    codes = []
    for _ in range(2):
        with pytest.raises(SMTPRecipientRefused) as refused:
            await client.rcpt("busy@example.org")
        codes.append(refused.value.code)
    response = await client.rcpt("busy@example.org")
    await client.data(message())
    await client.quit()

    assert codes == [451, 451]
    assert response.code == 250
    assert smtp_server.attempts["busy@example.org"] == 3
    assert smtp_server.copies("busy@example.org") == 1


async def test_transient_after_data_stores_nothing(smtp_server):
    smtp_server.faults.transient_data["slow@example.org"] = 1
    client = await connect(smtp_server)
    await client.mail(SENDER)
    await client.rcpt("slow@example.org")
    await client.rcpt("other@example.org")

    with pytest.raises(SMTPDataError) as failed:
        await client.data(message())

    assert failed.value.code == 451
    assert smtp_server.accepted == []
    await client.mail(SENDER)
    await client.rcpt("slow@example.org")
    await client.data(message())
    await client.quit()
    assert smtp_server.copies("slow@example.org") == 1


async def test_lost_reply_after_data_still_delivers(smtp_server):
    smtp_server.faults.drop_after_data["lost@example.org"] = 1
    client = await connect(smtp_server)
    await client.mail(SENDER)
    await client.rcpt("lost@example.org")

    with pytest.raises(SMTPServerDisconnected):
        await client.data(message())

    assert not client.is_connected
    assert smtp_server.copies("lost@example.org") == 1
    # A sender that retries after a lost reply makes a duplicate.
    await send(smtp_server, "lost@example.org")
    assert smtp_server.copies("lost@example.org") == 2


async def test_hang_up_at_rcpt(smtp_server):
    smtp_server.faults.drop_before_data["cut@example.org"] = 1
    client = await connect(smtp_server)
    await client.mail(SENDER)

    with pytest.raises(SMTPServerDisconnected):
        await client.rcpt("cut@example.org")

    assert not client.is_connected
    assert smtp_server.accepted == []
    assert smtp_server.attempts["cut@example.org"] == 1
    await send(smtp_server, "cut@example.org")
    assert smtp_server.copies("cut@example.org") == 1


async def test_throttle_at_rcpt_answers_421_and_closes(smtp_server):
    smtp_server.faults.throttle["hot@example.org"] = 1
    client = await connect(smtp_server)
    await client.mail(SENDER)

    with pytest.raises(SMTPRecipientRefused) as refused:
        await client.rcpt("hot@example.org")

    assert refused.value.code == 421
    assert "4.7.0" in refused.value.message
    assert not client.is_connected  # aiosmtplib closes its side on any 421
    await send(smtp_server, "hot@example.org")
    assert smtp_server.copies("hot@example.org") == 1


async def test_throttle_any_answers_421_at_mail(smtp_server):
    smtp_server.faults.throttle["*"] = 1
    client = await connect(smtp_server)

    with pytest.raises(SMTPSenderRefused) as refused:
        await client.mail(SENDER)

    assert refused.value.code == 421
    assert not client.is_connected


async def rcpt_outcomes(faults: Faults, count: int) -> list[int]:
    with RecordingSMTPServer(faults).start() as server:
        client = await connect(server)
        await client.mail(SENDER)
        codes = []
        for n in range(count):
            try:
                codes.append((await client.rcpt(f"r{n}@example.org")).code)
            except SMTPRecipientRefused as refused:
                codes.append(refused.code)
        await client.quit()
    return codes


async def test_random_transient_is_reproducible_by_seed():
    first = await rcpt_outcomes(Faults(random_transient=0.5, seed=7), 30)
    again = await rcpt_outcomes(Faults(random_transient=0.5, seed=7), 30)
    other = await rcpt_outcomes(Faults(random_transient=0.5, seed=8), 30)

    assert first == again
    assert set(first) == {250, 451}
    assert other != first


async def test_delay_before_answering_data(smtp_server):
    smtp_server.faults.delay = 0.2
    started = time.monotonic()
    await send(smtp_server, "a@example.org")
    assert time.monotonic() - started >= 0.2


async def test_faults_can_be_replaced_between_sends(smtp_server):
    smtp_server.faults = Faults(reject={"a@example.org": 550})
    with pytest.raises(SMTPRecipientRefused):
        await send(smtp_server, "a@example.org")
    smtp_server.faults = Faults()
    await send(smtp_server, "a@example.org")
    assert smtp_server.copies("a@example.org") == 1
