"""The header of a plain-text scrape: headline, standfirst, authors and date.

Read from the blocks just above the body: the byline or dateline nearest
above it anchors the search for the headline (a fragment, a question or
exclamation, or a long name-like line, with an unpunctuated dek told apart);
between headline and body sit the standfirst, the authors and the publication
date. With no headline, the title falls back to the first sentence of the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from digest.extract.byline import byline_names, find_dates
from digest.extract.scrape_lines import Block, Kind

_HEADER_WINDOW = 15
_HEADLINE_WINDOW = 8
_TITLE_MAX_CHARS = 90


@dataclass(frozen=True, slots=True)
class Header:
    title: str = ""
    standfirst: str = ""
    authors: tuple[str, ...] = ()
    published: datetime | None = None


def _anchor(blocks: list[Block], body_start: int) -> int | None:
    """The byline or dateline nearest above the body."""
    low = max(0, body_start - _HEADER_WINDOW)
    for i in range(body_start - 1, low - 1, -1):
        if blocks[i].kind in (Kind.BYLINE, Kind.DATE):
            return i
    for i in range(body_start - 1, max(0, body_start - 2) - 1, -1):
        if blocks[i].kind is Kind.NAME:
            return i
    return None


def _is_headline(block: Block) -> bool:
    text = block.text
    if block.kind is Kind.FRAGMENT:
        return block.words >= 3 and len(text) >= 12 and not text.endswith(":")
    if block.kind is Kind.SENTENCE:
        return text.rstrip("\"'”’)")[-1:] in "?!"
    return block.kind is Kind.NAME and block.words >= 3


def _headline_index(blocks: list[Block], below: int) -> int | None:
    for i in range(below - 1, max(0, below - _HEADLINE_WINDOW) - 1, -1):
        block = blocks[i]
        if _is_headline(block) and not (block.kind is Kind.NAME and i + 1 == below):
            return i - 1 if _is_unpunctuated_deck(blocks, i) else i
        if block.kind in (Kind.LEGAL, Kind.COMMENT, Kind.REPLY):
            return None
    return None


def _is_unpunctuated_deck(blocks: list[Block], i: int) -> bool:
    """A long fragment right under a shorter one is the dek, the shorter one the headline."""
    if i == 0 or blocks[i].kind is not Kind.FRAGMENT or blocks[i - 1].kind is not Kind.FRAGMENT:
        return False
    above, deck = blocks[i - 1], blocks[i]
    return _is_headline(above) and deck.words >= 10 and deck.words >= 1.5 * above.words


def _standfirst(region: list[Block]) -> str:
    """The dek: prose between headline and body, or an unpunctuated line right under it."""
    if region and region[0].kind is Kind.FRAGMENT and region[0].words >= 6:
        return region[0].text
    return next((b.text for b in region if b.kind in (Kind.PROSE, Kind.SENTENCE) and b.words >= 6), "")


def read_header(blocks: list[Block], body_start: int) -> Header:
    anchor = _anchor(blocks, body_start)
    headline = None if anchor is None else _headline_index(blocks, anchor)
    if headline is None:
        headline = _headline_index(blocks, body_start)
    if headline is None and anchor is None:
        return Header()
    low = headline + 1 if headline is not None else anchor
    region = blocks[low:body_start]
    standfirst = _standfirst(region)
    bylines = (byline_names(b.text) for b in region if b.kind is Kind.BYLINE)
    authors = next((names for names in bylines if names), ())
    if not authors:
        authors = next(((b.text,) for b in reversed(region) if b.kind is Kind.NAME), ())
    dated = (b for b in region if b.kind in (Kind.BYLINE, Kind.DATE, Kind.META))
    published = next((found[0][0] for b in dated if (found := find_dates(b.text))), None)
    title = blocks[headline].text if headline is not None else ""
    return Header(title=title, standfirst=standfirst, authors=authors, published=published)


def fallback_title(paragraph: str) -> str:
    first = re.split(r"(?<=[.!?])\s+(?=[\"“‘(]?[A-Z0-9])", paragraph, maxsplit=1)[0]
    first = first.rstrip(".")
    if len(first) <= _TITLE_MAX_CHARS:
        return first
    cut = first[:_TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:—– ") + "…"
