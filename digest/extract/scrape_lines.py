"""Blocks of a plain-text scrape: where one block ends and the next begins.

Text is normalised (NFC, invisible characters dropped, spaces squeezed), cut
into blank-line groups, and each group split into lines unless it looks
hard-wrapped. Also the kinds a block can be and the small line features
(sentence ends, bullets, title case, quoted speech) the classifier reads.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    PROSE = "prose"  # a paragraph: long enough, ends like a sentence
    SENTENCE = "sentence"  # a short complete sentence
    BULLET = "bullet"  # a list item with some substance
    FRAGMENT = "fragment"  # headline, subheading, alt text: no terminal punctuation
    NAV = "nav"  # menu items, breadcrumbs, one-word links
    NAME = "name"  # a bare person's name
    BYLINE = "byline"  # "By X", "Posted by X on DATE", "X · DATE"
    TEASER = "teaser"  # "X ·" under a teaser headline in a link list
    DATE = "date"  # a dateline/timestamp line
    META = "meta"  # read time, tags, credits, author contact
    CAPTION = "caption"  # photo caption, credit or alt text
    CTA = "cta"  # newsletter, donation, login, cookie appeals
    LEGAL = "legal"  # copyright, licences, policies
    SECTION = "section"  # "Related", "Comments", "Read more", ...
    COMMENT = "comment"  # "Reply", "Like (3)", "2 hours ago"
    REPLY = "reply"  # a reader's comment: prose framed by comment furniture
    CODE = "code"
    AD = "ad"  # "Advertisement", "Story continues below"


@dataclass(frozen=True, slots=True)
class Block:
    text: str
    kind: Kind
    words: int


# --- text normalisation and block splitting ---------------------------------

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
TERMINAL = re.compile(r"[.!?…][\"'”’)\]]*$")
BULLET = re.compile(r"^(?:[•◦▪▸►‣∙*·-]|\d{1,2}[.)])\s+")


def normalise(text: str) -> list[str]:
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    return [SPACES.sub(" ", line).strip() for line in text.splitlines()]


def split_blocks(lines: list[str]) -> list[str]:
    """Blank-line groups, each split into lines unless they look hard-wrapped."""
    blocks: list[str] = []
    group: list[str] = []
    for line in [*lines, ""]:
        if line:
            group.append(line)
        elif group:
            blocks.extend(_unwrap(group))
            group = []
    return blocks


def _unwrap(group: list[str]) -> list[str]:
    width = max(map(len, group))
    # Two lines are too few to tell a wrapped paragraph from two stacked items.
    wrapped = len(group) > 2 and 50 <= width <= 120 and _looks_wrapped(group[:-1], width)
    out: list[str] = []
    text = last = group[0]
    for line in group[1:]:
        if _joins(last, line, width=width, wrapped=wrapped):
            text = f"{text} {line}"
        else:
            out.append(text)
            text = line
        last = line
    out.append(text)
    return out


def _looks_wrapped(lines: list[str], width: int) -> bool:
    full = [line for line in lines if len(line) >= 0.75 * width]
    open_ended = [line for line in full if not TERMINAL.search(line)]
    return len(full) >= 0.6 * len(lines) and len(open_ended) >= len(full) / 2


def _joins(prev: str, line: str, *, width: int, wrapped: bool) -> bool:
    if BULLET.match(line):
        return False
    if wrapped:
        return len(prev) >= 0.75 * width
    # Otherwise only a long open line continued by a lowercase start: a headline
    # followed by its standfirst must stay two blocks.
    return len(prev) >= 50 and not TERMINAL.search(prev) and line[:1].islower()


# --- line features ----------------------------------------------------------

_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "nor",
        "of",
        "on",
        "or",
        "over",
        "per",
        "the",
        "to",
        "up",
        "via",
        "vs",
        "with",
    ]
)
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")


def title_ratio(words: list[str]) -> float:
    considered = [w.lstrip("\"'“‘(") for w in words]
    considered = [w for w in considered if w[:1].isalpha() and w.lower() not in _SMALL_WORDS]
    if not considered:
        return 0.0
    return sum(w[0].isupper() for w in considered) / len(considered)


def unquoted(text: str) -> str:
    """The narrator's own words: appeals speak to the reader outside quotation marks."""
    return _QUOTED.sub(" ", text)
