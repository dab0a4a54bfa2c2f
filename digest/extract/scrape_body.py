"""The body of a plain-text scrape: which blocks are the article's text.

Each block gets a score by kind (prose by its length; a box of appeals or ads
costs as one unit); the densest run of blocks is the maximum-sum subarray of
those scores, trimmed to start at the first paragraph and end at the last one
or a closing editorial note, past a swallowed standfirst and byline. Inside
it, pull quotes and repeated paragraphs are dropped.
"""

from __future__ import annotations

import re

from digest.extract.scrape_lines import BULLET, Block, Kind

# Score per kind for the densest-run search; prose scores by length.
_WEIGHTS: dict[Kind, float] = {
    Kind.SENTENCE: 2,
    Kind.FRAGMENT: -3,
    Kind.NAV: -5,
    Kind.NAME: -8,
    Kind.BYLINE: -8,
    Kind.TEASER: -15,
    Kind.DATE: -8,
    Kind.META: -10,
    Kind.CAPTION: -10,
    Kind.CTA: -20,  # replaced per box by weights
    Kind.LEGAL: -20,
    Kind.SECTION: -40,
    Kind.COMMENT: -15,
    Kind.REPLY: -10,
    Kind.CODE: -1,
    Kind.AD: -4,
}
_BODY_KINDS = frozenset({Kind.PROSE, Kind.SENTENCE, Kind.BULLET})
_HEADER_KINDS = frozenset({Kind.BYLINE, Kind.NAME, Kind.DATE})
_BOILERPLATE_KINDS = frozenset({Kind.CTA, Kind.LEGAL})


def _weight(block: Block) -> float:
    if block.kind is Kind.PROSE:
        return min(block.words, 80)
    if block.kind is Kind.BULLET:
        return 0.3 * block.words
    return _WEIGHTS[block.kind]


_INTERRUPTION_KINDS = frozenset({Kind.CTA, Kind.AD, Kind.LEGAL})


def weights(blocks: list[Block]) -> list[float]:
    """Per-block scores; a box of appeal/ad lines costs as one unit, not per line.

    A signup box inside an article is several short lines; charging each one
    would cut off the paragraphs above it.
    """
    weights = [_weight(b) for b in blocks]
    i = 0
    while i < len(blocks):
        if blocks[i].kind not in _INTERRUPTION_KINDS:
            i += 1
            continue
        j = i
        while j < len(blocks) and blocks[j].kind in _INTERRUPTION_KINDS:
            j += 1
        group = blocks[i:j]
        if any(b.kind is not Kind.LEGAL for b in group):
            words = sum(b.words for b in group)
            weights[i:j] = [-(12 + min(words, 30) / 2)] + [0.0] * (j - i - 1)
        i = j
    return weights


# --- body --------------------------------------------------------------------


def densest_run(weights: list[float]) -> tuple[int, int] | None:
    """Maximum-sum contiguous run (Kadane); None when nothing scores above zero."""
    best, span = 0.0, None
    total, start = 0.0, 0
    for i, weight in enumerate(weights):
        if total <= 0:
            total, start = weight, i
        else:
            total += weight
        if total > best:
            best, span = total, (start, i)
    return span


_EDITORIAL_NOTE = re.compile(r"^(?:correction|clarification|update|editor['’]s note)\b", re.IGNORECASE)


def trim(blocks: list[Block], start: int, end: int) -> tuple[int, int] | None:
    """Start at the first paragraph; end at the last one or a closing editorial note."""
    prose = [i for i in range(start, end + 1) if blocks[i].kind is Kind.PROSE]
    if not prose:
        return None
    last = prose[-1]
    for i in range(last + 1, end + 1):
        if blocks[i].kind in _BODY_KINDS and _EDITORIAL_NOTE.match(blocks[i].text):
            last = i
    return prose[0], last


def body_start(blocks: list[Block], start: int, end: int) -> int:
    """Skip a standfirst and byline that the densest run swallowed."""
    cut = None
    for i in range(start, min(end, start + 6) + 1):
        if blocks[i].kind in _HEADER_KINDS:
            cut = i
    if cut is None:
        return start
    leading_prose = sum(blocks[i].kind is Kind.PROSE for i in range(start, cut))
    if leading_prose > 2:
        return start
    for i in range(cut + 1, end + 1):
        if blocks[i].kind is Kind.PROSE:
            return i
    return start


def _fingerprint(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _is_wholly_quoted(text: str) -> bool:
    return text[:1] in "\"“‘'" and text.rstrip(".!?…")[-1:] in "\"”’'"


_ATTRIBUTION = re.compile(r"^[—–-]\s*[A-Z]")


def _pull_quotes(blocks: list[Block], start: int, end: int) -> set[int]:
    """Quotes set apart from the text: repeated from a paragraph, or signed with a dash."""
    prints = {i: _fingerprint(blocks[i].text) for i in range(start, end + 1)}
    pulled: set[int] = set()
    for i in range(start, end + 1):
        block = blocks[i]
        if block.kind not in _BODY_KINDS or not _is_wholly_quoted(block.text):
            continue
        repeated = any(j != i and j not in pulled and prints[i] in prints[j] for j in prints)
        signed = i < end and _ATTRIBUTION.match(blocks[i + 1].text) is not None
        if repeated or signed:
            pulled.add(i)
    return pulled


def _paragraph(block: Block) -> str:
    return BULLET.sub("", block.text, count=1) if block.kind is Kind.BULLET else block.text


def body(blocks: list[Block], start: int, end: int) -> tuple[list[str], list[str]]:
    pulled = _pull_quotes(blocks, start, end)
    paragraphs: list[str] = []
    seen: set[str] = set()
    dropped = 0
    for i in range(start, end + 1):
        block = blocks[i]
        if block.kind in _BOILERPLATE_KINDS:
            dropped += 1
        if block.kind not in _BODY_KINDS or i in pulled:
            continue
        key = _fingerprint(block.text)
        if key in seen:
            continue
        seen.add(key)
        paragraphs.append(_paragraph(block))
    warnings = []
    if dropped:
        warnings.append(f"dropped {dropped} call-to-action/boilerplate block(s) inside the body")
    if pulled:
        warnings.append(f"dropped {len(pulled)} pull quote(s)")
    return paragraphs, warnings
