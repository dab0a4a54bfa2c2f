"""Summary sentence checks: what a summary of a real page must never show.

Each article our extractor finds (HTML path and text-scrape path) is summarised
with the default algorithm, 3 sentences, and every summary sentence is checked
for the kinds of failure seen on real pages:

- ``furniture``: page furniture rather than article text: a copyright or
  rights line, an appeal to subscribe, sign up, log in, download or follow,
  an advertisement's "apply now" / "shop now", a "read more" or "more from"
  line, a list of tags or categories;
- ``code_or_table``: a line of code, maths or a table row (cells split by
  ``|`` or box-drawing bars, or dense in code symbols);
- ``colon_end``: a fragment ending in a colon ("...broke the news:");
- ``unresolved_pronoun``: a sentence opening with a pronoun ("Their", "Them",
  "He", ...) whose sentence before it in the body is not in the summary;
- ``footnote_marker``: a footnote number glued to a word (``concept,1``,
  ``word.12``), a bracketed reference (``[3]``), a superscript digit or a
  caret marker (``^22``).

These are the bench's own patterns, written apart from the summariser's
filters so the counts measure them rather than repeat them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from digest.models import Article
from digest.summarize.algorithms import summarize
from digest.summarize.sentences import split_sentences

CHECKS = ("furniture", "code_or_table", "colon_end", "unresolved_pronoun", "footnote_marker")

_FURNITURE = re.compile(
    r"©|\bcopyright\b|\ball rights reserved\b"
    r"|\b(?:subscribe|sign up|sign in|log in|newsletter|create an account|download (?:the|our) app"
    r"|follow us|click here|apply now|shop now|buy now|learn more|read more|more from|see more"
    r"|from other authors|share this|advertisement|sponsored content|cookie policy|privacy policy)\b"
    r"|^(?:tags|tagged|filed under|categories|category|posted in|related)\s*:",
    re.IGNORECASE,
)
_TABLE = re.compile(r"\|.*\||[│┃┆║]")
_CODE_START = re.compile(
    r"^(?:\$ |>>> |#include\b|import \w|from \w+ import\b|def \w+\(|class \w+[(:]|(?:const|let|var) \w+ ="
    r"|SELECT\s|return\b.*;$)"
)
_CODE_SYMBOLS = "{}[]<>=;$_\\|`#*&%~^"
_LATEX = re.compile(r"\\(?:frac|sum|int|sqrt|alpha|beta|mathbb|mathrm|left|right)\b|[_^]\{")
# Not "it" and "this": they open many a sound sentence ("It is raining", "This year").
_PRONOUNS = frozenset(
    ["he", "she", "they", "them", "their", "theirs", "his", "her", "hers", "him", "its", "these", "those"]
)
_FIRST_WORD = re.compile(r"^[\"'“‘(\[]*([^\W\d_]+)")
_FOOTNOTE = re.compile(r"[^\W\d_][,.;:)\]”’\"]\d{1,3}(?=\s|$)|\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]|\^\d")


def sentence_problems(sentence: str, *, antecedent_in_summary: bool) -> list[str]:
    """Which checks ``sentence`` fails; ``antecedent_in_summary``: the body's sentence before it is in the summary."""
    text = sentence.strip()
    found = []
    if _FURNITURE.search(text):
        found.append("furniture")
    symbols = sum(map(text.count, _CODE_SYMBOLS))
    if (
        _TABLE.search(text)
        or _CODE_START.match(text)
        or _LATEX.search(text)
        or (symbols >= 3 and symbols >= 0.08 * len(text))
    ):
        found.append("code_or_table")
    if text.endswith(":"):
        found.append("colon_end")
    first = _FIRST_WORD.match(text)
    if first and first.group(1).casefold() in _PRONOUNS and not antecedent_in_summary:
        found.append("unresolved_pronoun")
    if _FOOTNOTE.search(text):
        found.append("footnote_marker")
    return found


@dataclass
class CheckCounts:
    articles: int = 0
    sentences: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    pages: dict[str, list[str]] = field(default_factory=dict)  # page id -> the checks its summary failed

    def as_dict(self) -> dict:
        return {
            "articles": self.articles,
            "sentences": self.sentences,
            **{check: self.problems[check] for check in CHECKS},
            "pages": self.pages,
        }


def check_summary(article: Article, sentences: tuple[str, ...]) -> list[str]:
    """The problems of each sentence of a summary of ``article``, flattened."""
    body = [s for p in article.paragraphs for s in split_sentences(p)]
    position = {s: i for i, s in reversed(list(enumerate(body)))}
    chosen = set(sentences)
    problems = []
    for sentence in sentences:
        index = position.get(sentence)
        before = body[index - 1] if index else None
        problems += sentence_problems(sentence, antecedent_in_summary=before in chosen)
    return problems


def check_articles(articles: Iterable[tuple[str, Article | None]]) -> CheckCounts:
    """Summarise each (page id, article) with the default algorithm and count the problems."""
    counts = CheckCounts()
    for page_id, article in articles:
        if article is None:
            continue
        sentences = summarize(article).sentences
        counts.articles += 1
        counts.sentences += len(sentences)
        problems = check_summary(article, sentences)
        counts.problems.update(problems)
        if problems:
            counts.pages[page_id] = problems
    return counts


def format_checks(rows: dict[str, CheckCounts]) -> str:
    header = f"{'set, path':<30} {'articles':>8} {'sentences':>9} " + " ".join(f"{c:>18}" for c in CHECKS)
    lines = ["summary sentence checks (default summariser, 3 sentences): sentences failing each", header]
    lines.append("-" * len(header))
    for label, counts in rows.items():
        lines.append(
            f"{label:<30} {counts.articles:8d} {counts.sentences:9d} "
            + " ".join(f"{counts.problems[c]:18d}" for c in CHECKS)
        )
    return "\n".join(lines)
