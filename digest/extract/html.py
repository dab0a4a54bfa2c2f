"""Turn one HTML page into an :class:`~digest.models.Article`.

trafilatura does the heavy lifting (body, title, authors, date, image,
description); this module decodes the bytes, picks the extraction mode and
cleans the paragraphs it returns. The configuration was chosen by measurement
on the shared extraction benchmark (see ``bench/extraction.py``).

The cascade of extraction modes lives here; beside it, ``charset`` decodes
the bytes, ``html_meta`` reads and cleans the metadata and ``html_paragraphs``
cleans the body's paragraphs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import trafilatura
from lxml.etree import LxmlError

from digest.errors import ExtractError
from digest.extract.charset import decode_html
from digest.extract.html_meta import (
    absolute_http_url,
    clean_title,
    parse_date,
    read_metadata,
    split_authors,
    standfirst,
)
from digest.extract.html_paragraphs import (
    clean_paragraphs,
    looks_like_body,
    split_paragraphs,
)
from digest.models import Article

log = logging.getLogger(__name__)

__all__ = ["extract_html"]

# Measured on the shared benchmark: favor_precision with comments left out
# beats trafilatura's defaults. A precision-mode body shorter than this is
# often a paywall notice, a share widget or a misread page; the slower modes
# are then tried (see _extract).
_TINY_BODY_CHARS = 500


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
    title = clean_title(found.title, sitename=found.sitename)
    paragraphs = clean_paragraphs(split_paragraphs(found.text), title=title, description=found.description)
    if not looks_like_body(paragraphs):
        log.debug("only boilerplate found in %s", url or "<html>")
        return None
    warnings: list[str] = [] if title else ["no headline found"]
    published = parse_date(found.date, warnings=warnings)
    url = url or found.url
    return Article(
        url=url,
        title=title,
        paragraphs=paragraphs,
        authors=split_authors(found.authors),
        published=published,
        image=absolute_http_url(found.image, base=url),
        standfirst=standfirst(found.description, paragraphs=paragraphs, title=title),
        source=source,
        warnings=tuple(warnings),
    )


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
        metadata = read_metadata(tree, url=url) if tree is not None else None
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
    text = getattr(document, "text", None) or ""
    return text if text.strip() else ""
