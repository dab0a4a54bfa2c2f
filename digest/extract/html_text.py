"""Text comparison for the HTML cleanup: when two strings say the same thing.

Texts are compared as their casefolded words (a headline repeated in the
body, a description that is the first paragraph cut short); a paragraph
ends a sentence when it ends in terminal punctuation, in any script.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")
_SAME_TEXT_SHARE = 0.8


def fold(text: str) -> str:
    return " ".join(WORD.findall(text.casefold()))


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
