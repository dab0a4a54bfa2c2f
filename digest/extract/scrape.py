"""Extract one article from a plain-text page scrape.

A saved "visible text" of a news page holds one article buried among
navigation, appeals, captions, teaser lists, comments and footers. Each block
(usually a line) is classified from structural and linguistic cues; the
densest run of prose is found as a maximum-sum subarray of per-block scores;
the header (headline, standfirst, byline, date) is then read from the blocks
just above that run. Pure standard library.

The steps live beside this entry point: ``scrape_lines`` (blocks and their
kinds), ``cues`` (the classifier), ``byline`` (names and dates),
``scrape_body`` (the densest run) and ``headline`` (the header).
"""

from __future__ import annotations

import logging

from digest.extract.cues import classify
from digest.extract.headline import fallback_title, read_header
from digest.extract.scrape_body import body, body_start, densest_run, trim, weights
from digest.extract.scrape_lines import Block, Kind, normalise, split_blocks
from digest.models import Article

log = logging.getLogger(__name__)

__all__ = ["extract_scrape"]


def _blocks(text: str) -> list[Block]:
    blocks = [Block(text=t, kind=classify(t), words=len(t.split())) for t in split_blocks(normalise(text))]
    return _mark_replies(blocks)


_COMMENT_HEAD_KINDS = frozenset({Kind.NAME, Kind.DATE, Kind.NAV})


def _mark_replies(blocks: list[Block]) -> list[Block]:
    """Prose framed by comment furniture (handle, timestamp, Reply/Like) is a reader's comment."""
    kinds = [b.kind for b in blocks]
    out = list(blocks)
    for i, block in enumerate(blocks):
        if block.kind not in (Kind.PROSE, Kind.SENTENCE) or i == 0:
            continue
        prev, before = kinds[i - 1], kinds[i - 2] if i > 1 else None
        after = kinds[i + 1] if i + 1 < len(kinds) else None
        framed = (
            prev is Kind.COMMENT
            or (prev in _COMMENT_HEAD_KINDS and before is Kind.COMMENT)
            or (prev in _COMMENT_HEAD_KINDS and after is Kind.COMMENT)
        )
        if framed:
            out[i] = Block(text=block.text, kind=Kind.REPLY, words=block.words)
    return out


def extract_scrape(text: str, *, url: str = "", source: str = "") -> Article | None:
    """The article in a plain-text page scrape, or None when there is no body."""
    blocks = _blocks(text or "")
    span = densest_run(weights(blocks))
    if span is None or (span := trim(blocks, *span)) is None:
        return None
    start, end = span
    start = body_start(blocks, start, end)
    paragraphs, warnings = body(blocks, start, end)
    if not paragraphs:
        return None
    header = read_header(blocks, start)
    title = header.title
    if not title:
        title = fallback_title(paragraphs[0])
        warnings.insert(0, "no headline found")
    log.debug("scrape %s: %d of %d blocks are body", url or "<text>", len(paragraphs), len(blocks))
    return Article(
        url=url,
        title=title,
        paragraphs=tuple(paragraphs),
        authors=header.authors,
        published=header.published,
        standfirst=header.standfirst,
        source=source,
        warnings=tuple(warnings),
    )
