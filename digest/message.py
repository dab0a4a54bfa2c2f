"""Outgoing messages as bytes ready for SMTP.

`MessageFactory` does the per-digest work once (the shared headers, the MIME
boundary, the personalisation template); `build` then costs one substitution and
one quoted-printable encoding of each part per recipient.
Structure: multipart/alternative, text/plain first, then text/html, UTF-8,
quoted-printable (so no line is over 76 characters), CRLF line ends.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate, parseaddr

from digest.errors import DigestError
from digest.models import RenderedDigest
from digest.render import clean, personal_fields, substitute


_ADDR_SPEC = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


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
    ) -> None:
        self.rendered = rendered
        self.view_url = view_url
        name, address = parseaddr(clean(sender))
        if "@" not in address:
            raise MessageError(f"sender {sender!r} has no email address")
        self.domain = address.rsplit("@", 1)[1].lower()
        self.list_id = clean(list_id) or f"{rendered.digest.list_name}.{self.domain}"
        self.boundary = f"=_digest_{secrets.token_hex(12)}"
        shared = EmailMessage(policy=SMTP)
        shared["From"] = _address(name, address)
        if reply_to:
            reply_name, reply_address = parseaddr(clean(reply_to))
            shared["Reply-To"] = _address(reply_name, reply_address)
        shared["Subject"] = rendered.subject
        shared["List-Id"] = f"{clean(rendered.digest.title)} <{self.list_id}>"
        # Serialised without a payload, a message is its header block and a blank line.
        # The MIME headers are written by hand: a multipart Content-Type would make the
        # generator add an empty body of its own.
        self._shared_headers = (
            shared.as_bytes().rstrip(b"\r\n")
            + f'\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative;\r\n boundary="{self.boundary}"\r\n'.encode()
        )
        self._part_heads = tuple(
            f"--{self.boundary}\r\nContent-Type: text/{kind}; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n".encode()
            for kind in ("plain", "html")
        )
        self._closing = f"--{self.boundary}--\r\n".encode()
        self._text = _EncodedPart(rendered.text, rendered.markers, as_html=False)
        self._html = _EncodedPart(rendered.html, rendered.markers, as_html=True)

    def build(self, recipient: Recipient) -> bytes:
        """The whole message for one recipient, as bytes."""
        email = clean(recipient.email)
        if not email or "@" not in email:
            raise MessageError(f"recipient {recipient.email!r} is not an email address")
        fields = personal_fields(
            name=recipient.name, email=email, unsubscribe_url=recipient.unsubscribe_url, view_url=self.view_url
        )
        # Per-recipient headers are formatted by hand: the email package's header
        # registry costs about a millisecond a message, this a few microseconds.
        lines = [
            f"To: {_mailbox(fields['name'], email)}",
            f"Date: {formatdate(localtime=False, usegmt=True)}",
            f"Message-ID: {self.message_id(email)}",
        ]
        unsubscribe = [f"<{u}>" for u in (fields["unsubscribe_url"], _mailto(recipient.unsubscribe_mailto)) if u]
        if unsubscribe:
            lines.append("List-Unsubscribe: " + ",\r\n ".join(unsubscribe))
            if fields["unsubscribe_url"]:
                lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click")
        head = ("\r\n".join(lines) + "\r\n").encode("ascii")
        return b"".join(
            (
                self._shared_headers,
                head,
                b"\r\n",
                self._part_heads[0],
                self._text.encode(fields),
                b"\r\n",
                self._part_heads[1],
                self._html.encode(fields),
                b"\r\n",
                self._closing,
            )
        )

    def message_id(self, email: str) -> str:
        """Stable per (issue, recipient): a resent copy carries the same id, so a
        receiving system can tell it is the same message."""
        digest = hashlib.sha256(f"{self.rendered.digest.issue_id}\n{email.lower()}".encode()).hexdigest()[:24]
        return f"<{self.rendered.digest.issue_id}.{digest}@{self.domain}>"


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
        for index, line in enumerate(lines):
            line += "\n" if index < len(lines) - 1 else ""
            if any(marker in line for _, marker in markers):
                if static:
                    self.segments.append(_quoted_printable("".join(static)))
                    static = []
                self.segments.append(line)
            else:
                static.append(line)
        if static:
            self.segments.append(_quoted_printable("".join(static)))

    def encode(self, fields: Mapping[str, str]) -> bytes:
        return b"".join(
            s if isinstance(s, bytes) else _quoted_printable(substitute(s, self.markers, fields, as_html=self.as_html))
            for s in self.segments
        )


def _mailbox(name: str, email: str) -> str:
    if not _ADDR_SPEC.fullmatch(email):
        raise MessageError(f"recipient {email!r} is not an ASCII email address")
    if not name:
        return email
    # formataddr quotes specials and RFC 2047-encodes a non-ASCII name.
    return formataddr((name, email), charset="utf-8").replace("\n", "\r\n")


def _mailto(value: str) -> str:
    value = clean(value)
    return value if value.startswith("mailto:") and "<" not in value and ">" not in value else ""


def _address(name: str, address: str) -> Address:
    try:
        return Address(display_name=clean(name), addr_spec=address)
    except (ValueError, IndexError) as exc:
        raise MessageError(f"bad address {address!r}: {exc}") from None


def _quoted_printable(text: str) -> bytes:
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    encoded = binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)
    # Our boundary starts with "=_", which quoted-printable can never produce; a line
    # starting with "." is dot-stuffed by the SMTP client.
    return encoded.replace(b"\n", b"\r\n")
