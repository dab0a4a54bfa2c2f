"""Feed documents to plain entries: RSS 0.9x/1.0/2.0 and Atom through feedparser,
JSON Feed 1.x by hand (feedparser does not read it).

A feed that yields no entries because it is broken raises FeedError with the
parser's reason; a partly broken feed keeps what the parser recovered and
carries a warning. A feed that declares XML entities is refused before parsing
(feedparser's fallback parser expands them without limit), and a field longer
than `max_field_chars` is cut, with a warning.
"""

from __future__ import annotations

import calendar
import codecs
import json
import logging
import re
import xml.parsers.expat
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html import escape, unescape
from urllib.parse import urljoin, urlsplit

import feedparser
import lxml.etree
import lxml.html

from digest.errors import FeedError
from digest.urls import redact_url

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


def parse_feed(body: bytes, *, url: str = "", content_type: str = "", max_field_chars: int = 1_000_000) -> Feed:
    # Always bytes: feedparser would fetch a string that looks like a URL itself.
    if not body.strip():
        raise FeedError("empty feed document")
    # We decode, not feedparser: when a document is not valid in the encoding it declares,
    # feedparser asks chardet, whose time is quadratic in the longest run of letters.
    text, guessed = _decode(body, content_type)
    if _looks_like_json(text, content_type):
        text, guessed = _json_text(body) or (text, guessed)
        return _capped(_parse_json_feed(text, url=url, guessed=guessed), limit=max_field_chars, url=url)
    document = _utf8_document(text)
    if _declares_entities(document):
        raise FeedError("refused: the feed declares XML entities (<!ENTITY>), which can expand without limit")
    try:
        parsed = feedparser.parse(document, response_headers=_headers(url))
    except Exception as exc:  # noqa: BLE001 - feedparser's fallback parser has its own failures; they stay here
        raise FeedError(f"unreadable feed: {type(exc).__name__}: {_first_line(exc)}") from None
    entries = tuple(e for e in (_entry(raw, base=url) for raw in parsed.entries) if e is not None)
    bozo = _bozo_reason(parsed) if parsed.get("bozo") and not _benign(parsed.get("bozo_exception")) else None
    problem = "; ".join(p for p in (guessed, bozo) if p) or None
    if not entries:
        if _is_html_page(text, content_type):
            raise FeedError(_html_page_reason(text, base=url))
        if problem:
            raise FeedError(f"malformed feed: {problem}")
        if not parsed.get("version"):
            raise FeedError("not a feed: no RSS, Atom or JSON Feed document found")
    title = _title(parsed.feed)
    feed = Feed(
        title=title, entries=entries, warning=f"recovered from a malformed feed: {problem}" if problem else None
    )
    return _capped(feed, limit=max_field_chars, url=url)


_HTML_START = re.compile(
    r"\A(?:\s|<!--.*?-->|<\?xml[^>]*>)*<(?:!doctype\s+html|html[\s>]|head[\s>]|body[\s>])", re.I | re.S
)
_ALTERNATE = re.compile(r"<link\b[^>]*>", re.I)
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json")


def _is_html_page(text: str, content_type: str) -> bool:
    if content_type.split(";", maxsplit=1)[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        return True
    return bool(_HTML_START.match(text[:4096]))


def _html_page_reason(text: str, *, base: str) -> str:
    """Why an HTML page is no feed, naming the feed it links to when it declares one."""
    for tag in _ALTERNATE.findall(text[:200_000]):
        attributes = {m[0].lower(): m[1] or m[2] or m[3] for m in _ATTRIBUTE.findall(tag)}
        if (
            "alternate" in attributes.get("rel", "").lower().split()
            and attributes.get("type", "").lower() in _FEED_TYPES
        ):
            href = attributes.get("href", "").strip()
            if href:
                return (
                    f"not a feed (an HTML page); the page names its feed: {redact_url(urljoin(base, unescape(href)))}"
                )
    return 'not a feed (an HTML page); configure it as page = "..." or give the URL of its feed'


# Where feedparser's fallback parser looks for entity declarations: before the first element.
_FIRST_ELEMENT = re.compile(rb"<\w")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.I)


class _Declared(Exception):
    pass


class _RootReached(Exception):
    pass


def _declares_entities(document: bytes) -> bool:
    """True when the document declares an entity: seen in the text before the first
    element, as feedparser's fallback parser sees it, or by expat in the DOCTYPE."""
    first = _FIRST_ELEMENT.search(document)
    if _ENTITY_DECLARATION.search(document, 0, first.start() if first else len(document)):
        return True
    parser = xml.parsers.expat.ParserCreate()

    def declared(*_args) -> None:
        raise _Declared

    def root(*_args) -> None:
        raise _RootReached  # no declaration can follow the root element's start

    parser.EntityDeclHandler = declared
    parser.StartElementHandler = root
    try:
        parser.Parse(document, True)
    except _Declared:
        return True
    except (_RootReached, xml.parsers.expat.ExpatError):
        pass
    return False


def _capped(feed: Feed, *, limit: int, url: str) -> Feed:
    """The feed with every field longer than `limit` characters cut to it, and a warning."""
    cut = 0

    def field(value: str) -> str:
        nonlocal cut
        if len(value) <= limit:
            return value
        cut += 1
        return value[:limit]

    entries = tuple(
        replace(
            e,
            url=field(e.url),
            title=field(e.title),
            content_html=field(e.content_html),
            authors=tuple(field(a) for a in e.authors),
        )
        for e in feed.entries
    )
    title = field(feed.title)
    if not cut:
        return feed
    note = f"{cut} field(s) cut to {limit:,} characters"
    log.warning("feed %s: %s", redact_url(url) or "(document)", note)
    return Feed(title=title, entries=entries, warning=f"{feed.warning}; {note}" if feed.warning else note)


def _headers(url: str) -> dict[str, str]:
    headers = {"content-type": "application/xml; charset=utf-8"}  # what _utf8_document gives it
    if url:
        headers["content-location"] = url
    return headers


_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^<\?xml[^>]*?>")
_SNIFFED = (  # byte-order marks, then the first bytes of "<?" in UTF-16 without one
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
_GUESS_SAMPLE = 65536


def _decode(body: bytes, content_type: str) -> tuple[str, str | None]:
    """The document as text, and a warning when its encoding had to be guessed. The
    order: a byte-order mark, the HTTP charset, the XML declaration, UTF-8."""
    for start, codec in _SNIFFED:
        if body.startswith(start):
            try:
                return body.decode(codec), None
            except UnicodeDecodeError:
                break
    http = _HTTP_CHARSET.search(content_type)
    xml = _XML_ENCODING.match(body)
    declared = [name for name in (http and http.group(1), xml and xml.group(1).decode("ascii")) if name]
    for name in (*declared, "utf-8"):
        try:
            return body.decode(_codec(name) or name), None
        except (UnicodeDecodeError, LookupError):
            continue
    guess = _guess_encoding(body)
    try:
        text = body.decode(guess)
    except (UnicodeDecodeError, LookupError):
        guess, text = "windows-1252", body.decode("windows-1252", "replace")
    return text, f"not valid {declared[0] if declared else 'UTF-8'} text; read as {guess} (a guess)"


def _guess_encoding(body: bytes) -> str:
    try:
        import chardet
    except ImportError:  # not a dependency of ours; feedparser uses it when it is there
        return "windows-1252"
    # chardet's word filter backtracks over runs of ASCII letters (quadratic time):
    # shorten the runs, which keeps every byte that tells encodings apart.
    sample = re.sub(rb"[A-Za-z]{24,}", lambda m: m.group(0)[:24], body)[:_GUESS_SAMPLE]
    return str(chardet.detect(sample).get("encoding") or "windows-1252")


def _utf8_document(text: str) -> bytes:
    """The text as UTF-8 with a declaration that says so (as feedparser would make it)."""
    text = _valid_charrefs(text.removeprefix("\ufeff"))
    declaration = "<?xml version='1.0' encoding='utf-8'?>"
    if _XML_DECLARATION.match(text):
        text = _XML_DECLARATION.sub(declaration, text, count=1)
    else:
        text = declaration + "\n" + text
    return text.encode("utf-8", "replace")


def _benign(exc: object) -> bool:
    # The document is handed over as UTF-8 that says so: an encoding complaint from
    # feedparser says nothing about the document itself.
    return isinstance(exc, (feedparser.NonXMLContentType, feedparser.CharacterEncodingOverride))


def _codec(name: str) -> str | None:
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    return "gb18030" if codec == "gb2312" else codec  # the superset, as feedparser reads it


def _bozo_reason(parsed: feedparser.FeedParserDict) -> str:
    exc = parsed.get("bozo_exception")
    text = str(exc).strip().splitlines()[0] if exc and str(exc).strip() else type(exc).__name__
    return text[:200]


def _entry(raw: dict, *, base: str) -> FeedEntry | None:
    link = _page_link(raw)
    content = ""
    for item in raw.get("content", []) or []:
        value = _as_html(str(item.get("value") or ""), item.get("type"))
        if len(value) > len(content):
            content = value
    summary = _as_html(str(raw.get("summary") or ""), (raw.get("summary_detail") or {}).get("type"))
    if len(summary) > len(content):
        content = summary
    title = _title(raw)
    url = _item_url(base, link)
    if not url and not content:
        return None
    return FeedEntry(
        url=_text(url),
        title=_text(title),
        # dict.get skips feedparser's deprecated published->updated key aliasing.
        published=_plausible(_struct_time(dict.get(raw, "published_parsed") or dict.get(raw, "updated_parsed"))),
        authors=tuple(_text(a) for a in _authors(raw)),
        content_html=_text(content),
    )


# Links that name something other than the item's page: its media, its own Atom
# document, its comments, a page it cites.
_NOT_THE_PAGE = frozenset({"enclosure", "self", "edit", "edit-media", "replies", "related", "via", "license"})


def _page_link(raw: dict) -> str:
    """The link to the item's page (feedparser's: the alternate link, else a permalink
    guid), else its first link to a page, else its id when that is a web address."""
    link = str(raw.get("link") or "")
    if link:
        return link
    for candidate in raw.get("links", []) or []:
        href = str(candidate.get("href") or "")
        if href and str(candidate.get("rel") or "alternate") not in _NOT_THE_PAGE:
            return href
    id_ = str(raw.get("id") or "")
    return id_ if id_.startswith(("http://", "https://")) else ""


def _title(raw: dict) -> str:
    """A feed's or an entry's title as the text it shows, on one line."""
    title = str(raw.get("title") or "")
    if "html" in str((raw.get("title_detail") or {}).get("type") or ""):
        title = _html_text(title)  # "Don&#8217;t panic", "<em>Tom</em> &amp; Jerry"
    return " ".join(title.split())


def _as_html(value: str, kind: object) -> str:
    """A feed's text as HTML: plain text (Atom's type="text") has its `<` and `&` escaped,
    or its words in angle brackets would be read as tags and lost."""
    return escape(value, quote=False) if str(kind or "") == "text/plain" else value


def _html_text(value: str) -> str:
    """The text an HTML title shows: tags gone, entities decoded."""
    if "<" not in value and "&" not in value:
        return value
    try:
        return lxml.html.fragment_fromstring(value, create_parent="div").text_content()
    except (lxml.etree.ParserError, ValueError):
        return unescape(re.sub(r"<[^>]*>", " ", value))


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


def _looks_like_json(text: str, content_type: str) -> bool:
    """JSON when the document starts as JSON does; XML when it starts with "<", whatever
    its Content-Type says (servers label feeds loosely); else as the Content-Type says."""
    first = text.lstrip()[:1]
    if first in ("{", "["):
        return True
    return first != "<" and "json" in content_type.lower()


def _json_text(body: bytes) -> tuple[str, None] | None:
    """A JSON document's text when it is UTF-8, as JSON is sent (RFC 8259), whatever
    charset a server's default labels it with; None for another encoding."""
    try:
        return body.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return None


def _parse_json_feed(text: str, *, url: str, guessed: str | None = None) -> Feed:
    try:
        doc = _clean_json(json.loads(text))
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FeedError(f"malformed JSON Feed: {_first_line(exc)}") from None
    if not isinstance(doc, dict) or not _string(doc.get("version")).startswith("https://jsonfeed.org/version/"):
        raise FeedError("not a feed: JSON without a jsonfeed.org version")
    items = doc.get("items")
    if not isinstance(items, list):
        raise FeedError("malformed JSON Feed: 'items' is not a list")
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        id_ = _string(item.get("id"))
        link = _string(item.get("url")) or _string(item.get("external_url"))
        if not link and id_.startswith(("http://", "https://")):  # the spec's advice: an id that is the item's URL
            link = id_
        link = _item_url(url, link)
        content = _string(item.get("content_html")) or _escape_text(
            _string(item.get("content_text")) or _string(item.get("summary"))
        )
        if not link and not content:
            continue
        authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
        if not isinstance(authors, list):  # a JSON Feed's authors are a list; anything else is ignored
            authors = []
        names = tuple(_string(a.get("name")).strip() for a in authors if isinstance(a, dict))
        entries.append(
            FeedEntry(
                url=link,
                title=" ".join(_string(item.get("title")).split()),
                published=_plausible(_iso_date(item.get("date_published") or item.get("date_modified"))),
                authors=tuple(n for n in names if n),
                content_html=content,
            )
        )
    warning = f"recovered from a malformed feed: {guessed}" if guessed else None
    return Feed(title=" ".join(_string(doc.get("title")).split()), entries=tuple(entries), warning=warning)


def _string(value: object) -> str:
    """A JSON Feed's text field; a field of another type (a list, an object, a number) is
    the feed's mistake, and no text."""
    return value if isinstance(value, str) else ""


# JSON may spell a lone UTF-16 surrogate ("\ud800"), and feedparser turns a character
# reference to one (&#xD800;) into a crash: no UTF-8 store or message can hold them.
_SURROGATES = re.compile("[\ud800-\udfff]")
_CHARREF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")


def _text(value: str) -> str:
    return _SURROGATES.sub("\ufffd", value)


def _clean_json(value):
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {_text(k): _clean_json(v) for k, v in value.items()}
    return value


def _valid_charrefs(text: str) -> str:
    """Character references to a surrogate, NUL or beyond U+10FFFF become U+FFFD's."""

    def fix(match: re.Match[str]) -> str:
        code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
        bad = code == 0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF
        return "&#xFFFD;" if bad else match.group(0)

    return _CHARREF.sub(fix, text) if "&#" in text else text


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


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
    try:
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (OverflowError, ValueError):  # 9999-12-31T23:00-05:00 is past datetime's last day in UTC
        return None


def _item_url(base: str, link: str) -> str:
    """The item's link made absolute, or "" when no URL parser would read it (a port
    that is no number, an unclosed IPv6 bracket): one bad link is that item's problem."""
    if not link:
        return ""
    try:
        joined = urljoin(base, link)
        urlsplit(joined).port  # noqa: B018 - raises ValueError for a port that is no number or out of range
    except ValueError:
        return ""
    return joined


# A publication date outside these is a feed's mistake: shown, it would say "31 Dec 9999".
_EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
_AHEAD = timedelta(days=2)  # time zones and clocks a little ahead


def _plausible(when: datetime | None) -> datetime | None:
    if when is None or when < _EARLIEST or when > datetime.now(UTC) + _AHEAD:
        return None
    return when
