"""Kinds of HTML page the extraction used to get wrong, each as a small invented page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.extract.html import extract_html
from digest.extract.html_paragraphs import clean_body, clean_paragraphs
from digest.extract.html_prepare import REPEAT_MARK

REFRAIN = (
    "We will walk the towpath every morning until the canal is open again, whatever the weather and whoever "
    "tells us that the barges are never coming back to this stretch of water."
)
VERSES = (
    (
        "The first winter the lock gates rotted, and the council said there was no money to replace them before "
        "the spring, so the boats that had wintered in the basin stayed where they were."
    ),
    (
        "By the second winter the towpath had gone to brambles, and the only people who still used it were the "
        "dog walkers and a man who fished from the broken mooring rings every Sunday."
    ),
    (
        "In the third winter a volunteer group cleared the path, rebuilt two of the gates with timber from a "
        "demolished warehouse and asked the trust to send an inspector before the summer."
    ),
)


def _page(body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The towpath walkers | Canal Notes</title></head>
<body>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/walks">Walks</a></li></ul></nav>
  <article>
    <h1>The towpath walkers</h1>
    {body}
  </article>
  <footer><p>Canal Notes is written by volunteers.</p></footer>
</body></html>"""


def _body(paragraphs: tuple[str, ...]) -> str:
    return "\n".join(f"<p>{p}</p>" for p in paragraphs)


def test_a_paragraph_the_page_prints_again_stays_each_time():
    # The refrain closes every verse; consecutive copies are the author's, not an extraction artifact.
    paragraphs = (VERSES[0], REFRAIN, REFRAIN, VERSES[1], REFRAIN, VERSES[2], REFRAIN)
    found = extract_html(_page(_body(paragraphs)), url="https://canal.example/towpath")
    assert found is not None
    assert found.paragraphs == paragraphs
    assert all(REPEAT_MARK not in p for p in found.paragraphs)


def test_hidden_blocks_are_not_the_article():
    hidden = (
        "<p hidden>Subscribers can read the full minutes of every meeting of the towpath group in our archive, "
        "which is updated each month.</p>\n"
        '<div style="color: grey; display: none"><p>Your session has expired, please sign in again to keep '
        "reading this story and the rest of the archive.</p></div>\n"
        '<ul style="visibility:hidden"><li>Share on the canal forum</li><li>Print this walk</li></ul>'
    )
    page = _page(f"<p>{VERSES[0]}</p>\n{hidden}\n<p>{VERSES[1]}</p>\n<p>{VERSES[2]}</p>")
    found = extract_html(page, url="https://canal.example/h")
    assert found is not None
    assert found.paragraphs == VERSES


def test_a_page_that_hides_nearly_all_its_text_keeps_it():
    # The article waits for a script to show it: hiding it is no sign that it is not the article.
    found = extract_html(_page(f'<div style="display:none">{_body(VERSES)}</div>'), url="https://canal.example/s")
    assert found is not None
    assert found.paragraphs == VERSES


def test_hidden_inline_text_stays_with_its_sentence():
    sentence = (
        'The gate is <span class="formula"><span style="display: none">x squared</span>'
        '<img src="x2.png" alt="x squared"></span> metres wide at the top, and the trust says it will last another '
        "forty years if it is painted every spring."
    )
    found = extract_html(_page(_body((*VERSES, sentence))), url="https://canal.example/i")
    assert found is not None
    assert "metres wide at the top" in found.text


SLIDES = (
    ("Lock keepers", "The last lock keepers on the canal worked in pairs, one at each end of the flight."),
    ("The basin", "Boats wintered in the basin beside the old warehouse until the gates were rebuilt."),
    ("Brambles", "Volunteers cleared two miles of brambles from the towpath in a single weekend."),
    ("New gates", "The new gates were made from timber saved from a demolished warehouse nearby."),
    ("Inspection", "The trust sent an inspector in June, who passed the gates after a day of tests."),
)


def test_a_slideshows_numbered_captions_are_not_the_article():
    # A gallery inside the story: each slide's caption starts with its counter ("3/5"), counting through.
    slides = "\n".join(
        f'<li><h2><span class="counter">{i}/{len(SLIDES)}</span> {title}</h2><p>{caption}</p></li>'
        for i, (title, caption) in enumerate(SLIDES, start=1)
    )
    page = _page(f"<p>{VERSES[0]}</p>\n<ul class='legends'>{slides}</ul>\n<p>{VERSES[1]}</p>\n<p>{VERSES[2]}</p>")
    found = extract_html(page, url="https://canal.example/g")
    assert found is not None
    assert found.paragraphs == VERSES


def test_a_story_told_as_a_numbered_thread_is_the_article_without_its_counters():
    # "1/5 ...", "2/5 ...": counted like a slideshow, but the numbered parts are the whole story.
    thread = (
        "The canal trust met on Tuesday to decide the future of the old lock keeper's cottage.",
        "Members heard that the roof had failed over the winter and that the walls were sound.",
        "A bid from the rowing club to use the ground floor as a boathouse was read out in full.",
        "The trust voted eleven to two to repair the roof first and let the ground floor next year.",
        "Work on the roof starts in March, paid for from the sale of timber from the towpath.",
    )
    items = "".join(f"<p>{i}/{len(thread)} {part}</p>" for i, part in enumerate(thread, start=1))
    found = extract_html(_page(items), url="https://canal.example/t")
    assert found is not None
    assert found.paragraphs == thread


def test_a_counter_comes_off_with_its_separator_but_not_the_text_after_it():
    from digest.extract.html_paragraphs import _without_counter

    assert _without_counter("1/5. The trust met.") == "The trust met."
    assert _without_counter("2/5 - Members heard.") == "Members heard."
    assert _without_counter("3 of 5 The vote.") == "The vote."
    assert _without_counter("4/5 -3°C overnight froze the lock.") == "-3°C overnight froze the lock."
    assert _without_counter("- 5/5 Work starts in March.") == "- Work starts in March."


def test_a_numbered_gallery_of_teasers_longer_than_the_story_above_it_is_still_dropped():
    teasers = "".join(
        f"<li>{i}/12 Elsewhere on the waterways: the {name} reopens its towpath after a winter of repairs by volunteers"
        " and the trust's own crews, with new fencing along the cutting and a ramp at the bottom lock.</li>"
        for i, name in enumerate(["Grand Union", "Kennet", "Avon", "Leeds and Liverpool"] * 3, start=1)
    )
    found = extract_html(_page(f"{_body(VERSES)}<ul class='gallery'>{teasers}</ul>"), url="https://canal.example/s")
    assert found is not None
    assert found.paragraphs == VERSES


def test_a_list_with_numbers_of_its_own_stays():
    # Fractions and measures are no slide counters: they do not count up through the list toward one total.
    results = (
        "3/4 of the locks were repaired by June.",
        "2/3 of the volunteers came back the next year.",
        "1/2 of the towpath is now open to bicycles.",
        "1/2 of the moorings are let for the summer.",
    )
    items = "".join(f"<li>{r}</li>" for r in results)
    found = extract_html(_page(f"{_body(VERSES)}<ul>{items}</ul>"), url="https://canal.example/l")
    assert found is not None
    assert all(result in found.text for result in results)


def test_each_further_copy_of_a_block_is_marked_but_not_the_containers_holding_blocks():
    import lxml.html

    from digest.extract.html_prepare import mark_repeated_blocks

    tree = lxml.html.document_fromstring(
        "<html><body><div><p>The towpath</p></div><div class='card'><p>The towpath</p></div>"
        "<div>The <b>towpath</b></div><blockquote><span>The towpath</span></blockquote>"
        "<section><div><h2>Walks</h2><ul><li>The towpath</li></ul></div></section></body></html>"
    )
    # four copies of the text in blocks of their own; the divs around the paragraphs and the list are not blocks
    assert mark_repeated_blocks(tree) == 3
    texts = ["".join(e.itertext()) for e in tree.iter("p", "blockquote")] + ["".join(tree.find(".//div[b]").itertext())]
    assert texts == [
        "The towpath",
        "The towpath" + REPEAT_MARK,
        "The towpath" + REPEAT_MARK * 3,
        "The towpath" + REPEAT_MARK * 2,
    ]


# --- the page's one <h1> is the section's name, the headline an <h2> -------------------------


def _sectioned(h1: str, title: str) -> str:
    paragraphs = "".join(f"<p>{verse}</p>" for verse in VERSES)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
  <header><h3>Canal Notes</h3><h1>{h1}</h1><nav><a href="/">Home</a> <a href="/walks">Walks</a></nav></header>
  <article>
    <h2>The towpath walkers</h2>
    {paragraphs}
  </article>
  <aside><h3>More from Canal Notes</h3><p>Old boats, new owners.</p></aside>
</body></html>"""


def test_a_section_name_in_the_lone_h1_is_not_the_title():
    for title in ("The towpath walkers", "The towpath walkers | Walks | Canal Notes"):
        article = extract_html(_sectioned("Waterways Health Centre", title))
        assert article is not None
        assert article.title == "The towpath walkers", title


def test_a_lone_h1_the_title_names_stays_the_title():
    article = extract_html(_sectioned("Towpath walkers return", "Towpath walkers return | Canal Notes"))
    assert article is not None
    assert article.title == "Towpath walkers return"


def _site_name_over(title: str, h1: str = "Harbour Post") -> str:
    paragraphs = "".join(f"<p>{verse}</p>" for verse in VERSES)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body>
  <header><h1>{h1}</h1></header>
  <div class="story"><div class="headline">The towpath walkers bring the canal back</div>{paragraphs}</div>
</body></html>"""


def test_a_site_name_in_the_lone_h1_gives_way_to_the_title_element():
    article = extract_html(_site_name_over("The towpath walkers bring the canal back - Waterways"))
    assert article is not None
    assert article.title.startswith("The towpath walkers bring the canal back")


def test_a_lone_h1_stays_when_the_title_element_is_only_a_name():
    for title in ("Waterways", "Waterways | Canal Notes"):
        article = extract_html(_site_name_over(title, h1="The towpath walkers bring the canal back"))
        assert article is not None
        assert article.title == "The towpath walkers bring the canal back", title


def test_a_page_of_thousands_of_copies_of_one_block_marks_only_a_few():
    import lxml.html

    from digest.extract.html_prepare import MAX_MARKED_COPIES, mark_repeated_blocks

    copies = 20_000
    tree = lxml.html.document_fromstring("<html><body>" + "<p>a b c</p>" * copies + "</body></html>")
    before = sum(len(t) for t in tree.itertext())
    # Marking every copy with a longer mark added copies^2 / 2 characters (200 million here).
    assert mark_repeated_blocks(tree) == MAX_MARKED_COPIES
    assert sum(len(t) for t in tree.itertext()) - before == MAX_MARKED_COPIES * (MAX_MARKED_COPIES + 1) // 2
    # The whole extraction: seconds and about 100 MB (it took minutes and gigabytes).
    found = extract_html("<html><body><article>" + "<p>a b c d e f g.</p>" * copies + "</article></body></html>")
    assert found is not None and REPEAT_MARK not in found.text


# --- the site's name in the <title>, the <h1> or the og:title is not the headline ---------------

HEADLINE = "Volunteers reopen the flight of locks at Hobb's Mill"


def _titled(head: str, body_top: str = "", url: str = "https://lockkeepers.example/2019/05/hobbs-mill") -> str:
    paragraphs = "".join(f"<p>{verse}</p>" for verse in VERSES)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">{head}<link rel="canonical" href="{url}"></head>
<body>
  <div id="top"><a href="/" class="masthead-link">The Lock Keepers</a>
    <ul class="menu"><li><a href="/walks/">Walks</a></li><li><a href="/news/">News</a></li></ul></div>
  <div class="story">{body_top}{paragraphs}</div>
  <div class="footer">The Lock Keepers, a volunteer newsletter since 1987</div>
</body></html>"""


def test_a_logo_in_the_h1_over_a_post_title_in_an_h2_is_not_the_headline():
    # A classic blog theme: the blog's name in the one <h1>, linked to the home page; the post's title an <h2>.
    page = _titled(
        f"<title>The Lock Keepers &raquo; Blog Archive &raquo; {HEADLINE}</title>",
        f'<h1><a href="https://lockkeepers.example/">The Lock Keepers</a></h1>'
        f'<h2><a href="https://lockkeepers.example/2019/05/hobbs-mill" rel="bookmark">{HEADLINE}</a></h2>',
    )
    article = extract_html(page, url="https://example.net/archive/1234")
    assert article is not None
    assert article.title == HEADLINE


def test_a_blog_name_in_the_h1_and_before_a_colon_in_the_title_is_not_the_headline():
    page = _titled(
        f"<title>Lock Keepers Diary: {HEADLINE}</title>",
        '<h1 class="title"><a href="https://diary.example/">Lock Keepers Diary</a></h1>'
        f'<h3 class="post-title entry-title">{HEADLINE}</h3>',
        url="https://diary.example/2019/05/hobbs-mill.html",
    )
    article = extract_html(page, url="https://diary.example/2019/05/hobbs-mill.html")
    assert article is not None
    assert article.title == HEADLINE


@pytest.mark.parametrize(
    "title",
    [
        f"The Lock Keepers | {HEADLINE}",
        f"The Lock Keepers » Walks » {HEADLINE}",
        f"The Lock Keepers :: News :: {HEADLINE}",
        f"{HEADLINE} / The Lock Keepers",
        f"{HEADLINE} :: The Lock Keepers",
        f"{HEADLINE} ― The Lock Keepers",
        f"{HEADLINE} ~ The Lock Keepers",
    ],
)
@pytest.mark.parametrize("site_name", [True, False])
def test_the_site_and_its_section_come_off_a_title_element_whatever_the_separator(title, site_name):
    # No <h1>: the headline is only in the <title>; the site is named by og:site_name or the home page's link.
    meta = '<meta property="og:site_name" content="The Lock Keepers">' if site_name else ""
    article = extract_html(_titled(f"<title>{title}</title>{meta}"), url="https://example.net/s/1")
    assert article is not None
    assert article.title == HEADLINE


def test_the_site_comes_off_an_og_title_without_og_site_name():
    head = f'<title>{HEADLINE}</title><meta property="og:title" content="{HEADLINE} - The Lock Keepers">'
    article = extract_html(_titled(head), url="https://example.net/s/2")
    assert article is not None
    assert article.title == HEADLINE


def test_a_title_element_part_that_is_a_heading_on_the_page_is_the_headline():
    # Nothing names the site, but the page prints one part of the <title> as its heading.
    page = _titled(f"<title>Canal Weekly - Issue 212 - {HEADLINE}</title>", f"<h2>{HEADLINE}</h2>")
    article = extract_html(page.replace("The Lock Keepers", "Towpath Friends"), url="https://example.net/s/3")
    assert article is not None
    assert article.title == HEADLINE


def test_separators_inside_the_headline_stay_when_the_site_comes_off():
    headline = "Lock gates: volunteers finish the work - two years early"
    head = f'<title>{headline} - The Lock Keepers</title><meta property="og:site_name" content="The Lock Keepers">'
    for top in ("", f"<h1>{headline}</h1>"):
        article = extract_html(_titled(head, top), url="https://example.net/s/4")
        assert article is not None
        assert article.title == headline, top


# --- a photo's caption is not a paragraph of the story ------------------------------------

CAPTION = (
    "The lower gate at Hobb's Mill on the morning it reopened, with the volunteers' work boat moored below it "
    "and the old keeper's cottage behind."
)


@pytest.mark.parametrize(
    "photo",
    [
        # a caption cell under the photo in a layout table (as blog editors write them)
        (
            '<table class="photo-with-caption"><tbody><tr><td><img src="/gate.jpg"></td></tr>'
            f'<tr><td class="photo-caption">{CAPTION}</td></tr></tbody></table>'
        ),
        # a figure's caption
        f'<figure class="wide"><img src="/gate.jpg"><figcaption>{CAPTION}</figcaption></figure>',
        # a caption paragraph beside the image in a block of its own
        f'<div class="image-block"><img src="/gate.jpg"><p class="ImageCaption">{CAPTION}</p></div>',
    ],
)
def test_a_photo_caption_in_the_story_is_not_a_paragraph(photo):
    page = _page(f"<p>{VERSES[0]}</p>{photo}<p>{VERSES[1]}</p><p>{VERSES[2]}</p>")
    article = extract_html(page, url="https://canal.example/photos")
    assert article is not None
    assert article.paragraphs == VERSES


def test_a_photo_essay_told_in_its_captions_keeps_them():
    # The captions are the story: nearly all of the page's text.
    photos = "".join(
        f'<table class="photo-with-caption"><tr><td><img src="/{i}.jpg"></td></tr>'
        f'<tr><td class="photo-caption">{verse}</td></tr></table>'
        for i, verse in enumerate(VERSES)
    )
    article = extract_html(_page(photos), url="https://canal.example/essay")
    assert article is not None
    assert article.paragraphs == VERSES


# --- a date printed on a line of its own under the headline ----------------------------------


@pytest.mark.parametrize(
    ("line", "published"),
    [
        ('<p class="stamp">07 Mar, 2022, 09:30 ET</p>', datetime(2022, 3, 7, 14, 30, tzinfo=UTC)),
        ('<span class="cuando">3 de junio de 2023</span>', datetime(2023, 6, 3, tzinfo=UTC)),
        ('<div class="when">Updated 09:05 GMT, 12 February 2024</div>', datetime(2024, 2, 12, 9, 5, tzinfo=UTC)),
    ],
)
def test_a_date_printed_under_the_headline_is_the_publication_date(line, published):
    article = extract_html(_page(f"{line}{_body(VERSES)}"), url="https://canal.example/d")
    assert article is not None
    assert article.published == published


def test_a_year_in_the_story_is_no_publication_date():
    story = "The canal closed after the floods of 2018, and the towpath was cut again on 4 May 2019."
    article = extract_html(_page(_body((story, *VERSES))), url="https://canal.example/n")
    assert article is not None
    assert article.published is None


def test_a_dateline_with_its_place_over_the_headline_is_the_publication_date():
    page = _page(_body(VERSES)).replace("<h1>", '<p class="meta">Oxford, 3 de junio de 2023 - 10:15 h</p><h1>')
    article = extract_html(page, url="https://canal.example/d")
    assert article is not None
    assert article.published == datetime(2023, 6, 3, tzinfo=UTC)


# --- authors: a live blog's, and bylines marked in other languages ------------------------

_ENTRIES = (
    (
        "Ines Achterberg",
        "The harbour master has closed the outer basin to small craft until the tide turns this evening.",
    ),
    ("Tomás Quiroga", "Volunteers from the lifeboat station are handing out sandbags from the slipway car park."),
    (
        "Ines Achterberg",
        "The ferry to the islands will sail once more at six o'clock, the operator has just confirmed.",
    ),
    (
        "Tomás Quiroga",
        "Police ask visitors to keep away from the sea wall, where waves are breaking over the railings.",
    ),
)


def _live_blog(json_ld: str) -> str:
    entries = "\n".join(
        f"<article class='live-entry'><div class='entry-meta'><time datetime='2024-02-03T1{i}:00Z'>1{i}:00</time>"
        f"<span class='entry-author'>{name}</span></div><p>{text}</p></article>"
        for i, (name, text) in enumerate(reversed(_ENTRIES))
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Spring tide live: harbour closed | Bay Herald</title>
<script type="application/ld+json">{json_ld}</script></head>
<body><main><h1>Spring tide live: harbour closed</h1><div class="live-blog">{entries}</div></main></body></html>"""


_LIVE_POSTING = (
    '"@type":"LiveBlogPosting","headline":"Spring tide live: harbour closed",'
    '"author":[{"@type":"Person","name":"Ines Achterberg"},{"@type":"Person","name":"Tomás Quiroga"}]'
)
_LIVE_UPDATES = ',"liveBlogUpdate":[{"@type":"BlogPosting","headline":"Ferry sails again"}]'


@pytest.mark.parametrize(
    "json_ld",
    [
        '{"@context":"https://schema.org",' + _LIVE_POSTING + _LIVE_UPDATES + "}",
        '[{"@context":"https://schema.org",' + _LIVE_POSTING + _LIVE_UPDATES + "}]",
        '{"@context":"https://schema.org","@graph":[{' + _LIVE_POSTING + _LIVE_UPDATES + "}]}",
    ],
    ids=["posting", "list of postings", "graph"],
)
def test_a_live_blog_is_credited_to_the_authors_of_the_whole_posting(json_ld):
    article = extract_html(_live_blog(json_ld))
    assert article is not None
    assert article.authors == ("Ines Achterberg", "Tomás Quiroga")


def test_a_live_blogs_updates_by_one_writer_do_not_replace_the_postings_authors():
    updates = ',"liveBlogUpdate":[{"@type":"BlogPosting","author":{"@type":"Person","name":"Tomás Quiroga"}}]'
    article = extract_html(_live_blog('{"@context":"https://schema.org",' + _LIVE_POSTING + updates + "}"))
    assert article is not None
    assert article.authors == ("Ines Achterberg", "Tomás Quiroga")


def test_an_authors_name_on_a_line_of_its_own_anywhere_in_the_body_is_not_a_paragraph():
    """A live blog prints each entry's writer over it; a name the metadata gives is no paragraph."""
    lines = [text for entry in _ENTRIES for text in entry]
    kept = clean_paragraphs(lines, authors="Ines Achterberg; Tomás Quiroga")
    assert kept == tuple(text for _, text in _ENTRIES)


def test_a_name_the_metadata_does_not_give_stays_in_the_body():
    lines = ["Ines Achterberg", _ENTRIES[0][1], "Berth 4", _ENTRIES[1][1]]
    assert clean_paragraphs(lines, authors="Tomás Quiroga") == tuple(lines)


_STORY = (
    (
        "The lock keepers' cottage by the canal basin will reopen as a small museum in the summer, after a restoration "
        "that took volunteers almost four years and cost far less than the trust had feared."
    ),
    (
        "Visitors will be able to see the original winding gear, a set of ledgers recording every boat that passed "
        "through the lock between 1890 and 1960, and photographs lent by the families of former keepers."
    ),
    (
        "The trust says it hopes the museum will bring more walkers to the towpath and persuade the council to repair "
        "the footbridge at the far end of the basin, which has been closed since the floods two winters ago."
    ),
)


def _story_with_byline(byline: str, lang: str) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in _STORY)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Lock cottage museum | Canal Notes</title></head>
<body><article><h1>Lock cottage museum</h1>{byline}<div class="text">{paragraphs}</div></article></body></html>"""


@pytest.mark.parametrize(
    ("byline", "lang", "expected"),
    [
        ("<div class='meta'><span class='autor'>Von Hanna Bergmann</span></div>", "de", ("Hanna Bergmann",)),
        ("<p class='artikel-verfasser'>Hanna Bergmann</p>", "de", ("Hanna Bergmann",)),
        (
            "<div class='firma'>Por <b>Pilar Ocaña</b> y <b>Joaquín Ruiz</b></div>",
            "es",
            ("Pilar Ocaña", "Joaquín Ruiz"),
        ),
        ("<span class='nom-auteur'>Par Élodie Marchand</span>", "fr", ("Élodie Marchand",)),
        ("<div id='redakteur'>Hanna Bergmann</div>", "de", ("Hanna Bergmann",)),
        ("<p class='articleAutor'>Hanna Bergmann</p>", "de", ("Hanna Bergmann",)),
    ],
    ids=["autor", "verfasser", "firma", "auteur", "redakteur id", "camelCase Autor"],
)
def test_a_byline_marked_in_another_language_names_the_authors(byline, lang, expected):
    article = extract_html(_story_with_byline(byline, lang))
    assert article is not None
    assert article.authors == expected


@pytest.mark.parametrize(
    "markup",
    [
        "<textarea class='autoresize'>Hanna Bergmann</textarea>",
        "<div class='autorotate-gallery'>Hanna Bergmann</div>",
    ],
)
def test_words_that_merely_begin_like_autor_are_no_byline(markup):
    article = extract_html(_story_with_byline(markup, "en"))
    assert article is not None
    assert article.authors == ()


# --- a byline printed as a paragraph at the top of the body -----------------------------------


@pytest.mark.parametrize(
    ("byline", "lang", "expected"),
    [
        ("<p>By Ines Achterberg</p>", "en", ("Ines Achterberg",)),
        ("<p>Von Hanna Bergmann</p>", "de", ("Hanna Bergmann",)),
        ("<p>By Ines Achterberg | July 22, 2024</p>", "en", ("Ines Achterberg",)),
        ("<p>Interview by Tomás Quiroga</p>", "en", ("Tomás Quiroga",)),
        ("<p>By Ines Achterberg and Tomás Quiroga</p>", "en", ("Ines Achterberg", "Tomás Quiroga")),
        ("<p>By Ines Achterberg, Canal Notes Staff</p>", "en", ("Ines Achterberg",)),
        ("<p>By Ines Achterberg, Software Engineer</p>", "en", ("Ines Achterberg",)),
        # a byline naming no person names no author
        ("<p>By Canal Notes Staff</p>", "en", ()),
        ("<p>By the Canal Notes editors</p>", "en", ()),
    ],
    ids=[
        "by",
        "von",
        "with its date",
        "interview by",
        "two people",
        "with the desk",
        "with a job",
        "a desk",
        "the editors",
    ],
)
def test_a_byline_printed_as_a_paragraph_names_the_authors_and_is_not_the_body(byline, lang, expected):
    article = extract_html(_story_with_byline(byline, lang))
    assert article is not None
    assert article.authors == expected
    assert article.paragraphs == _STORY


def test_the_job_under_a_bylines_name_goes_with_the_byline():
    article = extract_html(_story_with_byline("<p>By Ines Achterberg<br>Staff Writer</p>", "en"))
    assert article is not None
    assert article.authors == ("Ines Achterberg",)
    assert article.paragraphs == _STORY
    # A line under the byline that is no job is the body's.
    kept = clean_paragraphs(["By Ines Achterberg", "Background", *_STORY])
    assert kept == ("Background", *_STORY)
    # Under the name alone that the metadata gives, too.
    kept = clean_paragraphs(["Ines Achterberg", "Staff Writer", *_STORY], authors="Ines Achterberg")
    assert kept == _STORY


def test_the_authors_the_markup_names_win_over_a_byline_in_the_body():
    page = _story_with_byline("<p>By Ines Achterberg</p>", "en").replace(
        "<head>", '<head><meta name="author" content="Tomás Quiroga">'
    )
    article = extract_html(page)
    assert article is not None
    assert article.authors == ("Tomás Quiroga",)
    assert article.paragraphs == _STORY


def test_a_sentence_opening_with_by_in_the_body_is_no_byline():
    lead = "By Tuesday the volunteers had cleared the towpath as far as the second lock."
    article = extract_html(_story_with_byline(f"<p>{lead}</p>", "en"))
    assert article is not None
    assert article.authors == ()
    assert article.paragraphs == (lead, *_STORY)


# --- a slideshow whose counters stand on lines of their own -------------------------------------


def test_the_caption_after_a_slideshows_last_counter_goes_with_the_others():
    captions = [caption for _, caption in SLIDES[:3]]
    lines = [VERSES[0], "1 of 3", captions[0], "2 of 3", captions[1], "3 of 3", captions[2], VERSES[1], VERSES[2]]
    assert clean_paragraphs(lines) == VERSES
    # With a credit under each caption, both lines after the last counter go.
    credited = [VERSES[0]]
    for i, caption in enumerate(captions, start=1):
        credited += [f"{i} of 3", caption, "Canal Trust"]
    assert clean_paragraphs([*credited, VERSES[1], VERSES[2]]) == VERSES


def test_a_story_told_in_slides_whose_counters_stand_alone_keeps_the_captions_and_no_empty_line():
    lines = [line for i, verse in enumerate(VERSES, start=1) for line in (f"{i} of 3", verse)]
    assert clean_paragraphs(lines) == VERSES


def test_a_slideshow_with_its_captions_beside_the_counters_keeps_the_story_after_it():
    slides = [f"{i}/3 {caption}" for i, (_, caption) in enumerate(SLIDES[:3], start=1)]
    assert clean_paragraphs([VERSES[0], *slides, VERSES[1], VERSES[2]]) == VERSES


# --- a paywall's notices and a shop's affiliate disclosure in the body ------------------------


@pytest.mark.parametrize(
    "notice",
    [
        "You've read all of your free articles this month.",
        "You have reached your limit of free stories. Subscribe for unlimited access.",
        "This is your last free article.",
        "Already a subscriber? Log in",
        "Already have an account? Sign in here.",
        "Subscribe to continue reading.",
        "To keep reading, log in or create a free account.",
        "This article is available to subscribers only.",
        "Subscribe now for just $2 a month and read as many stories as you like.",
        "Cancel anytime.",
        "When you buy through our links, we may earn an affiliate commission.",
        "When you shop through retailer links on our site, we may earn a small commission.",
        "As an Amazon Associate I earn from qualifying purchases.",
        "This post may contain affiliate links. As an Amazon Associate I earn from qualifying purchases.",
        "We may earn a commission from links on this page.",
    ],
)
def test_a_paywalls_notice_or_an_affiliate_disclosure_is_not_the_body(notice):
    assert clean_paragraphs([VERSES[0], notice, VERSES[1], VERSES[2]]) == VERSES


@pytest.mark.parametrize(
    "sentence",
    [
        "Readers who have used up their free articles for the month now see a notice asking them to subscribe.",
        'The pop-up reads "You\'ve read all of your free articles this month" even for readers who pay.',
        "Already a subscriber for ten years, she cancelled when the price doubled.",
        "The retailer said it would cancel any orders placed before the recall.",
        "When you buy through a dealer, the warranty may be shorter, the council warned.",
        "Critics say the site earns an affiliate commission on every mattress it recommends.",
    ],
)
def test_a_story_about_paywalls_or_affiliate_links_keeps_its_sentences(sentence):
    assert clean_paragraphs([VERSES[0], sentence, VERSES[1]]) == (VERSES[0], sentence, VERSES[1])


# --- a newsletter, a sign-up or a social account in a story, and the page's own appeals ------------


@pytest.mark.parametrize(
    "appeal",
    [
        "Subscribe to the Towpath Weekly newsletter",
        "Sign up for our free morning newsletter and get the canal news first.",
        "Want more walks like this? Sign up for the Sunday newsletter.",
        "For more walks, follow Canal Notes on Instagram and Facebook.",
        "You can also subscribe to this newsletter by email.",
        "Towpath Weekly Newsletter",
        "Mara Dunn writes about canals for Canal Notes. Follow her on Twitter @maradunn.",
    ],
)
def test_the_pages_appeal_to_its_reader_to_sign_up_or_follow_is_not_the_body(appeal):
    assert clean_paragraphs([VERSES[0], appeal, VERSES[1], VERSES[2]]) == VERSES


@pytest.mark.parametrize(
    "sentence",
    [
        "The trust's email newsletter, which reaches about 4,000 boaters, will carry the stoppage notices instead.",
        "Boaters who want to subscribe to the printed bulletin can do so at the lock keeper's office, the trust said.",
        "Volunteers can sign up for a work party at the visitor centre or by calling the trust.",
        "Police said the man would follow his victims on Instagram for weeks before approaching them.",
        "The charity also ended its free weekly newsletter, which had 9,000 readers, and launched a paid one.",
    ],
)
def test_a_story_about_newsletters_sign_ups_or_social_accounts_keeps_its_sentences(sentence):
    assert clean_paragraphs([VERSES[0], sentence, VERSES[1]]) == (VERSES[0], sentence, VERSES[1])


# --- footnote markers set in superscript ------------------------------------------------------


def test_a_superscript_footnote_number_after_a_number_and_its_punctuation_goes():
    dated = (
        "The lock was rebuilt in 1887.<sup>2</sup> It was widened again in 1931,<sup>3</sup> when the barges grew, "
        'and the trust repaired it in 2019.<a href="#note-4"><sup>4</sup></a>'
    )
    measured = (
        'The gate weighs 4 t<sup><a href="#note-5">[5]</a></sup> and holds back about 10<sup>6</sup> litres, '
        "a head of water the engineers write as h<sup>2</sup> in their tables."
    )
    found = extract_html(_page(_body((dated, measured, *VERSES))), url="https://canal.example/f")
    assert found is not None
    assert found.paragraphs[0] == (
        "The lock was rebuilt in 1887. It was widened again in 1931, when the barges grew, "
        "and the trust repaired it in 2019."
    )
    # An exponent after a digit or a letter, with no link to a note, stays.
    assert found.paragraphs[1] == (
        "The gate weighs 4 t and holds back about 106 litres, a head of water the engineers write as h2 in their tables."
    )


# --- a reference list and a citation after the story ------------------------------------------


@pytest.mark.parametrize("heading", ["References", "Sources:", "Bibliography", "Notes", "Further reading"])
def test_a_reference_list_after_the_story_and_how_to_cite_it_are_not_the_body(heading):
    back_matter = [
        heading,
        "- Hale, R. & Osei, T. Lock gate timber in wet climates. Journal of Canal Engineering 14, 201–219 (2019).",
        "- Marsh, D. et al. (2021). Towpath erosion after the floods. Waterways Review, 8(2), 44–58.",
        '- "Canal restoration report". Canal and River Trust. Retrieved 3 May 2022.',
        'Cite this page: Canal Notes. "The towpath walkers." Canal Notes, 14 May 2024.',
    ]
    assert clean_paragraphs([*VERSES, *back_matter]) == VERSES


def test_notes_that_are_not_references_stay():
    notes = [
        "Notes",
        "- The walk is best done in spring, when the towpath is dry and the brambles are cut back.",
        "- Dogs must be kept on a lead past the lock, where the path narrows beside the weir.",
    ]
    assert clean_paragraphs([*VERSES, *notes]) == (*VERSES, *notes)


# --- furniture in other languages ---------------------------------------------------------------


@pytest.mark.parametrize(
    "furniture",
    [
        "Lire aussi : Les écluses du canal rouvrent au printemps",
        "À lire aussi : le chemin de halage refait à neuf",
        "Leggi anche: Il canale torna navigabile dopo dieci anni",
        "Lee también: La esclusa vuelve a abrir",
        "Mehr zum Thema: Die Schleuse wird erneuert",
        "Riproduzione riservata © Copyright Il Corriere dei Canali",
        "© La Gazette des Canaux 2024 — Tous droits réservés",
        "Alle Rechte vorbehalten.",
    ],
)
def test_read_also_links_and_copyright_lines_in_other_languages_are_not_the_body(furniture):
    assert clean_paragraphs([VERSES[0], furniture, VERSES[1], VERSES[2]]) == VERSES


def test_a_dateline_under_a_section_label_headline_and_byline_goes():
    title = "Les marcheurs du chemin de halage"
    top = ["Société", title, "Par Élodie Marchand", "Publié le 9 septembre 2024 à 07h15"]
    assert clean_paragraphs([*top, *VERSES], title=title) == VERSES


# --- a pull quote: a sentence of the story printed again for design -----------------------------


PULL_QUOTE = "Nobody walks here for the view, they walk here because it is the way home"


@pytest.mark.parametrize(
    "markup",
    [
        f'<blockquote class="pullquote">"{PULL_QUOTE}."</blockquote>',
        f"<blockquote><p>“{PULL_QUOTE}.” — Mara Dunn</p></blockquote>",
        f"<aside><p>“{PULL_QUOTE}.” — Mara Dunn</p></aside>",
        f'<p class="pull-quote">{PULL_QUOTE}</p>',
    ],
)
def test_a_pull_quote_repeating_a_sentence_of_the_story_is_not_a_paragraph(markup):
    quoted = (
        '"Nobody walks here for the view, they walk here because it is the way home," said Mara Dunn, who has '
        "walked the towpath to work for twenty years."
    )
    page = _page(f"<p>{VERSES[0]}</p>\n{markup}\n<p>{VERSES[1]}</p>\n<p>{quoted}</p>\n<p>{VERSES[2]}</p>")
    found = extract_html(page, url="https://canal.example/q")
    assert found is not None
    assert found.paragraphs == (VERSES[0], VERSES[1], quoted, VERSES[2])


def test_a_block_quotation_the_story_does_not_repeat_stays():
    letter = (
        "We the undersigned ask the trust to keep the towpath open through the winter, whatever the cost of "
        "clearing it after each storm."
    )
    page = _page(
        f"<p>{VERSES[0]}</p>\n<blockquote><p>{letter}</p></blockquote>\n<p>{VERSES[1]}</p>\n<p>{VERSES[2]}</p>"
    )
    found = extract_html(page, url="https://canal.example/l")
    assert found is not None
    assert found.paragraphs == (VERSES[0], letter, VERSES[1], VERSES[2])


def test_a_quotation_the_text_introduces_stays_when_the_story_quotes_it_again():
    statement = "The towpath will stay closed until the trust finds the money to rebuild the wall."
    paragraphs = (
        f"<p>{VERSES[0]}</p>",
        "<p>The trust ended its notice to boaters with this statement:</p>",
        f"<blockquote><p>“{statement}”</p></blockquote>",
        f"<p>{VERSES[1]}</p>",
        f"<p>A week later the chairman admitted that “{statement}” was not what the board had agreed.</p>",
    )
    found = extract_html(_page("\n".join(paragraphs)), url="https://canal.example/s")
    assert found is not None
    assert f"“{statement}”" in found.paragraphs


# --- furniture's words going on as a sentence are news -------------------------------------------


@pytest.mark.parametrize(
    "news",
    [
        # "Lee" a president, "Veja" a magazine: the label's words go on in lower case, with a verb
        "Lee también anunció que visitará el canal en mayo para reunirse con los barqueros.",
        "Veja também revelou que a eclusa ficará fechada até o verão.",
        "Lesen sie auch gern? Die Bibliothek am Kanal hat jetzt sonntags geöffnet.",
        # an affiliate programme told of in the third person
        "As an Amazon Associate, Mara Dunn earns a small commission on every lock key her readers buy.",
        # a business model, not the page's offer
        "Subscribe now, pay later plans for narrowboat moorings have grown by 40% in a year.",
    ],
)
def test_the_words_of_a_furniture_line_going_on_as_news_stay(news):
    assert clean_paragraphs([VERSES[0], news, VERSES[1], VERSES[2]]) == (VERSES[0], news, VERSES[1], VERSES[2])


@pytest.mark.parametrize(
    "furniture",
    [
        "Cet article est réservé aux abonnés.",
        "Dieser Artikel ist nur für Abonnenten verfügbar.",
        "Este artículo es exclusivo para suscriptores.",
        "Articolo riservato agli abbonati",
        "As an Amazon Associate I earn from qualifying purchases.",
        "Subscribe now for unlimited access to every story.",
        "Veja também: Eclusa reabre depois de dez anos",
    ],
)
def test_a_paywall_notice_in_other_languages_and_a_first_person_disclosure_are_not_the_body(furniture):
    assert clean_paragraphs([VERSES[0], furniture, VERSES[1], VERSES[2]]) == VERSES


def test_notes_told_as_reported_sentences_under_a_notes_heading_stay():
    notes = [
        "Notes",
        "On Monday, Trust Chair Ines Achterberg said the 2025 towpath levy would be reviewed after a year.",
        "In April, Dunn, who chairs the walkers' club, said the club's 2024 accounts were in order.",
    ]
    assert clean_paragraphs([*VERSES, *notes]) == (*VERSES, *notes)


STORIES_ELSEWHERE = {
    "de": (
        (
            "Die Stadtwerke wollen bis 2030 rund 1.200 Haushalte in der Altstadt an ein neues Wärmenetz anschließen. "
            "Das kündigte Geschäftsführer Markus Weber am Mittwoch im Bauausschuss an."
        ),
        (
            "Das Netz soll zunächst mit Abwärme aus dem Klärwerk und einer großen Wärmepumpe am Flussufer gespeist "
            "werden. Die Kosten schätzt das Unternehmen auf etwa 45 Millionen Euro."
        ),
        (
            "Im Ausschuss stieß der Plan überwiegend auf Zustimmung. Kritik kam von der Opposition, die vor steigenden "
            "Preisen für die Kunden warnte."
        ),
    ),
    "es": (
        (
            "Durante casi cinco años, los vecinos de este pequeño pueblo de la sierra tuvieron que conducir veinte "
            "kilómetros para comprar pan. Desde el lunes, el horno vuelve a encenderse cada madrugada."
        ),
        (
            "La nueva panadería funciona como una cooperativa de la que ya forman parte 86 vecinos. Cada uno aportó "
            "cien euros para reformar el local y comprar un horno de leña."
        ),
        (
            "El ayuntamiento cedió el local de forma gratuita durante diez años. El alcalde asegura que la iniciativa "
            "ha animado a dos familias jóvenes a instalarse en el pueblo."
        ),
    ),
    "fr": (
        (
            "Après deux ans de travaux et un chantier plusieurs fois retardé, la piscine municipale a rouvert ses "
            "portes samedi matin. Plusieurs centaines de nageurs se sont pressés dès l'ouverture."
        ),
        (
            "Le bâtiment, construit en 1972, a été entièrement rénové. Le bassin principal a été refait et un nouveau "
            "système de chauffage solaire doit réduire la facture énergétique de près de moitié."
        ),
        (
            "Le coût total du chantier s'élève à 14 millions d'euros, soit trois millions de plus que prévu. "
            "L'opposition a dénoncé une mauvaise gestion du projet."
        ),
    ),
    "ar": (
        (
            "في واحات الجنوب الشرقي، يعود المزارعون إلى نظام الخطارات القديم لري نخيلهم، بعد أن جفّت الآبار الحديثة "
            "واحدة تلو الأخرى خلال السنوات الثلاث الماضية."
        ),
        (
            "وتقدّر جمعية محلية أن نحو أربعين خطارة أعيد تأهيلها منذ العام الماضي، بتمويل من المزارعين أنفسهم ومن "
            "منظمات دولية. ويستغرق إصلاح القناة الواحدة عدة أشهر من العمل اليدوي."
        ),
        (
            "ويرى خبراء المياه أن هذه الأنظمة التقليدية أكثر استدامة لأنها لا تستنزف المياه الجوفية، إذ تعتمد على "
            "الجاذبية وحدها لنقل الماء من الجبال إلى الحقول."
        ),
    ),
    "he": (
        (
            "הספרייה העירונית תפתח את שעריה גם בימי שבת החל מהחודש הבא, כך הודיעה העירייה ביום ראשון. ההחלטה "
            "התקבלה לאחר דיון ארוך במועצת העיר."
        ),
        (
            "לפי התוכנית, הספרייה תפעל בשבתות בין עשר בבוקר לשתיים בצהריים. ההשאלה תתבצע באמצעות עמדות שירות עצמי, "
            "ללא צורך בעובדים נוספים."
        ),
        "מנגד, כמה מחברי המועצה התנגדו למהלך וטענו כי הוא פוגע באופי העיר. הם הודיעו כי ישקלו לעתור נגד ההחלטה.",
    ),
    "ja": (
        (
            "北海道東部を走るローカル線の存続をめぐり、沿線の住民団体が二十八日、町に新たな支援策を提案した。"
            "利用者の減少が続くなか、観光客を呼び込むための臨時列車の運行が盛り込まれている。"
        ),
        (
            "鉄道会社によると、この路線の一日あたりの平均利用者数は昨年度、約三百人にとどまった。"
            "十年前と比べると半分以下に落ち込んでいる。"
        ),
        "住民団体は来月、沿線で署名活動を始める予定だ。集まった署名は年明けにも道と鉄道会社に提出するという。",
    ),
    "zh": (
        "本市老城区改造工程于本周一正式启动。根据规划，改造将涉及二十多条街巷和近三千户居民，预计在三年内完成。",
        "市住建局负责人介绍，此次改造坚持“留改拆”并举，尽量保留老建筑的历史风貌。对于有价值的传统民居，将以修缮为主。",
        "改造资金主要来自市财政和中央补助，总投资约十二亿元。部分居民也将根据自愿原则承担少量费用。",
    ),
}


@pytest.mark.parametrize(
    ("language", "furniture"),
    [
        ("de", "Lesen Sie auch: Gasspeicher zu Beginn des Winters gut gefüllt"),
        ("de", "Jetzt abonnieren und weiterlesen"),
        ("de", "Newsletter abonnieren: Die wichtigsten Nachrichten aus der Region jeden Morgen in Ihrem Postfach."),
        ("de", "Unterstützen Sie unabhängigen Lokaljournalismus!"),
        ("es", "Suscríbete a nuestro boletín y recibe las noticias cada mañana."),
        ("es", "Únete a nuestra comunidad. Apóyanos para seguir haciendo periodismo independiente."),
        ("fr", "Abonnez-vous à notre newsletter pour ne rien manquer de l'actualité locale."),
        ("fr", "Soutenez une information locale et indépendante."),
        ("ar", "اقرأ أيضا: موجة حر جديدة تضرب المنطقة هذا الأسبوع"),
        ("ar", "اشترك في النشرة البريدية لتصلك آخر الأخبار"),
        ("ar", "ادعم صحافتنا المستقلة"),
        ("he", "קראו גם: תקציב התרבות של העירייה יגדל בשנה הבאה"),
        ("he", "הירשמו לניוזלטר שלנו"),
        ("ja", "関連記事：北海道の赤字路線、見直し議論が本格化"),
        ("ja", "ニュースレターに登録する"),
        ("ja", "続きを読む"),
        ("ja", "この記事は有料会員限定です。"),
        ("zh", "相关阅读：本市公布明年城市建设计划"),
        ("zh", "点击关注，获取更多本地新闻。"),
        ("zh", "订阅我们的新闻简报"),
    ],
)
def test_appeals_and_read_also_links_in_other_languages_are_not_the_body(language, furniture):
    story = STORIES_ELSEWHERE[language]
    assert clean_paragraphs([story[0], furniture, story[1], story[2]]) == story
    assert clean_paragraphs([*story, furniture]) == story


@pytest.mark.parametrize(
    "news",
    [
        (
            "Die Stadtwerke haben inzwischen mehr als 3.000 Abonnenten für ihren Energie-Newsletter gewonnen, in dem "
            "sie über den Baufortschritt berichten wollen."
        ),
        "La suscripción al boletín municipal creció un 40 % este año, según el ayuntamiento.",
        "在新规出台后，订阅该报纸的读者在一年内增加了三成。",
    ],
)
def test_news_about_subscribers_in_other_languages_stays(news):
    story = STORIES_ELSEWHERE["de"]
    assert clean_paragraphs([*story[:2], news, story[2]]) == (*story[:2], news, story[2])


@pytest.mark.parametrize(
    ("language", "top", "names"),
    [
        ("he", ["מאת דנה לוי"], ("דנה לוי",)),
        ("ar", ["بقلم: سارة المنصوري", "27 نوفمبر 2026"], ("سارة المنصوري",)),
        ("zh", ["记者 王小明", "2026年11月26日"], ("王小明",)),
        ("ja", ["文・山田太郎", "2026年11月28日 9時00分"], ("山田太郎",)),
    ],
)
def test_a_byline_and_date_in_a_script_without_capitals_are_no_paragraphs(language, top, names):
    story = STORIES_ELSEWHERE[language]
    body = clean_body([*top, *story])
    assert body.paragraphs == story
    assert body.bylined == names
