"""Quotations in a paragraph: where each opens and closes, and which marks are only apostrophes.

A mark's glyph says less than where it stands: German closes with “ and Swedish
opens with ”, a straight " or ' does both, and ’ is mostly an apostrophe
("don’t", "the Smiths’"). So a mark opens a quotation when it stands after a
space (or the start, or another opening mark) and before a word, and closes one
when it stands after a word or punctuation and before a space, punctuation or
the end; only where both or neither hold does its glyph decide.

Single marks are apostrophes more often than quotes: one between two letters
is an apostrophe ("won't"), and so is one after a letter that closes nothing
("the Smiths' house") or that another closing mark follows before any opens
("‘The Smiths’ house flooded,’ she said"). ’ after a space opens nothing ("heard
’round the world"), nor does a mark before a digit ("the '90s"), and one that the
text leaves open counts only before a capital ("rock 'n roll" is no quotation). A
double mark after a digit that closes nothing is an inch mark (12").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

__all__ = ["is_balanced", "quotation_spans"]

_DOUBLE = '"“”„«»「」『』'
_OPENING_GLYPHS = "“„«「『‘‚‹"
_CLOSING_GLYPHS = "”»」』’›"
_MARK = re.compile(r"[\"'“”„«»「」『』‘’‚‹›]")
_BEFORE_AN_OPENING = "([{—–-/¿¡"
_AFTER_A_CLOSING = ".,;:!?…)]}—–-/"
_AFTER_A_SENTENCE = re.compile(r"[.!?…:][\"'’”»)\]]*\s+$")
_OPEN, _CLOSE = "open", "close"


def quotation_spans(text: str) -> list[tuple[int, int]]:
    """Each quotation in double marks in ``text`` as (start of its opening mark, end of its closing mark).

    One that the text leaves open runs until a sentence opens another, or to the end
    (a newspaper opens each paragraph of a long quotation again and closes only its
    last), and one that the text closes without opening runs from the last mark before it.
    """
    quotations = _pair(text, _double_marks(text))
    return quotations.matched + quotations.unclosed + quotations.unopened


def is_balanced(text: str) -> bool:
    """True when every quotation that ``text`` opens it also closes, and it closes none it did not open."""
    if not _MARK.search(text):
        return True
    quotations = _pair(text, _double_marks(text))
    return not quotations.unclosed and not quotations.unopened


def _double_marks(text: str) -> list[_Mark]:
    # Single marks are too often apostrophes or mistyped ("said:’It is...’") to join sentences or to keep one
    # from standing alone: only double marks say where a quotation spans sentences.
    return [mark for mark in _marks(text) if mark.double]


class _Mark(NamedTuple):
    position: int
    double: bool
    role: str | None  # _OPEN, _CLOSE, or None for an apostrophe or a mark that says nothing


@dataclass(slots=True)
class _Quotations:
    matched: list[tuple[int, int]] = field(default_factory=list)
    unclosed: list[tuple[int, int]] = field(default_factory=list)
    unopened: list[tuple[int, int]] = field(default_factory=list)


def _marks(text: str) -> list[_Mark]:
    found = [_Mark(m.start(), m.group() in _DOUBLE, _role(text, m.start())) for m in _MARK.finditer(text)]
    return [mark._replace(role=None) if _is_apostrophe(text, found, k) else mark for k, mark in enumerate(found)]


def _pair(text: str, marks: list[_Mark]) -> _Quotations:
    quotations = _Quotations()
    opened: list[_Mark] = []
    after_last = {True: 0, False: 0}  # where the text after the last double and the last single mark starts
    for mark in marks:
        if mark.role == _OPEN:
            opened.append(mark)
        elif mark.role == _CLOSE:
            inner = next((k for k in range(len(opened) - 1, -1, -1) if opened[k].double == mark.double), None)
            if inner is not None:
                quotations.matched.append((opened[inner].position, mark.position + 1))
                del opened[inner:]  # a mark left open inside it was no quotation
            elif _closes_a_quotation(text, mark):
                quotations.unopened.append((after_last[mark.double], mark.position + 1))
        if mark.role is not None:
            after_last[mark.double] = mark.position + 1
    for mark in opened:
        if mark.double or _starts_a_quoted_sentence(text, mark.position):
            quotations.unclosed.append((mark.position, _next_quoted_sentence(text, marks, mark)))
    return quotations


def _role(text: str, position: int) -> str | None:
    mark = text[position]
    before = text[position - 1] if position else " "
    after = text[position + 1] if position + 1 < len(text) else " "
    if mark not in _DOUBLE and _in_a_word(before) and _in_a_word(after):
        return None  # an apostrophe: "don't", "l’homme"
    # ...or right after a bracket that closes before it: '(CNN)"We are not going anywhere," they chanted.'
    opening_place = (
        before.isspace() or before in _BEFORE_AN_OPENING or before in ")]" or _MARK.match(before) is not None
    ) and not (after.isspace() or after in _AFTER_A_CLOSING)
    closing_place = not (before.isspace() or before in _BEFORE_AN_OPENING) and (
        after.isspace() or after in _AFTER_A_CLOSING or _MARK.match(after) is not None
    )
    if opening_place != closing_place:
        return _OPEN if opening_place else _CLOSE
    if mark in _OPENING_GLYPHS:
        return _OPEN
    return _CLOSE if mark in _CLOSING_GLYPHS else None


def _in_a_word(char: str) -> bool:
    # A letter of a script with capitals, or a digit: Korean and Chinese put quotes between letters.
    return char.isdigit() or (char.isalpha() and char.lower() != char.upper())


def _is_apostrophe(text: str, marks: list[_Mark], index: int) -> bool:
    position, double, role = marks[index]
    if double or role is None:
        return False
    if role == _OPEN:
        elided = text[position] == "’" and text[position - 1 : position].isspace()  # "heard ’round the world"
        return elided or text[position + 1 : position + 2].isdigit()  # "the '90s"
    # After a letter, and another single mark closes before any opens: "‘The Smiths’ house flooded,’ she said"
    if not _in_a_word(text[position - 1 : position]):
        return False
    following = next((mark.role for mark in marks[index + 1 :] if not mark.double and mark.role is not None), None)
    return following == _CLOSE


def _starts_a_quoted_sentence(text: str, position: int) -> bool:
    following = text[position + 1 : position + 2]
    return following.isalpha() and not following.islower()


def _next_quoted_sentence(text: str, marks: list[_Mark], opening: _Mark) -> int:
    """Where the next sentence that opens a quotation of the same kind starts, or the end of the text."""
    for mark in marks:
        if (
            mark.position > opening.position
            and mark.role == _OPEN
            and mark.double == opening.double
            and _AFTER_A_SENTENCE.search(text, max(0, mark.position - 8), mark.position)
        ):
            return mark.position
    return len(text)


def _closes_a_quotation(text: str, mark: _Mark) -> bool:
    """Whether a closing mark with nothing open before it ends a quotation begun before the text."""
    before = text[mark.position - 1 : mark.position]
    if mark.double:
        return not before.isdigit()  # 12" is twelve inches
    return not _in_a_word(before)  # the Smiths' house: an apostrophe; "...ready,' she said": a quotation
