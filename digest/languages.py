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

__all__ = ["language_tag"]

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
    letters = [c for c in sample if c.isalpha()]
    latin = sum(1 for c in letters if _is_latin(c))
    default = resolve_language(default)
    if latin * 2 >= len(letters):  # no letters at all: nothing says otherwise
        found = detect_language(sample, default=default)
        if found == default:
            return _TAGS.get(default, "")
        # Clearly not the default; which language, the model tells better than stop words
        # that neighbours share ("la", "de" are French, Italian and Spanish).
        return _identify(sample) or _TAGS.get(found, "")
    return _identify(sample) or _TAGS.get(default, "")


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
