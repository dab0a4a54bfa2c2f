"""Pages to articles: HTML through trafilatura (extract_html), plain-text scrapes
through our own block classifier (scrape), feed-entry HTML fragments here."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from html import unescape

import lxml.etree
import lxml.html

from digest.errors import ExtractError
from digest.extract_html import extract_html
from digest.models import Article, Page
from digest.scrape import extract_scrape

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain"})
_BLOCKS = ("p", "li", "blockquote", "h2", "h3", "h4", "pre", "dd", "figcaption")


def extract_article(page: Page) -> Article | None:
    """The article in `page`, or None when there is no article body.
    Raises ExtractError when the page is not HTML or text, or cannot be decoded."""
    kind = _kind(page)
    if kind == "html":
        article = extract_html(_declared_text(page), url=page.url, source=page.source)
    else:
        article = extract_scrape(decode_text(page), url=page.url, source=page.source)
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
    blocks = [" ".join(el.text_content().split()) for el in root.iter(*_BLOCKS) if not el.xpath(f"ancestor::{'|ancestor::'.join(_BLOCKS)}")]
    blocks = [b for b in blocks if b]
    return tuple(blocks) if blocks else _plain_paragraphs(root.text_content())


def decode_text(page: Page) -> str:
    charset = _charset(page.content_type)
    body = page.body
    if b"\x00" in body[:4096] and not charset.startswith("utf-16"):
        raise ExtractError("binary content, not a text page")
    for encoding in dict.fromkeys(e for e in (charset, "utf-8-sig") if e):
        try:
            return body.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    raise ExtractError(f"undecodable bytes: not valid {charset or 'UTF-8'} text")


def _declared_text(page: Page) -> str | bytes:
    """Text decoded with the HTTP charset when one is declared and fits; else the raw
    bytes, so the HTML's own meta charset and sniffing decide."""
    charset = _charset(page.content_type)
    if charset:
        try:
            return page.body.decode(charset)
        except (UnicodeDecodeError, LookupError):
            pass
    return page.body


def _kind(page: Page) -> str:
    media = page.content_type.split(";", 1)[0].strip().lower()
    if media in HTML_TYPES:
        return "html"
    if media in TEXT_TYPES:
        return "text"
    head = page.body[:2048].lstrip().lower()
    if not media or media == "application/octet-stream":
        if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
            return "html"
    raise ExtractError(f"not an HTML page (content-type {media or 'missing'})")


def _charset(content_type: str) -> str:
    match = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
    return match.group(1).lower() if match else ""


def _plain_paragraphs(text: str) -> tuple[str, ...]:
    return tuple(" ".join(unescape(p).split()) for p in re.split(r"\n\s*\n", text) if p.strip())


def _with_hints(article: Article, page: Page) -> Article:
    changes = {}
    if page.title_hint and (not article.title or article.warnings and "no headline found" in article.warnings):
        changes["title"] = page.title_hint
    if article.published is None and page.published_hint is not None:
        changes["published"] = page.published_hint
    if not article.authors and page.authors_hint:
        changes["authors"] = page.authors_hint
    if not article.source and page.source:
        changes["source"] = page.source
    return replace(article, **changes) if changes else article
