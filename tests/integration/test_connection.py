"""The SMTP connection's own transaction path against a scripted server on 127.0.0.1:
pipelined commands, replies split or bunched in any way, and refusals mid-pipeline."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from hypothesis import given, settings, strategies as st

from digest.config import SmtpSettings
from digest.delivery.connection import Connection, Outcome
from digest.delivery.pool import SmtpPool
from digest.errors import ServerUnavailable
from digest.models import DeliveryStatus, OutgoingMessage
from digest.store import deliveries_table
from tests.helpers import save_issue, send, subscribe

MESSAGE = b"Subject: hi\r\n\r\n.leading dot\r\nbody\r\n"
HANG_UP = b"<hang up>"  # an answer that closes the connection instead
Script = Callable[[bytes], list[bytes]]  # a command line -> reply chunks to write


class ScriptedServer:
    """Speaks just enough SMTP; `answer` decides each reply, `chunks` how the bytes go out."""

    def __init__(
        self, answer: Callable[[bytes], bytes], *, pipelining: bool = True, split: bool = False, peek: bool = False
    ) -> None:
        self.answer = answer
        self.pipelining = pipelining
        self.split = split  # write each reply a byte at a time
        self.peek = peek  # before answering a message, wait a little for what the client sends unprompted
        self.ahead: list[bytes] = []  # what came so, after each message
        self.answered: list[tuple[bytes, bytes]] = []  # (the last RCPT, the reply) for each message's text
        self.reads: list[bytes] = []  # what arrived, one entry per read() call
        self.commands: list[bytes] = []
        self.messages: list[bytes] = []
        self.sessions: set[asyncio.Task] = set()

    async def start(self) -> ScriptedServer:
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()
        if self.sessions:  # let each session see the client's hang-up and record it
            await asyncio.wait(self.sessions, timeout=5)

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if self.split:
            for i in range(len(data)):
                writer.write(data[i : i + 1])
                await writer.drain()
                await asyncio.sleep(0)
        else:
            writer.write(data)
            await writer.drain()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.sessions.add(asyncio.current_task())
        await self._write(writer, b"220 scripted ready\r\n")
        pending = b""
        try:
            while True:
                chunk = await reader.read(65536)
                if not chunk:
                    return
                self.reads.append(chunk)
                pending += chunk
                replies = b""
                while b"\r\n" in pending:
                    line, pending = pending.split(b"\r\n", 1)
                    self.commands.append(line)
                    verb = line.split(b" ", 1)[0].upper()
                    if verb == b"EHLO":
                        replies += (
                            b"250-scripted\r\n" + (b"250-PIPELINING\r\n" if self.pipelining else b"") + b"250 HELP\r\n"
                        )
                    elif verb == b"QUIT":
                        await self._write(writer, replies + b"221 bye\r\n")
                        return
                    else:
                        reply = self.answer(line)
                        if reply == HANG_UP:
                            await self._write(writer, replies)
                            return
                        replies += reply
                        if verb == b"DATA" and reply.startswith(b"354"):
                            await self._write(writer, replies)
                            replies = b""
                            body = pending + await reader.readuntil(b"\r\n.\r\n")
                            pending = b""
                            self.messages.append(body)
                            if self.peek:
                                try:
                                    pending = await asyncio.wait_for(reader.read(65536), 0.2)
                                except TimeoutError:
                                    pending = b""
                                self.ahead.append(pending)
                            reply = self.answer(b"<body>")
                            rcpt = next((c for c in reversed(self.commands) if c.startswith(b"RCPT")), b"")
                            self.answered.append((rcpt, reply))
                            if reply == HANG_UP:
                                await self._write(writer, replies)
                                return
                            replies += reply
                if replies:
                    await self._write(writer, replies)
        except asyncio.IncompleteReadError as exc:
            self.reads.append(exc.partial)  # what came before the client hung up
        except ConnectionError:
            return
        finally:
            writer.close()


def accept_all(line: bytes) -> bytes:
    if line.startswith(b"DATA"):
        return b"354 go ahead\r\n"
    return b"250-first line\r\n250 ok\r\n" if line == b"<body>" else b"250 ok\r\n"


TWO = ("to0@example.org", "to1@example.org")


async def exchange(server: ScriptedServer, recipients: tuple[str, ...] = TWO) -> tuple[list[Outcome], Connection]:
    """Start `server`, send MESSAGE to each recipient over one connection, close both."""
    await server.start()
    connection = Connection(SmtpSettings(host="127.0.0.1", port=server.port, security="none", timeout=5))
    try:
        outcomes = [await connection.send("from@example.org", recipient, MESSAGE) for recipient in recipients]
        await connection.close()
    finally:
        await server.stop()
    return outcomes, connection


@pytest.mark.parametrize("split", [False, True], ids=["whole", "byte-by-byte"])
async def test_pipelined_envelope_goes_out_in_one_write(split):
    server = ScriptedServer(accept_all, split=split)
    outcomes, connection = await exchange(server)
    assert [o.status for o in outcomes] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    assert connection.pipelining
    envelope = b"MAIL FROM:<from@example.org>\r\nRCPT TO:<to0@example.org>\r\nDATA\r\n"
    assert envelope in server.reads  # one write, one read on the server
    assert server.messages[0] == b"Subject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\n"
    assert server.commands[-1] == b"QUIT"


async def test_without_pipelining_each_command_waits_for_its_reply():
    server = ScriptedServer(accept_all, pipelining=False)
    outcomes, connection = await exchange(server)
    assert [o.status for o in outcomes] == [DeliveryStatus.SENT, DeliveryStatus.SENT]
    assert not connection.pipelining
    assert b"MAIL FROM:<from@example.org>\r\n" in server.reads
    assert all(read.count(b"\r\n") == 1 for read in server.reads if not read.startswith(b"Subject"))


async def test_a_refused_recipient_in_a_pipeline_is_failed_then_rset_and_the_connection_reused():
    def answer(line: bytes) -> bytes:
        if line == b"RCPT TO:<to0@example.org>":
            return b"550 5.1.1 no such user\r\n"
        if line.startswith(b"DATA") and b"RCPT TO:<to0@example.org>" in server.commands[-2:]:
            return b"554 5.5.1 no valid recipients\r\n"
        return accept_all(line)

    server = ScriptedServer(answer)
    outcomes, _connection = await exchange(server)
    assert outcomes[0].status is DeliveryStatus.FAILED and outcomes[0].code == 550
    assert "no such user" in outcomes[0].error
    assert outcomes[1].status is DeliveryStatus.SENT
    assert b"RSET" in server.commands
    assert server.commands.count(b"EHLO " + server.commands[0].split(b" ", 1)[1]) == 1  # one connection
    assert len(server.messages) == 1


async def test_data_accepted_after_a_refused_recipient_sends_no_body():
    """A server that answers 354 although it refused the only recipient: the message
    must not go out; the connection is dropped instead."""

    def answer(line: bytes) -> bytes:
        if line.startswith(b"RCPT"):
            return b"451 4.3.0 try later\r\n"
        return accept_all(line)

    server = ScriptedServer(answer)
    (outcome,), _ = await exchange(server, ("to@example.org",))
    assert outcome.status is DeliveryStatus.DEFERRED and outcome.code == 451 and outcome.reconnect
    assert server.messages == []
    assert not any(b"QUIT" in read for read in server.reads)  # it would have been taken as message text


@pytest.mark.parametrize("address", ["a@b.org>\r\nRCPT TO:<x@y.org", "a b@example.org", "<a@b.org>", ""])
async def test_an_address_that_could_break_the_command_line_is_refused_before_sending(address):
    server = ScriptedServer(accept_all)
    (outcome,), _ = await exchange(server, (address,))
    assert outcome.status is DeliveryStatus.FAILED
    assert not any(c.startswith(b"RCPT") for c in server.commands)


async def test_a_malformed_reply_drops_the_connection_and_defers():
    def answer(line: bytes) -> bytes:
        return b"hello there\r\n" if line.startswith(b"MAIL") else accept_all(line)

    server = ScriptedServer(answer)
    (outcome,), _ = await exchange(server, ("to@example.org",))
    assert outcome.status is DeliveryStatus.DEFERRED and outcome.reconnect
    assert "malformed reply" in outcome.error
    assert server.messages == []


async def test_a_reply_that_never_comes_retires_the_connection():
    """After a timeout a late reply could be taken for the next command's: the next
    message goes out on a new connection, and the old one gets no QUIT."""
    last_rcpt = [b""]

    def answer(line: bytes) -> bytes:
        if line.startswith(b"RCPT"):
            last_rcpt[0] = line
        if last_rcpt[0] == b"RCPT TO:<to0@example.org>" and not line.startswith(b"MAIL"):
            return b""  # that RCPT and the DATA after it are never answered
        return accept_all(line)

    server = ScriptedServer(answer)
    await server.start()
    # Long enough to connect on a loaded machine; the unanswered RCPT then times out.
    connection = Connection(SmtpSettings(host="127.0.0.1", port=server.port, security="none", timeout=2))
    try:
        first = await connection.send("from@example.org", "to0@example.org", MESSAGE)
        second = await connection.send("from@example.org", "to1@example.org", MESSAGE)
        await connection.close()
    finally:
        await server.stop()
    assert first.status is DeliveryStatus.DEFERRED and "timed out" in first.error and first.reconnect
    assert second.status is DeliveryStatus.SENT
    assert sum(1 for c in server.commands if c.startswith(b"EHLO")) == 2
    assert server.commands.count(b"QUIT") == 1  # only the second connection's


THREE = ("to0@example.org", "to1@example.org", "to2@example.org")


async def pooled(
    server: ScriptedServer, recipients: tuple[str, ...] = THREE, *, cancel: str = "", own_text: bool = False
) -> list:
    """Start `server`, hand every message to a one-connection pool at once (withdrawing
    the one to `cancel` as the first message is answered), close both; each message's
    outcome, None for the withdrawn one. `own_text`: each message's Subject names its recipient."""
    await server.start()
    pool = SmtpPool(SmtpSettings(host="127.0.0.1", port=server.port, security="none", timeout=5), connections=1)
    try:
        texts = [f"Subject: {r}\r\n\r\nbody\r\n".encode() if own_text else MESSAGE for r in recipients]
        sends = [
            asyncio.ensure_future(pool.send(OutgoingMessage("from@example.org", (r,), text, dot_free=own_text)))
            for r, text in zip(recipients, texts, strict=True)
        ]
        if cancel:
            answer = server.answer

            def cancelling(line: bytes) -> bytes:
                if line == b"<body>" and len(server.messages) == 1:
                    sends[recipients.index(cancel)].cancel()
                return answer(line)

            server.answer = cancelling
        await asyncio.wait(sends)
        await pool.close()
    finally:
        await server.stop()
    return [None if s.cancelled() else s.result() for s in sends]


def envelope(recipient: str) -> bytes:
    return f"MAIL FROM:<from@example.org>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode()


async def test_the_next_envelope_goes_out_with_the_message_before_it():
    """RFC 2920: message text may open a group, so the next message's MAIL, RCPT and
    DATA follow a message's data in the same write: one round trip a message, not two."""
    server = ScriptedServer(accept_all, peek=True)
    outcomes = await pooled(server)
    assert [o.status for o in outcomes] == [DeliveryStatus.SENT] * 3
    assert envelope("to0@example.org") in server.reads
    assert server.ahead == [envelope("to1@example.org"), envelope("to2@example.org"), b""]
    assert server.messages == [b"Subject: hi\r\n\r\n..leading dot\r\nbody\r\n.\r\n"] * 3
    assert server.commands[-1] == b"QUIT"


def answering_messages(first: bytes) -> ScriptedServer:
    """A server that answers the first message's text with `first`, every other line as accept_all."""
    answers = iter([first])

    def answer(line: bytes) -> bytes:
        return next(answers, b"250 ok\r\n") if line == b"<body>" else accept_all(line)

    return ScriptedServer(answer)


async def test_a_refused_message_ends_its_transaction_and_the_next_one_goes_on_without_rset():
    server = answering_messages(b"554 5.7.1 content refused\r\n")
    outcomes = await pooled(server)
    assert [o.status for o in outcomes] == [DeliveryStatus.FAILED, DeliveryStatus.SENT, DeliveryStatus.SENT]
    assert outcomes[0].code == 554 and b"RSET" not in server.commands


async def test_a_server_that_hangs_up_after_a_message_costs_the_next_one_nothing():
    """A 421 after the data: the next message's envelope went out on that connection, so it
    is dropped (a QUIT would be taken as that message's text) and the message goes out on
    a new one."""
    server = answering_messages(b"421 4.3.2 shutting down\r\n")
    outcomes = await pooled(server)
    assert [o.status for o in outcomes] == [DeliveryStatus.DEFERRED, DeliveryStatus.SENT, DeliveryStatus.SENT]
    assert len(server.messages) == 3 and all(m.startswith(b"Subject: hi") for m in server.messages)
    assert sum(c.startswith(b"EHLO") for c in server.commands) == 2
    assert sum(b"QUIT" in read for read in server.reads) == 1  # only the second connection's


async def test_a_message_withdrawn_after_its_envelope_went_ahead_is_not_sent():
    server = ScriptedServer(accept_all)
    outcomes = await pooled(server, cancel="to1@example.org")
    assert outcomes[0].status is DeliveryStatus.SENT and outcomes[1] is None
    assert outcomes[2].status is DeliveryStatus.SENT
    assert len(server.messages) == 2  # to1's DATA was answered 354 and left without text


REPLIES = [b"250 ok\r\n", b"451 4.3.0 later\r\n", b"550 5.1.1 no\r\n", b"421 4.3.2 closing\r\n", HANG_UP]


@settings(max_examples=60, deadline=None)
@given(script=st.lists(st.sampled_from(REPLIES), max_size=30), count=st.integers(1, 6))
def test_what_a_pipelined_pool_reports_is_what_the_server_did(script, count):
    """Whatever the server answers to each command and text, or where it hangs up, with
    envelopes sent ahead: a message reported sent was taken once with 250, one reported
    failed or deferred was not taken, and no command ever lands in a message's text."""
    answers = iter(script)

    def answer(line: bytes) -> bytes:
        reply = next(answers, b"250 ok\r\n")
        if line.startswith(b"DATA") and reply == b"250 ok\r\n":
            return b"354 go ahead\r\n"
        return reply

    server = ScriptedServer(answer)
    recipients = tuple(f"to{i}@example.org" for i in range(count))
    outcomes = asyncio.run(pooled(server, recipients, own_text=True))
    taken = [rcpt for rcpt, reply in server.answered if reply.startswith(b"250")]
    for recipient, outcome in zip(recipients, outcomes, strict=True):
        rcpt = f"RCPT TO:<{recipient}>".encode()
        if outcome.status is DeliveryStatus.SENT:
            assert taken.count(rcpt) == 1
        elif outcome.status is not DeliveryStatus.UNCERTAIN:
            assert rcpt not in taken
    for text, (rcpt, _) in zip(server.messages, server.answered, strict=True):
        assert text == f"Subject: {rcpt[9:-1].decode()}\r\n\r\nbody\r\n.\r\n".encode()


def unprintable(text: str) -> list[str]:
    return [char for char in text if ord(char) < 0x20 or 0x7F <= ord(char) <= 0x9F]


HOSTILE_REPLY = (
    b"550-5.1.1 bad\x00user \x1b[2J\x1b]0;pwned\x07\r\n550 5.1.1 and\rmore\x7f\xc2\x9b" + b"x" * 5000 + b"\r\n"
)


async def test_a_reply_with_control_characters_is_one_printable_line_of_bounded_length():
    def answer(line: bytes) -> bytes:
        return HOSTILE_REPLY if line.startswith(b"RCPT") else accept_all(line)

    (outcome,), _ = await exchange(ScriptedServer(answer), ("to@example.org",))
    assert outcome.status is DeliveryStatus.FAILED and outcome.code == 550
    assert outcome.error.startswith("550 5.1.1 baduser [2J]0;pwned 5.1.1 and more")
    assert unprintable(outcome.error) == [] and len(outcome.error) <= 300


async def test_a_refusal_with_a_nul_byte_is_recorded_and_the_rest_is_sent(store):
    """PostgreSQL takes no NUL in a text column: a reply carrying one must not cost the
    batch its record."""
    emails = subscribe(store, 4)

    def answer(line: bytes) -> bytes:
        return HOSTILE_REPLY if line == f"RCPT TO:<{emails[1]}>".encode() else accept_all(line)

    server = await ScriptedServer(answer).start()
    try:
        report = await send(store, save_issue(store), SimpleNamespace(host="127.0.0.1", port=server.port))
    finally:
        await server.stop()
    assert report.complete and report.totals[DeliveryStatus.SENT] == 3 and report.totals[DeliveryStatus.FAILED] == 1
    with store.engine.connect() as conn:
        (error,) = conn.execute(
            sa.select(deliveries_table.c.last_error).where(deliveries_table.c.status == DeliveryStatus.FAILED.value)
        ).scalars()
    assert error.startswith("550 5.1.1 baduser") and unprintable(error) == []


async def greeting_server(greeting: bytes) -> asyncio.Server:
    """A server on 127.0.0.1 that says `greeting` and hangs up once the client speaks."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(greeting)
        await writer.drain()
        await reader.read(1024)
        writer.close()

    return await asyncio.start_server(session, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("greeting", "cause"),
    [
        (b"554 5.3.2 go\x00 away \x1b]0;pwned\x07now\r\n", "the server answered 554 5.3.2 go away ]0;pwnednow"),
        (b"HTTP/1.1 400 Bad\x00 Request\x1b[2J\r\n\r\n", "not an SMTP reply (Malformed SMTP response line: HTTP/1.1"),
    ],
    ids=["refusal", "not-smtp"],
)
async def test_a_greeting_with_control_characters_is_one_printable_line(greeting, cause):
    server = await greeting_server(greeting)
    port = server.sockets[0].getsockname()[1]
    connection = Connection(SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5))
    try:
        with pytest.raises(ServerUnavailable) as caught:
            await connection.check(tries=1)
        outcome = await connection.send("from@example.org", "to@example.org", MESSAGE)
    finally:
        server.close()
        await server.wait_closed()
    for error in (str(caught.value), outcome.error):
        assert cause in error and f"127.0.0.1:{port}" in error
        assert unprintable(error) == [] and len(error) <= 400


async def test_a_server_that_hangs_up_before_it_greets_is_named_so():
    """A port whose program closes every connection at once (a firewall's reset, a service
    that crashed): the cause in words, not aiosmtplib's exception name."""

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    connection = Connection(SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5))
    try:
        with pytest.raises(ServerUnavailable) as caught:
            await connection.check(tries=1)
    finally:
        server.close()
        await server.wait_closed()
    assert str(caught.value) == f"SMTP server 127.0.0.1:{port} unusable: the server closed the connection"


@pytest.mark.parametrize(
    ("security", "cause"),
    [
        ("none", "the server offers no AUTH, but smtp.username is set and smtp.security is 'none'"),
        ("starttls", "the server does not offer STARTTLS (smtp.security is 'starttls'"),
    ],
)
async def test_a_server_without_what_the_settings_need_is_named_for_what_it_lacks(security, cause):
    """The server offers neither STARTTLS nor AUTH: a login over a plain connection is
    no STARTTLS problem, and neither is tried again."""
    server = await ScriptedServer(accept_all).start()
    settings = SmtpSettings(
        host="127.0.0.1", port=server.port, security=security, timeout=5, username="digest", password="pw"
    )
    connection = Connection(settings)
    try:
        with pytest.raises(ServerUnavailable) as checked:
            await connection.check(tries=2, pause=0)
        with pytest.raises(ServerUnavailable) as sending:
            await connection.send("from@example.org", "to@example.org", MESSAGE)
    finally:
        await server.stop()
    for error in (str(checked.value), str(sending.value)):
        assert error.startswith(f"SMTP server 127.0.0.1:{server.port} unusable: {cause}"), error
        assert "pw" not in error.replace("password", "")
    assert sum(c.startswith(b"EHLO") for c in server.commands) == 2  # one connection each, no retry
    assert not any(c.startswith((b"AUTH", b"STARTTLS", b"MAIL")) for c in server.commands)
