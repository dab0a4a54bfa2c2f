"""A local capture SMTP server: accepts every message and files it in a Maildir.

The demo delivers here when no SMTP host is configured. Each delivered copy
becomes one Maildir file per envelope recipient, with an
``X-Digest-Envelope-To:`` header line prepended so a reader can tell who it
was for.
"""

from __future__ import annotations

import logging
import mailbox
import re
import signal
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from digest.errors import DeliveryError

log = logging.getLogger(__name__)

ENVELOPE_HEADER = "X-Digest-Envelope-To"
DATA_SIZE_LIMIT = 50 * 1024 * 1024
SERVER_HOSTNAME = "digest-sink.localhost"
_READY_TIMEOUT = 5.0
_KEY_ORDER = re.compile(r"^(\d+)\.M(\d+)P\d+Q(\d+)\.")


@dataclass(frozen=True)
class CapturedMessage:
    key: str
    envelope_to: str
    subject: str
    message_id: str | None
    date: datetime | None
    size: int  # bytes of the stored copy, including the envelope header


class _MaildirHandler:
    def __init__(self, maildir: Path) -> None:
        self._maildir = maildir

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        # aiosmtpd reads pipelined commands a line at a time; it just does not announce it.
        session.host_name = hostname
        responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        body = content.replace(b"\r\n", b"\n")
        box = mailbox.Maildir(self._maildir, factory=None, create=False)
        try:
            for rcpt in envelope.rcpt_tos:
                box.add(_envelope_line(rcpt) + body)
        except OSError as err:
            log.error("capture sink cannot write to %s: %s", self._maildir, err)
            return "451 4.3.0 Cannot store message"
        log.info(
            "captured %d bytes for %d recipient(s) from %s",
            len(content),
            len(envelope.rcpt_tos),
            envelope.mail_from,
        )
        return "250 OK"


def _envelope_line(rcpt: str) -> bytes:
    # SMTPUTF8 addresses arrive as str; keep them readable in the header.
    return f"{ENVELOPE_HEADER}: {rcpt}\n".encode("utf-8", "surrogateescape")


class _BoundController(Controller):
    """A Controller serving on a socket we bound ourselves.

    Binding up front gives the real port before the thread starts (aiosmtpd's
    own readiness probe would otherwise dial port 0) and turns "address in use"
    into an immediate error instead of a ready_timeout wait.
    """

    def __init__(self, handler: Any, *, sock: socket.socket, **kwargs: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(100)
    except OSError as err:
        sock.close()
        reason = err.strerror or str(err)
        raise DeliveryError(f"capture sink cannot listen on {address(host, port)}: {reason}") from err
    return sock


def _open_maildir(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(path, factory=None, create=True)
    except OSError as err:
        reason = err.strerror or str(err)
        raise DeliveryError(f"capture sink cannot create Maildir {path}: {reason}") from err


class _NoBodyLogs(logging.Filter):
    """aiosmtpd logs every DATA line at DEBUG; message bodies must never reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("DATA readline")


_aiosmtpd_log = logging.getLogger("mail.log")
if not any(isinstance(f, _NoBodyLogs) for f in _aiosmtpd_log.filters):
    _aiosmtpd_log.addFilter(_NoBodyLogs())


class CaptureSink:
    def __init__(self, *, maildir: Path, host: str = "127.0.0.1", port: int = 2525) -> None:
        self.maildir = Path(maildir)
        self.host = host
        self._port = port
        self._controller: _BoundController | None = None

    @property
    def port(self) -> int:
        return self._port

    def start(self) -> CaptureSink:
        if self._controller is not None:
            return self
        _open_maildir(self.maildir)
        sock = _bind(self.host, self._port)
        self._port = sock.getsockname()[1]
        controller = _BoundController(
            _MaildirHandler(self.maildir),
            sock=sock,
            server_hostname=SERVER_HOSTNAME,  # skips socket.getfqdn(), which can block on DNS
            ready_timeout=_READY_TIMEOUT,
            data_size_limit=DATA_SIZE_LIMIT,
            enable_SMTPUTF8=True,
        )
        try:
            controller.start()
        except Exception as err:
            controller.stop(no_assert=True)
            sock.close()
            raise DeliveryError(f"capture sink failed to start on {address(self.host, self._port)}: {err}") from err
        self._controller = controller
        log.info("capture sink listening on %s:%d, filing into %s", self.host, self._port, self.maildir)
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
            log.info("capture sink on %s:%d stopped", self.host, self._port)

    def __enter__(self) -> CaptureSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve_sink(
    *,
    maildir: Path,
    host: str = "127.0.0.1",
    port: int = 2525,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run a capture sink in the foreground until Ctrl-C or SIGTERM. `on_ready` gets the
    address (`host:port`, the real port when `port` is 0) once the sink is listening, and
    not at all when it cannot listen (a DeliveryError naming the address and the cause)."""
    stopping = threading.Event()
    previous = _on_sigterm(stopping.set)
    try:
        with CaptureSink(maildir=maildir, host=host, port=port) as sink:
            if on_ready is not None:
                on_ready(address(sink.host, sink.port))
            stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def address(host: str, port: int) -> str:
    """`host:port`, with an IPv6 address in brackets (`[::1]:2525`)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _on_sigterm(callback) -> Any:
    """Install a SIGTERM handler; returns the old one, or None off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda signum, frame: callback())


def captured(maildir: Path) -> list[CapturedMessage]:
    """Every stored copy in ``maildir``, oldest first (newest last)."""
    path = Path(maildir)
    if not path.is_dir():
        return []
    box = mailbox.Maildir(path, factory=None, create=False)
    messages = [_read(box, key) for key in box.keys()]  # noqa: SIM118 - iterating a Maildir reads messages
    return sorted(messages, key=lambda m: _order(m.key))


def _read(box: mailbox.Maildir, key: str) -> CapturedMessage:
    with box.get_file(key) as fp:
        head = _header_block(fp)
        fp.seek(0, 2)
        size = fp.tell()
    headers = BytesHeaderParser(policy=default_policy).parsebytes(head)
    return CapturedMessage(
        key=key,
        envelope_to=str(headers.get(ENVELOPE_HEADER, "")),
        subject=str(headers.get("Subject", "")),
        message_id=_str_or_none(headers.get("Message-ID")),
        date=_date(headers.get("Date")),
        size=size,
    )


def _header_block(fp) -> bytes:
    lines = []
    for line in fp:
        if line in (b"\n", b"\r\n"):
            break
        lines.append(line)
    return b"".join(lines)


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value).strip()


def _date(value: object) -> datetime | None:
    if value is None:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None


def _order(key: str) -> tuple:
    # Maildir keys are "<seconds>.M<micro>P<pid>Q<counter>.<host>"; ties on the
    # file's mtime are common, so the key's own clock and counter order copies.
    match = _KEY_ORDER.match(key)
    if match:
        seconds, micros, counter = (int(g) for g in match.groups())
        return (0, seconds, micros, counter, key)
    return (1, 0, 0, 0, key)
