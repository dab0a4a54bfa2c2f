"""VERP envelope senders: each message goes out from `bounces+<token>@example.org`,
where the token names the reader (their subscriber id) and the issue (a tag of its id),
signed, so a bounce to that address says whose message failed without reading its text.

The token is `<subscriber id>-<issue tag>-<mac>`: the id in decimal, the first 8 hex
digits of SHA-256 of the issue id, and an HMAC-SHA256 (80 bits, base32) of both under
the store's signing secret with a context of its own. Lower-case letters, digits and
hyphens only, so a server that folds the local part's case does not break it, and at
most 38 characters, so the whole local part stays within SMTP's 64. Pure.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from digest.errors import TokenError
from digest.tokens import secret_bytes

CONTEXT = b"digest/verp/v1\x00"
TOKEN_MAX = 38
_TOKEN = re.compile(r"([0-9]{1,12})-([0-9a-f]{8})-([a-z2-7]{16})")
# Two base32 characters (RFC 4648's alphabet, lower case) for each 10-bit value, and where
# the eight such values of an 80-bit MAC sit, most significant first.
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_BASE32_PAIRS = tuple(_BASE32[value >> 5] + _BASE32[value & 31] for value in range(1024))
_PAIR_SHIFTS = tuple(range(70, -1, -10))


class ForgedBounce(TokenError):
    """An address of the bounce form whose signature does not hold."""


@dataclass(frozen=True, slots=True)
class VerpRef:
    """What a bounce address names: the reader's subscriber id and a tag of the issue id."""

    subscriber_id: int
    issue_tag: str

    def is_issue(self, issue_id: str) -> bool:
        return issue_tag(issue_id) == self.issue_tag


def issue_tag(issue_id: str) -> str:
    return hashlib.sha256(issue_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]


class Verp:
    """Makes and reads the bounce addresses of one `bounce_address` (bounces@example.org)."""

    def __init__(self, bounce_address: str, *, secret: str | bytes) -> None:
        local, _, domain = bounce_address.rpartition("@")
        if not local or not domain or "+" in local:
            raise ValueError(f"not a bounce address: {bounce_address!r}")
        self.bounce_address = bounce_address
        self.local = local
        self.domain = domain
        self._prefix = f"{local.lower()}+"
        self._key = secret_bytes(secret)

    def _mac(self, body: str) -> str:
        # hmac.digest is OpenSSL's one-shot HMAC, and the 80 bits are written five bits a
        # character from a table: the hmac object and base64.b32encode (Python code) cost
        # several times as much, once for every message sent.
        bits = int.from_bytes(hmac.digest(self._key, CONTEXT + body.encode("ascii"), "sha256")[:10])
        return "".join([_BASE32_PAIRS[(bits >> shift) & 0x3FF] for shift in _PAIR_SHIFTS])

    def address(self, subscriber_id: int, issue_id: str) -> str:
        return self.for_issue(issue_id)(subscriber_id)

    def for_issue(self, issue_id: str) -> Callable[[int], str]:
        """The envelope sender of each reader's copy of `issue_id`, by subscriber id: the
        issue's tag is made once."""
        tag = issue_tag(issue_id)
        head, tail = f"{self.local}+", f"@{self.domain}"

        def sender(subscriber_id: int) -> str:
            body = f"{subscriber_id}-{tag}"
            return f"{head}{body}-{self._mac(body)}{tail}"

        return sender

    def read(self, address: str) -> VerpRef | None:
        """What `address` names when it is one of ours; None when it is not of the bounce
        form at all (another address); ForgedBounce when it is, but its token is
        malformed or its signature does not hold."""
        local, _, domain = address.strip().strip("<>").rpartition("@")
        local = local.lower()
        if domain.lower().rstrip(".") != self.domain.lower() or not local.startswith(self._prefix):
            return None
        token = local[len(self._prefix) :]
        match = _TOKEN.fullmatch(token)
        if match is None:
            raise ForgedBounce("bounce address with a malformed token")
        subscriber, tag, mac = match.groups()
        if not hmac.compare_digest(mac, self._mac(f"{subscriber}-{tag}")):
            raise ForgedBounce("bounce address whose signature does not match (forged or altered)")
        return VerpRef(int(subscriber), tag)

    def find(self, addresses: Iterable[str]) -> VerpRef | None:
        """The first of `addresses` that is one of ours; ForgedBounce as soon as one of the
        bounce form does not hold (nothing in such a message is trusted)."""
        for address in addresses:
            ref = self.read(address)
            if ref is not None:
                return ref
        return None
