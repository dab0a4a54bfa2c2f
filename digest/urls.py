"""Canonical URLs (one article, one key, whatever tracking junk rode along) and URLs
redacted for printing."""

from __future__ import annotations

import ipaddress
import re
import socket
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, unquote_plus, urlencode, urlsplit, urlunsplit

import idna

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hsa_", "_hs")
_TRACKING_KEYS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mkt_tok", "ref_src", "cmpid", "ocid", "_ga", "spm"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


# A link's limit, in the bytes a store indexes it by (its UTF-8 canonical form): the
# sitemaps protocol's 2,048, under PostgreSQL's btree limit of about 2,700 bytes a key.
URL_MAX_BYTES = 2048


def url_bytes(url: str) -> int:
    """The bytes of the key `url` is stored and looked up under."""
    return len(canonical_url(url).encode("utf-8", "surrogatepass"))


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


def file_path(url: str) -> str:
    """The path a file_url names."""
    from urllib.request import url2pathname

    return url2pathname(urlsplit(url).path)


def is_http_url(url: str) -> bool:
    """Whether `url` is meant as an http(s) URL, however badly written the rest of it is."""
    scheme, colon, _ = url.lstrip().partition(":")
    return bool(colon) and scheme.lower() in _DEFAULT_PORTS


# What a host name may hold besides letters and digits (an IDN's non-ASCII letters too).
_HOST_PUNCTUATION = frozenset("-._")
_MAX_LABEL = 63
_MAX_HOST = 253


def http_url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched as an http(s) URL, in a few words naming the bad part;
    None when it can. Nothing is looked up: a host no name can be (a space, a % escape,
    an unclosed IPv6 bracket) and a port out of range never reach DNS or a connection."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return "it holds a control character"
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        if str(exc) == "Invalid IPv6 URL":
            return "unbalanced '[' and ']' around an IPv6 address"
        return str(exc)  # "'zz' does not appear to be an IPv4 or IPv6 address"
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return f"not an http(s) URL (scheme {parts.scheme!r})" if parts.scheme else "not an http(s) URL"
    hostport = parts.netloc.rpartition("@")[2]
    host = hostport[: hostport.find("]") + 1] if hostport.startswith("[") else hostport.partition(":")[0]
    if not host:
        return "no host"
    after_host = hostport[len(host) :]
    if after_host and not after_host.startswith(":"):
        return f"{after_host!r} after the host {host!r}"
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port <= 65535:
        return f"port {after_host[1:]!r} is not a number from 1 to 65535"
    return None if host.startswith("[") else _host_name_problem(host)


def _host_name_problem(host: str) -> str | None:
    if "%" in host:
        return f"the host {host!r} holds a % escape, which no host name has"
    odd = next((c for c in host if not (c.isalnum() or c in _HOST_PUNCTUATION)), None)
    if odd is not None:
        what = "a space" if odd.isspace() else repr(odd)
        return f"the host {host!r} holds {what}, which no host name has"
    labels = host.removesuffix(".").split(".")
    if host.isascii():
        if len(host) > _MAX_HOST or any(not 0 < len(label) <= _MAX_LABEL for label in labels):
            return f"the host {host!r} is no host name (an empty label, or one over {_MAX_LABEL} characters)"
        if labels[-1].isdigit() and not _is_ipv4(host.removesuffix(".")):
            return f"the host {host!r} is no IPv4 address, and no host name ends in a number"
    # The HTTP client reads an internationalised name by IDNA 2008, as a name's owner
    # registers it: one it cannot read (an empty or malformed "xn--" label, a code point
    # IDNA forbids) is refused here, with the others.
    try:
        if not host.isascii():
            idna.encode(host.lower())
        for label in labels:
            if label[:4].lower() == "xn--":
                idna.decode(label.lower())
    except (idna.IDNAError, UnicodeError) as exc:
        return f"the host {host!r} is no internationalised host name ({_one_line(exc)})"
    return None


def _is_ipv4(host: str) -> bool:
    """Whether `host` is an IPv4 address in any form a resolver reads (127.1, 0x7f.1)."""
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


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
    cannot be parsed is redacted as text (its user name and password, wherever a parser
    could end them, and its secret-looking parameters); one with control characters
    shows only its scheme."""
    url = url.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return _scheme_only(url)
    driver_userinfo = _driver_userinfo(url)
    if driver_userinfo is not None:
        # A database URL whose password holds a '/', '?' or '#': its driver reads the
        # password on to the first '@', where urlsplit would end the host at that character.
        scheme, _, rest = url.partition("://")
        shown = redact_url(f"{scheme}://{rest[len(driver_userinfo) + 1 :]}")
        return shown.replace("://", f"://{_hidden_userinfo(driver_userinfo)}@", 1)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        if any(c.isspace() for c in url):
            raise ValueError("whitespace")
    except ValueError:
        return _redact_unparsed(url)
    # The last @ ends the userinfo, as for urlsplit: a password may hold an unencoded @.
    userinfo, at, hostport = parts.netloc.rpartition("@")
    netloc = f"{_hidden_userinfo(userinfo)}@{hostport}" if at else parts.netloc
    query = _redact_params(parts.query)
    fragment = _redact_params(parts.fragment) if "=" in parts.fragment else parts.fragment
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url  # nothing secret
    if not netloc and url[len(parts.scheme) + 1 :].startswith("//"):
        # No host (sqlite:////path, postgresql:///db?host=...): urlunsplit would drop the
        # empty "//", and the path's own "//" would then read as a host.
        return f"{parts.scheme}://{parts.path}" + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")
    return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def _hidden_userinfo(userinfo: str) -> str:
    if ":" in userinfo:
        return f"{userinfo.split(':', 1)[0]}:{REDACTED}"
    return REDACTED  # a lone user name is often a token (https://TOKEN@host)


def _scheme_only(url: str) -> str:
    scheme = url.split(":", 1)[0] if ":" in url else ""
    return f"{scheme}:..." if _SCHEME.fullmatch(scheme) else "..."


def _redact_unparsed(url: str) -> str:
    """A URL no parser reads (an unclosed IPv6 bracket, a port out of range), redacted
    as text: everything up to its last '@' is taken for the user name and password."""
    scheme, sep, rest = url.partition("://")
    if not sep or not _SCHEME.fullmatch(scheme):
        return _scheme_only(url)
    userinfo, at, rest = rest.rpartition("@")
    rest, hash_, fragment = rest.partition("#")
    rest, question, query = rest.partition("?")
    shown = f"{scheme}://{_hidden_userinfo(userinfo) + at if at else ''}{rest}"
    if question:
        shown += f"?{_redact_params(query)}"
    if hash_:
        shown += f"#{_redact_params(fragment) if '=' in fragment else fragment}"
    return shown


# How SQLAlchemy reads a database URL's user name and password: the password ends at the
# first '@', whatever '/', '?' or '#' it holds (urlsplit ends the host at those).
_DRIVER_USERINFO = re.compile(r"[\w+]+://(?:([^:/]*(?::[^@]*)?)@)?")


def _driver_userinfo(url: str) -> str | None:
    """The user name and password a database driver reads in `url`, when that reaches
    past where urlsplit ends them (http(s) URLs are read as urlsplit reads them)."""
    if is_http_url(url):
        return None
    match = _DRIVER_USERINFO.match(url)
    if match is None or match.group(1) is None:
        return None
    userinfo = match.group(1)
    return userinfo if any(c in userinfo for c in "/?#") else None


def store_url_problem(url: str) -> str | None:
    """Why the user name or password in a database URL would be read one way by its
    driver (the password ends at the first '@') and another by URL parsers (the last '@'
    before the host, which ends at the first '/', '?' or '#'); None when both agree. A
    driver that reads a password's tail as the host quotes it in its errors."""
    _, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return None
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    by_parsers = authority.rpartition("@")[0]
    match = _DRIVER_USERINFO.match(url)
    by_driver = match.group(1) if match is not None and match.group(1) is not None else ""
    if by_parsers == by_driver:
        return None
    odd = next((c for c in "@/?#" if c in by_parsers or c in by_driver), "@")
    return (
        f"its password (or user name) holds an unescaped {odd!r}, which the database driver "
        f"and URL parsers split apart: percent-encode it as {quote(odd, safe='')}"
    )


def hide_password(text: str, url: str) -> str:
    """`text` (a driver's message about `url`) with the URL's password hidden wherever
    it appears, as written and decoded, as URL parsers and as database drivers read it."""
    match = _DRIVER_USERINFO.match(url)
    authority = re.split(r"[/?#]", url.partition("://")[2], maxsplit=1)[0]
    readings = {authority.rpartition("@")[0], (match.group(1) or "") if match else ""}
    secrets = set()
    for userinfo in readings:
        _, colon, password = userinfo.partition(":")
        if colon and password:
            secrets |= {password, unquote(password)}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


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
