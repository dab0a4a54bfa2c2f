"""extract_scrape: one article out of a plain-text page scrape full of furniture."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.extract.scrape import extract_scrape
from digest.models import Article

REPO = Path(__file__).resolve().parents[2]
SHARED_SEEDS = REPO.parent / "shared" / "seeds"
PAGES = REPO / "seeds" / "pages"
REFERENCE = SHARED_SEEDS / "000_d37c680547ea96b3.txt"

# Furniture that must never reach the body, matched case-insensitively...
FURNITURE_ANY_CASE = (
    "chip in",
    "sign up",
    "subscribe",
    "donate",
    "latest news",
    "getty images",
    "creative commons",
    "all rights reserved",
    "privacy policy",
    "cookies",
)
# ...and case-sensitively, where the lowercase word is ordinary prose.
FURNITURE_EXACT = ("Related", "Comments", "Reply", "Share this", "©", "Photo:", "Advertisement")


def scrape_files() -> list[Path]:
    shared = sorted(SHARED_SEEDS.glob("*.txt")) if SHARED_SEEDS.is_dir() else []
    return shared + sorted(PAGES.glob("*.txt"))


def extract_file(path: Path, **kwargs: str) -> Article:
    article = extract_scrape(path.read_text(encoding="utf-8"), **kwargs)
    assert article is not None, f"no article found in {path.name}"
    return article


# --- the reference scrape ------------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> Article:
    if not REFERENCE.exists():
        pytest.skip(f"reference seed not present: {REFERENCE}")
    return extract_file(REFERENCE)


def test_reference_header(reference):
    assert reference.title == "Moscow Says Attack Will End 'In a Moment' If Ukraine Agrees to Demands"
    assert reference.authors == ("Jake Johnson",)
    assert reference.standfirst.startswith("The Kremlin said Russia's demands include")
    # The only date on the page is in a photo caption, not near the byline.
    assert reference.published is None


def test_reference_body_bounds(reference):
    paragraphs = reference.paragraphs
    assert paragraphs[0].startswith("The Kremlin said Monday that Russia's deadly assault")
    if paragraphs[-1].startswith("Correction:"):
        paragraphs = paragraphs[:-1]
    assert paragraphs[-1].endswith("began on February 24.")
    assert len(paragraphs) == 12


def test_reference_keeps_no_headline_caption_or_standfirst_in_body(reference):
    body = reference.text
    assert reference.title not in body
    assert reference.standfirst not in body
    assert "Delegations attend" not in body
    assert "diplomats sit for talks" not in body


# --- the repo's own demo scrapes ---------------------------------------------------

SEEDS = [
    pytest.param(
        "local-news-riverton-bridge.txt",
        {
            "title": "Inspectors find cracks in Old Mill Bridge; span to close through October",
            "authors": ("Marisol Vega",),
            "published": datetime(2023, 8, 14, 18, 5, tzinfo=UTC),
            "standfirst": "",
            "first": "RIVERTON — The Old Mill Bridge, which carries about 9,000 vehicles a day",
            "last": "in the community room of the Riverton Public Library.",
            "paragraphs": 12,
            "absent": ("hours ago", "Like (", "footbridge", "mvega@", "Ray Lindqvist", "flood wall"),
        },
        id="local-news",
    ),
    pytest.param(
        "eng-blog-postgres-failover.txt",
        {
            "title": "How we cut Postgres failover from four minutes to nine seconds",
            "authors": ("Dana Whitfield",),
            "published": datetime(2023, 9, 12, tzinfo=UTC),
            "standfirst": "Our primary database used to take minutes to recover from a node failure.",
            "first": "Larkspur runs its billing and scheduling data on a three-node Postgres cluster",
            "last": "But failover is no longer the event that wakes the whole team, and that was the point.",
            "paragraphs": 17,  # two code listings and three subheadings, as the HTML path keeps them
            "absent": ("Tags:", "Moving 40 TB", "on-call surveys"),
        },
        id="eng-blog",
    ),
    pytest.param(
        "wire-uk-inflation.txt",
        {
            "title": "UK inflation falls to 20-month low as food price rises slow",
            "authors": ("Priya Natarajan", "Tom Hallworth"),
            "published": datetime(2023, 6, 14, 7, 2, tzinfo=UTC),
            "standfirst": "",
            "first": "LONDON (Wire) — British inflation fell more sharply than expected in May",
            "last": "well above the Bank's most recent forecast.",
            "paragraphs": 11,
            "absent": ("Key points", "Economists now expect one more", "Reporting by", "Editing by",
                       "Read more", "not predetermined", "Our Standards"),
        },
        id="wire",
    ),
    pytest.param(
        "magazine-brackenmoor-lamplighters.txt",
        {
            "title": "The Last Lamplighters of Brackenmoor",
            "authors": ("Eleanor Marsh-Quayle",),
            "published": datetime(2023, 11, 3, tzinfo=UTC),
            "standfirst": "For two centuries a handful of families kept the gas lamps",
            "first": "At a quarter to five on a wet October afternoon, Hannah Greaves props",
            "last": "It’s about whether somebody is still here at five o’clock.”",
            "paragraphs": 10,
            "absent": ("Meridian Weekly", "your email", "Terms of Use", "print edition",
                       "Photograph:", "Tomasz Rybak", "typewriter repair"),
        },
        id="magazine",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("name", "expected"), SEEDS)
def test_seed_header(name, expected):
    article = extract_file(PAGES / name)
    assert article.title == expected["title"]
    assert article.authors == expected["authors"]
    assert article.published == expected["published"]
    assert article.standfirst.startswith(expected["standfirst"])
    assert bool(article.standfirst) == bool(expected["standfirst"])


@pytest.mark.parametrize(("name", "expected"), SEEDS)
def test_seed_body(name, expected):
    article = extract_file(PAGES / name)
    assert article.paragraphs[0].startswith(expected["first"])
    assert article.paragraphs[-1].endswith(expected["last"])
    assert len(article.paragraphs) == expected["paragraphs"]
    for snippet in expected["absent"]:
        assert snippet not in article.text, snippet


def test_seeds_are_realistic_length():
    for path in PAGES.glob("*.txt"):
        assert 400 <= extract_file(path).word_count <= 900, path.name


def test_magazine_pull_quote_and_signup_box_are_dropped_with_warnings():
    article = extract_file(PAGES / "magazine-brackenmoor-lamplighters.txt")
    assert article.text.count("The lamps don’t care what century it is.") == 1
    # The paragraphs on both sides of the signup box survive.
    assert any(p.startswith("Greaves has a line she uses") for p in article.paragraphs)
    assert any(p.startswith("The trainees this year are") for p in article.paragraphs)
    assert any("pull quote" in w for w in article.warnings)
    assert any("call-to-action" in w for w in article.warnings)


# --- furniture never reaches the body, on every scrape we have ---------------------


@pytest.mark.parametrize("path", scrape_files(), ids=lambda p: p.name)
def test_no_furniture_in_body(path):
    article = extract_file(path)
    for paragraph in article.paragraphs:
        lowered = paragraph.lower()
        for phrase in FURNITURE_ANY_CASE:
            assert phrase not in lowered, (phrase, paragraph)
        for phrase in FURNITURE_EXACT:
            assert phrase not in paragraph, (phrase, paragraph)


@pytest.mark.parametrize("path", scrape_files(), ids=lambda p: p.name)
def test_article_shape(path):
    article = extract_file(path, url="https://example.test/a", source="demo")
    assert isinstance(article.paragraphs, tuple) and article.paragraphs
    assert isinstance(article.authors, tuple) and isinstance(article.warnings, tuple)
    assert article.url == "https://example.test/a" and article.source == "demo"
    assert article.title and article.title not in article.paragraphs
    assert article.published is None or article.published.tzinfo is UTC
    assert all(p == p.strip() and p for p in article.paragraphs)


# --- edge cases ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("   \n\n\t \n", id="whitespace"),
        pytest.param(
            "Skip to content\nHome\nNews\nSports\nWeather\nOpinion\nAbout us\nContact\n"
            "Privacy Policy | Terms of Use\n© 2024 Example Media",
            id="navigation-only",
        ),
        pytest.param(
            "Support our work.\n\nWe are independent and reader funded. Can you chip in today?\n\n"
            "Subscribe to our newsletter.\n\nQuality journalism, direct to your inbox.",
            id="appeals-only",
        ),
        pytest.param("Breaking News\n\nLive Updates\n\nWatch Now", id="headlines-only"),
        pytest.param("Loading…\n\nYou need to enable JavaScript to run this app.", id="script-only-page"),
        pytest.param(
            "The Harbour Gazette\n\nJavaScript is disabled in your browser.\n\n"
            "Please enable JavaScript or update your browser to read this page.",
            id="browser-notice",
        ),
    ],
)
def test_no_article(text):
    assert extract_scrape(text) is None


def test_single_paragraph_without_headline():
    text = (
        "The city council voted on Tuesday to approve a budget that raises property taxes by 3 "
        "percent. Council members said the money would repair roads and hire more teachers."
    )
    article = extract_scrape(text)
    assert article is not None
    # First sentence, cut at a word boundary.
    assert article.title.endswith("…") and len(article.title) <= 91
    assert text.startswith(article.title[:-1]) and text[len(article.title) - 1] == " "
    assert article.paragraphs == (text,)
    assert "no headline found" in article.warnings
    assert article.authors == () and article.published is None


def test_short_first_sentence_becomes_whole_title():
    text = "Heavy rain closed the coast road. Crews expect to reopen it on Friday after clearing debris."
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Heavy rain closed the coast road"


BYLINE_PAGE = """Menu
World News
Port workers end strike after pay deal in Valdemar
By Sofia Lindgren and Ahmed Farouk
{dateline}
Dockworkers at the port of Valdemar returned to work on Monday after union members voted to accept a new pay offer, ending a nine-day strike that had left dozens of ships waiting offshore.
The agreement gives workers a 9 percent raise over two years and a one-off payment, the union said.
Shipping companies had warned that the stoppage was costing the regional economy millions a day, and several retailers reported empty shelves.
Share this:
Facebook
Email
"""


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [
        ("March 7, 2022", datetime(2022, 3, 7, tzinfo=UTC)),
        ("2022-03-07", datetime(2022, 3, 7, tzinfo=UTC)),
        ("7 March 2022", datetime(2022, 3, 7, tzinfo=UTC)),
        ("Mar 7, 2022 10:15 AM", datetime(2022, 3, 7, 10, 15, tzinfo=UTC)),
        ("Updated Mar 7, 2022 10:15 AM EST", datetime(2022, 3, 7, 15, 15, tzinfo=UTC)),
        ("Published: Aug. 14, 2023, 6:05 p.m.", datetime(2023, 8, 14, 18, 5, tzinfo=UTC)),
        ("2022-03-07T09:30:00+02:00", datetime(2022, 3, 7, 7, 30, tzinfo=UTC)),
        ("Data publikacji: 07.03.2022, 14:05", datetime(2022, 3, 7, 14, 5, tzinfo=UTC)),  # a label in any language
        ("17/03/2022 08h30", datetime(2022, 3, 17, 8, 30, tzinfo=UTC)),  # a day past 12 comes first
        ("Monday", None),
    ],
)
def test_published_date_near_byline(dateline, expected):
    article = extract_scrape(BYLINE_PAGE.format(dateline=dateline))
    assert article is not None
    assert article.title == "Port workers end strike after pay deal in Valdemar"
    assert article.authors == ("Sofia Lindgren", "Ahmed Farouk")
    assert article.published == expected
    assert article.paragraphs[0].startswith("Dockworkers at the port")
    assert article.paragraphs[-1].endswith("reported empty shelves.")


def test_posted_on_date_by_name_byline_and_comment_thread():
    text = """Harbourside Notes
Home About Archive
Why the ferry timetable keeps changing
Posted on 2022-03-07 by Ellen Cartwright
Every spring the island ferry timetable changes at least twice, and every spring the same questions fill the community noticeboard. I spent a week asking the operator and two former captains why.
The short answer is tides. At low water on spring tides the larger vessel cannot cross the bar safely, so sailings have to move by up to forty minutes.
The longer answer involves a labour agreement that limits how many hours a crew can work before a rest period, so a late sailing on Friday can push back the first one on Saturday.
3 Responses to "Why the ferry timetable keeps changing"
Martin Hale says:
March 8, 2022 at 9:14 am
Thanks for digging into this. I always assumed the operator was just being careless, but the tide explanation makes a lot of sense once you see the chart laid out like that.
Joan Ruiz says:
March 8, 2022 at 11:02 am
The labour agreement part was news to me. Does anyone know whether it gets renegotiated this year, and whether islanders get any say in it at all?
Leave a Reply
"""
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Why the ferry timetable keeps changing"
    assert article.authors == ("Ellen Cartwright",)
    assert article.published == datetime(2022, 3, 7, tzinfo=UTC)
    assert len(article.paragraphs) == 3
    assert "digging into this" not in article.text


def test_signup_box_after_first_paragraph_keeps_it():
    text = """Tech Today
Startup raises $40 million to build smaller batteries
A Lisbon company says its cells hold twice the charge of rivals.
Marta Reis
Voltara, a Lisbon-based battery startup, said on Monday it had raised $40 million from a group of investors led by a Dutch venture firm, to expand a pilot factory outside the city.
Don't miss a story. Sign up for our free daily newsletter and get the top tech news in your inbox every morning.
Enter your email
Subscribe
The company says its solid-state cells can store roughly twice as much energy per kilogram as the lithium-ion batteries used in most phones.
Chief executive Joana Prates said the new money would pay for a production line able to make 50,000 cells a month.
"""
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Startup raises $40 million to build smaller batteries"
    assert article.standfirst == "A Lisbon company says its cells hold twice the charge of rivals."
    assert article.authors == ("Marta Reis",)
    assert [p[:12] for p in article.paragraphs] == ["Voltara, a L", "The company ", "Chief execut"]


def test_hard_wrapped_paragraphs_are_joined():
    text = """Council approves new cycle lanes on Harbour Road

The city council voted 7-2 on Tuesday to build protected cycle lanes along
the length of Harbour Road, despite objections from shop owners who say the
loss of parking spaces will drive customers away.

Construction is expected to start in the spring and last about six months,
according to the city's transport department, which estimates the project
will cost 4.2 million.
"""
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Council approves new cycle lanes on Harbour Road"
    assert len(article.paragraphs) == 2
    assert article.paragraphs[0].endswith("will drive customers away.")
    assert "along the length" in article.paragraphs[0]


def test_a_two_line_paragraph_whose_second_line_opens_with_a_capital_or_a_number_is_one_paragraph():
    # A text browser's dump, wrapped at 74 columns less the indent: a wrap may push a day,
    # a name or a number to the next line, and two lines alone do not show the wrap.
    paragraphs = [
        (
            "The city council voted 7-2 on Tuesday to build protected cycle lanes along the length of Harbour Road, "
            "despite objections from shop owners who say the loss of parking spaces will drive customers away."
        ),
        (
            "Ferry passengers waited an average of forty minutes at the terminal on Friday while the contractors "
            "moved their equipment off the quay road."
        ),
        (
            "The average bus journey along the whole length of Harbour Road took up 12 minutes in March, against a "
            "target of nine minutes."
        ),
        (
            "Construction is expected to start in the spring and last about six months, according to the city's "
            "transport department, which puts the cost at 4.2 million."
        ),
        (
            "Shop owners on the east side of the road said they would meet again on Monday to decide whether to ask "
            "the council to look at it again."
        ),
    ]
    dump = _dump("Harbour Road cycle lanes approved after long debate", paragraphs)
    assert {line[3] for line in dump.splitlines() if line[3:4].strip()} >= {"F", "1", "M"}  # lines that open so
    article = extract_scrape(dump)
    assert article is not None
    assert article.paragraphs == tuple(paragraphs)


def test_short_lines_of_a_wrapped_dump_stay_apart():
    # Lines that end well before the wrap are not joined, whatever follows them.
    lines = [
        "   Harbour Road cycle lanes approved",
        "",
        *[
            "   The city council voted 7-2 on Tuesday to build protected cycle lanes",
            "   along the length of Harbour Road, despite objections from shop owners",
            "   who say the loss of parking spaces will drive customers away.",
            "",
        ]
        * 3,
        "   Related stories",
        "   Ferry timetable cut again",
        "   Quay road closed for repairs",
        "",
    ]
    article = extract_scrape("\n".join(lines))
    assert article is not None
    assert not any("Ferry timetable" in p for p in article.paragraphs)


def test_unpunctuated_dek_under_headline():
    text = """Europe
Heatwave forces closure of Alpine glacier ski runs
Resorts in three countries say unseasonal temperatures have made the ice unsafe for the rest of the month
Resorts in Austria, Switzerland and Italy closed summer ski runs on glaciers on Tuesday after a week of record temperatures softened the ice, operators said.
The closures affect at least nine glaciers that normally stay open until mid-August, according to a regional tourism association.
"""
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Heatwave forces closure of Alpine glacier ski runs"
    assert article.standfirst.startswith("Resorts in three countries say")
    assert len(article.paragraphs) == 2


def test_trailing_correction_note_may_stay_but_sign_off_goes():
    text = """Library extends weekend opening hours
By Ana Pereira
The central library will open on Sundays from next month, the city said on Wednesday, after a pilot scheme last winter drew more than 2,000 visitors a weekend.
The extra hours will be covered by four new part-time staff, funded from the culture budget.
Correction: An earlier version of this story misstated the number of new staff.
Thanks for reading!
"""
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs[-1].startswith("Correction:")
    assert "Thanks for reading" not in article.text


def test_a_line_of_many_marks_costs_a_headings_worth_of_prefixes():
    """A line such as `<b><b><b>…` scraped as text is one word by its spaces and 40,000 by
    its letters; its leading words are taken up to a heading's length, not all of them
    (which cost the square of their number: 13 s for this line)."""
    from digest.extract.scrape import _HEADING_MAX_WORDS, _last_heading_prefixes
    from digest.extract.scrape_lines import Block, Kind

    line = Block(text="<b>" * 20000 + "x" + "</b>" * 20000, kind=Kind.FRAGMENT, words=1)
    prefixes = _last_heading_prefixes([line])
    assert 0 < len(prefixes) <= _HEADING_MAX_WORDS
    assert extract_scrape(line.text) is None


@pytest.mark.parametrize(
    ("encoding", "content_type", "warned"),
    [
        ("utf-16", "text/plain", False),  # an editor's UTF-16, with its byte-order mark
        ("utf-8-sig", "text/plain", False),
        ("cp1252", "text/plain", True),  # text saved before UTF-8
        ("cp1252", "text/plain; charset=utf-8", True),  # and mislabelled
    ],
)
def test_a_text_scrape_in_another_encoding_is_read(encoding, content_type, warned):
    from digest.extract.article import extract_article
    from digest.models import Page

    text = (
        "Café owners welcome the new cycle lanes\n\n"
        + "Owners of the café on Harbour Road said the lanes would bring trade. " * 8
    )
    page = Page(
        url="file:///scrapes/cafe.txt",
        body=text.encode(encoding),
        content_type=content_type,
        fetched_at=datetime.now(UTC),
    )
    article = extract_article(page)
    assert article is not None and "Café" in article.title and "café" in article.paragraphs[0]
    assert any("windows-1252" in w for w in article.warnings) is warned


def _dump(headline: str, paragraphs: list[str]) -> str:
    """A text browser's dump: the headline, then each paragraph wrapped at 71 columns."""
    lines = [f"   {headline}", ""]
    for paragraph in paragraphs:
        lines += ["   " + line for line in textwrap.wrap(paragraph, 71)] + [""]
    return "\n".join(lines)


FINES = [
    (
        "The Millbrook Public Library board voted unanimously on Monday night to end overdue fines for good, "
        "making permanent a pilot programme that began two years ago."
    ),
    (
        "During the pilot the library saw nineteen hundred blocked cardholders return, and the share of books "
        "brought back on time rose a little."
    ),
    (
        "Fines had brought in about eighteen thousand dollars a year, less than one percent of the budget, "
        "the library's director told the board."
    ),
]


def test_a_comment_heading_above_the_story_does_not_take_the_story_for_comments():
    # A page that prints its comment box first ("Comments", "Load more comments") and the story under it.
    text = "Comments\n\n   Load more comments\n\n" + _dump("Library board votes to end late fines for good", FINES)
    article = extract_scrape(text)
    assert article is not None and article.title == "Library board votes to end late fines for good"
    assert article.paragraphs == tuple(FINES)


def test_a_number_the_wrap_pushed_to_the_start_of_a_line_is_no_list_item():
    paragraph = (
        "Ferreira explains that measurements based on the cosmic microwave background predict an expansion rate of about 67 "
        "kilometres per second per megaparsec, while measurements using nearby supernovae give about 73. "
        "The gap is now far larger than the stated uncertainties of either method."
    )
    text = _dump("Why the Hubble tension will not go away", [FINES[0], paragraph, FINES[1]])
    assert any(line.startswith("   73. ") for line in text.splitlines())  # the case under test
    article = extract_scrape(text)
    assert article is not None and paragraph in article.paragraphs


def test_a_dump_without_blank_lines_between_blocks_keeps_the_caption_and_labels_apart():
    # Blocks in <div>s, not <p>s: a text browser prints them one under the other, no blank line.
    caption = "The shop has traded on the high street since 1972. Image: Hannah Price"
    lines = ["   Harrow & Vine, the high street's last bookshop, to close after 52 years", ""]
    body = [
        caption,
        *textwrap.wrap(FINES[0], 71),
        *textwrap.wrap('"We have tried everything," Carol Dunmore said. "Events, a café, online orders."', 71),
        "Advertisement",
        "Continue reading below",
        *textwrap.wrap(FINES[1], 71),
        *textwrap.wrap(FINES[2], 71),
    ]
    article = extract_scrape("\n".join(lines + ["   " + line for line in body]))
    assert article is not None
    assert article.paragraphs[0] == FINES[0]  # not glued to the caption above it (and lost with it)
    assert any(p.startswith('"We have tried everything,"') and p.endswith('orders."') for p in article.paragraphs)
    assert not any("Advertisement" in p or "Image: Hannah Price" in p for p in article.paragraphs)


FOREIGN_PAGE = """Menü
Nachrichten
{headline}
{byline}
{dateline}
{first}
{second}
{third}
Teilen:
Facebook
E-Mail
"""


@pytest.mark.parametrize(
    ("headline", "byline", "dateline", "paragraphs", "expected"),
    [
        (
            "Hafenarbeiter beenden Streik nach Lohneinigung",
            "Von Katrin Bauer",
            "Montag, 14. Oktober 2026, 08:30 Uhr",
            [
                (
                    "Die Hafenarbeiter in Valdemar sind am Montag an die Arbeit zurückgekehrt, nachdem die Gewerkschaft "
                    "ein neues Angebot angenommen hatte."
                ),
                "Die Einigung sieht eine Erhöhung um neun Prozent über zwei Jahre vor, teilte die Gewerkschaft mit.",
                "Reedereien hatten gewarnt, der Stillstand koste die Region jeden Tag Millionen.",
            ],
            datetime(2026, 10, 14, 8, 30, tzinfo=UTC),
        ),
        (
            "Les dockers reprennent le travail après un accord salarial",
            "Par Claire Dubois",
            "Publié le 1er mars 2026 à 14h05",
            [
                (
                    "Les dockers de Valdemar ont repris le travail lundi après avoir accepté une nouvelle offre "
                    "salariale, mettant fin à neuf jours de grève."
                ),
                "L'accord prévoit une hausse de neuf pour cent sur deux ans, selon le syndicat.",
                "Les armateurs avaient averti que l'arrêt coûtait des millions chaque jour à la région.",
            ],
            datetime(2026, 3, 1, 14, 5, tzinfo=UTC),
        ),
        (
            "Los estibadores vuelven al trabajo tras un acuerdo salarial",
            "Por Lucía Romero",
            "Actualizado el 3 de marzo de 2026",
            [
                (
                    "Los estibadores de Valdemar volvieron al trabajo el lunes tras aceptar una nueva oferta salarial "
                    "que pone fin a nueve días de huelga."
                ),
                "El acuerdo prevé una subida del nueve por ciento en dos años, según el sindicato.",
                "Las navieras habían advertido de que el paro costaba millones cada día a la región.",
            ],
            datetime(2026, 3, 3, tzinfo=UTC),
        ),
        (
            "I portuali tornano al lavoro dopo l'accordo",
            "Di Marco Rossi",
            "Pubblicato il 5 maggio 2026 alle 9:10",
            [
                (
                    "I portuali di Valdemar sono tornati al lavoro lunedì dopo aver accettato una nuova offerta "
                    "salariale, ponendo fine a nove giorni di sciopero."
                ),
                "L'accordo prevede un aumento del nove per cento in due anni, ha detto il sindacato.",
                "Gli armatori avevano avvertito che il blocco costava milioni ogni giorno alla regione.",
            ],
            datetime(2026, 5, 5, 9, 10, tzinfo=UTC),
        ),
    ],
)
def test_a_dateline_in_another_language_is_read_and_kept_out_of_the_story(
    headline, byline, dateline, paragraphs, expected
):
    text = FOREIGN_PAGE.format(headline=headline, byline=byline, dateline=dateline, first=paragraphs[0],
                               second=paragraphs[1], third=paragraphs[2])  # fmt: skip
    article = extract_scrape(text)
    assert article is not None
    assert article.title == headline
    assert article.published == expected
    assert article.paragraphs == tuple(paragraphs)


def test_chinese_and_japanese_lines_a_text_browser_broke_are_joined_without_a_space():
    text = (
        "   Home World Sport\n\n"
        "上海发布新规：外卖平台须为骑手缴纳工伤保险\n\n"
        "   上海市人力资源和社会保障局15日发布新规，要求外卖平台为所有骑手缴纳职业伤害保险。新规将于2024年10月1日起施行，预计覆盖全市约40万名骑\n"
        "   手。\n\n"
        "   据统计，去年上海外卖骑手的事故率比前年上升了12.5%。一位骑手告诉记者：以前受了伤只能自己扛，现在终于有保障了。平台企业表\n"
        "   示将积极配合。\n\n"
        "   専門家は、都市部での再生可能エネルギーの普及に弾みがつくと期待している。住宅メーカーが建てる延べ床面積2000平方メートル未満の延べ\n"
        "   床面積の住宅で、年間約4万棟が該当する見込みだ。\n"
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs[0].endswith("预计覆盖全市约40万名骑手。")
    assert article.paragraphs[1].endswith("平台企业表示将积极配合。")
    assert "延べ床面積の住宅" in article.paragraphs[2] and "延べ 床" not in article.paragraphs[2]
    assert "手。" not in article.paragraphs


def test_a_name_in_a_script_without_capitals_beside_a_date_is_the_byline():
    text = (
        "משרד הבריאות מזהיר מפני גל חום חריג השבוע\n\n"
        "דנה לוי · 2024-08-11\n\n"
        "משרד הבריאות פרסם היום אזהרה לקראת גל חום חריג שצפוי להגיע לאזור המרכז כבר מחר בבוקר, והמליץ להימנע משהייה בחוץ.\n\n"
        "לפי התחזית, הטמפרטורות יגיעו לארבעים מעלות ויותר בחלק מהאזורים, ובמיוחד בבקעת הירדן ובערבה.\n\n"
        "בתי החולים הונחו להיערך לקבלת מטופלים רבים מהרגיל, ובמיוחד קשישים וילדים קטנים.\n"
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == ("דנה לוי",)
    assert article.published == datetime(2024, 8, 11, tzinfo=UTC)
    assert article.paragraphs[0].startswith("משרד הבריאות פרסם היום")


def test_a_japanese_headline_with_a_year_in_it_is_the_title():
    text = (
        "   Home World Sport\n\n"
        "東京都、2030年までに新築住宅への太陽光パネル設置を義務化\n\n"
        "   東京都は1日、2025年4月から新築住宅への太陽光パネルの設置を義務化する条例を施行すると発表した。\n\n"
        "   小池百合子知事は記者会見で「脱炭素社会の実現に向けた大きな一歩だ」と述べた。一方、住宅価格の上昇を懸念する声もある。\n\n"
        "   専門家は、都市部での再生可能エネルギーの普及に弾みがつくと期待している。都は今後、効果を検証する方針だ。\n"
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "東京都、2030年までに新築住宅への太陽光パネル設置を義務化"


ORCHARD = [
    (
        "Growers in the Tamar valley have begun picking apples three weeks earlier than usual after the warmest "
        "spring on record, and some expect the smallest harvest in a decade."
    ),
    (
        "The growers' association said late frosts in October had killed many blossoms, and that the heat since "
        "then had left the surviving fruit small and prone to sunburn."
    ),
    "Packing sheds have asked seasonal workers to arrive early, but several said they could not find enough staff.",
]


@pytest.mark.parametrize("stamp", ["5 hours ago", "Updated 40 minutes ago", "Posted 2h ago", "an hour ago"])
def test_a_relative_time_under_the_byline_dates_the_story_and_is_no_comment(stamp):
    text = "\n\n".join(
        ["Valley Courier", "Home  Rural  Weather", "Apple harvest starts early after record warm spring",
         "By Nora Whitfield", stamp, *ORCHARD, "Share this story"]
    )  # fmt: skip
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Apple harvest starts early after record warm spring"
    assert article.paragraphs == tuple(ORCHARD)


def test_a_fact_line_that_counts_years_ago_is_no_date_of_the_story():
    """An infobox's "Founded May 4, 1998; 18 years ago" is a fact about the subject, not a stamp."""
    text = "\n\n".join(
        ["Valley Courier", "Home  Rural  Weather", "Apple harvest starts early after record warm spring",
         "Orchard cooperative", "Founded May 4, 1998; 18 years ago", *ORCHARD, "Share this story"]
    )  # fmt: skip
    article = extract_scrape(text)
    assert article is not None
    assert article.published is None


def test_a_live_blogs_entries_stamped_minutes_ago_are_the_story():
    entries = [
        (
            "The last ferry of the night has been cancelled because of the swell, the operator says, and "
            "passengers are being offered rooms in town."
        ),
        (
            "Waves of more than four metres have been recorded at the harbour entrance, and the coastguard "
            "has asked boat owners to stay ashore until the morning."
        ),
        (
            "Good evening and welcome to our coverage of the storm moving up the coast. We will bring you "
            "the warnings, the closures and the forecast as they come in."
        ),
    ]
    text = "\n\n".join(
        ["Coast Daily", "LIVE", "Storm live: ferries halted as swell builds along the coast",
         "Updated 12 minutes ago", "Posted 12m ago", entries[0], "Posted 35m ago", entries[1],
         "Posted 1h ago", entries[2], "Share"]
    )  # fmt: skip
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Storm live: ferries halted as swell builds along the coast"
    assert article.paragraphs == tuple(entries)


def test_a_relative_time_among_reply_and_like_lines_stamps_a_comment():
    comment = (
        "We lost half our early fruit to the October frost as well, and the insurance did not cover any of it. "
        "Smaller growers will not survive another year like this one."
    )
    text = "\n\n".join(
        ["Apple harvest starts early after record warm spring", "By Nora Whitfield", "March 3, 2025", *ORCHARD,
         "orchard_pete", "3 hours ago", comment, "Reply", "Like (4)", "Leave a comment"]
    )  # fmt: skip
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs == tuple(ORCHARD)


def test_a_copyright_notice_right_under_the_last_paragraph_does_not_take_it_along():
    """A footer's "© ..." printed on the line under the last paragraph, no blank line between:
    the wrap did not push it there, and the paragraph is no legal notice."""
    closing = "The board will review the rule again at its next meeting, in September."
    dump = _dump("Millbrook library ends overdue fines", [*FINES, closing]).rstrip("\n")
    article = extract_scrape(f"{dump}\n   © 2026 The Millbrook Herald\n")
    assert article is not None
    assert article.paragraphs == (*FINES, closing)
