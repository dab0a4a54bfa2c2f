"""Fetching over HTTP with an injected httpx.AsyncClient.

Limits live here: a per-host concurrency cap, connect/read timeouts (on the client),
a total deadline per fetch, a size cap on the output of every Content-Encoding
layer (decoded here, chunk by chunk), conditional GET, redirects (a page's immediate
<meta http-equiv="refresh"> counts as one), and the address rule: links
and redirects may reach only public addresses, unless they stay on the origin the
operator configured or `[fetch] allow_private` is set. Every failure becomes a
FetchError with a one-line reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import ipaddress
import logging
import re
import socket
import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import urljoin

import anyio
import httpcore
import httpx

from digest.config import FetchSettings
from digest.errors import FetchError
from digest.extract.charset import without_raw_text
from digest.models import Page
from digest.urls import http_url_problem, is_http_url, redact_url

log = logging.getLogger(__name__)

# Request extension naming the origin the operator configured for this fetch; httpx
# carries extensions over to every redirect hop.
TRUSTED_ORIGIN = "digest.trusted_origin"
MAX_ENCODINGS = 2  # stacked Content-Encoding layers read; more is refused
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(FetchError):
    """A link or redirect led to an address that is not public."""


class ComeBackLater(FetchError):
    """The server asked for a wait (429 Too Many Requests, 503 with Retry-After): the
    page's answer is still to come."""


@dataclass(frozen=True, slots=True)
class Validators:
    """Conditional-GET validators remembered from the last successful fetch."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page, or `page is None` when the server said 304 Not Modified.
    `moved_to`: where the URL asked for said it moved for good (301 or 308 at once)."""

    page: Page | None
    validators: Validators
    moved_to: str = ""


def make_client(settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """An AsyncClient with our timeouts, redirects, gzip and User-Agent. Without a
    `transport`, one that holds connections to the address rule (none when
    `allow_private` is set); a given transport is used as it is."""
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
    if transport is None and not settings.allow_private:
        transport = AddressGuard(limits=limits)
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        limits=limits,
        transport=transport,
        event_hooks={"response": [_check_redirect]},
    )


async def _check_redirect(response: httpx.Response) -> None:
    """A redirect's target through the one URL check, before httpx reads it (it reads an
    "xn--" host that is no IDNA name with an error of its own)."""
    if response.has_redirect_location:
        location = response.headers["Location"]
        try:
            target = urljoin(str(response.request.url), location)
        except ValueError:  # an unclosed IPv6 bracket: the check names it
            target = location
        _check_url(target)


# Fetches one source may have going at once (a quarter of the client's connections, at least
# two), set per source by `begin_source_fetches`: a feed whose many links all answer slowly then
# cannot hold every connection of the pool while the other sources wait for one.
_SOURCE_FETCHES: contextvars.ContextVar[asyncio.Semaphore | None] = contextvars.ContextVar(
    "source_fetches", default=None
)


def begin_source_fetches(settings: FetchSettings) -> None:
    """Give the calling task (one source's, and the tasks it starts) its share of fetches."""
    _SOURCE_FETCHES.set(asyncio.Semaphore(max(2, settings.concurrency // 4)))


_MOVED_FOR_GOOD = frozenset({301, 308})


class Fetcher:
    """Fetches pages through a client, at most `per_host` at once for each host, and at
    most a source's share at once for each source (`begin_source_fetches`)."""

    def __init__(self, client: httpx.AsyncClient, *, settings: FetchSettings, deadline: float | None = None) -> None:
        self.client = client
        self.settings = settings
        self.deadline = deadline  # the gather's end, on the event loop's clock
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(settings.per_host))
        # Hosts (and ports) that asked for a wait, with what they said: not asked again by this fetcher.
        self._waiting: dict[str, str] = {}

    async def fetch(
        self, url: str, *, source: str = "", validators: Validators | None = None, configured: str | None = None
    ) -> Fetched:
        """Fetch `url`. `configured` is the URL the operator configured that led here (a
        feed's, for its entries' links): requests may stay on its origin even when that
        is a private address. None: `url` itself was configured; "": nothing was."""
        _check_url(url)
        trusted = _origin(url if configured is None else configured)
        async with _SOURCE_FETCHES.get() or contextlib.nullcontext():
            try:
                request = self.client.build_request(
                    "GET", url, headers=_conditional_headers(validators), extensions={TRUSTED_ORIGIN: trusted}
                )
                read, moved_to = await self._follow(request, trusted=trusted)
            except FetchError:
                raise
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {self.settings.max_redirects} redirects") from None
            except httpx.InvalidURL as exc:
                raise FetchError(f"invalid URL: {exc}") from None
            except httpx.DecodingError as exc:
                raise FetchError(f"cannot decode the response body: {_one_line(exc)}") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{_describe_transport_error(exc)}") from None
            except (ExceptionGroup, OverflowError) as exc:
                raise _network_failure(exc) from None
        if read is None:
            return Fetched(page=None, validators=validators or Validators(), moved_to=moved_to)
        response, body = read
        page = Page(
            url=_without_userinfo(response.url),
            body=body,
            content_type=response.headers.get("Content-Type", ""),
            fetched_at=datetime.now(UTC),
            source=source,
        )
        etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
        found = Validators(etag if _sendable(etag) else None, modified if _sendable(modified) else None)
        return Fetched(page=page, validators=found, moved_to=moved_to)

    async def _follow(
        self, request: httpx.Request, *, trusted: tuple[str, str, int] | None
    ) -> tuple[tuple[httpx.Response, bytes] | None, str]:
        """The last response of the request's redirects and its body (None for 304 Not
        Modified), and where the URL asked for moved for good, if its first answers were
        permanent redirects. Redirects are followed here, each hop under its own host's
        limit: a redirector's links (a feed proxy's, a shortener's) all lead to one site. A
        page that moves on by <meta http-equiv="refresh"> at once counts as a redirect."""
        deadline = self.settings.total_timeout
        waiting_for = "no response"
        moved_to, permanent = "", True
        try:
            async with asyncio.timeout(deadline):
                for _ in range(self.settings.max_redirects + 1):
                    async with self._hosts[_checked_host(request.url)]:
                        where = _host_and_port(request.url)
                        if where in self._waiting:
                            raise ComeBackLater(
                                f"not asked: {where} answered {self._waiting[where]} earlier in this gather"
                            )
                        response = await self.client.send(request, stream=True, follow_redirects=False)
                        try:
                            if response.next_request is not None:
                                request = response.next_request
                                permanent = permanent and response.status_code in _MOVED_FOR_GOOD
                                if permanent:
                                    moved_to = _without_userinfo(request.url)
                                continue
                            if response.status_code == 304:
                                if not _CONDITIONAL.intersection(request.headers):
                                    raise FetchError("HTTP 304 Not Modified to a request that named no version it has")
                                return None, moved_to
                            if response.status_code >= 400:
                                reason = _one_line(ValueError(response.reason_phrase or ""))[:_REASON_CHARS]
                                said = f"HTTP {response.status_code} {reason}".strip()
                                wait = _retry_after(response)
                                if response.status_code == 429 or (response.status_code == 503 and wait):
                                    self._waiting[where] = said + wait
                                    raise ComeBackLater(said + wait)
                                raise FetchError(said + wait)
                            waiting_for = "response not complete"
                            body = await self._read_capped(response)
                            refresh = _refresh_target(body, response)
                            if refresh is None:
                                return (response, body), moved_to
                            waiting_for = "no response"
                            permanent = False
                            request = self._refresh_request(refresh, trusted=trusted)
                        finally:
                            await response.aclose()
                raise httpx.TooManyRedirects("too many redirects", request=request)
        except TimeoutError:
            raise FetchError(f"{waiting_for} within {deadline:g} s") from None

    def _refresh_request(self, url: str, *, trusted: tuple[str, str, int] | None) -> httpx.Request:
        """The request a refresh leads to, its URL checked as a redirect's is (httpx reads
        an "xn--" host that is no IDNA name with an error of its own)."""
        _check_url(url)
        try:
            return self.client.build_request("GET", url, extensions={TRUSTED_ORIGIN: trusted})
        except (httpx.InvalidURL, ValueError) as exc:  # idna's IDNAError is a ValueError
            raise FetchError(f"invalid URL: {_one_line(exc)}") from None

    async def _read_capped(self, response: httpx.Response) -> bytes:
        """The body, its Content-Encoding layers undone here: httpx decodes a whole chunk
        through every layer before a cap could count it (a 2 KB "gzip, gzip" body
        became 2 GB), so each layer's output is capped as it is made."""
        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"body of {int(declared):,} bytes exceeds the {limit:,}-byte limit")
        layers = _decoders(response.headers.get("Content-Encoding", ""), limit=limit)
        chunks: list[bytes] = []
        raw = size = 0
        async for chunk in response.aiter_raw():
            raw += len(chunk)
            if raw > limit:
                raise FetchError(f"body exceeds the {limit:,}-byte limit")
            data = chunk
            for layer in layers:
                data = layer.decode(data)
            size += len(data)
            chunks.append(data)
        for index, layer in enumerate(layers):
            tail = layer.flush()
            for later in layers[index + 1 :]:
                tail = later.decode(tail)
            size += len(tail)
            chunks.append(tail)
        if size > limit:  # layers cap their own output; the last one's is the body
            raise FetchError(f"body exceeds the {limit:,}-byte limit")
        return b"".join(chunks)


class _Inflate:
    """One gzip or deflate layer, its output capped at `limit` bytes."""

    def __init__(self, name: str, *, limit: int) -> None:
        self.name = name
        self.limit = limit
        self.produced = 0
        self._started = False
        self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16 if name == "gzip" else zlib.MAX_WBITS)

    def decode(self, data: bytes) -> bytes:
        if not data:
            return b""
        try:
            out = self._zlib.decompress(data, self.limit + 1 - self.produced)
        except zlib.error as exc:
            if self.name == "deflate" and not self._started:  # some servers send raw deflate
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                self._started = True
                return self.decode(data)
            raise FetchError(f"cannot decode the response body ({self.name}): {exc}") from None
        self._started = True
        return self._count(out)

    def flush(self) -> bytes:
        try:
            return self._count(self._zlib.flush())
        except zlib.error as exc:
            raise FetchError(f"cannot decode the response body ({self.name}): {exc}") from None

    def _count(self, out: bytes) -> bytes:
        # Output that reaches limit + 1 means more was coming: refused before it is made.
        self.produced += len(out)
        if self.produced > self.limit:
            raise FetchError(f"body exceeds the {self.limit:,}-byte limit once {self.name} is decoded")
        return out


def _decoders(header: str, *, limit: int) -> list[_Inflate]:
    names = [n.strip().lower() for n in header.split(",") if n.strip() and n.strip().lower() != "identity"]
    if len(names) > MAX_ENCODINGS:
        raise FetchError(
            f"refused: {len(names)} content encodings stacked ({header.strip()}); at most {MAX_ENCODINGS} are read"
        )
    decoders = []
    for given in reversed(names):  # the last applied comes off first
        name = "gzip" if given == "x-gzip" else given
        if name not in ("gzip", "deflate"):
            raise FetchError(f"unsupported Content-Encoding {name!r}")
        decoders.append(_Inflate(name, limit=limit))
    return decoders


# --- pages that move by <meta http-equiv="refresh"> ---------------------------

# A refresh that waits longer than this is a page that reloads itself (a live blog, a
# front page), not one that moves: it is read as it is.
REFRESH_FOLLOWED_SECONDS = 10
_REFRESH_SNIFF_BYTES = 32_768
_META = re.compile(rb"<meta\b[^>]*>", re.I)
# A name is matched from its start only: tried at each of its letters, a long name with no "="
# after it would cost the square of its length.
_META_ATTRIBUTE = re.compile(rb"""(?<![\w-])([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
# WHATWG's reading of a refresh: a delay, then ";" or ",", then "url=" (optional) and the URL.
_REFRESH = re.compile(r"""\s*(\d+)(?:\.[\d.]*)?\s*[;,]?\s*(?:url\s*=\s*)?(["']?)(.*)""", re.I | re.S)


# What a page's head holds: a refresh in it moves the page; one further on is the text's
# (an item of a feed served as text/html, a page quoting another).
_TAG_NAME = re.compile(rb"<([A-Za-z][\w:-]*)")
_HEAD_TAGS = frozenset({b"html", b"head", b"meta", b"title", b"noscript", b"link", b"base", b"style", b"script"})


def _head(document: bytes) -> bytes:
    """The document up to its first element that has no place in an HTML head, without
    its comments, scripts and styles (a refresh written there moves no browser)."""
    document = without_raw_text(document)
    for tag in _TAG_NAME.finditer(document):
        if tag.group(1).lower() not in _HEAD_TAGS:
            return document[: tag.start()]
    return document


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("windows-1252", "replace")


def _refresh_target(body: bytes, response: httpx.Response) -> str | None:
    """Where an HTML page sends its reader at once with a <meta http-equiv="refresh">
    (t.co's and other shorteners' pages for clients without JavaScript), as an absolute
    URL; None when it names no other page, or waits longer than REFRESH_FOLLOWED_SECONDS."""
    if "html" not in response.headers.get("Content-Type", "text/html").lower():
        return None
    head = _head(body[:_REFRESH_SNIFF_BYTES])
    if b"refresh" not in head.lower():
        return None
    for tag in _META.findall(head):
        attributes = {m[0].lower(): m[1] or m[2] or m[3] for m in _META_ATTRIBUTE.findall(tag)}
        if attributes.get(b"http-equiv", b"").strip().lower() != b"refresh":
            continue
        content = unescape(_text(attributes.get(b"content", b"")))
        match = _REFRESH.fullmatch(content)
        delay = match.group(1).lstrip("0") if match else ""
        if match is None or len(delay) > 3 or int(delay or "0") > REFRESH_FOLLOWED_SECONDS:
            return None
        quote, target = match.group(2), match.group(3).strip()
        target = target.split(quote, 1)[0].strip() if quote else target
        if not target:
            return None
        try:
            absolute = urljoin(str(response.url), target)
        except ValueError:  # an unclosed IPv6 bracket: the URL check names it
            absolute = target
        here = str(response.url).partition("#")[0]
        if not is_http_url(absolute) or absolute.partition("#")[0] == here:
            return None  # a script or a mail address, or this page again: the page is what there is
        return absolute
    return None


# --- the address rule ---------------------------------------------------------


def is_public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for a globally routable unicast address. IPv4 inside IPv6 (mapped, 6to4,
    NAT64) is judged by the IPv4 address it carries."""
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return ip.is_global and not (
        ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_unspecified or ip.is_private
    )


class AddressGuard(httpx.AsyncBaseTransport):
    """Sends a request on the configured origin (the TRUSTED_ORIGIN extension) through
    a plain pool, and every other request (links, redirects elsewhere) through a pool
    whose connections go only to public addresses, checked when each is opened. Two
    pools, so a link never reuses a connection opened to a trusted private host."""

    def __init__(self, *, limits: httpx.Limits) -> None:
        self._trusted = httpx.AsyncHTTPTransport(limits=limits)
        self._public = httpx.AsyncHTTPTransport(limits=limits)
        # httpx takes no network backend: the public transport's pool is made again with one.
        self._public._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PublicOnlyBackend(),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        trusted = request.extensions.get(TRUSTED_ORIGIN)
        on_trusted_origin = trusted is not None and _origin(request.url) == trusted
        return await (self._trusted if on_trusted_origin else self._public).handle_async_request(request)

    async def aclose(self) -> None:
        await self._trusted.aclose()
        await self._public.aclose()


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, checks every address, and connects only to a checked
    public one: a name cannot resolve one way for a check and another for the connection."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        addresses = await _resolve(host, port, timeout=timeout)
        public = [a for a in addresses if is_public_address(a)]
        if not public:
            what = f"{host} is" if addresses[0] == host else f"{host} resolves to {addresses[0]},"
            raise AddressRefused(f"refused: {what} not a public address (set [fetch] allow_private = true to allow)")
        failure: Exception | None = None
        for address in public:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        raise failure  # type: ignore[misc]  # public is not empty

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise AddressRefused("refused: Unix sockets are not followed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def _resolve(host: str, port: int, *, timeout: float | None) -> list[str]:
    try:
        with anyio.fail_after(timeout):
            infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"DNS lookup of {host} timed out") from None
    except OSError as exc:
        raise httpcore.ConnectError(str(exc)) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise httpcore.ConnectError(f"no address for {host}")
    return addresses


def _origin(url: str | httpx.URL) -> tuple[str, str, int] | None:
    """(scheme, host, port) as httpx reads them, so a configured URL and a request for
    it compare equal (an IDN host, a default port, upper case)."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return None
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        return None
    return parsed.scheme, parsed.host.lower(), parsed.port or _DEFAULT_PORTS[parsed.scheme]


# --- errors and logs ----------------------------------------------------------


def _check_url(url: str) -> None:
    """Refuse a URL no host or port can be read from before it reaches DNS or a socket."""
    problem = http_url_problem(url)
    if problem is not None:
        raise FetchError(f"invalid URL: {problem}")


def _checked_host(url: httpx.URL) -> str:
    """The host a request goes to, each redirect's included, once its URL is checked."""
    _check_url(str(url))
    return (url.host or "").lower()


def _network_failure(exc: BaseException) -> FetchError:
    """What the network backend raises past httpx, as a FetchError: anyio's happy eyeballs
    wrap a socket's error in a group ("connect(): port must be 0-65535.")."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc if isinstance(exc, FetchError) else FetchError(f"connection failed: {_one_line(exc)}")


_CONDITIONAL = frozenset({"if-none-match", "if-modified-since"})


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if validators and validators.etag and _sendable(validators.etag):
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified and _sendable(validators.last_modified):
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _host_and_port(url: httpx.URL) -> str:
    return f"{url.host} port {url.port or _DEFAULT_PORTS.get(url.scheme)}"


def _describe_transport_error(exc: httpx.HTTPError) -> str:
    """What failed, and where: the host (and port) of the hop, which a redirect may have
    taken away from the URL the operator knows."""
    host, port = _destination(exc)
    at = f" {host} port {port}" if port else f" {host}" if host else ""
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__}){' on' + at if at else ''}"
    text = _one_line(exc)
    lowered = text.lower()
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered:
        return f"DNS lookup failed{' for ' + host if host else ''}: {text}"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed{' to' + at if at else ''}: {text}"
    return f"{type(exc).__name__}{' from' + at if at else ''}: {text}"


def _destination(exc: httpx.HTTPError) -> tuple[str, int | None]:
    """The host (as written, an IDN in Unicode) and port the failed request went to."""
    try:
        url = exc.request.url
    except RuntimeError:  # an error made without its request
        return "", None
    return url.host, url.port or _DEFAULT_PORTS.get(url.scheme)


_REASON_CHARS = 200  # a server's reason phrase, as far as an error quotes it
_RETRY_AFTER_DIGITS = 9  # about 30 years of seconds: more is no wait a server means


def _retry_after(response: httpx.Response) -> str:
    """The wait a server asks for (429 Too Many Requests, 503), to quote after its status:
    the operator sees when to try again. "" when it asks none, or none that reads as one."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isascii() and value.isdigit() and len(value) <= _RETRY_AFTER_DIGITS:
        return f" (retry after {int(value)} s)"
    try:
        when = parsedate_to_datetime(value)
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return ""
    return f" (retry after {when:%Y-%m-%d %H:%M} UTC)"


_VALIDATOR_CHARS = 1000


def _sendable(value: str | None) -> bool:
    """A validator that can go back in a request header as it came: printable ASCII.
    Another is never kept, or every later request of the source would fail."""
    return value is not None and 0 < len(value) <= _VALIDATOR_CHARS and value.isascii() and value.isprintable()


def _without_userinfo(url: httpx.URL) -> str:
    """The URL a page was read from, without a user name or password a redirect put in it:
    the page's URL is stored, printed and linked."""
    return str(url.copy_with(userinfo=b"")) if url.userinfo else str(url)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _RedactURLs(logging.Filter):
    """httpx logs each request's URL at INFO (shown by `digest -v`): without its secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and any(isinstance(a, httpx.URL) for a in record.args):
            record.args = tuple(redact_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args)
        return True


logging.getLogger("httpx").addFilter(_RedactURLs())
