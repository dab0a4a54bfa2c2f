"""A real SMTP server on 127.0.0.1 that records deliveries and fails on cue.

Tests change ``server.faults`` between sends; every counter in it is the number
of times the fault still fires for that recipient and is decremented as it does.
Use it through the ``smtp_server`` fixture (import it into a conftest) or
``with RecordingSMTPServer(faults).start() as server:``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
ANY = "*"  # a throttle key that refuses at MAIL, before any recipient is known

TRANSIENT_RCPT = "451 4.3.0 Mailbox temporarily unavailable, try again"
TRANSIENT_DATA = "451 4.3.0 Message not stored, try again"
THROTTLE = "421 4.7.0 Try again later"


@dataclass
class Faults:
    reject: dict[str, int] = field(default_factory=dict)
    transient_rcpt: dict[str, int] = field(default_factory=dict)
    transient_data: dict[str, int] = field(default_factory=dict)
    drop_after_data: dict[str, int] = field(default_factory=dict)
    drop_before_data: dict[str, int] = field(default_factory=dict)
    close_after_reply: dict[str, int] = field(default_factory=dict)  # accepted, then the connection closed
    throttle: dict[str, int] = field(default_factory=dict)
    random_transient: float = 0.0
    seed: int = 0
    delay: float = 0.0
    _rng: random.Random | None = field(default=None, init=False, repr=False, compare=False)

    def roll(self) -> float:
        """The next draw of this Faults' own seeded generator (created on first use)."""
        if self._rng is None:
            self._rng = random.Random(self.seed)
        return self._rng.random()


@dataclass(frozen=True)
class Accepted:
    message_id: str | None
    recipient: str
    mail_from: str
    data: bytes


def _take(counts: dict[str, int], key: str) -> bool:
    """Use up one firing of a counted fault; False once it has run out."""
    left = counts.get(key, 0)
    if left <= 0:
        return False
    counts[key] = left - 1
    return True


async def _hang_up(server: SMTP) -> None:
    """Close the connection and never reply.

    Closing the transport makes aiosmtpd's connection_lost() cancel the session
    task, which is what ends this wait; returning a status instead would make
    aiosmtpd write to a closed transport.
    """
    assert server.transport is not None
    server.transport.close()
    await asyncio.Event().wait()


def _message_id(data: bytes) -> str | None:
    value = BytesHeaderParser().parsebytes(data).get("Message-ID")
    return None if value is None else str(value).strip()


class _Handler:
    def __init__(self, owner: RecordingSMTPServer) -> None:
        self._owner = owner

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        # aiosmtpd reads pipelined commands one line at a time; it just does not say so.
        session.host_name = hostname
        with self._owner._lock:
            self._owner.greetings += 1
        if self._owner.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self._owner._fire("throttle", ANY):
            await server.push(THROTTLE)
            await _hang_up(server)
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        owner = self._owner
        owner._count_attempt(address)
        code = owner.faults.reject.get(address)
        if code is not None:
            return f"{code} {code // 100}.1.1 <{address}>: Recipient address rejected"
        if owner._fire("throttle", address):
            await server.push(THROTTLE)
            await _hang_up(server)
        if owner._fire("drop_before_data", address):
            await _hang_up(server)
        if owner._fire("transient_rcpt", address) or owner._random_transient():
            return TRANSIENT_RCPT
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        owner = self._owner
        if owner.faults.delay:
            await asyncio.sleep(owner.faults.delay)
        # One DATA reply covers the whole envelope, so any pending fault wins.
        # Each recipient's counter is used up, not just the first one found.
        transient = [r for r in envelope.rcpt_tos if owner._fire("transient_data", r)]
        if transient:
            return TRANSIENT_DATA
        owner._record(envelope)
        dropped = [r for r in envelope.rcpt_tos if owner._fire("drop_after_data", r)]
        if dropped:
            await _hang_up(server)
        if [r for r in envelope.rcpt_tos if owner._fire("close_after_reply", r)]:
            await server.push("250 OK")
            await _hang_up(server)
        return "250 OK"

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._owner._lock:
            self._owner.quits += 1
        return "221 Bye"


class _BoundController(Controller):
    """Serves on a socket bound up front, so port 0 works and the port is known at once."""

    def __init__(self, handler: Any, *, sock: socket.socket, **kwargs: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class RecordingSMTPServer:
    def __init__(self, faults: Faults | None = None, *, pipelining: bool = True) -> None:
        self.faults = faults if faults is not None else Faults()
        self.pipelining = pipelining
        self.host = HOST
        self.port = 0
        self.accepted: list[Accepted] = []
        self.attempts: Counter[str] = Counter()
        self.greetings = 0  # EHLOs: about one a connection
        self.quits = 0
        self._lock = threading.Lock()
        self._controller: _BoundController | None = None

    def start(self) -> RecordingSMTPServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))
        sock.listen(50)
        self.port = sock.getsockname()[1]
        self._controller = _BoundController(
            _Handler(self),
            sock=sock,
            server_hostname="recording.localhost",  # skips a getfqdn() DNS lookup
            data_size_limit=None,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> RecordingSMTPServer:
        return self if self._controller else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def copies(self, recipient: str) -> int:
        with self._lock:
            return sum(1 for a in self.accepted if a.recipient == recipient)

    def by_recipient(self) -> dict[str, list[Accepted]]:
        grouped: dict[str, list[Accepted]] = {}
        with self._lock:
            for item in self.accepted:
                grouped.setdefault(item.recipient, []).append(item)
        return grouped

    def _fire(self, kind: str, recipient: str) -> bool:
        with self._lock:
            return _take(getattr(self.faults, kind), recipient)

    def _random_transient(self) -> bool:
        with self._lock:
            chance = self.faults.random_transient
            return chance > 0 and self.faults.roll() < chance

    def _count_attempt(self, recipient: str) -> None:
        with self._lock:
            self.attempts[recipient] += 1

    def _record(self, envelope: Envelope) -> None:
        data = envelope.original_content or b""
        message_id = _message_id(data)
        copies = [Accepted(message_id, rcpt, envelope.mail_from or "", data) for rcpt in envelope.rcpt_tos]
        with self._lock:
            self.accepted.extend(copies)
        log.debug("accepted %s for %s", message_id, ", ".join(envelope.rcpt_tos))


@pytest.fixture
def smtp_server():
    server = RecordingSMTPServer().start()
    yield server
    server.stop()
