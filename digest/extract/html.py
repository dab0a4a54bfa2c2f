"""Turn one HTML page into an :class:`~digest.models.Article`.

trafilatura does the heavy lifting (body, title, authors, date, image,
description); this module decodes the bytes, picks the extraction mode and
cleans the paragraphs it returns. The configuration was chosen by measurement
on the shared extraction benchmarks (see ``bench/extraction.py``).

The cascade of extraction modes lives here; beside it, ``charset`` decodes
the bytes, ``html_meta`` reads and cleans the metadata, ``html_paragraphs``
cleans the body's paragraphs, ``structured`` reads the article body the page
gives in its JSON-LD and ``html_render`` renders a page whose markup the
parser cannot read as plain text, for the scrape classifier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import trafilatura
from lxml.etree import LxmlError

from digest.errors import ExtractError
from digest.extract.byline import credit_names
from digest.extract.charset import decode_html
from digest.extract.html_meta import (
    absolute_http_url,
    headline,
    parse_date,
    read_metadata,
    split_authors,
    standfirst,
)
from digest.extract.html_paragraphs import (
    clean_body,
    looks_like_body,
    prose_chars,
    split_paragraphs,
)
from digest.extract.html_parse import load_html
from digest.extract.html_prepare import prepare_tree, unmark
from digest.extract.html_render import render_text
from digest.extract.scrape import extract_scrape
from digest.extract.structured import LinkedData, StructuredArticle, linked_data, main_article
from digest.extract.xpath_guard import guard_trafilatura_expressions
from digest.models import Article
from digest.text import fold

log = logging.getLogger(__name__)

__all__ = ["extract_html"]

# the same blocks pruned, fewer calls from libxml2 into Python (see xpath_guard)
guard_trafilatura_expressions()

# Measured on the shared benchmarks: favor_precision with comments left out
# beats trafilatura's defaults. A precision-mode body shorter than this is
# often a paywall notice, a share widget or a misread page; the slower modes
# are then tried (see _body_paragraphs).
_TINY_BODY_CHARS = 500
# A precision body this much shorter than the text of the page's <p> elements
# may be one paragraph of a longer story (a review under its verdict box): the
# fast balanced mode is tried and kept when it holds the same text and more.
_SHORT_SHARE = 0.35
_SHORT_CHECK_MAX_CHARS = 2500
_MORE_PROSE = 1.5
_SAME_TEXT_SHARE = 0.8
# Below this a body is too thin to trust: a text rendering of the page is read too.
_THIN_BODY_CHARS = 250
# A wire story's credits ("Reporting by ...") sit in its last paragraphs.
_CREDITS_TAIL = 4


@dataclass(frozen=True, slots=True)
class _Body:
    paragraphs: tuple[str, ...] = ()
    credited: tuple[str, ...] = ()  # reporters named by a credit line the cleanup dropped
    bylined: tuple[str, ...] = ()  # people named by a byline at the top the cleanup dropped


@dataclass(frozen=True, slots=True)
class _Extraction:
    """What this module needs from trafilatura, as plain values."""

    body: _Body
    url: str
    title: str
    authors: str
    sitename: str
    date: str
    image: str
    description: str
    warnings: tuple[str, ...] = ()


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
    title, paragraphs = found.title, found.body.paragraphs
    warnings: list[str] = [*([] if title else ["no headline found"]), *found.warnings]
    published = parse_date(found.date, warnings=warnings)
    url = url or found.url
    return Article(
        url=url,
        title=title,
        paragraphs=paragraphs,
        authors=_authors(found),
        published=published,
        image=absolute_http_url(found.image, base=url),
        standfirst=standfirst(found.description, paragraphs=paragraphs, title=title),
        source=source,
        warnings=tuple(warnings),
    )


def _authors(found: _Extraction) -> tuple[str, ...]:
    """The people the markup names; else those a credit line at the foot names; else those of a
    byline printed at the top of the body, taken as the markup's are (never the site's name)."""
    return (
        split_authors(found.authors, sitename=found.sitename)
        or found.body.credited
        or split_authors("; ".join(found.body.bylined), sitename=found.sitename)
    )


# --- the cascade -----------------------------------------------------------


def _extract(text: str, *, url: str) -> _Extraction | None:
    """Parse once, read the metadata once, then find the body.

    The body comes from the cheapest trafilatura mode that finds one (see
    _body_paragraphs). When the parser gives no body, or a thin one (broken
    markup: a truncated doctype, an early ``</html>``), the scrape classifier
    reads a text rendering of the page, and its body is kept when it is more.
    """
    try:
        tree = load_html(text)
        data = linked_data(tree) if tree is not None else LinkedData()
        metadata = read_metadata(tree, url=url, data=data) if tree is not None else None
        sitename = (metadata.sitename or "") if metadata else ""
        title = ""
        if metadata is not None:
            title = headline(tree, title=metadata.title or "", sitename=sitename, url=url or metadata.url or "")
    except (TypeError, ValueError):
        tree = metadata = None  # as trafilatura's own entry points do with a page they cannot read
        data = LinkedData()
        sitename = title = ""
    except (LxmlError, RecursionError) as exc:
        raise ExtractError(f"could not parse HTML: {exc}") from exc
    description = (metadata.description or "") if metadata else ""
    authors = (metadata.author or "") if metadata else ""
    body = _Body()
    if tree is not None and metadata is not None:
        prepare_tree(tree)
        page_url = url or metadata.url or ""
        declared = main_article(data, title=title, url=page_url)
        given = declared.paragraphs if declared is not None else ()
        body = _body_paragraphs(
            tree, url=page_url, title=title, description=description, authors=authors, declared=given
        )
        if declared is not None:
            body = _with_structured_body(body, declared, title=title, description=description, authors=authors)
    warnings: tuple[str, ...] = ()
    if not looks_like_body(body.paragraphs) or _chars(body.paragraphs) < _THIN_BODY_CHARS:
        rendered = extract_scrape(render_text(text), url=url)
        if rendered is not None and _rendering_is_better(rendered.paragraphs, body.paragraphs):
            log.debug("the parser found %d chars, reading a text rendering of %s", _chars(body.paragraphs), url)
            cleaned = clean_body(list(rendered.paragraphs), title=title, description=description, authors=authors)
            body = _Body(cleaned.paragraphs, rendered.authors, cleaned.bylined)
            title = title or rendered.title
            warnings = ("body read from a text rendering of the page",)
    if not looks_like_body(body.paragraphs):
        return None
    return _Extraction(
        body=body,
        url=(metadata.url or "") if metadata else "",
        title=title,
        authors=authors,
        sitename=sitename,
        date=(metadata.date or "") if metadata else "",
        image=(metadata.image or "") if metadata else "",
        description=description,
        warnings=warnings,
    )


def _body_paragraphs(
    tree, *, url: str, title: str, description: str, authors: str = "", declared: tuple[str, ...] = ()
) -> _Body:
    """The cleaned body from the cheapest trafilatura mode that finds one.

    Precision mode runs first without its comparison against readability and
    jusText. When that body is tiny or reads as no body at all (a menu, a
    footer), precision mode runs with the comparison, then the balanced mode,
    kept when it reads as a body and has much more prose or the same text and
    more prose: never a short bio for a longer post. When the fast body is
    short next to the text of the page's paragraphs, the fast balanced mode is
    tried and kept when it holds the same text with more prose.

    The balanced mode reads the page's JSON-LD ``articleBody`` as one line when the
    markup holds too little; such a body (the ``declared`` paragraphs run together)
    is no candidate here: whether the declared body is used is decided with its
    paragraphs, by what the page shows and whether it is free to read
    (_with_structured_body).
    """

    def extract(*, precision: bool, fast: bool) -> _Body:
        raw = split_paragraphs(_body(tree, url=url, precision=precision, fast=fast))
        if not precision and declared and _runs_together(tuple(raw), declared):
            return _Body()
        return _cleaned(raw, title=title, description=description, authors=authors)

    body = extract(precision=True, fast=True)
    if _is_tiny(body.paragraphs):
        full = extract(precision=True, fast=False)
        if looks_like_body(full.paragraphs) and (
            not looks_like_body(body.paragraphs) or _chars(full.paragraphs) >= _chars(body.paragraphs)
        ):
            body = full
        if _is_tiny(body.paragraphs):
            balanced = extract(precision=False, fast=False)
            if _is_better(balanced.paragraphs, body.paragraphs):
                log.debug("precision mode found %d chars, using balanced mode for %s", _chars(body.paragraphs), url)
                body = balanced
        return body
    chars = _chars(body.paragraphs)
    if chars < _SHORT_CHECK_MAX_CHARS and chars < _SHORT_SHARE * _paragraph_text_chars(tree):
        balanced = extract(precision=False, fast=True)
        if looks_like_body(balanced.paragraphs) and _extends(body.paragraphs, balanced.paragraphs):
            log.debug("precision mode found %d chars of a longer page, using balanced mode for %s", chars, url)
            body = balanced
    return body


def _cleaned(raw: list[str], *, title: str, description: str, authors: str) -> _Body:
    credited = next((names for line in raw[-_CREDITS_TAIL:] if (names := credit_names(line))), ())
    cleaned = clean_body(raw, title=title, description=description, authors=authors)
    return _Body(cleaned.paragraphs, credited, cleaned.bylined)


def _with_structured_body(
    body: _Body, declared: StructuredArticle, *, title: str, description: str, authors: str
) -> _Body:
    """The body the page's JSON-LD gives (``articleBody``, cleaned as the page's is) in place of
    ``body`` when it is the same text in more paragraphs (the markup's text run together), or
    when ``body`` is tiny or the opening of it and it is clearly longer (a shell a script fills,
    a teaser over a "continue reading" box), unless the page marks the article as not free to
    read: then what it shows openly is kept. A story the page shows in full stays, whatever the
    JSON-LD holds (a summary, a truncated copy, another story).
    """
    structured = _cleaned(list(declared.paragraphs), title=title, description=description, authors=authors)
    shown, given = body.paragraphs, structured.paragraphs
    if not looks_like_body(given):
        return body
    if _runs_together(shown, declared.paragraphs):
        log.debug("the body is the JSON-LD body run together, using its paragraphs")
        return structured
    if declared.paywalled:
        return body
    clearly_longer = _chars(given) >= _MORE_PROSE * _chars(shown) and prose_chars(given) > prose_chars(shown)
    # a tiny body with no prose is a shell or a notice; one with prose may be a whole short story
    no_story = _is_tiny(shown) and not prose_chars(shown)
    if clearly_longer and (no_story or _opens(shown, declared.paragraphs)):
        log.debug("the page shows %d chars of the %d its JSON-LD gives, using those", _chars(shown), _chars(given))
        return structured
    return body


# Text compared as runs of three words: a share of one text's runs found in the other.
_RUN = 3
_SAME_WORDS_SHARE = 0.95
# A paragraph this much longer than any of a body's holds more than one of them.
_RUN_TOGETHER_MARGIN = 1.2
_OPENING_SHARE = 0.8
# The part of a longer text searched for a shorter one's words: as many words and this much more.
_OPENING_SLACK = 1.25
_OPENING_SLACK_WORDS = 20


def _runs_together(shown: tuple[str, ...], given: tuple[str, ...]) -> bool:
    """``shown`` is ``given``'s text in fewer paragraphs, one of them longer than any of ``given``'s:
    paragraphs run together (trafilatura reads ``articleBody`` as one line when the markup has no body)."""
    if not shown or len(shown) >= len(given):
        return False
    joined = max(map(len, shown)) > _RUN_TOGETHER_MARGIN * max(map(len, given))
    return joined and _same_words(shown, given)


def _same_words(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    words_a, words_b = _words(a), _words(b)
    return _found_share(words_a, words_b) >= _SAME_WORDS_SHARE and _found_share(words_b, words_a) >= _SAME_WORDS_SHARE


def _opens(opening: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    """Most of ``opening``'s words run in the first part of ``whole`` (a teaser cut short, a notice
    under it)."""
    words = _words(opening)
    head = _words(whole)[: int(len(words) * _OPENING_SLACK) + _OPENING_SLACK_WORDS]
    return _found_share(words, head) >= _OPENING_SHARE


def _words(paragraphs: tuple[str, ...]) -> list[str]:
    return fold(" ".join(paragraphs)).split()


def _found_share(words: list[str], other: list[str]) -> float:
    """The share of ``words``' runs of three that ``other`` holds."""
    runs = [tuple(words[i : i + _RUN]) for i in range(len(words) - _RUN + 1)]
    if not runs:
        return 0.0
    held = {tuple(other[i : i + _RUN]) for i in range(len(other) - _RUN + 1)}
    return sum(run in held for run in runs) / len(runs)


def _chars(paragraphs: tuple[str, ...]) -> int:
    return sum(map(len, paragraphs))


def _is_tiny(paragraphs: tuple[str, ...]) -> bool:
    return _chars(paragraphs) < _TINY_BODY_CHARS or not looks_like_body(paragraphs)


def _is_better(candidate: tuple[str, ...], current: tuple[str, ...]) -> bool:
    """A body, and either the only one, or much more prose, or the same text with more prose."""
    if not looks_like_body(candidate):
        return False
    if not looks_like_body(current):
        return True
    much_more = _chars(candidate) > 2 * _chars(current) and prose_chars(candidate) > prose_chars(current)
    return much_more or _extends(current, candidate)


def _extends(current: tuple[str, ...], candidate: tuple[str, ...]) -> bool:
    """``candidate`` holds most of ``current`` and clearly more prose: the same story, more of it."""
    kept = set(candidate)
    shared = sum(len(p) for p in current if p in kept)
    more_prose = prose_chars(candidate) >= _MORE_PROSE * prose_chars(current)
    return shared >= _SAME_TEXT_SHARE * _chars(current) and more_prose


def _rendering_is_better(rendered: tuple[str, ...], current: tuple[str, ...]) -> bool:
    if not looks_like_body(current):
        return True
    return _chars(rendered) > 2 * _chars(current) and prose_chars(rendered) > prose_chars(current)


def _paragraph_text_chars(tree) -> int:
    """The characters of text in the page's <p> elements, wherever they are."""
    return sum(len(text) for element in tree.iter("p") for text in element.itertext())


# --- trafilatura ----------------------------------------------------------


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
    text = unmark(getattr(document, "text", None) or "")
    return text if text.strip() else ""
