"""What a page sets under or into a story that reads like its text: a listing of dated entries
(a newsletter's coming events, a venue's programme), told by its shape: two lines or more in a
row that each open with a day and a dash and tell the hour ("Dec 6 - Carol concert, 6 p.m.").

A social post embedded in the story ("— Ana Ruiz (@anaruiz) December 2, 2026" under its text)
stays: the story quotes it.
"""

from __future__ import annotations

import re

from digest.extract.scrape_lines import BULLET, Block, Kind

__all__ = ["mark_inserts"]

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_WEEKDAY = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*\.?,?"
# "Dec 6 - ", "Sat, 6 December: ", "12/06 | ": a day, then a dash, colon or bar before the entry.
_DATED_ENTRY = re.compile(
    rf"^(?:{_WEEKDAY}\s+)?(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}"
    rf"|\d{{1,2}}/\d{{1,2}})(?:,?\s+\d{{4}})?\s*[-–—:|]\s+\S",
    re.IGNORECASE,
)
# Each entry tells its hour too ("6 p.m.", "19:30"): a story's timeline ("Mar 5 - The first case is
# reported") tells what happened on the day, and stays.
_CLOCK = re.compile(r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?|h\b)|\b\d{1,2}[:.]\d{2}\b|\bnoon\b", re.IGNORECASE)
_LISTING_MIN_ENTRIES = 2


def mark_inserts(blocks: list[Block]) -> list[Block]:
    return _mark_dated_listings(blocks)


def _mark_dated_listings(blocks: list[Block]) -> list[Block]:
    """Two lines or more in a row, each a day and what happens on it, are a listing, no paragraphs."""
    out = blocks
    i = 0
    while i < len(blocks):
        j = i
        while j < len(blocks) and _is_dated_entry(blocks[j].text):
            j += 1
        if j - i >= _LISTING_MIN_ENTRIES:
            if out is blocks:
                out = list(blocks)
            out[i:j] = [block.as_kind(Kind.TEASER) for block in blocks[i:j]]
        i = max(j, i + 1)
    return out


def _is_dated_entry(text: str) -> bool:
    return _DATED_ENTRY.match(BULLET.sub("", text, count=1)) is not None and _CLOCK.search(text) is not None
