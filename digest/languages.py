"""The language a story is written in, as the tag a `lang` attribute takes (BCP 47).

A screen reader speaks a German headline in its German voice only when the page says
the headline is German. Text mostly in Latin letters is told by the summarisers' own
stop-word test (the languages sumy reads), and when that says it is not the list's
language, py3langid says which; text mostly in other scripts (Cyrillic, Arabic, Han,
kana...) is told by py3langid alone. Its model is loaded the first time such a text
comes, so a list whose stories are all in its own language never pays for it.
"""

from __future__ import annotations

import functools
import logging

__all__ = ["in_latin_letters", "language_of_script", "language_tag"]

log = logging.getLogger(__name__)

_TAGS = {
    "czech": "cs",
    "danish": "da",
    "dutch": "nl",
    "english": "en",
    "finnish": "fi",
    "french": "fr",
    "german": "de",
    "italian": "it",
    "norwegian": "no",
    "portuguese": "pt",
    "russian": "ru",
    "spanish": "es",
    "swedish": "sv",
}
_SAMPLE_CHARS = 2_000  # the opening is enough, and a long text costs no more


def language_tag(text: str, *, default: str = "english") -> str:
    """The BCP 47 tag of the language ``text`` is written in; ``default``'s (a language
    name as the summarisers take it) when the text does not clearly say; "" when
    neither is known."""
    from digest.summarize.sentences import detect_language, resolve_language

    sample = text[:_SAMPLE_CHARS]
    default = resolve_language(default)
    if in_latin_letters(sample):
        found = detect_language(sample, default=default)
        if found == default:
            return _TAGS.get(default, "")
        # Clearly not the default; which language, the model tells better than stop words
        # that neighbours share ("la", "de" are French, Italian and Spanish).
        return _identify(sample) or _TAGS.get(found, "")
    return _identify(sample) or _TAGS.get(default, "")


def in_latin_letters(text: str) -> bool:
    """Whether at least half the letters of ``text``'s opening are Latin (true of a
    text with no letters: nothing says otherwise)."""
    letters = [c for c in text[:_SAMPLE_CHARS] if c.isalpha()]
    return sum(1 for c in letters if _is_latin(c)) * 2 >= len(letters)


def language_of_script(text: str) -> str:
    """The summarisers' name for the language of ``text``, mostly in a script other
    than Latin, by py3langid; "" when it is none the summarisers read (Arabic, Chinese)
    or py3langid is missing."""
    from digest.summarize.sentences import supported_languages

    tag = _identify(text[:_SAMPLE_CHARS])
    name = next((name for name, known in _TAGS.items() if known == tag), "")
    return name if name in supported_languages() else ""


def _is_latin(char: str) -> bool:
    code = ord(char)
    # Basic Latin to Latin Extended-B, IPA, and Latin Extended Additional (Vietnamese).
    return code < 0x2B0 or 0x1E00 <= code <= 0x1EFF


def _identify(text: str) -> str:
    classify = _classifier()
    return str(classify(text)[0]) if classify is not None else ""


@functools.cache
def _classifier():
    try:
        import py3langid
    except ImportError:
        log.warning("py3langid is not installed: stories in non-Latin scripts carry no language tag")
        return None
    return py3langid.classify
