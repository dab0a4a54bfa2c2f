from __future__ import annotations

import random
import re

import pytest

from digest.extract.html_paragraphs import _APPEAL_PHRASES, _BOILERPLATE_PHRASES, _TO_THE_READER
from digest.extract.prefilter import Prefiltered, needed_literals


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"(?i)\bfoo\b|BAR", {"foo", "bar"}),
        (r"sign\ up\ (?:for|to)", {"sign up "}),
        (r"x|[ab]c", {"x", "c"}),
        # an alternative without a literal run: nothing can be said
        (r"foo|\d+", None),
        (r"foo|(?:bar)?", None),
        # an alternative that needs a character no ASCII text holds cannot match one
        (r"\bnews|اشترك", {"news"}),
        ("ニュースレター", set()),
        # ignoring case, "ı" may stand for "i" and "ſ" for "s": they only end a run
        (r"(?i)ıt", {"t"}),
        (r"(?i)ſtreet", {"treet"}),
        (r"(?i)k\u212aey", {"ey"}),  # the longest run
    ],
)
def test_the_literals_an_expression_needs(pattern, needs):
    found = needed_literals(re.compile(pattern))
    assert (None if found is None else set(found)) == needs


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"^Comments|article-comments", {"Comments", "article-comments"}),
        (r"^[Cc]omment(?!ary)", {"omment"}),
        (r"(^|\s)bottom|bottom(\s|$)", {"bottom"}),
        (r"\bnews|اشترك", {"news", "اشترك"}),
        # ignoring case, anywhere: nothing can be said of the letters' case
        (r"(?i)cookie", None),
        (r"(?i:cookie)|consent", None),
        (r"(?i:cookie)-consent", {"-consent"}),
    ],
)
def test_the_literals_an_expression_needs_as_they_are(pattern, needs):
    found = needed_literals(re.compile(pattern), fold_case=False)
    assert (None if found is None else set(found)) == needs


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"(?i)\bsign\ up\b", "SIGN UP today"),
        (r"(?i)\bphotos?\ by\b", "Photos By Ana Ruiz"),
        (r"(?i)ıt", "IT"),
        (r"(?i)ſtreet", "STREET"),
        (r"(?i)key", "KEY"),
    ],
)
def test_a_match_in_any_case_is_still_found(pattern, text):
    assert Prefiltered(re.compile(pattern)).search(text) is not None


def _random_texts(rng: random.Random, words: list[str], count: int) -> list[str]:
    texts = []
    for _ in range(count):
        picked = [rng.choice(words) for _ in range(rng.randint(1, 12))]
        text = rng.choice([" ", " ", ", ", ". ", " — ", "\n"]).join(picked)
        texts.append(rng.choice([str.lower, str.upper, str.title, str.capitalize])(text))
    return texts


@pytest.mark.parametrize(
    "pattern", [_APPEAL_PHRASES, _BOILERPLATE_PHRASES, _TO_THE_READER], ids=lambda p: p.pattern[:30]
)
def test_the_filtered_search_finds_what_the_expression_finds(pattern):
    """On texts built from the words the appeal and boilerplate expressions look for (and others,
    in any case, ASCII or not), the filtered search answers as the expression does."""
    words = [
        *[
            "newsletter",
            "newsletters",
            "subscribe",
            "to",
            "sign",
            "up",
            "for",
            "follow",
            "us",
            "on",
            "twitter",
            "facebook",
            "@desk",
            "her",
            "him",
            "them",
        ],
        *[
            "contributed",
            "to",
            "this",
            "report",
            "delivered",
            "your",
            "inbox",
            "all",
            "rights",
            "reserved",
            "photo",
            "photos",
            "by",
            "courtesy",
        ],
        *[
            "credit",
            "image",
            "getty",
            "images",
            "picture",
            "(photo:",
            "abonnieren",
            "abonnez-vous",
            "únete",
            "apóyanos",
            "unterstützen",
            "sie",
        ],
        *[
            "this",
            "article",
            "you",
            "we",
            "our",
            "join",
            "register",
            "click",
            "tap",
            "get",
            "the",
            "city",
            "council",
            "voted",
            "on",
            "tuesday",
        ],
        *["ニュースレター", "点击关注", "ادعمنا", "הירשמו", "naïve", "café", "ſign", "İmage", "photograph"],
    ]
    rng = random.Random(3)
    filtered = Prefiltered(pattern)
    matched = 0
    for text in _random_texts(rng, words, 4000):
        expected = pattern.search(text)
        found = filtered.search(text)
        assert (found is None) == (expected is None), text
        assert found is None or expected is None or found.span() == expected.span()
        matched += expected is not None
    assert 200 < matched < 3800
