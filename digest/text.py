"""Invisible characters out of text from outside (feeds, pages, subscriber forms).

Format characters (Unicode category Cf) go by category, not by a list of code
points: every Bidi_Control character (U+061C, U+200E, U+200F, U+202A-U+202E,
U+2066-U+2069), which can make a title read as something else, and the other
invisible ones (zero-width space, word joiner, BOM, soft hyphen, invisible
operators, tag characters). Kept, because text needs them: ZWNJ and ZWJ
(Persian and Indic spelling, emoji sequences such as a family), a subdivision
flag's tag sequence (the flag of Scotland), and the visible Arabic and Kaithi
number signs. Lone surrogates (Cs) go too: they cannot be encoded.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "columns",
    "direction",
    "fold",
    "has_format_characters",
    "is_attributed",
    "joins_without_space",
    "one_line",
    "printable",
    "remove_invisible",
]

_KEPT = frozenset(
    "\u200c\u200d"  # ZWNJ, ZWJ
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"  # visible number signs
)
# U+1F3F4 WAVING BLACK FLAG, tag letters, CANCEL TAG: one flag, e.g. gbsct.
_TAG_SEQUENCE = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)")
_DROPPED = frozenset(("Cf", "Cs"))


def remove_invisible(text: str) -> str:
    """`text` without its invisible format characters and lone surrogates; see the module."""
    if text.isascii():
        return text
    parts = _TAG_SEQUENCE.split(text)  # odd items are flag sequences, kept whole
    return "".join(part if i % 2 else _drop_format(part) for i, part in enumerate(parts))


# Characters no XML document may hold (C0 controls but tab, LF and CR; U+FFFE, U+FFFF),
# and the C1 controls and DEL, which no reader shows: a title with one would break a feed.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """The words of `text`, case-folded, one space apart: what two spellings of one
    headline have in common ("Old bridge to close again!" and "old bridge to close again")."""
    return " ".join(_WORD.findall(text.casefold()))


def printable(text: str) -> str:
    """`text` fit for any page or XML document: without invisible format characters,
    controls (but tab and line breaks) and the two noncharacters XML forbids."""
    return _UNPRINTABLE.sub("", remove_invisible(text))


# Tab, the line breaks printable keeps, and the two Unicode line separators.
_BREAKS = dict.fromkeys(map(ord, "\t\n\r\u2028\u2029"), " ")


def one_line(text: str) -> str:
    """`text` fit for one line of a log, a terminal or a tab-separated row: printable, its
    tabs and line breaks as spaces. What a mail server, a bounce or a page says is shown
    and stored so: no escape sequence reaches a terminal, no NUL a database."""
    return printable(text).translate(_BREAKS)


# The mailbox part of anything shaped like an address, up to its "@".
_MAILBOX = re.compile(r"[^\s@<>()\[\]\"'`,;:]+@(?=\S)")


def hide_mailboxes(text: str) -> str:
    """`text` with the part before the "@" of each address in it made "…": for a log line
    that says why something was refused (a mistyped address, a mail server's reply naming
    the recipient) without saying whose. The domain stays: it often is the why."""
    return _MAILBOX.sub("…@", text) if "@" in text else text


def has_format_characters(text: str) -> bool:
    """Whether `text` holds any format character (Cf, ZWJ included) or lone surrogate."""
    return not text.isascii() and any(unicodedata.category(char) in _DROPPED for char in text)


def _drop_format(text: str) -> str:
    return "".join(char for char in text if char in _KEPT or unicodedata.category(char) not in _DROPPED)


# Characters a terminal or a text mail reader shows two columns wide (East Asian Wide and
# Fullwidth: CJK, Hangul, fullwidth forms), and those of the two scripts that put no space
# between words (Chinese and Japanese).
WIDE = re.compile(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]")
_UNSPACED = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uff60]")


def columns(text: str) -> int:
    """How many columns ``text`` takes on screen."""
    return len(text) if text.isascii() else len(text) + len(WIDE.findall(text))


def direction(text: str) -> str:
    """ "rtl" or "ltr", as a browser's dir="auto" reads ``text``: by its first letter of a
    strong direction (Hebrew, Arabic: right to left); "ltr" when it has none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def joins_without_space(before: str, after: str) -> bool:
    """Whether a line break between these two is no space: inside Chinese or Japanese text."""
    return bool(before and after and _UNSPACED.match(before[-1]) and _UNSPACED.match(after[0]))


# A source's words: a verb that reports them ("said", "according to", "warned"...), quotation marks (or a
# sentence opening on a single one), or a closing attribution clause whatever its verb (", Mayor Dana
# Whitfield pledged on Monday", ", officials urged business owners").
_SAYING = re.compile(
    r"\b(?:said|says|told|tells|according to|wrote|writes|announced|announces|explained|explains|noted"
    r"|notes that|warned|warns|urged|urges|insisted|insists|argued|argues|stressed|emphasi[sz]ed|cautioned"
    r"|countered|complained|asserted|remarked|replied|conceded|acknowledged|demanded|pleaded|testified|tweeted"
    r"|joked|quipped|boasted)\b",
    re.IGNORECASE,
)
# Verbs as often of a deed, a finding or a thing ("we've added a section", "readers who pledged their
# support", "as we reported", "Self-reported sleep", "a proposed rule"). Not "claims", "pledges" or "vows":
# nouns as often as verbs.
_SAYING_OR_NOT = re.compile(
    r"\b(?:added|adds|reported|pledged|promised|vowed|confirmed|stated|declared|claimed|predicted|recalled"
    r"|proposed|responded|estimated|maintained|observed|concluded|admitted|advised)\b",
    re.IGNORECASE,
)
_QUOTATION = re.compile(r"^['‘]|[\"“”«»]")
_ATTRIBUTION_CLAUSE = re.compile(
    r",\s+(?:(?:the|a|an|its|his|her|their)\s+)?(?:[A-Z][\w.'’-]*\s+){1,4}[a-z]+ed\b"
    r"|,\s+(?:the\s+)?(?:[a-z]+\s+)?(?:officials|police|authorities|organi[sz]ers|residents|experts|analysts"
    r"|researchers|critics|witnesses|spokes(?:man|woman|person|people)|\w+ers)\s+[a-z]+ed\b"
)


def is_attributed(
    text: str, *, quotes: bool = True, closing_clause: bool = False, ambiguous_verbs: bool = False
) -> bool:
    """Whether `text` gives words to a source (see above): by a verb that reports them; by quotation marks
    unless `quotes` is false; by a closing attribution clause, or a verb as often of something else
    ("pledged", "reported"), only when `closing_clause` or `ambiguous_verbs` is true."""
    return bool(
        _SAYING.search(text)
        or (quotes and _QUOTATION.search(text))
        or (closing_clause and _ATTRIBUTION_CLAUSE.search(text))
        or (ambiguous_verbs and _SAYING_OR_NOT.search(text))
    )
