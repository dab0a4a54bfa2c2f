"""extract_html on the kinds of page that broke it on the open web: the mode cascade,
broken markup, table rows, footnote markers, publishers and wire credits as bylines."""

from __future__ import annotations

import random
import re

import pytest

import digest.extract.html as html_module
from digest.extract.html import extract_html
from digest.extract.html_meta import split_authors
from digest.extract.html_paragraphs import clean_paragraphs
from digest.extract.html_render import render_text
from digest.extract.html_text import strip_footnote_markers

STORY = [
    (
        "The harbour authority in Kestrel Bay approved a plan on Tuesday to dredge the old fishing channel, ending "
        "three years of argument between the ferry operators and the town's shellfish farmers."
    ),
    (
        "The channel has silted up so badly since the storms of 2021 that the larger ferry can only cross it for two "
        "hours either side of high water, which has cut the winter timetable almost in half."
    ),
    (
        "Shellfish farmers had warned that dredging would stir up sediment over the oyster beds north of the pier, "
        "and the approved plan limits the work to the six weeks after the harvest ends in March."
    ),
    (
        "The work will cost about 2.4 million, most of it from a regional transport fund, and the authority expects "
        "the first sailings on the full timetable to run again by the start of the summer season."
    ),
    (
        "Ferry passengers have complained for two winters about cancelled crossings, and the operators say they have "
        "lost a fifth of their regular travellers to the longer road around the bay."
    ),
]
BIO = (
    "Maren Okafor covers the harbour, the ferries and the islands for the Courier. She has lived in Kestrel Bay "
    "since 2009 and sails whenever the tide allows."
)
MENU = "\n".join(
    ["Home", "News", "Harbour", "Ferries", "Islands", "Sport", "Weather", "Opinion", "Letters", "Obituaries"] * 6
)


def page(body: str, *, head: str = "") -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Dredging approved | Kestrel Bay Courier</title>"
        f"<meta property='og:site_name' content='Kestrel Bay Courier'>{head}</head><body>{body}</body></html>"
    )


STORY_PAGE = page("<article><h1>Dredging approved</h1>" + "".join(f"<p>{p}</p>" for p in STORY) + "</article>")


@pytest.fixture
def modes(monkeypatch):
    """Make trafilatura's modes return the given texts: {(precision, fast): text}."""

    def install(texts: dict[tuple[bool, bool], str]) -> list[tuple[bool, bool]]:
        calls: list[tuple[bool, bool]] = []

        def fake_body(tree, *, url, precision, fast):
            calls.append((precision, fast))
            return texts.get((precision, fast), "")

        monkeypatch.setattr(html_module, "_body", fake_body)
        return calls

    return install


# --- the cascade of modes -------------------------------------------------------


LONG_STORY = STORY + [f"{p[:-1]}, the harbour master added in part {n}." for n, p in enumerate(STORY, 2)]
LONG_PAGE = page("<article>" + "".join(f"<p>{p}</p>" for p in LONG_STORY) + "</article>")


def test_one_part_of_a_long_page_takes_the_balanced_mode_that_holds_it(modes):
    calls = modes({(True, True): "\n".join(STORY[:3]), (False, True): "\n".join(LONG_STORY)})
    article = extract_html(LONG_PAGE)
    assert article is not None
    assert article.paragraphs == tuple(LONG_STORY)
    assert (False, True) in calls


def test_a_long_fast_body_is_kept_when_the_page_has_no_more_text(modes):
    calls = modes({(True, True): "\n".join(STORY), (False, True): "\n".join([*STORY, BIO])})
    article = extract_html(STORY_PAGE)
    assert article is not None
    assert article.paragraphs == tuple(STORY)
    assert calls == [(True, True)]


def test_a_fast_body_that_is_a_menu_sends_the_cascade_on(modes):
    modes({(True, True): MENU, (True, False): MENU, (False, False): "\n".join(STORY)})
    article = extract_html(STORY_PAGE)
    assert article is not None
    assert article.paragraphs == tuple(STORY)


def test_a_short_bio_never_replaces_the_post(modes):
    modes({(True, True): "\n".join(STORY[:3]), (True, False): "\n".join(STORY[:3]), (False, False): BIO})
    article = extract_html(STORY_PAGE)
    assert article is not None
    assert article.paragraphs == tuple(STORY[:3])


def test_a_thin_body_gives_way_to_the_text_rendering_that_holds_the_story(modes):
    modes({(True, True): STORY[0][:120], (True, False): STORY[0][:120], (False, False): BIO})
    article = extract_html(STORY_PAGE)
    assert article is not None
    assert article.paragraphs == tuple(STORY)
    assert "body read from a text rendering of the page" in article.warnings


# --- broken markup ------------------------------------------------------------------


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(
            "<!DOCTYPE html><html><head><title>Dredging approved</title></head></html>\n<body>{body}</body>",
            id="early-end-of-html",
        ),
        pytest.param(
            "<!DOCTYPE html><html><head><title>Dredging approved</title><!-- ad slot </head><body>{body}</body>",
            id="unclosed-comment-in-head",
        ),
    ],
)
def test_broken_markup_is_read_from_a_text_rendering(broken):
    body = "<h1>Dredging approved</h1>" + "".join(f"<p>{p}</p>" for p in STORY)
    if "<!-- ad slot" in broken:
        body = "--> " + body  # the comment closes at last, where a browser would close it
    article = extract_html(broken.format(body=body))
    assert article is not None
    assert article.paragraphs == tuple(STORY)


def test_text_rendering_keeps_blocks_and_list_items_apart():
    text = render_text(
        "<html><head><title>x</title><script>var a = '<p>no</p>';</script></head>"
        "<body><h1>Title</h1><p>One &amp; two.</p><ul><li>first</li><li>second</li></ul>"
        "<p>Line<br>break</p><!-- hidden --></body></html>"
    )
    assert text == "Title\n\nOne & two.\n\n  * first\n\n  * second\n\nLine\nbreak"


# --- markup in text -----------------------------------------------------------------


def test_table_rows_lose_their_bars():
    rows = ["| Ferry | Crossings |", "|---|---|", "| Kestrel | 12 |", "| Gull | 8 |", STORY[0]]
    assert clean_paragraphs(rows) == ("Ferry · Crossings", "Kestrel · 12", "Gull · 8", STORY[0])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a first-class concept,1 and then", "a first-class concept, and then"),
        ("the channel silted up.12 The ferry", "the channel silted up. The ferry"),
        ("Dredging[3] began[citation needed].", "Dredging began."),
        ("the harbour¹ and", "the harbour and"),
        ("ranked No.1 in the region, see p.2", "ranked No.1 in the region, see p.2"),
        ("2.4 million in 2019,3 ferries, 10^5 * 300, E=mc²", "2.4 million in 2019,3 ferries, 10^5 * 300, E=mc²"),
    ],
)
def test_footnote_markers_are_removed(text, expected):
    assert strip_footnote_markers(text) == expected


def test_footnote_markers_are_removed_from_the_body():
    glued = STORY[0].replace("shellfish farmers.", "shellfish farmers.2")
    assert clean_paragraphs([glued, *STORY[1:]]) == tuple(STORY)


# --- bylines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("authors", "sitename", "expected"),
    [
        ("Meridian House Media; Maren Okafor", "", ("Maren Okafor",)),
        ("Kestrel Bay Courier; Maren Okafor", "Kestrel Bay Courier", ("Maren Okafor",)),
        ("Maren Okafor Harbour reporter; Ana Ruiz, AP", "", ("Maren Okafor", "Ana Ruiz")),
        ("Maren Okafor; Washington", "", ("Maren Okafor",)),
        ("Ben Okafor Games Editor", "", ("Ben Okafor",)),
        ("Maren Okafor Monday; November", "", ("Maren Okafor",)),
        ("MAREN OKAFOR", "", ("Maren Okafor",)),
        ("Associated Press", "", ()),
        ("Regan", "", ("Regan",)),
    ],
)
def test_bylines_keep_people_not_publishers(authors, sitename, expected):
    assert split_authors(authors, sitename=sitename) == expected


def test_wire_credits_name_the_authors_when_the_page_names_none():
    credits = "(Reporting by Ines Kowalczyk and Daniel Ferreira; Editing by Mark Oduya)"
    article = extract_html(page("<article>" + "".join(f"<p>{p}</p>" for p in [*STORY, credits]) + "</article>"))
    assert article is not None
    assert article.authors == ("Ines Kowalczyk", "Daniel Ferreira")
    assert "Reporting by" not in article.text


# --- the author named in the markup -----------------------------------------------


def _story_with(byline_markup: str) -> str:
    return page(
        "<article><h1>Dredging approved</h1>" + byline_markup + "".join(f"<p>{p}</p>" for p in STORY) + "</article>"
    )


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<a rel='author' href='/maren'>Maren Okafor</a>", "Maren Okafor"),
        ("<p class='byline'>By Maren Okafor <time>12 March 2024</time></p>", "Maren Okafor"),
        ("<span class='story-author-name'>Maren<time>2024</time>Okafor</span>", "MarenOkafor"),
        ("<div class='meta'><span itemprop='author'>Maren Okafor</span></div>", "Maren Okafor"),
        # the specific markup wins over a looser one earlier in the page
        ("<div class='writer-box'>Tomas Reyes</div><span class='author'>Maren Okafor</span>", "Maren Okafor"),
        # names in comments, sidebars and figures are not the article's author
        ("<div id='comments'><span class='author'>A Reader</span></div>", None),
        (
            "<div class='sidebar'><a rel='author'>Tomas Reyes</a></div><p class='byline'>Maren Okafor</p>",
            "Maren Okafor",
        ),
        ("<figure><figcaption class='byline'>Photo: Tomas Reyes</figcaption></figure>", None),
        (
            "<div class='sidebar-left'><p class='byline'>Tomas Reyes</p></div><h4 class='byline'>Maren Okafor</h4>",
            "Maren Okafor",
        ),
        # too short or too long to be a name: the next candidate is read
        ("<span class='author'>MO</span><div class='byline'>Maren Okafor</div>", "Maren Okafor"),
        ("<p class='Byline'>" + "Maren Okafor and the harbour desk " * 5 + "</p>", None),
        ("<p>No byline here at all.</p>", None),
        # links by the thousand carry rel="nofollow": only their class or id may make them a candidate
        ("<p><a rel='nofollow' href='/x'>Tomas Reyes</a></p><span class='author'>Maren Okafor</span>", "Maren Okafor"),
        ("<p><a rel='nofollow' class='author-link'>Maren Okafor</a></p>", "Maren Okafor"),
        ("<div rel='nofollow' class='sidebar'><span class='author'>Tomas Reyes</span></div>", None),
        ("<div rel='nofollow' data-component='Figure'><span class='author'>Tomas Reyes</span></div>", None),
    ],
)
def test_the_author_search_finds_what_trafilaturas_finds(markup, expected):
    """find_author answers as trafilatura's extract_author does, without its passes over a copy of the page."""
    import trafilatura
    from trafilatura.metadata import extract_author

    from digest.extract.html_meta import find_author

    tree = trafilatura.load_html(_story_with(markup))
    assert find_author(tree) == extract_author(tree) == expected


def test_the_test_for_a_footnote_marker_finds_what_its_plain_form_finds():
    """The footnote test opens on its punctuation; it finds a marker exactly where the plain
    expression (a letter, punctuation and a digit; a bracket; a caret and a digit; a superscript) does."""
    from digest.extract.html_text import _MAY_HAVE_MARKER

    plain = re.compile(r"[^\W\d_][.,;:!?)\]”’\"]+\d|\[|\^\d|[¹²³⁴⁵⁶⁷⁸⁹⁰]")
    alphabet = [*'aZé1 .,;:!?)]”’"[^¹²⁰_x9-(', "\u0307", "٣"]
    rng = random.Random(5)
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
        assert (_MAY_HAVE_MARKER.search(text) is None) == (plain.search(text) is None), text
        found += plain.search(text) is not None
    assert 2000 < found < 18000


def test_the_author_search_finds_what_trafilaturas_finds_on_random_markup():
    """Classes repeated across a page, elements with and without the attributes the search reads,
    authors inside and outside sections it prunes: find_author answers as extract_author does."""
    import trafilatura
    from trafilatura.metadata import extract_author

    from digest.extract.html_meta import find_author

    rng = random.Random(11)
    tags = ["div", "span", "p", "a", "section", "h3", "strong", "time", "figure", "li", "author"]
    values = {
        "class": ["byline", "author", "meta", "author-name", "comments", "sidebar", "date", "title", "x", "writer", ""],
        "id": ["author", "comments", "main", "zuozhe", "ProductReviews", ""],
        "itemprop": ["author", "author name", "name"],
        "rel": ["author", "me", "nofollow"],
        "data-testid": ["AuthorCard", "Other"],
        "data-component": ["Byline", "Figure", "Body"],
        "title": ["author", "x"],
    }
    names = ["Maren Okafor", "Tomas Reyes", "Staff", "A very long line of text " * 8, ""]
    found = 0
    for _ in range(150):
        parts = []
        for _ in range(rng.randint(1, 12)):
            tag = rng.choice(tags)
            attributes = "".join(
                f" {name}='{rng.choice(choices)}'" for name, choices in values.items() if rng.random() < 0.25
            )
            inner = rng.choice(names)
            if rng.random() < 0.3:
                inner = f"<span class='{rng.choice(values['class'])}'>{inner}</span> {rng.choice(names)}"
            parts.append(f"<{tag}{attributes}>{inner}</{tag}>")
        tree = trafilatura.load_html(_story_with("".join(parts)))
        expected = extract_author(tree)
        assert find_author(tree) == expected, "".join(parts)
        found += expected is not None
    assert 30 < found < 140


def test_the_author_search_leaves_the_page_unchanged():
    import trafilatura
    from lxml import etree

    from digest.extract.html_meta import find_author

    tree = trafilatura.load_html(_story_with("<p class='byline'>By Maren Okafor <time>12 March 2024</time></p>"))
    before = etree.tostring(tree)
    find_author(tree)
    assert etree.tostring(tree) == before


def test_the_author_search_mirrors_the_installed_trafilatura():
    """With other expressions in trafilatura, find_author falls back to its slower search: measure again."""
    from digest.extract.html_meta import _AUTHOR_SEARCH_MIRRORED

    assert _AUTHOR_SEARCH_MIRRORED


@pytest.mark.parametrize(
    ("title", "sitename"),
    [
        ("Dredging approved | Kestrel Bay Courier", "Kestrel Bay Courier"),
        ("KESTREL BAY COURIER: Dredging approved", "Kestrel Bay Courier"),
        ("Kestrel Bay Courier » Dredging approved – Kestrel Bay Courier", "Kestrel Bay Courier"),
        ("Kestrel Bay Courier | Kestrel Bay Courier", "Kestrel Bay Courier"),
        ("Kestrel Bay Courier", "Kestrel Bay Courier"),
        ("Dredging approved  —·  Courier", "Courier"),
        ("Dredging approved Courier", "Courier"),
        ("Courier-Dredging approved -Courier", "Courier"),
        ("Dredging | approved |Courier", "Courier"),
        ("The ſtrand | The Strand", "The Strand"),
        ("News | ", "News"),
        ("Ferry news | The Courier Weekly", "Courier"),
    ],
)
def test_the_site_name_affix_comes_off_as_the_pattern_takes_it(title, sitename):
    """_strip_site_affix gives what one substitution with a pattern built from the site's name gives."""
    import re

    from digest.extract.html_meta import _strip_site_affix

    site = re.escape(sitename)
    pattern = rf"^{site}\s*[|:\-–—·•»]+\s*|\s*[|:\-–—·•»]+\s*{site}$"
    expected = re.sub(pattern, "", title, flags=re.IGNORECASE) or title
    assert _strip_site_affix(title, sitename=sitename) == expected


def test_footnote_markers_deep_in_a_long_paragraph_go_and_numbered_abbreviations_stay():
    sentence = "The channel was dredged in 1998,4 as the survey in Fig.3 shows, and again in 2012.7 "
    text = sentence * 30 + "Supercalifragilisticexpialidociousnessesxyz.5 and vol.2 stay"
    expected = "The channel was dredged in 1998,4 as the survey in Fig.3 shows, and again in 2012.7 " * 30
    assert strip_footnote_markers(text) == expected + "Supercalifragilisticexpialidociousnessesxyz. and vol.2 stay"


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("Maren Okafor; Local Democracy Reporter", ("Maren Okafor",)),
        ("Maren Okafor; Data Journalist", ("Maren Okafor",)),
        ("Maren Okafor; Middle East Correspondent", ("Maren Okafor",)),
        ("Local Democracy Reporter", ()),
        # a name with its job in one entry, beside another name, is still a person
        ("Ana Ruiz; Maren Okafor Harbour reporter", ("Ana Ruiz", "Maren Okafor")),
        ("Ana Ruiz; Tom Gillespie News reporter", ("Ana Ruiz", "Tom Gillespie")),
    ],
)
def test_a_job_split_from_its_name_at_a_comma_is_no_second_author(authors, expected):
    assert split_authors(authors) == expected


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("Maren Okafor; Ana Ruiz; Photos by Ilse Brandt", ("Maren Okafor", "Ana Ruiz")),
        ("Maren Okafor · Photography Ilse Brandt", ("Maren Okafor",)),
        ("Story by Maren Okafor; Photographs By Ilse Brandt", ("Maren Okafor",)),
        ("Illustrations by Ilse Brandt", ()),
        ("Photo Ilse Brandt", ()),
        ("Fotos Ilse Brandt; Texto Luis Ortega", ("Luis Ortega",)),
        # a credit for the writing too names the author, without its label
        ("Photographs; Text Ilse Brandt", ("Ilse Brandt",)),
        ("Text; Photos Ilse Brandt", ("Ilse Brandt",)),
        ("Words; Pictures By Ilse Brandt", ("Ilse Brandt",)),
        ("Texto y fotos Luis Ortega", ("Luis Ortega",)),
        ("Photos; Ilse Brandt", ("Ilse Brandt",)),
        ("Text Ilse Brandt; Photos Ana Ruiz", ("Ilse Brandt",)),
    ],
)
def test_a_credit_for_pictures_names_no_author(authors, expected):
    assert split_authors(authors) == expected


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("María José García y Luis Ortega", ("María José García", "Luis Ortega")),
        ("Por Ana Ruiz e Isabel Torres", ("Ana Ruiz", "Isabel Torres")),
        ("Giulia Conti e Marco Rossi", ("Giulia Conti", "Marco Rossi")),
        ("Claire Martin et Paul Durand", ("Claire Martin", "Paul Durand")),
        ("Anna Müller und Jonas Weber", ("Anna Müller", "Jonas Weber")),
        ("Jan van der Berg en Piet de Vries", ("Jan van der Berg", "Piet de Vries")),
        ("MARÍA GARCÍA Y LUIS ORTEGA", ("María García", "Luis Ortega")),
        # a compound surname's "y" or "e" joins no two people; nor is an initial "Y" a conjunction
        ("José Ortega y Gasset", ("José Ortega y Gasset",)),
        ("Ana Maria Silva e Costa", ("Ana Maria Silva e Costa",)),
        ("Jane Y Doe", ("Jane Y Doe",)),
        ("Ye Jun; Ana Ruiz", ("Ye Jun", "Ana Ruiz")),
        ("Jan van der Berg", ("Jan van der Berg",)),
    ],
)
def test_and_in_another_language_parts_two_authors(authors, expected):
    assert split_authors(authors) == expected
