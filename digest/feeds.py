"""Feed documents to plain entries: RSS 0.9x/1.0/2.0 and Atom through feedparser,
JSON Feed 1.x by hand (feedparser does not read it).

A feed that yields no entries because it is broken raises FeedError with the
parser's reason; a partly broken feed keeps what the parser recovered and
carries a warning.
"""

from __future__ import annotations

import calendar
from html import escape
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import feedparser

from digest.errors import FeedError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    title: str
    published: datetime | None
    authors: tuple[str, ...]
    content_html: str  # the fullest body the feed gives (content, else summary)


@dataclass(frozen=True, slots=True)
class Feed:
    title: str
    entries: tuple[FeedEntry, ...]
    warning: str | None = None


def parse_feed(body: bytes, *, url: str = "", content_type: str = "") -> Feed:
    # Always bytes: feedparser would fetch a string that looks like a URL itself.
    if not body.strip():
        raise FeedError("empty feed document")
    if _looks_like_json(body, content_type):
        return _parse_json_feed(body, url=url)
    parsed = feedparser.parse(body, response_headers=_headers(url, content_type))
    entries = tuple(e for e in (_entry(raw, base=url) for raw in parsed.entries) if e is not None)
    problem = _bozo_reason(parsed) if parsed.get("bozo") and not _benign(parsed.get("bozo_exception")) else None
    if not entries:
        if problem:
            raise FeedError(f"malformed feed: {problem}")
        if not parsed.get("version"):
            raise FeedError("not a feed: no RSS, Atom or JSON Feed document found")
    title = str(parsed.feed.get("title", "") or "")
    return Feed(title=title, entries=entries, warning=f"recovered from a malformed feed: {problem}" if problem else None)


def _headers(url: str, content_type: str) -> dict[str, str]:
    headers = {"content-location": url} if url else {}
    if content_type:
        headers["content-type"] = content_type
    return headers


def _benign(exc: object) -> bool:
    # A wrong or missing Content-Type, or a charset override, says nothing about
    # the document itself; feedparser still parses it fully.
    return isinstance(exc, (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride))


def _bozo_reason(parsed: feedparser.FeedParserDict) -> str:
    exc = parsed.get("bozo_exception")
    text = str(exc).strip().splitlines()[0] if exc and str(exc).strip() else type(exc).__name__
    return text[:200]


def _entry(raw: dict, *, base: str) -> FeedEntry | None:
    link = str(raw.get("link") or "")
    if not link:
        link = next((str(l.get("href")) for l in raw.get("links", []) if l.get("href")), "")
    if not link and str(raw.get("id", "")).startswith(("http://", "https://")):
        link = str(raw["id"])
    content = ""
    for item in raw.get("content", []) or []:
        value = str(item.get("value") or "")
        if len(value) > len(content):
            content = value
    summary = str(raw.get("summary") or "")
    if len(summary) > len(content):
        content = summary
    title = " ".join(str(raw.get("title") or "").split())
    if not link and not content:
        return None
    return FeedEntry(
        url=urljoin(base, link) if link else "",
        title=title,
        # dict.get skips feedparser's deprecated published->updated key aliasing.
        published=_struct_time(dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed")),
        authors=_authors(raw),
        content_html=content,
    )


def _authors(raw: dict) -> tuple[str, ...]:
    names = [str(a.get("name") or "").strip() for a in raw.get("authors", []) or [] if isinstance(a, dict)]
    names = [n for n in names if n]
    if not names and raw.get("author"):
        names = [str(raw["author"]).strip()]
    return tuple(dict.fromkeys(names))


def _struct_time(value) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, TypeError):
        return None


def _looks_like_json(body: bytes, content_type: str) -> bool:
    return "json" in content_type.lower() or body.lstrip()[:1] == b"{"


def _parse_json_feed(body: bytes, *, url: str) -> Feed:
    try:
        doc = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FeedError(f"malformed JSON Feed: {exc}") from None
    if not isinstance(doc, dict) or not str(doc.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise FeedError("not a feed: JSON without a jsonfeed.org version")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError("malformed JSON Feed: 'items' is not a list")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = str(item.get("url") or item.get("external_url") or "")
        content = str(item.get("content_html") or "") or _escape_text(str(item.get("content_text") or item.get("summary") or ""))
        if not link and not content:
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        names = tuple(str(a.get("name")).strip() for a in authors if isinstance(a, dict) and a.get("name"))
        entries.append(
            FeedEntry(
                url=urljoin(url, link) if link else "",
                title=" ".join(str(item.get("title") or "").split()),
                published=_iso_date(item.get("date_published") or item.get("date_modified")),
                authors=names,
                content_html=content,
            )
        )
    return Feed(title=str(doc.get("title") or ""), entries=tuple(entries))


def _escape_text(text: str) -> str:
    return "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())


def _iso_date(value) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
