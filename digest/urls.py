"""Canonical URLs (one article, one key, whatever tracking junk rode along) and URLs
redacted for printing."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs")
_TRACKING_KEYS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mkt_tok", "ref_src", "cmpid", "ocid", "_ga", "spm"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    remaining parameters sorted. Non-http(s) URLs (file:) keep all but the fragment."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an unclosed IPv6 bracket: nothing to normalise, the URL as written
        return url.strip()
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:  # a port that is no number: the URL's own spelling stays, lower-cased
        return urlunsplit((scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))
    if port and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_KEYS
    )
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def file_url(path: Path) -> str:
    return path.resolve().as_uri()


def is_http_url(url: str) -> bool:
    return urlsplit(url).scheme.lower() in _DEFAULT_PORTS


# Names that only resolve on the machine or its own network.
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")


def is_loopback_host(host: str) -> bool:
    """Whether `host` (a URL's hostname) is this machine: localhost or a loopback address."""
    host = host.strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_public_host(host: str) -> bool:
    """Whether people elsewhere on the internet could reach `host` (a URL's hostname): not
    a loopback, private or link-local address, nor localhost, a name with no dot or one
    under a suffix kept for local networks."""
    host = host.strip("[]").rstrip(".").lower()
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        pass
    return "." in host and not f".{host}".endswith(_LOCAL_SUFFIXES)


_SECRET_WORDS = (
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "token",
    "key",
    "auth",
    "sig",
    "signature",
    "credential",
)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_URL_IN_TEXT = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")
REDACTED = "***"


def redact_url(url: str) -> str:
    """The URL fit to print: a userinfo password and the values of parameters whose
    names look secret (token, api_key, X-Amz-Signature...) become ***. A URL that
    cannot be parsed shows only its scheme."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
            raise ValueError("whitespace or control characters")
    except ValueError:
        scheme = url.split(":", 1)[0] if ":" in url else ""
        return f"{scheme}:..." if _SCHEME.fullmatch(scheme) else "..."
    # The last @ ends the userinfo, as for urlsplit: a password may hold an unencoded @.
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{REDACTED}@{hostport}"
    elif at:
        netloc = f"{REDACTED}@{hostport}"  # a lone user name is often a token (https://TOKEN@host)
    else:
        netloc = parts.netloc
    query = _redact_params(parts.query)
    fragment = _redact_params(parts.fragment) if "=" in parts.fragment else parts.fragment
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url  # nothing secret; urlunsplit would also drop the empty host of sqlite:////path
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def redact_urls(text: str) -> str:
    """`text` with every URL in it redacted (for error messages that quote one).
    Punctuation that ends a sentence after a URL ("URL: reason", "see URL.") stays."""
    return _URL_IN_TEXT.sub(_redact_match, text) if "://" in text else text


_TRAILING = ".,;:!?)]}"


def _redact_match(match: re.Match[str]) -> str:
    found = match.group(0)
    url = found.rstrip(_TRAILING)
    return redact_url(url) + found[len(url) :]


def _redact_params(query: str) -> str:
    if not query:
        return query
    out = []
    for param in query.split("&"):
        name, eq, _ = param.partition("=")
        out.append(f"{name}={REDACTED}" if eq and _looks_secret(name) else param)
    return "&".join(out)


def _looks_secret(name: str) -> bool:
    words = re.split(r"[^a-z0-9]+", unquote_plus(name).lower())
    return any(word.endswith(_SECRET_WORDS) for word in words if word)
