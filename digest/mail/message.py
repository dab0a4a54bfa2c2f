"""Outgoing messages as bytes ready for SMTP.

`MessageFactory` does the per-digest work once (the shared headers, the MIME
boundary, the personalisation template); `build` then costs one substitution and
one quoted-printable encoding of each part per recipient.
Structure: multipart/alternative, text/plain first, then text/html, UTF-8,
quoted-printable (so no line is over 76 characters), CRLF line ends.
Addresses follow the one address rule (digest.subscribers.normalise_email): a domain
is written as its IDNA A-labels; a non-ASCII local part is written as UTF-8 in the
header (RFC 6532), which only goes out over SMTPUTF8. Every other header is 7-bit.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.utils import format_datetime
from urllib.parse import quote

from digest.errors import DigestError, SubscriberError
from digest.mail.dkim import DkimSigner, Unsigned, relaxed_line
from digest.mail.render import clean, personal_fields, substitute
from digest.models import RenderedDigest
from digest.subscribers import EmailAddress, is_envelope_address, mailbox_parts, normalise_email
from digest.tokens import mac, secret_bytes


class MessageError(DigestError, ValueError):
    """An address or header value that cannot go into a message."""


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str = ""
    unsubscribe_url: str = ""
    unsubscribe_mailto: str = ""


class MessageFactory:
    def __init__(
        self,
        rendered: RenderedDigest,
        *,
        sender: str,
        list_id: str = "",
        reply_to: str = "",
        view_url: str = "",
        signer: DkimSigner | None = None,
        id_secret: str = "",
        proof: bool = False,
    ) -> None:
        self.rendered = rendered
        self.proof = proof  # each message a test copy: a Message-ID of its own, not the reader's
        self.view_url = view_url
        self.signer = signer
        self.id_secret = id_secret  # keys the Message-IDs (message_id_digest)
        name, address = _split_address(sender)
        if not (address.isascii() and is_envelope_address(address)):
            raise MessageError(
                f"sender {sender!r} has no ASCII email address (an internationalised domain goes in its xn-- form)"
            )
        self.envelope_from = address  # MAIL FROM for every message of this factory
        self.domain = address.rsplit("@", 1)[1].lower()
        self._id_label = _dot_atom(rendered.digest.issue_id) or "issue"  # what each Message-ID starts with
        self.list_id = _dot_atom(clean(list_id)) or f"{_dot_atom(rendered.digest.list_name) or 'list'}.{self.domain}"
        self.boundary = f"=_digest_{secrets.token_hex(12)}"
        # Every header is written by hand: the email package would decode text that looks
        # like an RFC 2047 encoded word ("=?utf-8?q?=0D=0ABcc:...?=") and write the CR LF
        # it stands for into the header block, and it does not fold a long display name.
        lines = [f"From: {_mailbox(name, address, header='From')}"]
        if reply_to:
            reply_name, reply_address = _split_address(reply_to)
            if not (reply_address.isascii() and is_envelope_address(reply_address)):
                raise MessageError(
                    f"reply-to {reply_to!r} has no ASCII email address "
                    "(an internationalised domain goes in its xn-- form)"
                )
            lines.append(f"Reply-To: {_mailbox(reply_name, reply_address, header='Reply-To')}")
        lines.append(f"Subject: {unstructured(rendered.subject, header='Subject')}")
        title = _phrase(rendered.digest.title, header="List-Id")
        lines.append(f"List-Id: {_then(title, f'<{self.list_id}>') if title else f'<{self.list_id}>'}")
        # The MIME headers are written by hand: a multipart Content-Type would make the
        # generator add an empty body of its own.
        self._shared_headers = (
            "\r\n".join(lines)
            + f'\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary="{self.boundary}"\r\n'
        ).encode("utf-8")
        # No line of a message starts with ".": headers fold with a blank, the personal ones
        # are checked as they are written (_head), the MIME lines are ours and the body's
        # quoted-printable writes a leading "." as =2E. The SMTP client then has nothing to
        # dot-stuff and need not scan each copy for it.
        self.dot_free = b"\n." not in self._shared_headers
        self._part_heads = tuple(
            f'--{self.boundary}\r\nContent-Type: text/{kind}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode()
            for kind in ("plain", "html")
        )
        self._closing = f"--{self.boundary}--\r\n".encode()
        # What every copy shares (the issue's web link) is written here, once: only the lines
        # with a reader's own values are filled in and encoded per message.
        common = {
            name: value
            for name, value in personal_fields(name="", email="", unsubscribe_url="", view_url=view_url).items()
            if name in _SHARED_FIELDS
        }
        written = tuple(pair for pair in rendered.markers if pair[0] in common)
        personal = tuple(pair for pair in rendered.markers if pair[0] not in common)
        text, html = (
            substitute(part, written, common, as_html=as_html)
            for part, as_html in ((rendered.text, False), (rendered.html, True))
        )
        self._text = _EncodedPart(text, personal, as_html=False)
        self._html = _EncodedPart(html, personal, as_html=True)
        # For DKIM: the shared headers' canonical forms, once. The body needs none: it is
        # written in its canonical form (_quoted_printable).
        shared = [*lines, "MIME-Version: 1.0", f'Content-Type: multipart/alternative;\r\n boundary="{self.boundary}"']
        self._shared_canonical = dict(relaxed_line(line) for line in shared)

    def build(self, recipient: Recipient) -> bytes:
        """The whole message for one recipient, as bytes. The recipient's address is
        written as normalise_email gives it."""
        address = recipient_address(recipient.email)
        fields = personal_fields(
            name=recipient.name, email=address.email, unsubscribe_url=recipient.unsubscribe_url, view_url=self.view_url
        )
        lines = self._personal_lines(recipient, address, fields)
        head = _head(lines)
        if self.signer is not None:
            return self._unsigned(self.signer, head, lines, fields).complete()
        return b"".join((self._shared_headers, head, b"\r\n", *self._body_pieces(fields)))

    def _body_pieces(self, fields: Mapping[str, str]) -> list[bytes]:
        """The body in pieces, the static ones as encoded once: joined once with the
        headers, with no copy of each part joined on its own first."""
        values = "".join(fields.values())  # a run across two values only costs a needless check
        spaced = "\t" in values or "  " in values
        return [
            self._part_heads[0],
            *self._text.pieces(fields, spaced=spaced),
            b"\r\n",
            self._part_heads[1],
            *self._html.pieces(fields, spaced=spaced),
            b"\r\n",
            self._closing,
        ]

    def _personal_lines(self, recipient: Recipient, address: EmailAddress, fields: Mapping[str, str]) -> list[str]:
        # Per-recipient headers are formatted by hand: the email package's header
        # registry costs about a millisecond a message, this a few microseconds.
        lines = [
            f"To: {_mailbox(fields['name'], address.email, header='To', checked=True)}",
            f"Date: {header_date(int(time.time()))}",
            f"Message-ID: {self._proof_id() if self.proof else self._message_id(address.key)}",
        ]
        links = (_ascii_url(fields["unsubscribe_url"]), _mailto(recipient.unsubscribe_mailto))
        unsubscribe = [f"<{u}>" for u in links if u]
        if unsubscribe:
            lines.append("List-Unsubscribe: " + ",\r\n ".join(unsubscribe))
            if fields["unsubscribe_url"][:6].lower() == "https:":  # RFC 8058: one-click needs HTTPS
                lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        return lines

    def prepare(self, recipient: Recipient) -> Unsigned:
        """`build` but for the signatures, which `Unsigned.sign` makes (on another thread
        if the caller likes: OpenSSL leaves the GIL while it signs) and `complete` puts on
        top. Only for a factory with a signer."""
        if self.signer is None:
            raise ValueError("prepare needs a factory with a signer")
        address = recipient_address(recipient.email)
        fields = personal_fields(
            name=recipient.name, email=address.email, unsubscribe_url=recipient.unsubscribe_url, view_url=self.view_url
        )
        lines = self._personal_lines(recipient, address, fields)
        return self._unsigned(self.signer, _head(lines), lines, fields)

    def _unsigned(self, signer: DkimSigner, head: bytes, lines: list[str], fields: Mapping[str, str]) -> Unsigned:
        """The message with its DKIM-Signature lines still to make. Its body is already in
        the relaxed canonical form (quoted-printable lines with no runs of spaces or tabs
        and none at a line's end; MIME lines with none at all), so the body hash is taken
        over the bytes that are sent."""
        body = b"".join(self._body_pieces(fields))
        headers = self._shared_canonical.copy()
        # Each header once: names are not repeated. Date and List-Unsubscribe-Post are the
        # same in every copy sent within a second.
        headers.update((_relaxed_shared if line.startswith(_SHARED) else relaxed_line)(line) for line in lines)
        unsigned = signer.prepare_once(headers, body)
        unsigned.rest = (self._shared_headers, head, b"\r\n", body)
        return unsigned

    def message_id(self, email: str) -> str:
        """Stable per (issue, recipient): a resent copy carries the same id, so a
        receiving system can tell it is the same message. The subscriber key stands for
        the recipient, so the address in any case gives the same id."""
        return self._message_id(recipient_address(email).key)

    def _message_id(self, key: str) -> str:
        digest = message_id_digest(self.rendered.digest.issue_id, key, secret=self.id_secret)
        return f"<{self._id_label}.{digest}@{self.domain}>"

    def _proof_id(self) -> str:
        # A provider drops a message whose Message-ID it has seen: a second proof would vanish.
        return f"<{self._id_label}.proof.{secrets.token_hex(12)}@{self.domain}>"


def message_id_digest(issue_id: str, key: str, *, secret: str = "") -> str:
    """The part of a reader's Message-ID that stands for them and the issue. With
    `secret` it is a MAC, so only we can make the Message-ID of another reader's copy:
    a complaint quoting one is a complaint about a message we sent that reader."""
    payload = f"{issue_id}\n{key}".encode("utf-8", "surrogatepass")
    if secret:
        return mac(secret_bytes(secret), payload, context=b"digest message-id").hex()[:24]
    return hashlib.sha256(payload).hexdigest()[:24]


class _EncodedPart:
    """A body part whose quoted-printable encoding is done once, but for the lines that
    carry personal markers. A hard line break resets quoted-printable's line length,
    so lines can be encoded apart and joined."""

    def __init__(self, text: str, markers: tuple[tuple[str, str], ...], *, as_html: bool) -> None:
        self.markers = markers
        self.as_html = as_html
        self.segments: list[bytes | str] = []
        static: list[str] = []
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        for index, raw in enumerate(lines):
            line = raw + ("\n" if index < len(lines) - 1 else "")
            if any(marker in line for _, marker in markers):
                if static:
                    self.segments.append(_quoted_printable("".join(static)))
                    static = []
                self.segments.append(line)
            else:
                static.append(line)
        if static:
            self.segments.append(_quoted_printable("".join(static)))
        self.runs = {s for s in self.segments if isinstance(s, str) and ("\t" in s or "  " in s)}

    def encode(self, fields: Mapping[str, str], *, spaced: bool = True) -> bytes:
        """The part for these values; `spaced` False: no value holds a tab or a run of
        spaces, so only lines of the template that do need their runs escaped."""
        return b"".join(self.pieces(fields, spaced=spaced))

    def pieces(self, fields: Mapping[str, str], *, spaced: bool = True) -> list[bytes]:
        """What `encode` joins."""
        markers, as_html, runs = self.markers, self.as_html, self.runs
        return [
            s
            if isinstance(s, bytes)
            else _quoted_printable(substitute(s, markers, fields, as_html=as_html), spaced=spaced or s in runs)
            for s in self.segments
        ]


_ATOMS = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")  # a phrase that needs no quotes
_PLAIN_MAX = 64  # longer display names are encoded words, which fold


def _head(lines: list[str]) -> bytes:
    """The personal header lines as bytes: a line starting with "." would be a value's line
    break let through, so it is refused rather than sent (see MessageFactory.dot_free)."""
    head = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    if b"\n." in head:
        name = next(line for line in lines if "\n." in line).partition(":")[0]
        raise MessageError(f"{name}: a folded line of the header would start with '.'")
    return head


def recipient_address(text: str) -> EmailAddress:
    """The recipient's address by the one address rule; MessageError (one line, naming
    the address and the reason) when it has none."""
    if text.isascii() and is_envelope_address(text) and _rule_keeps_domain(text.rpartition("@")[2]):
        # An ASCII dot-atom at a domain the rule already accepts as written (as the store
        # keeps it): checking the domain once per domain, not once per message, saves
        # more than the rest of the message costs.
        return EmailAddress(text, text.lower())
    try:
        return normalise_email(text)
    except SubscriberError as error:
        raise MessageError(f"To: {error}") from None


@functools.lru_cache(maxsize=4096)
def _rule_keeps_domain(domain: str) -> bool:
    try:
        return normalise_email(f"postmaster@{domain}").email == f"postmaster@{domain}"
    except SubscriberError:
        return False


def _mailbox(name: str, email: str, *, header: str, checked: bool = False) -> str:
    """`Name <email>` for a header; `checked` when the rule already vouched for `email`."""
    if not checked and not is_envelope_address(email):
        raise MessageError(f"{header}: {email!r} is not an email address")
    phrase = _phrase(name, header=header)
    if not phrase:
        return email
    return _then(phrase, f"<{email}>")


def _then(phrase: str, rest: str) -> str:
    """`phrase rest`, with `rest` on a line of its own when the line would get long (an
    encoded phrase may already take several)."""
    last = phrase.rsplit("\r\n", 1)[-1]
    return f"{phrase}\r\n {rest}" if len(last) + len(rest) > 60 else f"{phrase} {rest}"


def _split_address(value: str) -> tuple[str, str]:
    """(display name, address) of "Name <address>" or a bare address (one word). The name
    is taken as everything before the last "<", so text in it cannot confuse the parse.
    Anything else ("news@example.org Daily", two addresses) gives no address, not one
    glued from its words."""
    return mailbox_parts(clean(value)) or ("", "")


def _plain(text: str) -> bool:
    """Text that can stand in a header as it is: printable ASCII that no reader could take
    for an encoded word."""
    return text.isascii() and text.isprintable() and "=?" not in text and "?=" not in text


def _phrase(text: str, *, header: str) -> str:
    """A display name: as it is, or quoted, when short plain ASCII; else RFC 2047 encoded
    words (which a reader decodes back to exactly this text), folded."""
    text = clean(text)
    if not text:
        return ""
    if _plain(text) and len(text) <= _PLAIN_MAX:
        if _ATOMS.fullmatch(text):
            return text
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return Header(text, "utf-8", header_name=header, maxlinelen=76).encode(linesep="\r\n")


def unstructured(text: str, *, header: str) -> str:
    """Free text (the subject): folded at spaces when plain ASCII, else encoded words."""
    text = clean(text)
    if _plain(text) and all(len(word) <= 66 for word in text.split()):
        return Header(text, "us-ascii", header_name=header, maxlinelen=78).encode(linesep="\r\n")
    return Header(text, "utf-8", header_name=header, maxlinelen=76).encode(linesep="\r\n")


def _dot_atom(text: str) -> str:
    """Text made safe for a Message-ID or List-Id label: atom characters and single dots
    (a dot-atom has no empty part: "a..b" is no label)."""
    atoms = re.sub(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+", "-", text)
    return re.sub(r"\.{2,}", ".", atoms).strip("-.")[:200].rstrip(".")


_SHARED = ("Date:", "List-Unsubscribe-Post:")
_SHARED_FIELDS = frozenset({"view_url"})  # personal_fields that are the same in every copy
_relaxed_shared = functools.lru_cache(maxsize=8)(relaxed_line)


@functools.lru_cache(maxsize=2)
def header_date(second: int) -> str:
    """The Date header's value for this second (the messages of a second share it), in UTC
    written +0000: "GMT" is an obsolete zone (RFC 5322 section 4.3)."""
    return format_datetime(datetime.fromtimestamp(second, UTC))


def _ascii_url(url: str) -> str:
    """The URL as a header may carry it: characters outside ASCII percent-encoded (an IRI
    made a URI, RFC 3987), as a browser sends it."""
    return url if url.isascii() else re.sub(r"[^\x00-\x7f]+", lambda m: quote(m.group(), safe=""), url)


def _mailto(value: str) -> str:
    """The mailto: link as a header carries it: ASCII (others percent-encoded, RFC 6068),
    or none when it would not fit the header's line (the https link still stands)."""
    value = clean(value)
    if not value.startswith("mailto:") or "<" in value or ">" in value:
        return ""
    value = _ascii_url(value)
    return value if len(value) <= _MAILTO_MAX else ""


_MAILTO_MAX = 998 - len(" <>,")  # the link's folded line of List-Unsubscribe


def _quoted_printable(text: str, *, spaced: bool = True) -> bytes:
    """Quoted-printable (CRLF line ends) already in DKIM's relaxed body form, so a
    message's body is hashed as it is sent: every tab and each space after another are
    written as =09 and =20. They go into the encoder as 0xFE and 0xFF, bytes UTF-8 never
    holds, which it escapes in three characters as it would the spaces, so its lines keep
    their lengths. `spaced` False: the caller knows the text has neither."""
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    runs = spaced and (b"\t" in data or b"  " in data)
    if runs:
        data = _SPACE_AFTER_SPACE.sub(b"\xff", data.replace(b"\t", b"\xfe"))
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    if runs:
        encoded = encoded.replace(b"=FF", b"=20").replace(b"=FE", b"=09")
    # Our boundary starts with "=_", which quoted-printable can never produce.
    if _may_not_fit(encoded):
        encoded = _fitted(encoded)
    return encoded.replace(b"\n", b"\r\n")


def _fitted(encoded: bytes) -> bytes:
    """Quoted-printable lines (LF ends) with a leading "." written =2E, so no line of the
    body needs SMTP's dot-stuffing (which would otherwise scan every copy sent), and the
    "F" of a leading "From " written =46, so an mbox delivery does not make it ">From "
    and break the body hash (RFC 2049 section 3 (8)); none longer than 76 characters,
    with a soft break where one is (never inside an escape: every "=" starts one, or is
    the soft break that ends a line). Neither escape changes the line's canonical form."""
    out: list[bytes] = []
    for encoded_line in encoded.split(b"\n"):
        rest = encoded_line
        while True:
            if rest.startswith(b"."):
                rest = b"=2E" + rest[1:]
            elif rest.startswith(b"From "):
                rest = b"=46" + rest[1:]
            if len(rest) <= _QP_LINE:
                break
            cut = _QP_LINE - 1  # room for the soft break's "="
            if rest[cut - 1 : cut] == b"=":
                cut -= 1
            elif rest[cut - 2 : cut - 1] == b"=":
                cut -= 2
            out.append(rest[:cut] + b"=")
            rest = rest[cut:]
        out.append(rest)
    return b"\n".join(out)


_QP_LINE = 76  # RFC 2045's longest encoded line


def _may_not_fit(encoded: bytes) -> bool:
    """Whether a line of `encoded` (LF ends) may start with "." or "From ", or end in an
    escaped blank (binascii lets the escape take a full line to 77 characters): _fitted
    then looks closer. A pattern that begins with "^|\\n" is tried at every position;
    this one's first characters are a set the engine skips to, and it may say yes to a few
    lines that need nothing (a line starting "F")."""
    return (
        encoded.startswith((b".", b"From "))
        or encoded.endswith((b"=20", b"=09"))
        or _MAY_NOT_FIT.search(encoded) is not None
    )


_MAY_NOT_FIT = re.compile(rb"\n[.F]|=[02][09]\n")


_SPACE_AFTER_SPACE = re.compile(rb"(?<= ) ")
