"""A short paragraph in which the page speaks of itself and of nothing the story speaks of.

The page's own lines between (or after) a story's paragraphs are phrased in more ways
than any cue list holds ("Found a mistake? Let us know.", "Got a story? Reach out to our
editors."). What they share is their shape: at most ``_MAX_WORDS`` words, the page speaking
as itself (we, us, our), no quotation, not a line introducing what follows, and not one
content word in common with any other paragraph of the story. A story's own short line in
the first person plural ("We asked the operator...") speaks of what the story does. A short
line naming the publication (its masthead, its copyright owner, its host) as a proper name and
speaking to the reader is the page's too, whatever words it shares. Over the first paragraph the
page's note may be longer (what it earns from its links, who pays for its offers): a story's lead
shares its words with the paragraphs under it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from digest.text import fold

_LEAD_NOTE_MAX_WORDS = 60
_MAX_WORDS = 20  # at 30, a blog's "Each game is free... we're looking forward to..." went
# Case-sensitive on purpose: "US" the country is not "us".
_PAGE_SPEAKS = re.compile(r"\b(?:[Ww]e|[Oo]urs?|us)\b")
# The piece naming itself: "this story", "this column", "the views expressed", "this interview
# has been edited".
_PIECE_SPEAKS = re.compile(
    r"\b(?:[Tt]his (?:story|article|column|piece|essay|report|series|project|post"
    r"|interview|conversation|transcript|Q&A)"
    r"|[Tt]he (?:views|opinions) expressed)\b"
)
_PIECE_NOTE_MAX_WORDS = 30
_SECOND_PERSON = re.compile(r"\b[Yy]ou(?:rs?)?\b")
_QUOTED = re.compile(r"[\"“”«»„]")
_WORD = re.compile(r"[^\W\d_]{4,}")
_STEM = 5  # "region" and "regions", "editor" and "editors" share their first letters
_FUNCTION_WORDS = frozenset(
    [
        "about",
        "after",
        "also",
        "been",
        "before",
        "being",
        "both",
        "could",
        "does",
        "each",
        "even",
        "every",
        "from",
        "have",
        "here",
        "into",
        "just",
        "like",
        "many",
        "more",
        "most",
        "much",
        "must",
        "only",
        "other",
        "over",
        "same",
        "should",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "very",
        "want",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "your",
        "yours",
    ]
)


def _content_stems(text: str) -> set[str]:
    words = (word.lower() for word in _WORD.findall(text))
    return {word[:_STEM] for word in words if word not in _FUNCTION_WORDS}


def content_stems(text: str) -> set[str]:
    """The first letters of the content words of ``text``: what two paragraphs share when they speak of one thing."""
    return _content_stems(text)


def is_aside(paragraph: str, rest: list[str], *, max_words: int = _MAX_WORDS, publication: Iterable[str] = ()) -> bool:
    """``paragraph`` is the page speaking to its reader, or the piece speaking of itself ("This story
    was produced with support from...", "The views expressed in this column..."): nothing in
    ``rest`` speaks of what it does. The publication's name is the page's, not the story's."""
    if _QUOTED.search(paragraph) or paragraph.rstrip().endswith(":"):
        return False  # a quotation; a line introducing what follows
    words = len(paragraph.split())
    speaks = (words <= max_words and _PAGE_SPEAKS.search(paragraph)) or (
        words <= _PIECE_NOTE_MAX_WORDS and _PIECE_SPEAKS.search(paragraph)
    )
    if not speaks:
        return False
    own = _content_stems(paragraph) - {stem for name in publication for stem in _content_stems(name)}
    return bool(own) and not any(own & _content_stems(other) for other in rest)


def speaks_for_publication(paragraph: str, publication: Iterable[str]) -> bool:
    """``paragraph`` names the publication and speaks to its reader ("RNZ's rural coverage is free to
    read. Find more stories on our Country page."): the page speaking of itself, whatever it shares."""
    if len(paragraph.split()) > _MAX_WORDS or _QUOTED.search(paragraph) or paragraph.rstrip().endswith(":"):
        return False
    if not (_PAGE_SPEAKS.search(paragraph) or _SECOND_PERSON.search(paragraph)):
        return False
    return any(_named(paragraph, name) for name in publication if name)


def _named(paragraph: str, name: str) -> bool:
    """``name`` (folded) is in ``paragraph`` as a proper name: "RNZ's", "Digg", not "a blog post"."""
    pattern = r"\b" + r"\W+".join(map(re.escape, name.split())) + r"\b"
    return any(found.group()[0].isupper() for found in re.finditer(pattern, paragraph, re.IGNORECASE))


def without_asides(paragraphs: list[str], *, publication: Iterable[str] = ()) -> list[str]:
    """``paragraphs`` less the asides after the first; a story of fewer than four says too little to tell."""
    if len(paragraphs) < 4:
        return paragraphs
    # "the Tollbridge Post" in a sentence is "The Tollbridge Post" on the masthead.
    names = [fold(name).removeprefix("the ") for name in publication]
    first = 1 if is_aside(paragraphs[0], paragraphs[1:], max_words=_LEAD_NOTE_MAX_WORDS) else 0
    kept = [paragraphs[first]]
    for i, paragraph in enumerate(paragraphs[first + 1 :], start=first + 1):
        rest = paragraphs[:i] + paragraphs[i + 1 :]
        if is_aside(paragraph, rest, publication=names) or speaks_for_publication(paragraph, names):
            continue
        kept.append(paragraph)
    return kept
