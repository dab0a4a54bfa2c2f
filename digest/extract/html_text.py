"""Text comparison for the HTML cleanup: when two strings say the same thing.

Texts are compared as their casefolded words (a headline repeated in the
body, a description that is the first paragraph cut short); a paragraph
ends a sentence when it ends in terminal punctuation, in any script;
footnote markers are taken out of a text.
"""

from __future__ import annotations

import re

from digest.text import fold

WORD = re.compile(r"\w+")
_SAME_TEXT_SHARE = 0.8


def same_text(a: str, b: str) -> bool:
    """True when two texts are the same words, allowing light edits or a cut-short copy."""
    words_a, words_b = fold(a).split(), fold(b).split()
    if not words_a or not words_b:
        return False
    shared = len(set(words_a) & set(words_b))
    return shared >= _SAME_TEXT_SHARE * min(len(set(words_a)), len(set(words_b)))


_SENTENCE_END = re.compile(r"[.!?…。！？]\W*$")


def ends_sentence(paragraph: str) -> bool:
    return _SENTENCE_END.search(paragraph.rstrip()) is not None


# A footnote number set as a superscript and flattened into the text: glued
# to the punctuation after a word ("a first-class concept,1 and", "the end.12"),
# in brackets ("[3]", "[citation needed]"), after a caret ("^22"), or as a
# superscript digit. "No.1", "p.2" and "Fig.3" are abbreviations with their number.
_GLUED_FOOTNOTE = re.compile(r"(?<=[^\W\d_])([.,;:!?)\]”’\"]+)\d{1,3}(?=\s|$)")
_BRACKETED_FOOTNOTE = re.compile(
    r"(?<=\S)\[(?:\d{1,3}|citation needed|note \d+)\]|(?<=[^\W\d_])\^\d{1,3}\b"
    r"|(?:(?<=[.,;:!?)\]”’\"])|(?<=[^\W\d_]{4}))[¹²³⁴⁵⁶⁷⁸⁹⁰]+(?=\s|$|[.,;:])"  # not m², mc²
)
_NUMBERED_ABBREVIATIONS = frozenset(
    ["no", "nr", "nos", "vol", "p", "pp", "fig", "figs", "art", "sec", "ch", "chap", "op", "ed", "v", "ver", "iss", "tab", "eq", "ref", "pt", "para", "ex", "cf", "col", "ln", "st", "mk", "gen", "rev", "phase", "level"]
)  # fmt: skip


# Whether a text may hold a marker, before the two expressions above run: a letter, punctuation and
# a digit ("word.,3"), a bracket, a caret and a digit, or a superscript digit. Written to open with one
# class of characters, so that the engine skips from one of them to the next (most paragraphs hold
# none but their full stops and commas); what must come before the character is checked from there.
_MARK_PUNCTUATION = '[.,;:!?)\\]”’"]'
_MAY_HAVE_MARKER = re.compile(
    rf"[.,;:!?)\]”’\"\[\^¹²³⁴⁵⁶⁷⁸⁹⁰]"
    rf"(?:(?<=[^\W\d_]{_MARK_PUNCTUATION}){_MARK_PUNCTUATION}*\d|(?<=\[)|(?<=\^)\d|(?<=[¹²³⁴⁵⁶⁷⁸⁹⁰]))"
)


def strip_footnote_markers(text: str) -> str:
    if _MAY_HAVE_MARKER.search(text) is None:
        return text
    text = _BRACKETED_FOOTNOTE.sub("", text)
    return _GLUED_FOOTNOTE.sub(_keep_numbered_abbreviation, text)


# The abbreviations are short: the word before a marker is read from this many characters before it
# (a longer run of letters is no abbreviation either way), not from the whole paragraph again at each marker.
_WORD_WINDOW = 40
_LAST_WORD = re.compile(r"[^\W\d_]+$")


def _keep_numbered_abbreviation(match: re.Match[str]) -> str:
    before = match.string[max(0, match.start() - _WORD_WINDOW) : match.start()]
    word = _LAST_WORD.search(before)
    if word and word.group().casefold() in _NUMBERED_ABBREVIATIONS:
        return match.group()
    return match.group(1)
