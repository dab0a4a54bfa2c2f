"""Fetching over HTTP with an injected httpx.AsyncClient.

Limits live here: a per-host concurrency cap, connect/read timeouts (on the
client), a body-size cap enforced while streaming, and conditional GET.
Every failure becomes a FetchError with a one-line reason.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from digest.config import FetchSettings
from digest.errors import FetchError
from digest.models import Page

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Validators:
    """Conditional-GET validators remembered from the last successful fetch."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched page, or `page is None` when the server said 304 Not Modified."""

    page: Page | None
    validators: Validators


def make_client(settings: FetchSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """An AsyncClient with our timeouts, redirects, gzip and User-Agent."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.read_timeout, connect=settings.connect_timeout),
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        limits=httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency),
        transport=transport,
    )


class Fetcher:
    """Fetches pages through a client, at most `per_host` at once for each host."""

    def __init__(self, client: httpx.AsyncClient, *, settings: FetchSettings) -> None:
        self.client = client
        self.settings = settings
        self._hosts: defaultdict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(settings.per_host))

    async def fetch(self, url: str, *, source: str = "", validators: Validators | None = None) -> Fetched:
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        host = (urlsplit(url).hostname or "").lower()
        async with self._hosts[host]:
            try:
                async with self.client.stream("GET", url, headers=headers) as response:
                    if response.status_code == 304:
                        return Fetched(page=None, validators=validators or Validators())
                    if response.status_code >= 400:
                        raise FetchError(f"HTTP {response.status_code} {response.reason_phrase or ''}".strip())
                    body = await self._read_capped(response)
            except FetchError:
                raise
            except httpx.TimeoutException as exc:
                raise FetchError(f"timed out ({type(exc).__name__})") from None
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {self.settings.max_redirects} redirects") from None
            except httpx.InvalidURL as exc:
                raise FetchError(f"invalid URL: {exc}") from None
            except httpx.DecodingError as exc:
                raise FetchError(f"cannot decode the response body: {_one_line(exc)}") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{_describe_transport_error(exc)}") from None
        page = Page(
            url=str(response.url),
            body=body,
            content_type=response.headers.get("Content-Type", ""),
            fetched_at=datetime.now(UTC),
            source=source,
        )
        found = Validators(etag=response.headers.get("ETag"), last_modified=response.headers.get("Last-Modified"))
        return Fetched(page=page, validators=found)

    async def _read_capped(self, response: httpx.Response) -> bytes:
        limit = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > limit and "gzip" not in response.headers.get("Content-Encoding", ""):
            raise FetchError(f"body of {int(declared):,} bytes exceeds the {limit:,}-byte limit")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"body exceeds the {limit:,}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)


def _describe_transport_error(exc: httpx.HTTPError) -> str:
    text = _one_line(exc)
    lowered = text.lower()
    if "name or service not known" in lowered or "nodename nor servname" in lowered or "getaddrinfo" in lowered:
        return f"DNS lookup failed: {text}"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed: {text}"
    return f"{type(exc).__name__}: {text}"


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
