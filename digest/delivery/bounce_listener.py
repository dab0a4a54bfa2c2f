"""A small SMTP receiver for the bounce domain (aiosmtpd): every message it is given goes
to a handler (bounce and complaint intake, digest.app.bounces) with its envelope
recipients.

It takes mail only for its domains (550 for any other, and for an address without one
but `postmaster`: it relays nothing), answers 250 for every message it read, whatever
the handler made of it (a forged or unrelated message is counted and dropped, not
bounced back), and 451 when the handler could not record it for now (the store is down
or locked), so the sending server tries again later. A message the store refuses for
good is logged, counted `failed` and taken (250): offered again, it would be refused
again, for days. The handler runs in a worker thread, one message at a time; nothing it
raises stops the receiver.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import traceback
from collections.abc import Callable, Iterable

from aiosmtpd.smtp import SMTP, Envelope, Session

from digest.delivery.listener import LocalSmtpServer, address
from digest.errors import DigestError, StoreError
from digest.text import hide_mailboxes, one_line

log = logging.getLogger(__name__)

DATA_SIZE_LIMIT = 10 * 1024 * 1024  # a bounce is small
# Sessions at once; the next is told to come back later (421). Each may hold a message of
# up to DATA_SIZE_LIMIT while it comes in, so this bounds the memory that takes; a mail
# server in front (Postfix delivers 20 at once to one destination) retries the rest.
MAX_SESSIONS = 20
MAX_RECIPIENTS = 100  # a message's, as RFC 5321 has every server take; the next are told to wait (452)
SERVER_HOSTNAME = "digest-bounces.localhost"
Handler = Callable[[bytes, tuple[str, ...]], str]  # (message, envelope recipients) -> what became of it


def _said(exc: BaseException) -> str:
    """What an error says, for the log: one line, without whose address it names."""
    return hide_mailboxes(one_line(str(exc)))


class _Intake:
    def __init__(self, handle: Handler, domains: Iterable[str]) -> None:
        self._handle = handle
        self._domains = {d.lower().rstrip(".") for d in domains if d}
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def _count(self, what: str) -> None:
        self.counts[what] = self.counts.get(what, 0) + 1

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        _, at, domain = address.rpartition("@")
        if not at:  # no domain: of none of ours, but for the one name every server takes (RFC 5321 4.5.1)
            if address.lower() != "postmaster":
                return "550 5.7.1 Relaying denied: this server takes mail for its bounce domain only"
        elif self._domains and domain.lower().rstrip(".") not in self._domains:
            return "550 5.7.1 Relaying denied: this server takes mail for its bounce domain only"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        recipients = tuple(str(r) for r in envelope.rcpt_tos)
        try:
            outcome = await asyncio.to_thread(self._locked, data, recipients)
        except DigestError as exc:
            if isinstance(exc, StoreError) and not exc.transient:
                self._count("failed")
                log.error("bounce intake could not record a message; it is dropped: %s", _said(exc))
                return "250 OK"
            self._count("deferred")
            log.warning("bounce intake could not record a message (the sender will retry): %s", _said(exc))
            return "451 4.3.0 Cannot record the message now, try again later"
        except Exception as exc:  # noqa: BLE001 - whatever the handler raises on a message must not stop the receiver
            self._count("malformed")
            # One line; the traceback only with -v (debug), never in the operator's face.
            log.error("bounce intake failed on a message; it is dropped: %s: %s", type(exc).__name__, _said(exc))
            # Where it failed (the frames, not the message, which may name someone) with -v.
            log.debug("bounce intake failure:\n%s", "".join(traceback.format_tb(exc.__traceback__)).rstrip())
            return "250 OK"
        self._count(outcome)
        log.info("bounce intake: a message from %s: %s", hide_mailboxes(one_line(envelope.mail_from or "<>")), outcome)
        return "250 OK"

    def _locked(self, data: bytes, recipients: tuple[str, ...]) -> str:
        with self._lock:
            return self._handle(data, recipients)


class BounceListener(LocalSmtpServer):
    """`with BounceListener(handle, domains=[...], port=0) as listener:` serves on
    `listener.port` until the block ends."""

    what = "bounce listener"

    def __init__(self, handle: Handler, *, domains: Iterable[str] = (), host: str = "127.0.0.1", port: int = 2526):
        super().__init__(
            host=host,
            port=port,
            server_hostname=SERVER_HOSTNAME,
            data_size_limit=DATA_SIZE_LIMIT,
            max_sessions=MAX_SESSIONS,
        )
        self._intake = _Intake(handle, domains)

    @property
    def counts(self) -> dict[str, int]:
        """How many messages ended each way (an intake outcome, or `deferred`)."""
        return dict(self._intake.counts)

    def handler(self) -> _Intake:
        return self._intake

    def start(self) -> BounceListener:
        started = self._controller is None
        super().start()
        if started:
            log.info("bounce listener on %s", address(self.host, self.port))
        return self
