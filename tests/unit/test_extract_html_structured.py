"""The article body a page gives in its JSON-LD, against the one its markup shows."""

from __future__ import annotations

import json

import pytest

from digest.extract.html import extract_html

STORY = (
    (
        "The county council voted on Tuesday to rebuild the old footbridge over the river, after a two-year campaign by "
        "residents who said the crossing was no longer safe for children walking to school."
    ),
    (
        "Engineers found last spring that two of the bridge's iron supports had rusted through, and the council closed "
        "it in June, sending walkers on a detour of almost a mile along the main road."
    ),
    (
        "The new bridge will be built of steel and timber on the old stone piers, which the survey found to be sound, "
        "and will be wide enough for bicycles and pushchairs to pass each other."
    ),
    (
        "Work is due to start in March and to take about eight months, during which a temporary crossing will be "
        "put up a little way downstream, the council's head of highways told the meeting."
    ),
    (
        "Residents who had campaigned for the repair filled the public gallery and applauded when the vote was "
        "announced, though some said they would believe it when they saw the first lorry arrive."
    ),
    (
        "The cost, put at 1.4 million pounds, will be shared between the council and a regional transport fund, "
        "which agreed last month to pay for the approach paths on both banks."
    ),
)
TITLE = "Council votes to rebuild the footbridge"
URL = "https://courier.example/news/footbridge"


def _page(dom: str, *, body: str = "\n\n".join(STORY), **article: object) -> str:
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": TITLE,
        "datePublished": "2026-11-20T08:00:00Z",
        "articleBody": body,
        **article,
    }
    return f"""<!doctype html><html><head><title>{TITLE} | The Courier</title>
<script type="application/ld+json">{json.dumps(data)}</script></head>
<body><header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>{TITLE}</h1>{dom}</article></main><footer>© The Courier</footer></body></html>"""


def _paragraphs(page: str) -> tuple[str, ...]:
    article = extract_html(page, url=URL)
    assert article is not None
    return article.paragraphs


def _teaser(*, full: int = 1) -> str:
    cut = STORY[full][:120] + "…"
    shown = "".join(f"<p>{p}</p>" for p in STORY[:full])
    return (
        shown
        + f"<p>{cut}</p><div class='paywall'><p>Subscribe to keep reading. Already a subscriber? Log in.</p></div>"
    )


def test_a_page_built_by_a_script_gives_the_paragraphs_of_its_structured_body():
    assert _paragraphs(_page("<div class='loading'>Loading…</div>")) == STORY


def test_a_teaser_over_a_continue_reading_box_gives_way_to_the_whole_structured_body():
    assert _paragraphs(_page(_teaser(full=1))) == STORY
    assert _paragraphs(_page(_teaser(full=3))) == STORY


def test_a_paywalled_article_keeps_what_the_page_shows_openly():
    for marks in (
        {"isAccessibleForFree": False},
        {"isAccessibleForFree": "False"},
        {"hasPart": {"@type": "WebPageElement", "isAccessibleForFree": "false", "cssSelector": ".paywall"}},
    ):
        shown = _paragraphs(_page(_teaser(full=2), **marks))
        assert shown[:2] == STORY[:2]
        assert not set(STORY[3:]) & set(shown)


@pytest.mark.parametrize(
    "teaser",
    [
        f"<p>{STORY[0]}</p><div class='paywall'><p>Subscribe to keep reading.</p></div>",
        f"<p>{STORY[0][:150]}…</p><div class='paywall'><p>Subscribe to keep reading.</p></div>",
        f"<p>{STORY[0][:100]}…</p>",
        "<p>Subscribe to keep reading.</p>",
    ],
    ids=["paragraph", "cut paragraph", "cut short", "notice alone"],
)
def test_a_paywalled_article_with_a_short_teaser_does_not_give_its_hidden_text(teaser):
    article = extract_html(_page(teaser, isAccessibleForFree=False), url=URL)
    shown = article.paragraphs if article is not None else ()
    assert not set(STORY[1:]) & set(shown)
    assert not any(STORY[1] in paragraph for paragraph in shown)


def test_the_story_the_page_shows_in_full_is_kept():
    dom = "".join(f"<p>{p}</p>" for p in STORY)
    assert _paragraphs(_page(dom)) == STORY
    # one paragraph in the structured data, the same words: the page's paragraphs stay
    assert _paragraphs(_page(dom, body=" ".join(STORY))) == STORY


def test_a_truncated_or_summary_structured_body_does_not_replace_the_story():
    dom = "".join(f"<p>{p}</p>" for p in STORY)
    assert _paragraphs(_page(dom, body=STORY[0][:200] + "...")) == STORY
    assert _paragraphs(_page(dom, body="A bridge will be rebuilt.\n\nWork starts in March.")) == STORY


def test_another_longer_story_in_the_structured_data_does_not_replace_the_story():
    dom = "".join(f"<p>{p}</p>" for p in STORY[:4])
    other = "\n\n".join(
        f"Paragraph {n} of a long report on the port's new container terminal and its cranes." for n in range(40)
    )
    assert _paragraphs(_page(dom, body=other)) == STORY[:4]


def test_a_short_story_the_page_shows_in_full_is_not_replaced_by_another_in_the_structured_data():
    brief = (
        "The library on Mill Street will close for two weeks from Monday while its roof is repaired, the council "
        "said. Books can be returned at the town hall until it reopens on the 14th."
    )
    assert _paragraphs(_page(f"<p>{brief}</p>")) == (brief,)


def test_a_notice_in_place_of_the_story_gives_way_to_the_structured_body():
    assert _paragraphs(_page("<p>Already a subscriber? Log in to continue.</p>")) == STORY


def test_the_structured_body_is_cleaned_as_the_pages_is():
    body = "\n\n".join(
        [
            TITLE,
            "By Dana Reyes",
            *STORY[:3],
            "Sign up for our daily newsletter to get the news in your inbox.",
            *STORY[3:],
        ]
    )
    assert _paragraphs(_page("<div class='loading'>Loading…</div>", body=body)) == STORY


def test_markup_in_the_structured_body_is_read_as_paragraphs():
    body = "".join(f"<p>{p.replace('pounds', '&pound;')}</p>" for p in STORY)
    found = _paragraphs(_page("<div class='loading'>Loading…</div>", body=body))
    assert found == tuple(p.replace("pounds", "£") for p in STORY)


@pytest.mark.parametrize("marks", [{}, {"isAccessibleForFree": False}], ids=["free", "paywalled"])
def test_a_story_the_page_runs_together_gets_the_paragraphs_of_its_structured_body(marks):
    assert _paragraphs(_page(f"<p>{' '.join(STORY)}</p>", **marks)) == STORY
