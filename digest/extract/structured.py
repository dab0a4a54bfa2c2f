"""The article a page declares in its structured data: the ``articleBody`` of its schema.org JSON-LD.

A page built by a script, or one that shows a teaser over a paywall or a
"continue reading" box, often carries the whole text in a
``<script type="application/ld+json">``: a NewsArticle, Article, BlogPosting
(or another kind of article or posting), on its own, in a list, in an
``@graph``, or as the ``mainEntity`` of a WebPage. The page's own article is the
one whose headline or URL is the page's, or the only article there is. Its
body is split into paragraphs at its line breaks; markup inside it is read as
text (scripts and styles dropped, entities decoded). The article is marked
paywalled when it, or one of its parts, is not accessible for free.

The scripts are found once per page (``linked_data``); each is parsed at most
once, only when asked for something its text holds. A script that is no valid
JSON, too large or too deeply nested is passed over.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from digest.extract.html_render import render_text
from digest.extract.html_text import same_text

log = logging.getLogger(__name__)

__all__ = ["LinkedData", "StructuredArticle", "linked_data", "main_article"]

# Beyond these a script or a body is no article's: passed over rather than read.
_SCRIPT_MAX_CHARS = 4_000_000
_BODY_MAX_CHARS = 400_000
# The objects visited in one script's data, and how deep: a hostile script ends there.
_MAX_NODES = 20_000
_MAX_DEPTH = 12


@dataclass(frozen=True, slots=True)
class LinkedData:
    """The texts of a page's JSON-LD scripts, each parsed when first asked for."""

    scripts: tuple[str, ...] = ()
    _parsed: dict[int, object] = field(default_factory=dict, compare=False, repr=False)

    def documents(self, *, holding: str = "") -> Iterator[object]:
        """The parsed data of each script that parses (of those whose text holds ``holding``)."""
        for index, script in enumerate(self.scripts):
            if holding not in script:
                continue
            if index not in self._parsed:
                self._parsed[index] = _parse(script)
            if (data := self._parsed[index]) is not None:
                yield data


def linked_data(tree) -> LinkedData:
    """The JSON-LD scripts of the page ``tree``, in document order."""
    scripts = []
    for script in tree.iter("script"):
        kind = (script.get("type") or "").strip().lower()
        if kind == "application/ld+json" and script.text and len(script.text) <= _SCRIPT_MAX_CHARS:
            scripts.append(script.text)
    return LinkedData(tuple(scripts))


# A script's JSON wrapped for old browsers: "<!--", "//<![CDATA[" ... "]]>", "-->".
_WRAPPER_START = re.compile(r"^\s*(?:<!--|(?://\s*)?<!\[CDATA\[)\s*")
_WRAPPER_END = re.compile(r"\s*(?:-->|(?://\s*)?\]\]>)\s*$")


def _parse(script: str) -> object:
    text = _WRAPPER_END.sub("", _WRAPPER_START.sub("", script, count=1), count=1).rstrip().rstrip(";")
    try:
        return json.loads(text, strict=False)  # a raw line break in a body is common and harmless
    except (ValueError, RecursionError):
        log.debug("a JSON-LD script is not valid JSON")
        return None


@dataclass(frozen=True, slots=True)
class StructuredArticle:
    """The page's own article as its structured data gives it."""

    paragraphs: tuple[str, ...]
    paywalled: bool = False


def main_article(data: LinkedData, *, title: str = "", url: str = "") -> StructuredArticle | None:
    """The body of the page's own article: the only article object in the page's scripts, or the
    one whose headline is ``title`` or whose URL is ``url`` (given more than once, in the same
    words); None when there is none, or no body to read. It is paywalled when any object given
    for it says so."""
    if not any("articleBody" in script for script in data.scripts):
        return None
    articles = [item for document in data.documents() for item in _articles(document)]
    if len(articles) > 1:
        articles = [item for item in articles if _is_the_page(item, title=title, url=url)]
    bodies = {body for item in articles if (body := item.get("articleBody")) and isinstance(body, str)}
    if len(bodies) != 1:  # none, or several the page does not tell apart
        return None
    (body,) = bodies
    paragraphs = body_paragraphs(body)
    if not paragraphs:
        return None
    paywalled = any(map(_is_paywalled, articles))
    return StructuredArticle(paragraphs, paywalled)


def _articles(document: object) -> Iterator[dict]:
    """The article objects in one script's data, wherever they are nested (not in their own
    ``articleBody``); a hostile document is read only so far."""
    stack: list[tuple[object, int]] = [(document, 0)]
    visited = 0
    while stack and visited < _MAX_NODES:
        node, depth = stack.pop()
        visited += 1
        if isinstance(node, list):
            if depth < _MAX_DEPTH:
                stack.extend((item, depth + 1) for item in reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        if _is_article(node):
            yield node
        if depth < _MAX_DEPTH:
            children = [value for key, value in node.items() if key != "articleBody" and isinstance(value, list | dict)]
            stack.extend((value, depth + 1) for value in reversed(children))


def _is_article(node: dict) -> bool:
    kinds = node.get("@type")
    names = kinds if isinstance(kinds, list) else [kinds]
    return any(
        isinstance(name, str) and ("article" in name.lower() or name.lower().endswith("posting")) for name in names
    )


def _is_the_page(item: dict, *, title: str, url: str) -> bool:
    headline = item.get("headline") or item.get("name")
    if title and isinstance(headline, str) and same_text(headline, title):
        return True
    if not url:
        return False
    page = _comparable_url(url)
    entity = item.get("mainEntityOfPage")
    links = [item.get("url"), item.get("@id"), entity.get("@id") if isinstance(entity, dict) else entity]
    return any(isinstance(link, str) and _comparable_url(link) == page for link in links)


def _comparable_url(url: str) -> str:
    """The host without "www." and the path without a trailing slash: the same page over http
    and https, with and without tracking parameters."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url
    return (parts.hostname or "").removeprefix("www.") + parts.path.rstrip("/")


def _is_paywalled(item: dict) -> bool:
    parts = item.get("hasPart")
    nodes = [item, *(parts if isinstance(parts, list) else [parts])]
    return any(isinstance(node, dict) and _not_free(node.get("isAccessibleForFree")) for node in nodes)


def _not_free(value: object) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() == "false")


# --- the body's text --------------------------------------------------------

_MAY_HOLD_MARKUP = re.compile(r"<[A-Za-z/!]")


def body_paragraphs(body: str) -> tuple[str, ...]:
    """``body`` as paragraphs: split at its line breaks (and, when it holds markup, at its
    blocks), each paragraph's spaces collapsed; a body without line breaks is one paragraph."""
    if len(body) > _BODY_MAX_CHARS:
        return ()
    if _MAY_HOLD_MARKUP.search(body):
        # read as a page's markup is for the scrape classifier, less its list items' markers
        lines = [line.strip().removeprefix("* ") for line in render_text(body).splitlines()]
    else:
        lines = html.unescape(body).splitlines()
    return tuple(line for line in (" ".join(part.split()) for part in lines) if line)
