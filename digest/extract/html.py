"""Turn one HTML page into an :class:`~digest.models.Article`.

trafilatura does the heavy lifting (body, title, authors, date, image,
description); this module decodes the bytes, picks the extraction mode and
cleans the paragraphs it returns. The configuration was chosen by measurement
on the shared extraction benchmark (see ``bench/extraction.py``).
"""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import trafilatura
from htmldate import find_date
from lxml.etree import LxmlError

from digest.errors import ExtractError
from digest.models import Article

try:  # the steps of trafilatura.extract_metadata that _metadata uses
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_author,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )
except ImportError:  # pragma: no cover -- another trafilatura layout
    _METADATA_STEPS = False
else:
    _METADATA_STEPS = True

log = logging.getLogger(__name__)

__all__ = ["extract_html"]

# Measured on the shared benchmark: favor_precision with comments left out
# beats trafilatura's defaults. A precision-mode body shorter than this is
# often a paywall notice, a share widget or a misread page; the slower modes
# are then tried (see _extract).
_TINY_BODY_CHARS = 500
_DATE_PARAMS = {
    "original_date": True,
    "extensive_search": False,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
_CHARSET_SNIFF_BYTES = 4096
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
# WHATWG: in HTML these labels mean windows-1252, and a <meta> naming UTF-16
# means UTF-8 (a real UTF-16 page has a BOM).
_LATIN1_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "us-ascii", "ascii", "l1"})
_UTF16_LABELS = frozenset({"utf-16", "utf-16le", "utf-16be", "utf16"})


@dataclass(frozen=True, slots=True)
class _Extraction:
    """What this module needs from trafilatura, as plain values."""

    text: str
    url: str
    title: str
    sitename: str
    authors: str
    date: str
    image: str
    description: str


def extract_html(html: str | bytes, *, url: str = "", source: str = "") -> Article | None:
    """Extract the article in ``html``, or None when the page has no article body.

    ``url`` resolves a relative lead image and helps trafilatura's metadata;
    ``source`` is copied onto the article. Raises :class:`ExtractError` when
    the document cannot be parsed as HTML at all.
    """
    text = decode_html(html) if isinstance(html, bytes) else html
    if not text.strip():
        return None
    found = _extract(text, url=url)
    if found is None:
        log.debug("no article body found in %s", url or "<html>")
        return None
    title = _clean_title(found.title, sitename=found.sitename)
    paragraphs = clean_paragraphs(_split_paragraphs(found.text), title=title, description=found.description)
    if not _looks_like_body(paragraphs):
        log.debug("only boilerplate found in %s", url or "<html>")
        return None
    warnings: list[str] = [] if title else ["no headline found"]
    published = _parse_date(found.date, warnings=warnings)
    url = url or found.url
    return Article(
        url=url,
        title=title,
        paragraphs=paragraphs,
        authors=_split_authors(found.authors),
        published=published,
        image=_absolute_http_url(found.image, base=url),
        standfirst=_standfirst(found.description, paragraphs=paragraphs, title=title),
        source=source,
        warnings=tuple(warnings),
    )


# --- decoding -------------------------------------------------------------


def decode_html(data: bytes) -> str:
    """Decode HTML bytes: BOM, then a declared ``<meta charset>``, then UTF-8, then windows-1252.

    Raises :class:`ExtractError` for binary (NUL-bearing) content without a UTF-16 BOM.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" in data[:_CHARSET_SNIFF_BYTES]:
        raise ExtractError("binary content, not an HTML page")
    declared = _declared_charset(data[:_CHARSET_SNIFF_BYTES])
    candidates = [declared] if declared else []
    candidates += ["utf-8"]
    for encoding in candidates:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            log.debug("page does not decode as %s", encoding)
    return data.decode("cp1252", errors="replace")


def _declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if match is None:
        return None
    label = match.group(1).decode("ascii", errors="ignore").lower()
    if label in _LATIN1_LABELS:
        return "cp1252"
    return "utf-8" if label in _UTF16_LABELS else label


# --- trafilatura ----------------------------------------------------------


def _extract(text: str, *, url: str) -> _Extraction | None:
    """Parse once, read the metadata once, then find the body.

    The body comes from the cheapest mode that finds one: precision mode
    without trafilatura's comparison against readability and jusText first;
    when that finds a tiny body (a paywall notice, a share widget, or a page
    its main extractor misreads), precision mode with the comparison; when
    that is tiny too, the balanced mode, kept when it finds much more.
    """
    try:
        tree = trafilatura.load_html(text)
        metadata = _metadata(tree, url=url) if tree is not None else None
    except (TypeError, ValueError):
        return None  # as trafilatura's own entry points do with a page they cannot read
    except (LxmlError, RecursionError) as exc:
        raise ExtractError(f"could not parse HTML: {exc}") from exc
    if metadata is None:
        return None
    base = url or metadata.url or ""
    body = _body(tree, url=base, precision=True, fast=True)
    if len(body) < _TINY_BODY_CHARS:
        body = _body(tree, url=base, precision=True, fast=False)
    if len(body) < _TINY_BODY_CHARS:
        balanced = _body(tree, url=base, precision=False, fast=False)
        if len(balanced) > 2 * len(body):
            log.debug("precision mode found %d chars, using balanced mode for %s", len(body), url)
            body = balanced
    if not body.strip():
        return None
    return _Extraction(
        text=body,
        url=metadata.url or "",
        title=metadata.title or "",
        sitename=metadata.sitename or "",
        authors=metadata.author or "",
        date=metadata.date or "",
        image=metadata.image or "",
        description=metadata.description or "",
    )


def _body(tree, *, url: str, precision: bool, fast: bool) -> str:
    """The body text trafilatura finds in ``tree`` (which it copies, never changes)."""
    try:
        document = trafilatura.bare_extraction(
            tree,
            url=url or None,
            fast=fast,
            favor_precision=precision,
            include_comments=False,  # reader comments are not the article
            include_tables=True,
            with_metadata=False,
        )
    except (LxmlError, ValueError, TypeError, RecursionError) as exc:
        raise ExtractError(f"could not parse HTML: {exc}") from exc
    text = (document.text or "") if document is not None else ""
    return text if text.strip() else ""


def _metadata(tree, *, url: str):
    """trafilatura's metadata pass without the parts we do not use.

    The same steps as ``trafilatura.extract_metadata`` (meta tags, JSON-LD,
    then the page itself for a missing title, author or canonical URL; the
    date from htmldate; the site name) but not its search for categories,
    tags and a licence, which costs about 2.5 ms a page on the shared
    benchmark. With another trafilatura layout, its whole pass is used.
    """
    if not _METADATA_STEPS:
        return trafilatura.extract_metadata(tree, default_url=url or None, date_config=dict(_DATE_PARAMS))
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a handle, not a name
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # noqa: BLE001 -- trafilatura guards its JSON-LD reader the same way
        log.debug("JSON-LD metadata failed: %s", exc)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url or None)
    metadata.date = find_date(tree, **_DATE_PARAMS, url=metadata.url)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (match := META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


# --- metadata -------------------------------------------------------------


_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·•»]{1,2}\s+")


def _clean_title(title: str, *, sitename: str) -> str:
    """Drop leading or trailing " | Site" / " - Site" parts that name the site."""
    title = " ".join(title.split())
    site = _squash(sitename)
    if len(site) < 3:
        return title
    title = _strip_site_affix(title, sitename=" ".join(sitename.split()))
    parts = _TITLE_SEPARATOR.split(title)
    separators = _TITLE_SEPARATOR.findall(title)
    while len(parts) > 1 and _names_site(parts[-1], site):
        parts.pop()
        separators.pop()
    while len(parts) > 1 and _names_site(parts[0], site):
        parts.pop(0)
        separators.pop(0)
    return "".join(part + sep for part, sep in zip(parts, [*separators, ""]))


def _strip_site_affix(title: str, *, sitename: str) -> str:
    site = re.escape(sitename)
    stripped = re.sub(rf"^{site}\s*[|:\-–—·•»]+\s*|\s*[|:\-–—·•»]+\s*{site}$", "", title, flags=re.IGNORECASE)
    return stripped or title


def _names_site(part: str, site: str) -> bool:
    squashed = _squash(part)
    return len(squashed) >= 3 and squashed in site


def _squash(text: str) -> str:
    return "".join(_WORD.findall(text.casefold()))


def _split_authors(authors: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name.strip() for name in authors.split(";") if name.strip()))


def _parse_date(value: str, *, warnings: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        warnings.append(f"unparsed date {value!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _absolute_http_url(link: str, *, base: str) -> str | None:
    link = link.strip()
    if not link:
        return None
    try:
        absolute = urljoin(base, link) if base else link
        parts = urlsplit(absolute)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def _standfirst(description: str, *, paragraphs: tuple[str, ...], title: str) -> str:
    description = " ".join(description.split())
    folded = _fold(description)
    if not folded or folded == _fold(title):
        return ""
    if paragraphs and _same_text(description, paragraphs[0]):
        return ""
    return description


# --- paragraphs -----------------------------------------------------------


# A body needs one sentence-like paragraph or, for lists and tables, some bulk;
# otherwise it is a menu or a footer that the extractor fell back to. Counted
# in characters because some scripts do not put spaces between words.
_SENTENCE_MIN_CHARS = 30
_LIST_BODY_MIN_CHARS = 250


def _looks_like_body(paragraphs: tuple[str, ...]) -> bool:
    has_sentence = any(len(p) >= _SENTENCE_MIN_CHARS and _ends_sentence(p) for p in paragraphs)
    return has_sentence or sum(len(p) for p in paragraphs) >= _LIST_BODY_MIN_CHARS


def _split_paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def clean_paragraphs(paragraphs: list[str], *, title: str = "", description: str = "") -> tuple[str, ...]:
    """Drop what is not body text: a repeated headline, dek or dateline, and boilerplate."""
    kept = _drop_leading_headers(paragraphs, title=title, description=description)
    kept = [p for p in kept if _has_words(p)]
    kept = _drop_link_sections(kept)
    return tuple(p for p in kept if not _is_boilerplate(p))


# Headers repeated at the top of the body sit in its first few paragraphs.
_HEADER_WINDOW = 3


def _drop_leading_headers(paragraphs: list[str], *, title: str, description: str) -> list[str]:
    checks = [_is_headline, _is_dek, _is_dateline, _is_byline, _is_reading_time]
    kept: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        hit = None
        if index < _HEADER_WINDOW:
            hit = next((c for c in checks if c(paragraph, title=title, description=description)), None)
        if hit is None:
            kept.append(paragraph)
        else:
            checks.remove(hit)  # each kind of header appears once
    return kept


def _is_headline(paragraph: str, *, title: str, description: str) -> bool:
    """The page title repeated, perhaps reworded ("HS Roundup" / "High School Roundup")."""
    if not title or _ends_sentence(paragraph) or len(paragraph.split()) > 30 or len(paragraph) > 250:
        return False
    words, title_words = set(_fold(paragraph).split()), set(_fold(title).split())
    if not words or not title_words:
        return False
    shared = len(words & title_words)
    smaller, larger = sorted((len(words), len(title_words)))
    return shared >= 0.6 * smaller and shared >= 0.4 * larger


def _is_dek(paragraph: str, *, title: str, description: str) -> bool:
    """The page description shown as a subheading (a dek ends without a full stop)."""
    return bool(description) and _fold(paragraph) == _fold(description) and not _ends_sentence(paragraph)


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMBER = re.compile(r"\d+")


def _is_dateline(paragraph: str, *, title: str, description: str) -> bool:
    """A line that is just a date/time, perhaps with a short label ("Published by ...")."""
    return (
        len(paragraph.split()) <= 15
        and len(paragraph) <= 100
        and not _ends_sentence(paragraph)
        and _YEAR.search(paragraph) is not None
        and len(_NUMBER.findall(paragraph)) >= 2
    )


_BYLINE = re.compile(r"^(?:by|von|par|por|di)\s+\S+", re.IGNORECASE)


def _is_byline(paragraph: str, *, title: str, description: str) -> bool:
    return len(paragraph.split()) <= 8 and bool(_BYLINE.match(paragraph)) and not _ends_sentence(paragraph)


_READING_TIME = re.compile(
    r"^(?:\d+\s*min(?:ute)?s?\s+read"
    r"|(?:reading time|read time|tempo de leitura|tiempo de lectura|temps de lecture|lesezeit)\b)",
    re.IGNORECASE,
)


def _is_reading_time(paragraph: str, *, title: str, description: str) -> bool:
    return len(paragraph.split()) <= 8 and bool(_READING_TIME.match(paragraph))


# Headings that introduce a block of links rather than text; the heading and
# the link-like lines after it go.
_LINK_SECTION_HEADINGS = frozenset(
    {
        "comments",
        "don t miss",
        "leave a comment",
        "more",
        "popular",
        "share",
        "share this",
        "share this article",
        "share this story",
        "something to consider",
        "tags",
        "tell us what you think",
        "topics",
        "trending",
        "trending now",
        "you may also like",
        "you may like",
        "you might also like",
    }
)
# Short headings starting like these ("More from Sport", "Most read in world news").
_LINK_SECTION_PREFIXES = (
    "also read",
    "more from",
    "more in",
    "more on",
    "more stories",
    "most popular",
    "most read",
    "most viewed",
    "read more",
    "read next",
    "recommended",
    "related",
    "see also",
    "see more",
)
_LINK_SECTION_MAX_WORDS = 6


def _drop_link_sections(paragraphs: list[str]) -> list[str]:
    kept: list[str] = []
    in_section = False
    for paragraph in paragraphs:
        if _is_link_section_heading(paragraph):
            in_section = True
            continue
        if in_section and _is_link_like(paragraph):
            continue
        in_section = False
        kept.append(paragraph)
    return kept


def _is_link_section_heading(paragraph: str) -> bool:
    heading = _fold(paragraph)
    if heading in _LINK_SECTION_HEADINGS:
        return True
    # "Related: <headline>" is one inline link, not a heading over a list.
    return (
        len(heading.split()) <= _LINK_SECTION_MAX_WORDS
        and ":" not in paragraph.rstrip(" :")
        and not _ends_sentence(paragraph)
        and heading.startswith(_LINK_SECTION_PREFIXES)
    )


def _is_link_like(paragraph: str) -> bool:
    return paragraph.startswith("- ") or not _ends_sentence(paragraph)


_BOILERPLATE = re.compile(
    r"""^(?:
        \[?(?:read|see)\ (?:more|also)\b.{0,200}$
      | \[?related(?:\ (?:post|posts|stories|story|articles|article|coverage|content|reading))?\s*:.*$
      | also\ on\ \S+\.\w+\b.*$
      | advertisement$
      | sponsored(?:\ content)?$
      | \d*\s*comments?$
      | (?:filed\ under|tags|tagged\ with|tagged|categories|category)\s*:.*$
      | (?:last\ )?(?:updated|published|posted)(?:\ on|\ at)?\s*:?\s*[^!?]{0,40}\d[^!?]{0,30}$
      | follow\b.{0,80}(?:\bat\ https?://|@\w+).*$
      | more\b.{0,40}:\s*https?://.*$
      | (?:additional\ )?reporting\ by\b.*$
      | \(reporting\ by\b.*$
      | editing\ by\b.*$
      | (?:write\ to|email|e-mail|contact|reach)\b.{0,80}(?:@|twitter\.com/).*$
      | (?:copyright\b|©).{0,150}$
      | like\ this\ (?:story|article)\b.*$
      | share\ (?:this\ (?:article|story|post|page)|on\ (?:facebook|twitter|linkedin|whatsapp))\b.{0,80}$
      | if\ you\ (?:enjoyed|liked)\ this\ (?:article|story|post)\b.*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Sentences that give them away anywhere in a short paragraph.
_BOILERPLATE_PHRASES = re.compile(
    r"""(?:
        \bcontributed\ (?:to\ )?(?:this\ )?(?:report|reporting|story)\b
      | \bnewsletter\b
      | \bsubscribe\ to\b
      | \bsign\ up\ (?:for|to|here|now|today)\b
      | \bdelivered\ (?:to|through)\ your\ (?:inbox|letterbox|door)\b
      | \bfollow\ (?:us|him|her|them|[\w'’]+(?:\ [\w'’]+){0,5})\ on\ (?:twitter|facebook|instagram|linkedin)\b
      | \bfollow\ (?:us|him|her)\b.{0,40}@\w+
      | \ball\ rights\ reserved\b
      | \b(?:photo|photograph|image|picture)s?\ (?:by|courtesy|credit)\b
      | \bphotos?\b[^.]{0,40}©
      | \((?:photo|image|credit|picture)s?\s*:[^)]*\)?$
      | \bgetty\ images\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_SHORT_PARAGRAPH_WORDS = 40


def _is_boilerplate(paragraph: str) -> bool:
    if _BOILERPLATE.match(paragraph):
        return True
    return len(paragraph.split()) <= _SHORT_PARAGRAPH_WORDS and _BOILERPLATE_PHRASES.search(paragraph) is not None


_SENTENCE_END = re.compile(r"[.!?…。！？]\W*$")


def _ends_sentence(paragraph: str) -> bool:
    return _SENTENCE_END.search(paragraph.rstrip()) is not None


def _has_words(paragraph: str) -> bool:
    return any(ch.isalnum() for ch in paragraph)


# --- text comparison ------------------------------------------------------

_WORD = re.compile(r"\w+")
_SAME_TEXT_SHARE = 0.8


def _fold(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _same_text(a: str, b: str) -> bool:
    """True when two texts are the same words, allowing light edits or a cut-short copy."""
    words_a, words_b = _fold(a).split(), _fold(b).split()
    if not words_a or not words_b:
        return False
    shared = len(set(words_a) & set(words_b))
    return shared >= _SAME_TEXT_SHARE * min(len(set(words_a)), len(set(words_b)))
