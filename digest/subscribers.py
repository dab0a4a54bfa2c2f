"""Subscriber addresses, CSV imports and signed unsubscribe tokens.

Pure: parses text it is given and signs/verifies strings; no files, network or
store. email_validator types never leave this module.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import ATEXT, CASE_INSENSITIVE_MAILBOX_NAMES

from digest.errors import SubscriberError, TokenError
from digest.text import remove_invisible
from digest.tokens import UNSUBSCRIBE, secret_bytes, sign, verify

MAX_NAME = 200
_SHOWN = 80  # longest raw input echoed back in a reason, so reasons stay one short line


def _empty() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class NewSubscriber:
    email: str  # as normalise_email gives it: local part as given (NFC), domain in ASCII (A-labels)
    key: str  # the subscriber key: the address case-folded; equal keys are one subscriber
    name: str = ""
    # hash=False: a mapping proxy is unhashable, and equal keys already mean the same subscriber.
    attributes: Mapping[str, str] = field(default_factory=_empty, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.attributes, MappingProxyType):
            object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 1-based physical line where the record starts; the header is line 1
    reason: str


@dataclass(frozen=True, slots=True)
class CsvRow:
    line: int  # 1-based physical line where the record starts
    subscriber: NewSubscriber


@dataclass(frozen=True, slots=True)
class ImportResult:
    subscribers: tuple[NewSubscriber, ...]
    errors: tuple[RowError, ...]


# ---------------------------------------------------------------- addresses

# email_validator's wording for the commonest slips, said more plainly.
_PLAIN_REASONS = {
    "An email address must have an @-sign.": "there is no @",
    "There must be something after the @-sign.": "the domain is missing",
    "There must be something before the @-sign.": "the part before the @ is missing",
    "A display name and angle brackets around the email address are not permitted here.": (
        "a display name and angle brackets are not allowed; give the bare address"
    ),
}


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def _bad_character(address: str) -> str | None:
    for char in address:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in "\u2028\u2029":
            return f"U+{ord(char):04X}"
    return None


def _plain(message: str) -> str:
    if message in _PLAIN_REASONS:
        return _PLAIN_REASONS[message]
    message = message.rstrip(".")
    return message[:1].lower() + message[1:]


class EmailAddress(NamedTuple):
    """One address as the rule gives it. A tuple, so `email, key = normalise_email(text)`."""

    email: str  # to send and show: the local part as given (NFC), the domain in lower-case ASCII (IDNA A-labels)
    key: str  # the subscriber key: `email` case-folded; equal keys are one subscriber

    @property
    def smtputf8(self) -> bool:
        """A non-ASCII local part: only a server offering SMTPUTF8 can take it."""
        return not self.email.isascii()


# The shape of every address normalise_email gives (and of configured senders such as
# digest@localhost): a dot-atom local part, ASCII or UTF-8, at a domain of ASCII
# letter-digit-hyphen labels. Nothing in it can end an SMTP command line, close the
# angle brackets or start another command. The length limits are checked in octets by
# is_envelope_address.
_ATOM = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x9f\s\ud800-\udfff])+"  # atext, or UTF-8 but no space
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ENVELOPE_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*")
# An RFC 2047 encoded word (=?charset?Q or B?text?=), as mail parsers find it: they decode
# one even inside an address, so "=?utf-8?q?victim=40example.com?=@example.org" is read
# as '"victim@example.com"@example.org'. Its characters are all atext; no real mailbox
# name is one.
_ENCODED_WORD = re.compile(r"=\?[^?]*\?[bq]\?.*?\?=", re.IGNORECASE)


def mailbox_parts(value: str) -> tuple[str, str] | None:
    """(display name, address) of `Name <address>` (the name is all before the last "<")
    or of a bare address written as one word; None for anything else (words after an
    address, two addresses), which email.utils.parseaddr would glue into one."""
    from email.utils import unquote

    text = " ".join(value.split())
    if text.endswith(">") and "<" in text:
        name, _, address = text[:-1].rpartition("<")
        return unquote(name.strip()), address.strip()
    if not text or " " in text or "," in text or "<" in text or ">" in text:
        return None
    return "", text


def mailbox_address(value: str) -> str:
    """The address of a sender setting (`Name <address>` or a bare address) as the message's
    From reads it; "" when there is none. email.utils.parseaddr reads the "Smith" of
    "Smith, John <digest@example.org>" as the address."""
    return (mailbox_parts(value) or ("", ""))[1]


def is_envelope_address(address: str) -> bool:
    """Whether `address` can go into MAIL FROM or RCPT TO as it is (RFC 5321 and 6531
    limits: 64 octets before the @, 254 in all), and into a header without a mail
    program reading it as another address (no encoded word before the @)."""
    if not isinstance(address, str) or not ENVELOPE_ADDRESS.fullmatch(address):
        return False
    local = address.rpartition("@")[0]
    return len(local.encode("utf-8")) <= 64 and len(address.encode("utf-8")) <= 254 and not _ENCODED_WORD.search(local)


def normalise_email(address: str) -> EmailAddress:
    """The address rule: what import accepts, delivery can send.

    Checks the syntax (no DNS lookups) and returns (email, key). `email` keeps the
    local part as given (Unicode NFC) and gives the domain as lower-case ASCII, an
    internationalised domain as its IDNA A-labels (xn--...), which any server takes.
    A non-ASCII local part is accepted; it needs a server that offers SMTPUTF8
    (`EmailAddress.smtputf8`). `key` is `email` case-folded: addresses that differ
    only in case are one subscriber (domains are case-insensitive by RFC 5321; local
    parts are treated so too, as every big provider does). A local part holding an
    RFC 2047 encoded word is refused: mail programs decode it into another address.
    Raises SubscriberError with a one-line reason that names the address.
    """
    if not isinstance(address, str):
        raise SubscriberError(f"not an email address: expected text, got {type(address).__name__}")
    stripped = address.strip(" ")
    if not stripped:
        raise SubscriberError("no email address")
    if _ENCODED_WORD.search(stripped.rpartition("@")[0]):
        raise SubscriberError(
            f"not an email address: {_shown(address)} (the part before the @ holds an encoded word, =?...?=,"
            " which mail programs would read as other text)"
        )
    quick = _quick_address(stripped)
    if quick is not None:
        return quick
    bad = _bad_character(stripped)
    if bad:
        raise SubscriberError(f"not an email address: {_shown(address)} (it contains {bad}, a control character)")
    try:
        valid = validate_email(
            stripped,
            check_deliverability=False,
            allow_display_name=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError as error:
        raise SubscriberError(f"not an email address: {_shown(address)} ({_plain(str(error))})") from None
    email = f"{valid.local_part}@{valid.ascii_domain.lower()}"
    if not is_envelope_address(email):  # the rule's own promise; email_validator's checks are wider
        raise SubscriberError(f"not an email address: {_shown(address)} (it cannot be sent as it is)")
    return EmailAddress(email, unicodedata.normalize("NFC", email.casefold()))


# The commonest address, plain ASCII: a dot-atom local part (email_validator's own
# characters) at a domain of ASCII letters, digits, dots and hyphens.
_PLAIN_ADDRESS = re.compile(rf"([{ATEXT}]+(?:\.[{ATEXT}]+)*)@([A-Za-z0-9.-]+)")
_CASE_INSENSITIVE = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_ENVELOPE_DOMAIN = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")


def _quick_address(address: str) -> EmailAddress | None:
    """normalise_email's answer for a plain ASCII address, without its full check when the
    domain was checked before; None when in any doubt (the full check then decides, with
    its reasons). The same answer: email_validator takes an ASCII dot-atom local part as
    it is (lower-casing only the RFC 2142 mailbox names, left to the full check), checks
    the domain on its own (cached below), and then the lengths, checked here in the same
    octets; and such an address is an envelope address if its domain is one and the
    lengths fit (is_envelope_address)."""
    match = _PLAIN_ADDRESS.fullmatch(address)
    if match is None or len(address) > 254:
        return None
    local, domain = match.groups()
    if len(local) > 64 or local.lower() in _CASE_INSENSITIVE:
        return None
    checked = _checked_domain(domain)
    if checked is None:
        return None
    ascii_domain, unicode_octets = checked
    email = f"{local}@{ascii_domain}"
    if len(email) > 254 or len(local) + 1 + unicode_octets > 254:
        return None
    return EmailAddress(email, email.lower())


@functools.lru_cache(maxsize=4096)
def _checked_domain(domain: str) -> tuple[str, int] | None:
    """(the domain in lower-case ASCII, the octets of its Unicode form) if email_validator
    takes it and it can go into an envelope; None if not. Bounded: a file of a million
    readers has few domains."""
    try:
        valid = validate_email(
            f"a@{domain}",
            check_deliverability=False,
            allow_display_name=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
        )
    except EmailNotValidError:
        return None
    ascii_domain = valid.ascii_domain.lower()
    if not _ENVELOPE_DOMAIN.fullmatch(ascii_domain):
        return None
    return ascii_domain, len(valid.domain.encode("utf-8"))


def _clean_text(text: str) -> str:
    """Control characters out: whitespace ones become a space, the rest go; so do
    invisible format characters such as bidi controls (see digest.text)."""
    if text.isascii() and text.isprintable():  # nothing to take out
        return text.strip()
    kept = []
    for char in remove_invisible(text):
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            if char.isspace():
                kept.append(" ")
        else:
            kept.append(char)
    return "".join(kept).strip()


def clean_name(name: str) -> str:
    """A display name as it is kept: no control or invisible characters, at most MAX_NAME."""
    return _clean_text(name)[:MAX_NAME].rstrip()


def new_subscriber(email: str, *, name: str = "", attributes: Mapping[str, str] | None = None) -> NewSubscriber:
    """A validated subscriber; raises SubscriberError for a bad address."""
    address, key = normalise_email(email)
    return NewSubscriber(
        email=address,
        key=key,
        name=clean_name(name),
        # Names as values: a header cell's NUL or bidi control is no part of a column's name.
        attributes=MappingProxyType({_clean_text(k): _clean_text(v) for k, v in (attributes or {}).items()}),
    )


# ---------------------------------------------------------------- CSV import


@dataclass(frozen=True, slots=True)
class _Columns:
    width: int
    email: int
    name: int | None
    attributes: tuple[tuple[int, str], ...]  # (index, header spelling)


# The longest line of a subscriber CSV that is read whole, in characters with its end: a
# longer one (a file that is no CSV, a broken export) is a bad row, read past in pieces,
# so memory stays bounded whatever a file holds. A row with many attributes fits.
MAX_LINE = 1 << 20


class _LongLine(str):
    """A line longer than MAX_LINE, read past: its length, and whether it holds an odd
    number of quotes (a quoted field it opens goes on after it). Not blank, so it is
    taken for no blank line and, first, for a header that cannot be read."""

    length: int
    odd_quotes: bool


def _lines(source: str | Iterable[str]) -> Iterator[str]:
    # newline="" keeps line endings, so csv sees quoted newlines and counts lines right.
    lines = io.StringIO(source, newline="") if isinstance(source, str) else source
    readline = getattr(lines, "readline", None)
    first = True
    for line in _bounded_lines(readline) if callable(readline) else iter(lines):
        yield line[1:] if first and line.startswith("\ufeff") else line  # a _LongLine stays one
        first = False


def _bounded_lines(readline: Callable[[int], str]) -> Iterator[str]:
    """A file's lines, each read whole up to MAX_LINE characters; a longer one as a _LongLine."""
    while line := readline(MAX_LINE + 1):
        if len(line) <= MAX_LINE:
            yield line
            continue
        length, quotes = len(line), line.count('"')
        while not line.endswith(("\n", "\r")) and (line := readline(MAX_LINE)):
            length, quotes = length + len(line), quotes + line.count('"')
        long_line = _LongLine("\ufffd")
        long_line.length, long_line.odd_quotes = length, quotes % 2 == 1
        yield long_line


def _delimited(lines: Iterator[str]) -> tuple[str, Iterator[str]]:
    """The file's delimiter, and its lines: a comma, unless the header names its `email`
    column only when split at semicolons or tabs (a spreadsheet saved where the comma is
    the decimal mark), or an Excel "sep=;" line says which (it then reads as a blank line,
    so the line numbers stay the file's)."""
    seen: list[str] = []
    for line in lines:
        seen.append(line)
        if line.strip():
            break
    header = seen[-1].strip() if seen else ""
    directive = seen[-1].rstrip("\r\n").lstrip(" ") if seen else ""
    if re.fullmatch(r"sep=.", directive, re.IGNORECASE):
        seen[-1] = "\n"
        return directive[4], itertools.chain(seen, lines)
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([header], delimiter=delimiter, skipinitialspace=True), [])
        except csv.Error:  # not a header at all: the reader says so, with its line
            break
        if "email" in (_clean_text(cell).casefold() for cell in cells):
            return delimiter, itertools.chain(seen, lines)
    return ",", itertools.chain(seen, lines)


def _is_blank(row: list[str]) -> bool:
    return all(not cell.strip() for cell in row)


def _columns(header: list[str], line: int) -> _Columns:
    names = [_clean_text(cell) for cell in header]  # a NUL or bidi control is no part of a name
    folded = [name.casefold() for name in names]
    where = f"cannot import subscribers (line {line})"
    for i, (name, fold) in enumerate(zip(names, folded, strict=True)):
        if fold and fold in folded[:i]:
            raise SubscriberError(f"{where}: the header names the column {name!r} more than once")
    if "email" not in folded:
        raise SubscriberError(f"{where}: the header has no 'email' column")
    return _Columns(
        width=len(names),
        email=folded.index("email"),
        name=folded.index("name") if "name" in folded else None,
        # Columns with a blank heading (a trailing comma in the header) carry nothing.
        attributes=tuple((i, n) for i, n in enumerate(names) if folded[i] not in ("", "email", "name")),
    )


def _row_subscriber(row: list[str], columns: _Columns) -> NewSubscriber:
    if len(row) != columns.width:
        raise SubscriberError(f"expected {columns.width} fields, found {len(row)}")
    return new_subscriber(
        row[columns.email],
        name=row[columns.name] if columns.name is not None else "",
        # A blank cell says nothing (as a blank name): the stored value stays.
        attributes={heading: value for i, heading in columns.attributes if (value := row[i].strip())},
    )


class _CountedLines:
    """The lines the csv reader reads, counted, with the parity of the quotes seen since
    the last record ended (odd: inside a quoted field)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self.count = 0
        self.open_quote = False

    def __iter__(self) -> _CountedLines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.count += 1
        if isinstance(line, _LongLine):  # the csv reader's error for its record, raised through it
            self.open_quote ^= line.odd_quotes
            raise csv.Error(f"a line longer than {MAX_LINE:,} characters ({line.length:,})")
        self.open_quote ^= line.count('"') % 2 == 1
        return line

    def skip_quoted(self) -> None:
        """Read past the rest of a broken record's quoted field."""
        while self.open_quote:
            try:
                if next(self, None) is None:
                    return
            except csv.Error:
                pass  # another line too long, inside the same field


def _records(source: str | Iterable[str]) -> Iterator[tuple[int, list[str] | csv.Error, int]]:
    """(first line, row or the csv error, last line) for each record, streaming. After a
    csv error inside a quoted field (one over csv.field_size_limit(), say), the lines up to
    the quote's end belong to the broken record: the reader would take them for records of
    their own (addresses nobody gave), so they are passed over with it."""
    delimiter, text = _delimited(_lines(source))
    lines = _CountedLines(text)
    # strict: an unclosed quote is an error at the end, not a field that silently eats the file.
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True, strict=True)
    last = 0
    while True:
        try:
            row: list[str] | csv.Error = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            row = error
            lines.skip_quoted()
        lines.open_quote = False
        first, last = last + 1, lines.count
        yield first, row, last


def read_subscriber_csv(source: str | Iterable[str]) -> Iterator[CsvRow | RowError]:
    """Read a subscriber CSV (text, or an iterable of lines such as an open file) one
    record at a time: a CsvRow for each good row, a RowError for each bad one, in the
    order of the file; memory does not grow with it.

    The first non-blank row is the header; it needs an `email` column, may have `name`
    (both case-insensitive), and any other column becomes an attribute under its header
    spelling. Blank lines are skipped. The header is read before this returns: a missing
    or unusable one raises SubscriberError here. Duplicates are not looked for (that
    needs every key seen so far): parse_subscriber_csv does it in memory, an import in
    the store.
    """
    records = _records(source)
    columns = None
    for line, row, _ in records:
        if isinstance(row, csv.Error):
            raise SubscriberError(f"cannot import subscribers (line {line}): unreadable header ({row})")
        if not _is_blank(row):
            columns = _columns(row, line)
            break
    if columns is None:
        raise SubscriberError("cannot import subscribers (the file is empty): the header has no 'email' column")
    return _rows(records, columns)


def _rows(records: Iterator[tuple[int, list[str] | csv.Error, int]], columns: _Columns) -> Iterator[CsvRow | RowError]:
    for line, row, last in records:
        if isinstance(row, csv.Error):
            hint = " (is a quote left open?)" if last > line else ""
            yield RowError(line, f"unreadable row ({row}){hint}")
            continue
        if _is_blank(row):
            continue
        try:
            subscriber = _row_subscriber(row, columns)
        except SubscriberError as error:
            hint = " (is a quote left open?)" if last > line and len(row) != columns.width else ""
            yield RowError(line, f"{error}{hint}")
            continue
        yield CsvRow(line, subscriber)


def duplicate_row(line: int, first: int, email: str) -> RowError:
    """The error for a row whose subscriber an earlier row of the same file (`first`) gave."""
    return RowError(line, f"duplicate of line {first}: {_shown(email)}")


def parse_subscriber_csv(text: str | Iterable[str]) -> ImportResult:
    """Parse a whole subscriber CSV in memory (see read_subscriber_csv for the format).

    Bad rows and duplicates (same key; the first wins) become RowErrors with the line
    their record starts on. Raises SubscriberError only for a missing or unusable
    header. For a large file, read_subscriber_csv streams it.
    """
    subscribers: list[NewSubscriber] = []
    errors: list[RowError] = []
    first_seen: dict[str, int] = {}
    for item in read_subscriber_csv(text):
        if isinstance(item, RowError):
            errors.append(item)
            continue
        subscriber = item.subscriber
        if subscriber.key in first_seen:
            errors.append(duplicate_row(item.line, first_seen[subscriber.key], subscriber.email))
            continue
        first_seen[subscriber.key] = item.line
        subscribers.append(subscriber)
    return ImportResult(subscribers=tuple(subscribers), errors=tuple(errors))


# ---------------------------------------------------------------- unsubscribe tokens


@dataclass(frozen=True, slots=True)
class TokenClaims:
    list_name: str
    key: str  # the subscriber key
    version: int  # the store bumps it on every resubscribe


def make_token(*, secret: str | bytes, list_name: str, key: str, version: int) -> str:
    """Sign (list_name, key, version) into a compact URL-safe token.

    Format: base64url(payload) "." base64url(HMAC-SHA256 truncated to 128 bits),
    no padding; the payload is the JSON array [list_name, key, version] (see
    digest.tokens for the other kinds). Tokens do not expire: an unsubscribe link must
    keep working.
    """
    secret_bytes(secret)
    if not isinstance(list_name, str) or not isinstance(key, str) or not list_name or not key:
        raise TokenError("cannot make a token: list name and key must be non-empty text")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise TokenError("cannot make a token: version must be a non-negative integer")
    return sign([list_name, key, version], secret=secret, context=UNSUBSCRIBE)


def _claims(payload: bytes) -> TokenClaims:
    try:
        value = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        value = None
    match value:
        case [str(list_name), str(key), int(version)] if not isinstance(version, bool) and version >= 0:
            return TokenClaims(list_name=list_name, key=key, version=version)
    raise TokenError("not an unsubscribe token (unreadable claims)")


def read_token(token: str, *, secret: str | bytes) -> TokenClaims:
    """Verify a token's signature (constant time) and return its claims.

    Raises TokenError for forged, altered, truncated or malformed tokens, or
    tokens signed with another secret. It does NOT check that the token is
    for the list being unsubscribed from, nor that `version` is the
    subscription's current one: the caller must compare the claims to the
    store and refuse a token whose list differs or whose version is older,
    so a stale link cannot undo a later resubscribe.
    """
    return _claims(verify(token, secret=secret, context=UNSUBSCRIBE, kind="unsubscribe token"))


def first_line_not_utf8(path: Path) -> int | str:
    """The number of the first line that is not UTF-8 (a decoding error only tells a
    position within the block being read), read a block at a time: a line of a gigabyte is
    never held whole."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    number = 1
    try:
        with path.open("rb") as raw:
            while True:
                block = raw.read(1 << 16)
                try:
                    decoder.decode(block, final=not block)
                except UnicodeDecodeError as exc:  # its start counts the few bytes held from the last block
                    return number + block[: max(exc.start, 0)].count(b"\n")
                if not block:
                    break
                number += block.count(b"\n")
    except OSError:
        pass
    return "?"
