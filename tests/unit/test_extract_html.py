from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.errors import ExtractError
from digest.extract.html import decode_html, extract_html
from digest.extract.html_paragraphs import clean_paragraphs
from digest.models import Article

BODY = (
    (
        "The city council voted on Tuesday to turn the old rail yard into a public park, ending a decade of argument "
        "over what should happen to the land beside the river."
    ),
    (
        "Council members approved the plan by seven votes to two after a meeting that ran late into the evening, "
        "with residents filling the chamber and the corridor outside it."
    ),
    (
        "The park will include a playground, a community garden and a path along the water, according to documents "
        "published by the planning department ahead of the vote."
    ),
    (
        "Supporters said the project would give the neighbourhood its first large green space, while opponents argued "
        "that the site should have been used for much-needed housing instead."
    ),
    "Construction is expected to begin next spring and to take about two years, the mayor said after the meeting.",
)

ARTICLE_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Council backs riverside park plan | The Riverside Gazette</title>
  <meta property="og:title" content="Council backs riverside park plan | The Riverside Gazette">
  <meta property="og:site_name" content="The Riverside Gazette">
  <meta property="og:image" content="{image}">
  <meta name="description" content="A decade-long fight over the old rail yard ends in a vote for green space.">
  <meta name="author" content="Jane Example">
  <meta property="article:published_time" content="2024-03-05T18:30:00+01:00">
</head>
<body>
  <nav><ul>
    <li><a href="/">Home</a></li><li><a href="/news">News</a></li>
    <li><a href="/sport">Sport</a></li><li><a href="/about">About us</a></li>
  </ul></nav>
  <main>
    <article>
      <h1>Council backs riverside park plan</h1>
      <p class="byline">By Jane Example</p>
      {paragraphs}
      <div class="share">
        <a href="https://twitter.com/share">Share on Twitter</a>
        <a href="https://facebook.com/share">Share on Facebook</a>
      </div>
      <p>Read more: Mayor promises new bus routes for the east side</p>
    </article>
    <aside class="related">
      <h2>Related stories</h2>
      <ul>
        <li><a href="/a">Rail yard sale falls through again</a></li>
        <li><a href="/b">Residents ask for more parks in the city</a></li>
        <li><a href="/c">Housing shortage worsens, report finds</a></li>
      </ul>
    </aside>
  </main>
  <footer>
    <p>Subscribe to our daily newsletter to get the news delivered to your inbox.</p>
    <p>Copyright 2024 The Riverside Gazette. All rights reserved.</p>
  </footer>
</body>
</html>
"""


def article_page(*, image: str = "/images/park.jpg") -> str:
    paragraphs = "\n      ".join(f"<p>{p}</p>" for p in BODY)
    return ARTICLE_PAGE.format(image=image, paragraphs=paragraphs)


@pytest.fixture(scope="module")
def article() -> Article:
    found = extract_html(article_page(), url="https://gazette.example/news/park", source="gazette")
    assert found is not None
    return found


def test_article_keeps_the_body_and_only_the_body(article):
    assert article.paragraphs == BODY


def test_title_loses_the_site_suffix(article):
    assert article.title == "Council backs riverside park plan"


def test_metadata(article):
    assert article.url == "https://gazette.example/news/park"
    assert article.source == "gazette"
    assert article.authors == ("Jane Example",)
    assert article.published == datetime(2024, 3, 5, 17, 30, tzinfo=UTC)
    assert article.image == "https://gazette.example/images/park.jpg"
    assert article.standfirst == "A decade-long fight over the old rail yard ends in a vote for green space."
    assert article.warnings == ()


def test_page_without_an_article_gives_none():
    page = """<!DOCTYPE html><html><head><title>Gazette - Home</title></head><body>
      <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/login">Log in</a></li></ul></nav>
      <footer><p>Copyright 2024 The Riverside Gazette</p></footer></body></html>"""
    assert extract_html(page, url="https://gazette.example/") is None


def test_empty_input_gives_none():
    assert extract_html("") is None
    assert extract_html(b"   ") is None


def test_latin1_bytes_follow_the_meta_charset():
    text = (
        "Le conseil municipal a voté mardi la création d'un parc public sur l'ancienne gare de triage, "
        "après dix années de débats sur l'avenir du terrain situé au bord de la rivière."
    )
    more = " ".join(
        f"<p>{sentence}</p>"
        for sentence in (
            "Les élus ont approuvé le projet par sept voix contre deux, à l'issue d'une séance très animée.",
            "Le parc comprendra une aire de jeux, un jardin partagé et une promenade le long de l'eau.",
            "Les travaux doivent commencer au printemps prochain et durer environ deux ans, a précisé le maire.",
        )
    )
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        "<title>Un parc pour la gare</title></head><body><article>"
        f"<h1>Un parc pour la gare</h1><p>{text}</p>{more}</article></body></html>"
    ).encode("latin-1")
    with pytest.raises(UnicodeDecodeError):
        page.decode("utf-8")

    found = extract_html(page, url="https://journal.example/parc")

    assert found is not None
    assert found.paragraphs[0] == text
    assert "é" in found.text and "\ufffd" not in found.text


def test_javascript_image_is_dropped():
    found = extract_html(article_page(image="javascript:alert(1)"), url="https://gazette.example/news/park")
    assert found is not None
    assert found.image is None


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Москва — столица России, крупнейший по численности населения город страны.", "cp1251"),
        ("東京は日本の首都であり、世界有数の大都市である。人口は約千四百万人。", "shift_jis"),
        ("Η Αθήνα είναι η πρωτεύουσα και η μεγαλύτερη πόλη της Ελλάδας.", "cp1253"),
        ("L’été dernier, la municipalité a rénové l’école – un succès « énorme ». Très élevé.", "cp1252"),
        ("Die Straße wird für den Verkehr gesperrt, sagte der Bürgermeister.", "cp1252"),
    ],
)
def test_an_undeclared_page_in_another_script_is_read_in_its_encoding(text, encoding):
    """Declared nowhere and not UTF-8: a page mostly in a non-Latin script is read in the
    encoding its bytes fit; one in a Latin script stays windows-1252, as browsers read it."""
    page = f"<html><head><title>t</title><script>var a = 1;</script></head><body><p>{text * 8}</p></body></html>"
    assert decode_html(page.encode(encoding)) == page


def test_decode_html_prefers_bom_then_meta_then_utf8():
    assert decode_html("\ufeff<p>café</p>".encode("utf-8")) == "<p>café</p>"
    assert decode_html('<meta charset="windows-1252"><p>caf\xe9</p>'.encode("cp1252")).endswith("café</p>")
    assert decode_html("<p>café</p>".encode()) == "<p>café</p>"
    assert decode_html("<p>caf\xe9</p>".encode("latin-1")) == "<p>café</p>"  # undeclared, not UTF-8


def test_binary_bytes_are_an_extract_error():
    with pytest.raises(ExtractError):
        extract_html(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_clean_paragraphs_drops_headers_and_boilerplate():
    paragraphs = [
        "Council backs riverside park plan",
        "March 5, 2024 - 18:30",
        BODY[0],
        "Advertisement",
        BODY[1],
        "Related: Rail yard sale falls through again",
        BODY[2],
        "Jane Roe contributed to this report.",
        "Follow us on Twitter and Facebook",
        "You may also like",
        "- Residents ask for more parks",
        "- Housing shortage worsens",
    ]
    assert clean_paragraphs(paragraphs, title="Council backs riverside park plan") == BODY[:3]


@pytest.mark.parametrize(
    "title", ["Council backs riverside park plan!", "Will the riverside park open by spring?", "Park plan (at last!)"]
)
def test_the_headline_repeated_at_the_top_goes_whatever_it_ends_with(title):
    assert clean_paragraphs([title, *BODY[:2]], title=title) == BODY[:2]
    # A sentence of the body that shares the headline's words stays.
    assert clean_paragraphs([BODY[0], title.rstrip("!?)") + " is the question.", BODY[1]], title=title)[1].endswith(
        "question."
    )


def test_a_section_label_over_the_headline_and_the_authors_name_go_but_a_short_heading_stays():
    title = "Council backs riverside park plan"
    top = ["Interviews", title, "Dana Whitcombe", *BODY[:2]]
    assert clean_paragraphs(top, title=title, authors="Dana Whitcombe; Ali Rahman") == BODY[:2]
    # Without the author named in the metadata, a name is not known to be one.
    assert clean_paragraphs(top, title=title)[0] == "Dana Whitcombe"
    # A short heading of the body, with no headline under it, is the body's.
    assert clean_paragraphs(["Background", *BODY[:2]], title=title) == ("Background", *BODY[:2])


def test_clean_paragraphs_keeps_a_lede_that_repeats_the_description():
    lede = BODY[0]
    assert clean_paragraphs([lede, BODY[1]], title="Park plan", description=lede) == (lede, BODY[1])


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("山田太郎 ·", ("山田太郎",)),
        ("محمد علي |", ("محمد علي",)),
        ("Anna Schmidt ·", ("Anna Schmidt",)),
        ("Anna Schmidt · Staff Writer", ("Anna Schmidt",)),
        ("Ann Lee; Bo Chen", ("Ann Lee", "Bo Chen")),
    ],
)
def test_an_author_written_with_the_meta_lines_separator_keeps_none_of_it(written, expected):
    from digest.extract.html_meta import split_authors

    assert split_authors(written) == expected


@pytest.mark.parametrize(
    ("title", "site_names", "headings", "expected"),
    [
        # the site named by its host, by a name repeated at both ends, by its logo's text
        ("Park plan approved - Gazette", ("gazette.example",), (), "Park plan approved"),
        ("Gazette Online | Park plan approved | Gazette Online", (), (), "Park plan approved"),
        ("River Gazette: Park plan approved", ("River Gazette",), (), "Park plan approved"),
        # after a leading site name, a section's name goes too; before a trailing one it may be the headline's
        ("River Gazette » Local » Park plan approved", ("River Gazette",), (), "Park plan approved"),
        ("Park plan: the vote - at last - River Gazette", ("River Gazette",), (), "Park plan: the vote - at last"),
        # a heading on the page picks the headline out of the parts
        ("Weekly | Issue 9 | Park plan approved by council", (), ("park plan approved by council",), None),
        ("Park plan approved by council | Weekly", (), ("weekly", "park plan approved by council"), None),
        # a heading that is not the longest part is a section's or the site's name, not the headline
        ("News | Park plan approved by council", (), ("news",), "News | Park plan approved by council"),
    ],
)
def test_clean_title_keeps_the_headline_of_a_title(title, site_names, headings, expected):
    from digest.extract.html_meta import clean_title

    found = clean_title(title, site_names=site_names, headings=frozenset(headings))
    assert found == (expected or "Park plan approved by council")


def test_the_elements_that_may_be_hidden_are_those_with_a_hidden_or_style_attribute():
    from digest.extract.html_parse import load_html
    from digest.extract.html_prepare import _MAY_BE_HIDDEN

    tree = load_html(
        "<html style='x'><body><div hidden><p style='display:none'>a<span style=''>b</span></p></div>"
        "<!-- c --><section><p hidden=''>d</p><p>e</p><ul><li style='color:red' hidden>f</li></ul></section>"
        "<p data-style='x' class='hidden'>g</p></body></html>"
    )
    assert tree is not None
    expected = [e for e in tree.iter() if e.get("hidden") is not None or e.get("style") is not None]
    assert [e.tag for e in expected] == ["html", "div", "p", "span", "p", "li"]
    assert _MAY_BE_HIDDEN(tree) == expected
