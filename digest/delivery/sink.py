"""A local capture SMTP server: accepts every message and files it in a Maildir.

The demo delivers here when no SMTP host is configured. Each delivered copy
becomes one Maildir file per envelope recipient, with an
``X-Digest-Envelope-To:`` header line prepended so a reader can tell who it
was for, and a ``Return-Path:`` naming the envelope sender (the bounce address).
"""

from __future__ import annotations

import logging
import mailbox
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.errors import InvalidHeaderDefect
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from digest.delivery.listener import LocalSmtpServer, address
from digest.errors import DeliveryError

log = logging.getLogger(__name__)

ENVELOPE_HEADER = "X-Digest-Envelope-To"
DATA_SIZE_LIMIT = 50 * 1024 * 1024
SERVER_HOSTNAME = "digest-sink.localhost"
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
        self._failing: str | None = None  # why the last write failed, until one succeeds

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
            # The envelope sender as an MTA files it (Return-Path), so the bounce address of
            # each copy (VERP) can be read from the Maildir.
            sender = f"Return-Path: <{envelope.mail_from or ''}>\n".encode("utf-8", "surrogateescape")
            for rcpt in envelope.rcpt_tos:
                box.add(_envelope_line(rcpt) + sender + body)
        except OSError as err:
            # A full disk refuses every copy alike: said once, not once per message and try.
            reason = err.strerror or str(err)
            if reason != self._failing:
                log.error("capture sink cannot write to %s: %s", self._maildir, reason)
            self._failing = reason
            return "451 4.3.0 Cannot store message"
        if self._failing is not None:
            log.warning("capture sink writes to %s again", self._maildir)
            self._failing = None
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


def _open_maildir(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mailbox.Maildir(path, factory=None, create=True)
    except OSError as err:
        reason = err.strerror or str(err)
        raise DeliveryError(f"capture sink cannot create Maildir {path}: {reason}") from err


class CaptureSink(LocalSmtpServer):
    """Accepts every message and files it in `maildir`."""

    what = "capture sink"

    def __init__(self, *, maildir: Path, host: str = "127.0.0.1", port: int = 2525) -> None:
        super().__init__(host=host, port=port, server_hostname=SERVER_HOSTNAME, data_size_limit=DATA_SIZE_LIMIT)
        self.maildir = Path(maildir)

    def handler(self) -> _MaildirHandler:
        _open_maildir(self.maildir)
        return _MaildirHandler(self.maildir)

    def start(self) -> CaptureSink:
        started = self._controller is None
        super().start()
        if started:
            log.info("capture sink listening on %s, filing into %s", address(self.host, self.port), self.maildir)
        return self


def serve_sink(
    *,
    maildir: Path,
    host: str = "127.0.0.1",
    port: int = 2525,
    on_ready: Callable[[str], None] | None = None,
) -> bool:
    """Run a capture sink in the foreground until Ctrl-C or SIGTERM; whether Ctrl-C
    stopped it (see LocalSmtpServer.serve_until_stopped)."""
    return CaptureSink(maildir=maildir, host=host, port=port).serve_until_stopped(on_ready=on_ready)


def captured(maildir: Path, *, newest: int | None = None) -> list[CapturedMessage]:
    """The stored copies in ``maildir``, oldest first (newest last): every one, or the
    ``newest`` N. Only regular files inside the Maildir are read (a symlink out of it, a
    device or a FIFO is passed over), each header block up to HEADER_LIMIT bytes; a file
    that cannot be read (moved away meanwhile) is skipped, a malformed header is read as none."""
    path = Path(maildir)
    keys: list[tuple[tuple, str, Path]] = []
    for folder in ("new", "cur"):
        try:
            entries = list(os.scandir(path / folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            key = entry.name.split(":2,", 1)[0]
            keys.append((_order(key), key, Path(entry.path)))
    keys.sort()
    if newest is not None:
        keys = keys[-newest:] if newest > 0 else []
    messages = []
    for _, key, file in keys:
        try:
            messages.append(_read(file, key))
        except (OSError, ValueError, IndexError, TypeError, LookupError):
            continue  # gone meanwhile, or a header block the email package cannot parse
    return messages


HEADER_LIMIT = 64 * 1024  # bytes of a captured copy's header block read for the listing


def _read(file: Path, key: str) -> CapturedMessage:
    with file.open("rb") as fp:
        head = _header_block(fp)
        size = os.fstat(fp.fileno()).st_size
    headers = BytesHeaderParser(policy=default_policy).parsebytes(head)
    return CapturedMessage(
        key=key,
        envelope_to=_header(headers, ENVELOPE_HEADER) or "",
        subject=_header(headers, "Subject") or "",
        message_id=_header(headers, "Message-ID"),
        date=_date(_header(headers, "Date")),
        size=size,
    )


def _header(headers: Message, name: str) -> str | None:
    """A header's value, or None when it is absent or malformed. The email package raises
    for some malformed values (a Message-ID of `<>` before Python 3.13) and records a
    defect for others: both are read as none."""
    try:
        value = headers.get(name)
    except (ValueError, IndexError, TypeError, LookupError):
        return None
    if value is None or any(isinstance(d, InvalidHeaderDefect) for d in getattr(value, "defects", ())):
        return None
    return str(value).strip()


def _header_block(fp) -> bytes:
    """The header lines, up to the blank line or HEADER_LIMIT bytes (a file of one endless line
    is no header)."""
    data = fp.read(HEADER_LIMIT)
    end = min((i for i in (data.find(b"\n\n"), data.find(b"\r\n\r\n")) if i >= 0), default=len(data))
    return data[:end] + b"\n"


def _date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parsedate_to_datetime(value)
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
