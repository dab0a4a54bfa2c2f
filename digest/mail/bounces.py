"""What comes back to the bounce address, read: delivery status notifications (RFC
3464), feedback-loop complaints (ARF, RFC 5965), and the non-standard bounces real
servers still send, which flufl.bounce recognises. Pure: bytes in, a `Report` out.

A report says what failed and how (permanent, temporary, a complaint), for which
address when the message says so, and where a VERP bounce address may be found: the
headers a receiving server writes the envelope recipient into, and the Return-Path
of the original message that a DSN or an ARF report carries. Whose message it was is
for the caller to decide from the signed VERP token (digest.mail.verp), or failing
that from the address.
"""

from __future__ import annotations

import email
import email.message
import logging
import re
from dataclasses import dataclass
from email.parser import HeaderParser
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from digest.text import printable

MAX_MESSAGE = 10 * 1024 * 1024  # a bounce is small; anything bigger is not one
# What is read of a message at all. The parsers' work grows with what they are given, some
# of it faster than its size (every line against every boundary, dozens of patterns a
# line), so they get a bounded head of it: everything a report says (its report part, the
# headers of the message it quotes) comes before the rest of a returned message.
READ_LIMIT = 256 * 1024  # parsed: the headers, the report's parts, the quoted headers
SCAN_BYTES = 64 * 1024  # what flufl.bounce's detectors read (a non-standard bounce says
SCAN_LINES = 1000  # what failed at its top): at most so many lines of it, each cut to
SCAN_LINE = 998  # mail's longest line (some of their patterns take the square of its length)
MAX_MULTIPARTS = 50  # a report, maybe wrapped once or twice, quoting a message with its own
MAX_RECIPIENTS = 100  # a report about one copy of ours names one; one naming more is not about it
MAX_FIELD = 4096  # characters read of one header field, and at most so many fields of a name:
MAX_FIELDS = 20  # an envelope address is short, and a message has a handful of them
_MULTIPART = re.compile(rb"boundary\s*=", re.IGNORECASE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_ENVELOPE_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Delivered-To")
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
COMPLAINT_TYPES = ("abuse", "fraud", "other")  # ARF feedback types that mean "this is unwanted"


class Kind(StrEnum):
    PERMANENT = "permanent"  # 5.x.x, or a failure with no status: the address is dead
    TEMPORARY = "temporary"  # 4.x.x, or a delay: counted
    COMPLAINT = "complaint"  # the reader marked the message as spam


class Problem(StrEnum):
    MALFORMED = "malformed"  # not a readable message
    UNRELATED = "unrelated"  # a message, but no bounce or complaint (an auto-reply, spam, a success notice)


@dataclass(frozen=True, slots=True)
class Failure:
    kind: Kind
    address: str  # the failing or complaining address as the report gives it; "" when it does not
    reason: str  # one line: the status and diagnostic, or the feedback type and who reported it


@dataclass(frozen=True, slots=True)
class Original:
    """What a report shows of the message it is about (the headers of ours it quotes)."""

    to: str = ""
    message_id: str = ""
    list_id: str = ""
    return_path: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    form: str  # "dsn", "arf", "other" (recognised by flufl.bounce), or "" with a problem
    failures: tuple[Failure, ...] = ()
    verp_candidates: tuple[str, ...] = ()  # addresses a VERP token may be in, most trusted first
    original: Original = Original()
    problem: Problem | None = None
    detail: str = ""  # why it is malformed or unrelated


def read_report(data: bytes, *, envelope_to: tuple[str, ...] = ()) -> Report:
    """Read one message. `envelope_to` are the recipients the SMTP server was given (the
    listener knows them; a file does not). Never raises: anything unreadable is a report
    with a problem."""
    try:
        return _read(data, envelope_to)
    except Exception as exc:  # noqa: BLE001 - hostile input: whatever breaks the parsers is a malformed message
        return Report("", problem=Problem.MALFORMED, detail=f"unreadable ({type(exc).__name__})")


def _read(data: bytes, envelope_to: tuple[str, ...]) -> Report:
    if not data.strip():
        return Report("", problem=Problem.MALFORMED, detail="empty")
    if len(data) > MAX_MESSAGE:
        return Report("", problem=Problem.MALFORMED, detail=f"over {MAX_MESSAGE // (1024 * 1024)} MiB")
    head = data[:READ_LIMIT]
    if len(data) > READ_LIMIT and _HEADER_END.search(head) is None:
        return Report("", problem=Problem.MALFORMED, detail=f"header section over {READ_LIMIT // 1024} KiB")
    if len(_MULTIPART.findall(head)) > MAX_MULTIPARTS:
        return Report("", problem=Problem.MALFORMED, detail=f"over {MAX_MULTIPARTS} multiparts")
    message = email.message_from_bytes(head)
    if not any(message.get(name) for name in ("From", "To", "Subject", "Date", "Message-ID", "Content-Type")):
        return Report("", problem=Problem.MALFORMED, detail="no header fields")
    candidates = list(envelope_to)
    for name in _ENVELOPE_HEADERS:
        values = [str(v)[:MAX_FIELD] for v in message.get_all(name, [])[:MAX_FIELDS]]
        candidates.extend(address for _, address in getaddresses(values))
    original = _original(message)
    if original.return_path:
        candidates.append(original.return_path)
    verp = tuple(dict.fromkeys(c.strip() for c in candidates if "@" in c))
    # The report itself, or one that a forwarding list manager wrapped in another message.
    report = next((p for p in message.walk() if p.get_content_type() == "multipart/report"), None)
    report_type = str(report.get_param("report-type", "") or "").lower() if report is not None else ""
    if report is not None and report_type == "feedback-report":
        return _complaint(report, verp, original)
    if report is not None and report_type == "delivery-status":
        try:
            failures = _dsn_failures(report)
        except _Crowd:
            return Report("dsn", (), verp, original, Problem.UNRELATED, _CROWD)
        if failures is not None:
            if not failures:
                return Report("dsn", (), verp, original, Problem.UNRELATED, "a delivery notice, not a failure")
            return Report("dsn", tuple(failures), verp, original)
    failures = _library_failures(_scanned(data))
    if len(failures) > MAX_RECIPIENTS:
        return Report("other", (), verp, original, Problem.UNRELATED, _CROWD)
    if failures:
        return Report("other", tuple(failures), verp, original)
    return Report("", (), verp, original, Problem.UNRELATED, "no bounce or complaint recognised")


_CROWD = f"it names over {MAX_RECIPIENTS} recipients; a copy of ours has one"


class _Crowd(Exception):
    """A report naming more than MAX_RECIPIENTS recipients."""


def _scanned(data: bytes) -> email.message.Message:
    """The head of a message that flufl.bounce's detectors read: its first SCAN_LINES
    lines within SCAN_BYTES, each cut to SCAN_LINE characters."""
    lines = data[:SCAN_BYTES].split(b"\n", SCAN_LINES)[:SCAN_LINES]
    return email.message_from_bytes(b"\n".join(_cut(line) for line in lines))


def _cut(line: bytes) -> bytes:
    return line if len(line) <= SCAN_LINE else line[:SCAN_LINE] + (b"\r" if line.endswith(b"\r") else b"")


def _field(message: email.message.Message, name: str) -> str:
    """A header field's value, no longer than MAX_FIELD: the address parsers' work grows
    with it, and a value of ours is short."""
    return str(message.get(name, ""))[:MAX_FIELD]


def _fields(part: email.message.Message) -> list[email.message.Message]:
    """The blocks of `Field: value` lines a message/delivery-status or
    message/feedback-report part holds, however the parser left them."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, email.message.Message)]
    if isinstance(payload, str):
        return [HeaderParser().parsestr(block.strip() + "\n") for block in re.split(r"\n\s*\n", payload) if block]
    return []


def _dsn_failures(message: email.message.Message) -> list[Failure] | None:
    """Each recipient the DSN says failed or was delayed; None when it has no
    delivery-status part to read; _Crowd when it names more than a report of ours may."""
    part = next((p for p in message.walk() if p.get_content_type() == "message/delivery-status"), None)
    if part is None:
        return None
    blocks = _fields(part)
    recipients = [b for b in blocks if b.get("Final-Recipient") or b.get("Original-Recipient") or b.get("Action")]
    if not recipients:
        return None
    if len(recipients) > MAX_RECIPIENTS:
        raise _Crowd
    failures = []
    for block in recipients:
        action = _field(block, "Action").strip().lower()
        status = _STATUS.search(_field(block, "Status"))
        if status is not None and status.group(1) == "2":
            continue
        if status is not None:
            kind = Kind.PERMANENT if status.group(1) == "5" else Kind.TEMPORARY
        elif action == "failed":
            kind = Kind.PERMANENT
        elif action == "delayed":
            kind = Kind.TEMPORARY
        else:
            continue  # delivered, relayed, expanded: not a failure
        address = _typed_address(_field(block, "Original-Recipient") or _field(block, "Final-Recipient"))
        diagnostic = " ".join(_field(block, "Diagnostic-Code").split())
        code = " ".join(_field(block, "Status").split()) if status else action
        failures.append(Failure(kind, address, _line(f"{code} {diagnostic}".strip() if diagnostic else code)))
    return failures


def _complaint(message: email.message.Message, verp: tuple[str, ...], original: Original) -> Report:
    part = next((p for p in message.walk() if p.get_content_type() == "message/feedback-report"), None)
    blocks = _fields(part) if part is not None else []
    fields = blocks[0] if blocks else email.message.Message()
    # The envelope sender of the copy complained about: where the report withholds the
    # message (and its Return-Path), the VERP address is still here.
    mail_from = _typed_address(_field(fields, "Original-Mail-From"))
    if "@" in mail_from and mail_from not in verp:
        verp += (mail_from,)
    feedback = _field(fields, "Feedback-Type").strip().lower()
    if feedback not in COMPLAINT_TYPES:
        detail = f"a feedback report of type {feedback!r}, not a complaint" if feedback else "no Feedback-Type"
        return Report("arf", (), verp, original, Problem.UNRELATED, detail)
    address = _typed_address(_field(fields, "Original-Rcpt-To")) or parseaddr(original.to)[1]
    agent = " ".join(_field(fields, "User-Agent").split())
    reason = f"{feedback} report" + (f" from {agent}" if agent else "")
    arrived = " ".join(_field(fields, "Arrival-Date").split())
    if arrived:
        reason += f", message arrived {arrived}"
    return Report("arf", (Failure(Kind.COMPLAINT, address, _line(reason)),), verp, original)


def _library_failures(message: email.message.Message) -> list[Failure]:
    """What flufl.bounce's detectors find. A bounce always has a From (the mailer daemon);
    without one some detectors fail, so such a message is no bounce. A detector that
    fails on odd input (flufl.bounce logs it, then raises) finds nothing."""
    if not message.get("From"):
        return []
    from flufl.bounce import all_failures

    logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)  # its per-detector traces are not ours to show
    try:
        temporary, permanent = all_failures(message)
    except Exception:  # noqa: BLE001 - hostile input breaking a detector is an unrecognised message
        return []
    subject = " ".join(_field(message, "Subject").split())
    reason = "non-standard bounce" + (f": {subject}" if subject else "")
    failures = [Failure(Kind.PERMANENT, _text(a), _line(reason)) for a in sorted(permanent)]
    failures += [Failure(Kind.TEMPORARY, _text(a), _line(reason)) for a in sorted(temporary - permanent)]
    return [f for f in failures if "@" in f.address]


def _original(message: email.message.Message) -> Original:
    """The headers of the message a report is about: its message/rfc822 or
    text/rfc822-headers part (only a part of a report, never the report's own)."""
    if not message.is_multipart():
        return Original()
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
        elif kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(part.get_payload())
            inner = HeaderParser().parsestr(text)
        else:
            continue
        if isinstance(inner, email.message.Message):
            return Original(
                to=" ".join(_field(inner, "To").split()),
                message_id=_field(inner, "Message-ID").strip(),
                list_id=" ".join(_field(inner, "List-Id").split()),
                return_path=parseaddr(_field(inner, "Return-Path"))[1],
            )
    return Original()


def _typed_address(value: str) -> str:
    """The address of an `rfc822; someone@example.org` field."""
    kind, _, address = value.partition(";")
    address = address if address else kind
    return parseaddr(address.strip())[1] or address.strip().strip("<>")


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _line(text: str) -> str:
    """What a report says, as one printable line: its text comes from anyone, and goes to
    the store, the logs and the operator's terminal (no NUL, escape sequence or bidi
    control; see digest.text)."""
    text = " ".join(printable(text).split())
    return text if len(text) <= 300 else text[:299] + "…"
