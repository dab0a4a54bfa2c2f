"""Pages to articles: HTML through trafilatura (extract_html), plain-text scrapes
through our own block classifier (scrape), feed-entry HTML fragments here."""

from __future__ import annotations

import codecs
import logging
import re
from dataclasses import replace
from html import unescape
from typing import Any

import lxml.etree
import lxml.html

from digest.errors import ExtractError
from digest.extract.charset import CHARSET_SNIFF_BYTES as _CHARSET_SNIFF_BYTES, declared_charset as _declared_charset
from digest.extract.html import extract_html
from digest.extract.html_text import strip_footnote_markers
from digest.extract.scrape import extract_scrape
from digest.models import Article, Page
from digest.urls import redact_url

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
_BLOCKS = ("p", "li", "blockquote", "h2", "h3", "h4", "pre", "dd", "figcaption")


def extract_article(page: Page) -> Article | None:
    """The article in `page`, or None when there is no article body.
    Raises ExtractError when the page is not HTML or text, or cannot be decoded."""
    kind = _kind(page)
    warning = None
    if kind == "html":
        html, warning = _declared_text(page)
        article = extract_html(html, url=page.url, source=page.source)
    else:
        text, warning = read_text(page)
        article = extract_scrape(text, url=page.url, source=page.source)
    if article and warning:
        article = replace(article, warnings=(*article.warnings, warning))
    return _with_hints(article, page) if article else None


def article_from_fragment(
    html: str, *, url: str, title: str, source: str = "", authors: tuple[str, ...] = (), published=None
) -> Article | None:
    """An article from a feed entry's HTML body (a fragment, not a whole page)."""
    paragraphs = fragment_paragraphs(html)
    if not paragraphs:
        return None
    return Article(
        url=url,
        title=title or paragraphs[0][:120],
        paragraphs=paragraphs,
        authors=authors,
        published=published,
        source=source,
    )


# Characters XML 1.0 does not allow: lxml refuses to set them as text (dropping a
# <script> moves its tail), so they become spaces first.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def fragment_paragraphs(html: str) -> tuple[str, ...]:
    html = _NOT_XML.sub(" ", html)
    if not html.strip():
        return ()
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return _plain_paragraphs(re.sub(r"<[^>]+>", " ", html))
    for bad in root.xpath("//script|//style|//iframe|//object|//form|//nav|//figure"):
        bad.drop_tree()
    blocks = [
        " ".join(el.text_content().split())
        for el in root.iter(*_BLOCKS)
        if not el.xpath(f"ancestor::{'|ancestor::'.join(_BLOCKS)}")
    ]
    blocks = [strip_footnote_markers(b) for b in blocks if b]
    return tuple(blocks) if blocks else _plain_paragraphs(root.text_content())


def decode_text(page: Page) -> str:
    return read_text(page)[0]


_TEXT_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def read_text(page: Page) -> tuple[str, str | None]:
    """A text page's text, and a warning when its encoding had to be guessed. A byte-order
    mark decides (a UTF-16 file saved by an editor); then the declared charset, then
    UTF-8; then windows-1252, the commonest encoding of text saved before UTF-8 (bytes it
    has no character for replaced), with a warning. NUL bytes without a UTF-16 mark or
    charset are a binary file, not text."""
    body = page.body
    for bom, codec in _TEXT_BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), None
    charset = _charset(page.content_type)
    if b"\x00" in body[:4096] and not charset.startswith("utf-16"):
        raise ExtractError("binary content, not a text page")
    for encoding in dict.fromkeys(e for e in (charset, "utf-8") if e and _known(e)):
        try:
            return body.decode(encoding), None
        except UnicodeDecodeError:
            continue
    warning = f"not valid {charset or 'UTF-8'} text; read as windows-1252 (a guess)"
    log.warning("%s: %s", redact_url(page.url), warning)
    return body.decode("windows-1252", "replace"), warning


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _declared_text(page: Page) -> tuple[str | bytes, str | None]:
    """The page for extract_html, and a warning when its bytes fit no charset it declares.
    Text decoded with the HTTP charset when that fits; else the raw bytes when they fit
    the meta charset or UTF-8, or when nothing is declared (extract_html reads them so);
    else the text in the first declared charset, bad bytes replaced, and a warning."""
    body = page.body
    charset = _charset(page.content_type)
    if charset:
        try:
            return body.decode(charset), None
        except (UnicodeDecodeError, LookupError):
            pass
    if body.startswith(_BOMS) or b"\x00" in body[:_CHARSET_SNIFF_BYTES]:
        return body, None  # a byte-order mark decides, or it is binary: extract_html says so
    declared = [c for c in (charset, _declared_charset(body[:_CHARSET_SNIFF_BYTES])) if c and _known(c)]
    if not declared:
        return body, None  # UTF-8, else windows-1252: extract_html's reading of an undeclared page
    for codec in dict.fromkeys((*declared, "utf-8")):
        if codec == charset:
            continue  # tried above
        try:
            body.decode(codec)
        except UnicodeDecodeError:
            continue
        return body, None
    warning = f"not valid {declared[0]} text; undecodable bytes replaced"
    log.warning("%s: %s", redact_url(page.url), warning)
    return body.decode(declared[0], "replace"), warning


def _known(codec: str) -> bool:
    try:
        codecs.lookup(codec)
    except LookupError:
        return False
    return True


def _kind(page: Page) -> str:
    media = page.content_type.split(";", 1)[0].strip().lower()
    if media in HTML_TYPES:
        return "html"
    if media in TEXT_TYPES:
        return "text"
    head = page.body[:2048].lstrip().lower()
    if (not media or media == "application/octet-stream") and (
        head.startswith((b"<!doctype html", b"<html")) or b"<body" in head
    ):
        return "html"
    raise ExtractError(f"not an HTML page (content-type {media or 'missing'})")


def _charset(content_type: str) -> str:
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
    return match.group(1).lower() if match else ""


def _plain_paragraphs(text: str) -> tuple[str, ...]:
    return tuple(" ".join(unescape(p).split()) for p in re.split(r"\n\s*\n", text) if p.strip())


def _with_hints(article: Article, page: Page) -> Article:
    changes: dict[str, Any] = {}
    if page.title_hint and (not article.title or (article.warnings and "no headline found" in article.warnings)):
        changes["title"] = page.title_hint
    if article.published is None and page.published_hint is not None:
        changes["published"] = page.published_hint
    if not article.authors and page.authors_hint:
        changes["authors"] = page.authors_hint
    if not article.source and page.source:
        changes["source"] = page.source
    return replace(article, **changes) if changes else article
