"""The page's own article read from its schema.org JSON-LD."""

from __future__ import annotations

import json

import pytest

from digest.extract.html_parse import load_html
from digest.extract.structured import body_paragraphs, linked_data, main_article

PARAGRAPHS = (
    "The ferry company said on Monday that the winter timetable would keep two crossings a day to the islands.",
    "Islanders had feared that the morning boat would be cut, leaving children no way to reach the school in time.",
    "The company's chief executive said the decision would be reviewed in the spring, once the new vessel arrives.",
)
BODY = "\n\n".join(PARAGRAPHS)
TITLE = "Ferry keeps two winter crossings to the islands"
URL = "https://harbour.example/news/ferry-winter-timetable"


def _page(*scripts: object, raw: tuple[str, ...] = ()) -> str:
    texts = [json.dumps(script) for script in scripts] + list(raw)
    tags = "".join(f'<script type="application/ld+json">{text}</script>' for text in texts)
    return f"<!doctype html><html><head><title>{TITLE}</title>{tags}</head><body><p>Loading…</p></body></html>"


def _article(*, kind: object = "NewsArticle", body: str = BODY, **more: object) -> dict:
    return {"@context": "https://schema.org", "@type": kind, "headline": TITLE, "articleBody": body, **more}


def _read(page: str, *, title: str = TITLE, url: str = URL):
    return main_article(linked_data(load_html(page)), title=title, url=url)


@pytest.mark.parametrize("kind", ["NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle", ["NewsArticle"]])
def test_the_body_of_an_article_is_read_as_its_paragraphs(kind):
    found = _read(_page(_article(kind=kind)))
    assert found is not None
    assert found.paragraphs == PARAGRAPHS
    assert not found.paywalled


@pytest.mark.parametrize(
    "wrap",
    [
        lambda article: {"@context": "https://schema.org", "@graph": [{"@type": "WebSite", "name": "x"}, article]},
        lambda article: [{"@type": "Organization", "name": "Harbour News"}, article],
        lambda article: {"@type": "WebPage", "mainEntity": article},
        lambda article: {"@graph": [{"@type": "WebPage", "mainEntity": {"@type": "Thing", "about": article}}]},
    ],
    ids=["graph", "list", "main entity", "deeper"],
)
def test_the_article_is_found_wherever_it_is_nested(wrap):
    found = _read(_page(wrap(_article())))
    assert found is not None
    assert found.paragraphs == PARAGRAPHS


def test_single_line_breaks_part_paragraphs_and_a_body_without_any_is_one():
    assert body_paragraphs("One.\nTwo.\r\nThree.\n\n\nFour.") == ("One.", "Two.", "Three.", "Four.")
    assert body_paragraphs("  One long   paragraph without breaks.  ") == ("One long paragraph without breaks.",)


def test_markup_in_the_body_is_read_as_text():
    body = (
        "<p>The ferry &amp; the tug left at <b>six</b>.</p><p>Then the &#8220;wind&#8221; rose.<br>It rained.</p>"
        "<script>document.write('tracking')</script><style>p { color: red }</style><p>x &lt; y</p>"
    )
    assert body_paragraphs(body) == ("The ferry & the tug left at six.", "Then the “wind” rose.", "It rained.", "x < y")


def test_entities_in_a_plain_body_are_decoded_once():
    assert body_paragraphs("Fish &amp; chips &#8217;n&#8217; peas, &amp;amp; more") == (
        "Fish & chips ’n’ peas, &amp; more",
    )
    assert body_paragraphs("If a < b and c > d, then so be it.") == ("If a < b and c > d, then so be it.",)


def test_the_pages_own_article_is_told_from_others_by_its_headline_or_url():
    other = _article(body="A story about something else.\n\nAnd more of it.", headline="Bus fares rise in January")
    by_title = _read(_page(other, _article()))
    assert by_title is not None and by_title.paragraphs == PARAGRAPHS
    own = _article(headline="Winter timetable", url=URL + "/")
    by_url = _read(_page(other, own))
    assert by_url is not None and by_url.paragraphs == PARAGRAPHS
    entity = _article(headline="Winter timetable", mainEntityOfPage={"@id": URL.replace("https", "http")})
    assert _read(_page(other, entity)) is not None


def test_another_article_nested_in_the_pages_own_is_not_taken_for_it():
    related = _article(headline="Bus fares rise in January", body="Another story.\n\nAbout buses.")
    own = {"@type": "NewsArticle", "headline": "Winter timetable", "relatedLink": [related]}
    assert _read(_page(own)) is None


def test_the_article_is_told_apart_across_the_pages_scripts():
    related = _article(headline="Bus fares rise in January", body="Another story.\n\nAbout buses.")
    own = {"@type": "NewsArticle", "headline": "Winter timetable", "url": "https://harbour.example/other"}
    assert _read(_page(own, related)) is None
    marked = {"@type": "NewsArticle", "headline": TITLE, "isAccessibleForFree": False}
    found = _read(_page(marked, _article()))
    assert found is not None and found.paywalled


def test_articles_the_page_does_not_tell_apart_give_nothing():
    first = _article(headline="One story", body="First.\n\nStory.")
    second = _article(headline="Another story", body="Second.\n\nStory.")
    assert _read(_page(first, second)) is None


def test_the_same_article_given_twice_is_one():
    assert _read(_page(_article(), {"@graph": [_article()]})) is not None


@pytest.mark.parametrize(
    "marks",
    [
        {"isAccessibleForFree": False},
        {"isAccessibleForFree": "False"},
        {"isAccessibleForFree": "false"},
        {"hasPart": {"@type": "WebPageElement", "isAccessibleForFree": "false", "cssSelector": ".paywall"}},
        {"hasPart": [{"@type": "WebPageElement", "isAccessibleForFree": False, "cssSelector": ".paid"}]},
    ],
)
def test_an_article_not_accessible_for_free_is_paywalled(marks):
    found = _read(_page(_article(**marks)))
    assert found is not None and found.paywalled


def test_an_article_accessible_for_free_is_not_paywalled():
    found = _read(_page(_article(isAccessibleForFree="True")))
    assert found is not None and not found.paywalled


@pytest.mark.parametrize(
    "raw",
    [
        '{"@type": "NewsArticle", "articleBody": "cut',
        "not json at all",
        "",
        "[" * 100_000 + "]" * 100_000,
        json.dumps({"@type": "NewsArticle", "articleBody": 42}),
        json.dumps({"@type": "NewsArticle", "articleBody": ["a", "b"]}),
        json.dumps({"@type": "NewsArticle", "articleBody": "   "}),
        json.dumps({"@type": "Recipe", "articleBody": BODY}),
        json.dumps({"@type": "NewsArticle", "articleBody": "x" * 2_000_000}),
    ],
    ids=["cut", "not json", "empty", "deep", "number", "list", "blank", "not an article", "huge"],
)
def test_a_script_that_gives_no_body_gives_nothing(raw):
    assert _read(_page(raw=(raw,))) is None


def test_a_deeply_nested_document_is_read_without_error():
    depth = 500  # parsed, but read only so deep
    raw = '{"@type": "WebPage", "hasPart": ' * depth + json.dumps(_article()) + "}" * depth
    assert _read(_page(raw=(raw,))) is None
    wide = json.dumps([{"@type": "Thing", "name": str(n)} for n in range(100_000)] + [_article()])
    assert _read(_page(raw=(wide,))) is None


def test_a_body_with_a_raw_line_break_and_a_commented_wrapper_is_read():
    raw = '<!--\n{"@type": "NewsArticle", "headline": "x", "articleBody": "First line.\nSecond line."};\n-->'
    found = _read(_page(raw=(raw,)))
    assert found is not None
    assert found.paragraphs == ("First line.", "Second line.")


def test_a_script_is_parsed_once_however_often_it_is_asked_for():
    data = linked_data(load_html(_page(_article())))
    first = list(data.documents(holding="articleBody"))
    assert first and next(iter(data.documents(holding="articleBody"))) is first[0]
    assert list(data.documents(holding="liveBlogUpdate")) == []
