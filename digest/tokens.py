"""Signed tokens: what a link or a form carries so that the service can trust it later
without keeping it. Pure: signs and verifies strings.

Every kind has the same shape, base64url(JSON payload) "." base64url(HMAC-SHA256
truncated to 128 bits), no padding, and its own context string inside the MAC, so a
token of one kind is never valid as another even under the same secret:

- unsubscribe (`digest.subscribers.make_token`): [list, key, version]; never expires;
- confirm: [list, email, name, version, issued_at]; a confirmation link, expires;
- preferences: [key, issued_at]; the preferences page of one reader, expires;
- form: [nonce, issued_at]; a form's CSRF token, tied to a cookie holding the nonce.

`issued_at` is whole seconds since the epoch (UTC).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from digest.errors import TokenError

MAC_BYTES = 16
MAX_TOKEN = 4096
UNSUBSCRIBE = b"digest/unsubscribe/v1\x00"
CONFIRM = b"digest/confirm/v1\x00"
PREFERENCES = b"digest/preferences/v1\x00"
FORM = b"digest/form/v1\x00"
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)  # json.dumps makes one a call


class TokenExpired(TokenError):
    """A well-signed token past its lifetime."""


def secret_bytes(secret: str | bytes) -> bytes:
    if isinstance(secret, str):
        # surrogatepass: an encoding error would carry the secret inside the exception.
        secret = secret.encode("utf-8", "surrogatepass")
    elif isinstance(secret, (bytes, bytearray)):
        secret = bytes(secret)
    elif secret is not None:
        raise TokenError("the signing secret must be text or bytes")
    if not secret:
        raise TokenError("no signing secret configured")
    return secret


def mac(secret: bytes, payload: bytes, *, context: bytes) -> bytes:
    keyed = _keyed(secret, context).copy()
    keyed.update(payload)
    return keyed.digest()[:MAC_BYTES]


@functools.lru_cache(maxsize=16)
def _keyed(secret: bytes, context: bytes) -> hmac.HMAC:
    """The HMAC of a secret with its context fed in: copied for each token (a send makes
    one a reader), which costs less than keying a new one."""
    return hmac.new(secret, context, hashlib.sha256)


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(part: str, *, kind: str) -> bytes:
    if not _B64URL.fullmatch(part):
        raise TokenError(f"not a valid {kind} (malformed)")
    try:
        data = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenError(f"not a valid {kind} (malformed)") from None
    # Only the canonical spelling: otherwise one token has several valid spellings.
    if encode(data) != part:
        raise TokenError(f"not a valid {kind} (malformed)")
    return data


def sign(claims: list, *, secret: str | bytes, context: bytes) -> str:
    payload = _COMPACT.encode(claims).encode("ascii")
    return f"{encode(payload)}.{encode(mac(secret_bytes(secret), payload, context=context))}"


def verify(token: str, *, secret: str | bytes, context: bytes, kind: str) -> bytes:
    """The payload of a token whose signature holds (constant-time compare); TokenError
    for a forged, altered, truncated or malformed one. `kind` names it in the error
    ("unsubscribe token", "confirmation link")."""
    key = secret_bytes(secret)
    if not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 1:
        raise TokenError(f"not a valid {kind} (malformed)")
    payload_part, mac_part = token.split(".")
    payload, signature = decode(payload_part, kind=kind), decode(mac_part, kind=kind)
    if not hmac.compare_digest(signature, mac(key, payload, context=context)):
        raise TokenError(f"{kind} signature does not match (forged, altered or truncated)")
    return payload


def _json(payload: bytes) -> object:
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None


def _whole(*values: int) -> bool:
    """Whole numbers from 0 up (JSON's true and false are ints to Python, and refused)."""
    return all(not isinstance(value, bool) and value >= 0 for value in values)


def _check_age(issued_at: int, *, now: int, max_age: int, kind: str) -> None:
    if issued_at > now + 300:  # from the future (beyond a little clock skew): not ours
        raise TokenError(f"{kind} is not valid (issued in the future)")
    if now - issued_at > max_age:
        raise TokenExpired(f"{kind} has expired")


# ---------------------------------------------------------------- confirmation links


@dataclass(frozen=True, slots=True)
class ConfirmClaims:
    list_name: str
    email: str  # as the address rule gives it
    name: str
    version: int  # the key's version when the link was made; a used link finds it moved on
    issued_at: int


def make_confirm_token(
    *, secret: str | bytes, list_name: str, email: str, name: str, version: int, issued_at: int
) -> str:
    return sign([list_name, email, name, version, issued_at], secret=secret, context=CONFIRM)


def read_confirm_token(token: str, *, secret: str | bytes, now: int, max_age: int) -> ConfirmClaims:
    """The claims of a confirmation link no older than `max_age` seconds; TokenExpired
    for an older one, TokenError for anything else that is wrong with it."""
    kind = "confirmation link"
    match _json(verify(token, secret=secret, context=CONFIRM, kind=kind)):
        case [str(list_name), str(email), str(name), int(version), int(issued_at)] if _whole(version, issued_at):
            _check_age(issued_at, now=now, max_age=max_age, kind=kind)
            return ConfirmClaims(list_name, email, name, version, issued_at)
    raise TokenError(f"not a valid {kind} (unreadable claims)")


# ---------------------------------------------------------------- preferences links


def make_preferences_token(*, secret: str | bytes, key: str, issued_at: int) -> str:
    return sign([key, issued_at], secret=secret, context=PREFERENCES)


def read_preferences_token(token: str, *, secret: str | bytes, now: int, max_age: int) -> str:
    """The subscriber key of a preferences link no older than `max_age` seconds."""
    kind = "preferences link"
    match _json(verify(token, secret=secret, context=PREFERENCES, kind=kind)):
        case [str(key), int(issued_at)] if key and _whole(issued_at):
            _check_age(issued_at, now=now, max_age=max_age, kind=kind)
            return key
    raise TokenError(f"not a valid {kind} (unreadable claims)")


# ---------------------------------------------------------------- form (CSRF) tokens


def make_form_token(*, secret: str | bytes, nonce: str, issued_at: int) -> str:
    return sign([nonce, issued_at], secret=secret, context=FORM)


def read_form_token(token: str, *, secret: str | bytes, nonce: str, now: int, max_age: int) -> None:
    """Nothing when the form token was made for `nonce` (the cookie's) no more than
    `max_age` seconds ago; TokenError otherwise."""
    kind = "form token"
    match _json(verify(token, secret=secret, context=FORM, kind=kind)):
        case [str(signed_nonce), int(issued_at)] if _whole(issued_at):
            if not nonce or not hmac.compare_digest(signed_nonce.encode(), nonce.encode()):
                raise TokenError("the form token is not for this browser")
            _check_age(issued_at, now=now, max_age=max_age, kind=kind)
            return
    raise TokenError(f"not a valid {kind} (unreadable claims)")
