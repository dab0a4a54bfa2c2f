"""DKIM signatures (RFC 6376): rsa-sha256 (RFC 8301) and ed25519-sha256 (RFC 8463),
relaxed/relaxed canonicalisation. Pure: keys in, header lines out.

The signing itself is OpenSSL's, through `cryptography`. A message of ours is signed
without being parsed again: `MessageFactory` hands over each header's canonical form
and the body hash, which it computes from body pieces whose canonical forms are made
once per digest (only the personalised lines are canonicalised per message).
`sign_message` signs any other message from its bytes.

Every signed header is also over-signed: `h=` names it once more than the message has
it, so a header added on the way (a second From, a Subject, a List-Unsubscribe the
message did not have) breaks the signature instead of riding on it.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from digest.errors import ConfigError
from digest.mail.openssl import gil_free_rsa

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

    PrivateKey = RSAPrivateKey | Ed25519PrivateKey

# What every message of ours carries (Reply-To when the list has one), in the order of h=,
# then headers a message of ours never has.
SIGNED_HEADERS = (
    "from",
    "reply-to",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "list-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
    # Never in ours, so over-signed as absent (RFC 6376 5.4.1, 8.15): added on the way they
    # would show "on behalf of", more recipients, a thread or list links under our signature.
    "cc",
    "sender",
    "in-reply-to",
    "references",
    "list-help",
    "list-subscribe",
    "list-post",
    "list-owner",
    "list-archive",
    "content-transfer-encoding",
)
RSA_BITS = 2048
MIN_RSA_BITS = 1024  # RFC 8301: verifiers must refuse shorter keys
_WSP = re.compile(rb"[ \t]{2,}|\t")  # runs to shorten: a single space stays as it is
_WSP_TEXT = re.compile(r"[ \t]{2,}|\t")
_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")


class DkimError(ConfigError):
    """A DKIM key or setting that cannot be used; the message names where it came from,
    never the key itself."""


# ---------------------------------------------------------------- canonicalisation


def relaxed_header(name: str, value: str | bytes) -> bytes:
    """`name:value` CRLF in the relaxed form: the name lower-cased, the value unfolded,
    runs of spaces and tabs made one space, and none at either end."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "surrogateescape")
    if "\n" in value:
        value = value.replace("\r\n", "").replace("\n", "")
    if "\t" in value or "  " in value:
        value = _WSP_TEXT.sub(" ", value)
    return f"{name.strip(' ').lower()}:{value.strip(' ')}\r\n".encode("utf-8", "surrogateescape")


def relaxed_line(line: str) -> tuple[str, bytes]:
    """(lower-cased name, relaxed form) of a whole header field `Name: value`."""
    name, _, value = line.partition(":")
    name = name.strip(" \t")
    return name.lower(), relaxed_header(name, value)


def relaxed_body(data: bytes) -> bytes:
    """A body, or a piece of one that ends at a line end or next to one that starts with
    one: runs of spaces and tabs made one space, none before a line end. (Empty lines at
    the very end are the caller's to drop; ours never has any.)"""
    if b"\t" in data or b"  " in data:
        rest = data.lstrip(b" ")
        # An indented line with no other run (most personal lines): the indent becomes one space.
        data = _WSP.sub(b" ", data) if b"\t" in rest or b"  " in rest else b" " + rest
    if b" \r\n" in data:
        data = data.replace(b" \r\n", b"\r\n")
    return data


# ---------------------------------------------------------------- keys


class DkimKey:
    """A private key and where its public half is published: `selector._domainkey.domain`."""

    __slots__ = ("_sign", "algorithm", "domain", "private_key", "selector")

    def __init__(self, domain: str, selector: str, private_key: Any) -> None:
        self.domain = domain
        self.selector = selector
        self.private_key = private_key
        if _is_ed25519(private_key):
            self.algorithm = "ed25519-sha256"
            self._sign = _ed25519_signer(private_key)
        else:
            self.algorithm = "rsa-sha256"
            scheme = _rsa_scheme()
            self._sign = gil_free_rsa(private_key) or (lambda data: private_key.sign(data, *scheme))

    def __repr__(self) -> str:
        return f"DkimKey(domain={self.domain!r}, selector={self.selector!r}, algorithm={self.algorithm!r})"

    @property
    def record_name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    def sign(self, data: bytes) -> bytes:
        """The signature of the header hash input `data`."""
        return self._sign(data)


def _ed25519_signer(private_key: Any) -> Callable[[bytes], bytes]:
    """RFC 8463's signature of `data`: PureEdDSA over its SHA-256 hash, made by libsodium
    (PyNaCl), which signs in about two thirds of OpenSSL's time. The signature is the one
    `cryptography` would make: Ed25519 is deterministic."""
    from cryptography.hazmat.primitives import serialization
    from nacl.bindings import crypto_sign, crypto_sign_seed_keypair

    seed = private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    _, secret = crypto_sign_seed_keypair(seed)
    return lambda data: crypto_sign(hashlib.sha256(data).digest(), secret)[:64]


def _is_ed25519(key: Any) -> bool:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return isinstance(key, Ed25519PrivateKey)


_SCHEME: tuple[Any, Any] | None = None


def _rsa_scheme() -> tuple[Any, Any]:
    global _SCHEME  # noqa: PLW0603 - made once: the padding and hash objects cost a little each time
    if _SCHEME is None:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        _SCHEME = (padding.PKCS1v15(), hashes.SHA256())
    return _SCHEME


def check_name(value: str, *, where: str, dotted: bool) -> str:
    """A selector (`dotted` False allows one or more labels too) or a domain, lower-cased;
    DkimError naming `where` otherwise."""
    text = value.strip().lower().rstrip(".")
    labels = text.split(".")
    if not text or len(text) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise DkimError(f"{where}: {value!r} is not a DNS name (letters, digits, '-', '_' and dots)")
    if dotted and len(labels) < 2:
        raise DkimError(f"{where}: {value!r} is not a domain (e.g. example.org)")
    return text


def load_private_key(data: str | bytes, *, where: str) -> Any:
    """An RSA (at least 1024 bits) or Ed25519 private key from PEM (PKCS#8 or PKCS#1). A
    PEM pasted into an environment variable with literal `\\n` for its line ends works too.
    DkimError names `where` and the problem, never the text."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

    text = data.decode("ascii", "replace") if isinstance(data, bytes) else data
    text = text.strip().replace("\\n", "\n")
    if "-----BEGIN" not in text:
        raise DkimError(f"{where}: not a PEM private key (no -----BEGIN line)")
    try:
        key = serialization.load_pem_private_key(text.encode("ascii", "replace"), password=None)
    except (ValueError, TypeError) as exc:
        reason = "it is encrypted; give it without a passphrase" if "password" in str(exc).lower() else "unreadable"
        raise DkimError(f"{where}: not a usable private key ({reason})") from None
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_BITS:
            raise DkimError(f"{where}: an RSA key of {key.key_size} bits; DKIM needs at least {MIN_RSA_BITS}")
        return key
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key
    raise DkimError(f"{where}: a {type(key).__name__}; DKIM keys are RSA or Ed25519")


def generate_private_key(*, ed25519: bool = False, bits: int = RSA_BITS) -> Any:
    from cryptography.hazmat.primitives.asymmetric import ed25519 as ed, rsa

    if ed25519:
        return ed.Ed25519PrivateKey.generate()
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_pem(key: Any) -> bytes:
    """The key as unencrypted PKCS#8 PEM."""
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_key_value(key: Any) -> str:
    """The `p=` of the key's DNS record: the public key, base64 (RSA as its DER
    SubjectPublicKeyInfo, Ed25519 as its 32 raw bytes, RFC 8463)."""
    from cryptography.hazmat.primitives import serialization

    public = key.public_key()
    if _is_ed25519(key):
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        raw = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(raw).decode("ascii")


def dns_value(key: Any) -> str:
    """The TXT record's text: `v=DKIM1; k=rsa; p=...` (k=ed25519 for an Ed25519 key)."""
    kind = "ed25519" if _is_ed25519(key) else "rsa"
    return f"v=DKIM1; k={kind}; p={public_key_value(key)}"


def zone_line(name: str, text: str) -> str:
    """A zone-file TXT line for `name`, the text cut into strings of at most 255
    characters (a DNS TXT string's limit; resolvers join them)."""
    parts = [text[i : i + 255] for i in range(0, len(text), 255)] or [""]
    quoted = " ".join(f'"{part}"' for part in parts)
    return f"{name}. IN TXT ( {quoted} )" if len(parts) > 1 else f"{name}. IN TXT {quoted}"


# ---------------------------------------------------------------- signing


Signed = tuple[str, list[bytes]]  # what Unsigned.sign makes: bh, and each key's signature


class Unsigned:
    """Signatures still to be made: `inputs()` hashes the canonical body and writes what
    each key signs (cheap: the hash is C over one buffer), `signatures(inputs)` makes the
    signatures (the costly part: with an RSA key, OpenSSL without the GIL, so a caller may
    run it on another thread), `sign()` does both; `lines(signed)` writes the header lines,
    `complete` the whole message when `rest` holds what follows them."""

    __slots__ = ("body", "keys", "rest", "signed", "stamp", "templates")

    def __init__(
        self,
        keys: Sequence[DkimKey],
        templates: Sequence[tuple[tuple[str, str, str], tuple[bytes, bytes, bytes]]],
        signed: bytes,
        stamp: str,
        body: bytes,
        rest: tuple[bytes, ...] = (),
    ) -> None:
        self.keys = keys
        self.templates = templates
        self.signed = signed  # the signed header fields, relaxed, in h= order
        self.stamp = stamp
        self.body = body  # the canonical body (relaxed)
        self.rest = rest

    def inputs(self) -> tuple[str, list[bytes]]:
        """(bh, what each key signs: the header hash input)."""
        bh = base64.b64encode(hashlib.sha256(self.body).digest()).decode("ascii")
        stamp, bh_bytes = self.stamp.encode("ascii"), bh.encode("ascii")
        return bh, [
            b"".join((self.signed, relaxed[0], stamp, relaxed[1], bh_bytes, relaxed[2]))
            for _, relaxed in self.templates
        ]

    def signatures(self, inputs: Sequence[bytes]) -> list[bytes]:
        return [key.sign(data) for key, data in zip(self.keys, inputs, strict=True)]

    def sign(self) -> Signed:
        """(bh, each key's signature)."""
        bh, inputs = self.inputs()
        return bh, self.signatures(inputs)

    def lines(self, signed: Signed) -> bytes:
        bh, signatures = signed
        out = []
        for (raw, _), signature in zip(self.templates, signatures, strict=True):
            b = base64.b64encode(signature).decode("ascii")
            folded = "\r\n\t ".join([b[i : i + 72] for i in range(0, len(b), 72)])
            out.append(raw[0] + self.stamp + raw[1] + bh + raw[2] + folded + "\r\n")
        return "".join(out).encode("ascii")

    def complete(self, signed: Signed | None = None) -> bytes:
        """The signed message (signing here unless `signed` is given, what `sign` made)."""
        return b"".join((self.lines(self.sign() if signed is None else signed), *self.rest))


def sign_all(batch: Sequence[tuple[Unsigned, Sequence[bytes]]]) -> list[list[bytes]]:
    """`signatures(inputs)` of each message, in one call: a signing thread is handed
    several at a time, so the hand-off is paid once for them all."""
    return [unsigned.signatures(inputs) for unsigned, inputs in batch]


class DkimSigner:
    """Signs messages with one key or more (each its own DKIM-Signature, the first key's
    on top). `prepare_once` (or `signature`) is the hot path; `sign_message` the general one."""

    def __init__(self, keys: Sequence[DkimKey], *, headers: Sequence[str] = SIGNED_HEADERS) -> None:
        if not keys:
            raise DkimError("dkim: no key to sign with")
        self.keys = tuple(keys)
        self.headers = tuple(dict.fromkeys(h.lower() for h in headers))
        self._wanted = frozenset(self.headers)
        self._h_tags: dict[tuple[int, ...], tuple[str, tuple[str, ...]]] = {}
        self._plans: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}
        self._sig_templates: dict[str, list[tuple[tuple[str, str, str], tuple[bytes, bytes, bytes]]]] = {}

    @property
    def domain(self) -> str:
        return self.keys[0].domain

    @property
    def rsa(self) -> bool:
        """Whether a key is RSA: its signature then costs most of a message's time."""
        return any(key.algorithm == "rsa-sha256" for key in self.keys)

    def signature(self, headers: Sequence[tuple[str, bytes]], body: bytes, *, now: int | None = None) -> bytes:
        """The DKIM-Signature header lines (CRLF ends) for a message whose header fields,
        top to bottom, are `headers` as (lower-cased name, relaxed form) and whose
        canonical body is `body`."""
        unsigned = self.prepare(headers, body, now=now)
        return unsigned.lines(unsigned.sign())

    def prepare(self, headers: Sequence[tuple[str, bytes]], body: bytes, *, now: int | None = None) -> Unsigned:
        """What `signature` signs, before the signing: the costly part is left to
        `Unsigned.sign`, which a caller may run on another thread."""
        instances: dict[str, list[bytes]] = {}
        wanted = self._wanted
        for name, canonical in headers:
            if name in wanted:
                instances.setdefault(name, []).append(canonical)
        counts = tuple(len(instances.get(name, ())) for name in self.headers)
        h_tag, names = self._h_tag(counts)
        if max(counts) <= 1:  # ours: each header once at most, over-signed entries add nothing
            signed = b"".join(instances[name][0] for name in self.headers if name in instances)
        else:
            # Each name of h= takes the bottom-most instance not used yet; an over-signed
            # one finds none and adds nothing (RFC 6376 5.4.2).
            used: dict[str, int] = {}
            pieces: list[bytes] = []
            for name in names:
                found = instances.get(name, ())
                taken = used.get(name, 0)
                if taken < len(found):
                    pieces.append(found[len(found) - 1 - taken])
                used[name] = taken + 1
            signed = b"".join(pieces)
        return self._unsigned(signed, h_tag, body, now)

    def prepare_once(self, fields: Mapping[str, bytes], body: bytes, *, now: int | None = None) -> Unsigned:
        """`prepare` for a message that has each header at most once, given as a mapping
        from lower-cased name to relaxed form (in the message's order): the hot path,
        with the h= tag and the order of the signed fields made once per set of names."""
        shape = tuple(fields)
        plan = self._plans.get(shape)
        if plan is None:
            counts = tuple(int(name in fields) for name in self.headers)
            h_tag, _ = self._h_tag(counts)
            plan = (h_tag, tuple(name for name in self.headers if name in fields))
            self._plans[shape] = plan
        h_tag, order = plan
        return self._unsigned(b"".join([fields[name] for name in order]), h_tag, body, now)

    def _unsigned(self, signed: bytes, h_tag: str, body: bytes, now: int | None) -> Unsigned:
        stamp = str(int(time.time()) if now is None else now)
        return Unsigned(self.keys, self._templates(h_tag), signed, stamp, body)

    def _templates(self, h_tag: str) -> list[tuple[tuple[str, str, str], tuple[bytes, bytes, bytes]]]:
        """Per key, the DKIM-Signature header as written and in its relaxed form with an
        empty b= (what the header hash ends with), cut where t= and bh= go."""
        cached = self._sig_templates.get(h_tag)
        if cached is None:
            cached = []
            for key in self.keys:
                head = (
                    f"DKIM-Signature: v=1; a={key.algorithm}; c=relaxed/relaxed;\r\n\td={key.domain};"
                    f" s={key.selector}; t=\x00;\r\n\th={h_tag};\r\n\tbh=\x00;\r\n\tb="
                )
                relaxed = relaxed_header("dkim-signature", head.partition(":")[2])[:-2]
                first, second, third = head.split("\x00")
                a, b, c = relaxed.split(b"\x00")
                cached.append(((first, second, third), (a, b, c)))
            self._sig_templates[h_tag] = cached
        return cached

    def _h_tag(self, counts: tuple[int, ...]) -> tuple[str, tuple[str, ...]]:
        """h= for these counts of each signed header: each name once more than present."""
        cached = self._h_tags.get(counts)
        if cached is None:
            names = tuple(name for name, n in zip(self.headers, counts, strict=True) for _ in range(n + 1))
            lines, line = [], ""
            for name in names:
                piece = f"{name}:"
                if line and len(line) + len(piece) > 64:
                    lines.append(line)
                    line = ""
                line += piece
            lines.append(line)
            cached = ("\r\n\t".join(lines)[:-1], names)
            self._h_tags[counts] = cached
        return cached

    def sign_message(self, message: bytes, *, now: int | None = None) -> bytes:
        """`message` (CRLF line ends) with its DKIM-Signature header lines on top."""
        head, separator, body = message.partition(b"\r\n\r\n")
        if not separator:
            head, body = message, b""
        headers = [relaxed_line(field.decode("utf-8", "surrogateescape")) for field in _fields(head + b"\r\n")]
        canonical = relaxed_body(body).rstrip(b" \t\r\n")  # no empty lines at the end (RFC 6376 3.4.4)
        canonical = canonical + b"\r\n" if canonical else b""
        return self.signature(headers, canonical, now=now) + message


def _fields(head: bytes) -> Iterable[bytes]:
    """The header block's fields, each with its folded lines (and without its last CRLF)."""
    current = b""
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and current:
            current += b"\r\n" + line
            continue
        if current:
            yield current
        current = line
    if current:
        yield current


def aligned(from_domain: str, dkim_domain: str) -> bool:
    """Whether a From domain aligns with the signing domain in DMARC's relaxed mode, as far
    as can be told without the public suffix list: the same domain, or one inside the other."""
    a, b = from_domain.lower().rstrip("."), dkim_domain.lower().rstrip(".")
    return a == b or a.endswith("." + b) or b.endswith("." + a)
