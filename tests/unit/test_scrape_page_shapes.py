"""Page furniture told by its shape and its place, not its words: a caption beside its photo
credit, a video's teaser with its running time, a box that stops short of the story's last
paragraph, a byline in capitals or under another label.

The scrapes are made up, in the style of a text-browser dump (``lynx -dump -nolist``).
"""

from __future__ import annotations

import pytest

from digest.extract.cues import classify
from digest.extract.scrape import extract_scrape
from digest.extract.scrape_lines import Kind

HEADLINE = "Orchard Lane bridge to close for six months of repairs"
STORY = [
    (
        "The Orchard Lane bridge over the Wenlow canal will close to all traffic from March, after an "
        "inspection found corrosion in two of the steel beams that carry the road deck."
    ),
    (
        "Engineers for the county said the bridge was safe for now but could not carry buses or delivery "
        "lorries for much longer without the beams being replaced."
    ),
    (
        "Shopkeepers on the north bank said a six-month closure would cut them off from the estate on the "
        "other side of the canal, where most of their customers live."
    ),
    (
        "The county will run a free shuttle bus over the Mill Street crossing while the work goes on, and "
        "has promised to reopen one footpath across the bridge by the summer."
    ),
]


def page(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


def story_with(*lines: str, at: int = 2) -> str:
    return page(
        "The Wenlow Courier",
        HEADLINE,
        "By Tamsin Greaves",
        "December 2, 2026",
        *STORY[:at],
        *lines,
        *STORY[at:],
        "© 2026 The Wenlow Courier",
    )


CAPTION = "A cyclist crosses the Orchard Lane bridge on Tuesday morning."


@pytest.mark.parametrize(
    "credit",
    ["Credit: Hollis Mbeki", "Photo credit: Wenlow Courier", "Photograph: Hollis Mbeki for the Wenlow Courier"],
)
def test_a_credit_line_of_any_label_is_a_caption(credit):
    assert classify(credit) is Kind.CAPTION


@pytest.mark.parametrize("credit", ["Credit: Hollis Mbeki", "Photograph: Hollis Mbeki for the Wenlow Courier"])
def test_a_caption_over_its_credit_between_paragraphs_leaves_the_body(credit):
    article = extract_scrape(story_with(CAPTION, credit))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_caption_under_the_lead_pictures_credit_leaves_the_body():
    text = page(
        "The Wenlow Courier",
        HEADLINE,
        "By Tamsin Greaves",
        "December 2, 2026",
        "(Photo by Hollis Mbeki / Wenlow Courier)",
        CAPTION,
        *STORY,
        "© 2026 The Wenlow Courier",
    )
    article = extract_scrape(text)
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_the_stories_short_first_paragraph_under_the_lead_pictures_credit_stays():
    lead = "WENLOW, England — The Orchard Lane bridge will close for six months."
    text = page(HEADLINE, "By Tamsin Greaves", "(Photo by Hollis Mbeki)", lead, *STORY[1:])
    article = extract_scrape(text)
    assert article is not None
    assert list(article.paragraphs) == [lead, *STORY[1:]]


@pytest.mark.parametrize(
    "line",
    [
        # more than one sentence
        "The bridge was built in 1931. It was last repaired in 1988.",
        # a quotation
        '"We will lose half our trade," one shopkeeper said.',
    ],
)
def test_a_paragraph_over_a_credit_stays(line):
    article = extract_scrape(story_with(line, "Credit: Hollis Mbeki"))
    assert article is not None
    assert line in article.paragraphs


# A video's teaser: its title under a label, or with its running time; no sentence of the story's.
VIDEO_TEASERS = [
    "Watch: Drone footage shows the corroded beams under the Orchard Lane bridge (1:12)",
    "WATCH | Engineers explain what the inspection found (3:05)",
    "Video: How a steel bridge deck is lifted into place",
    "Shopkeepers on the north bank fear for their trade (0:58)",
]


@pytest.mark.parametrize("teaser", VIDEO_TEASERS)
def test_a_videos_teaser_between_paragraphs_leaves_the_body(teaser):
    article = extract_scrape(story_with(teaser))
    assert article is not None
    assert list(article.paragraphs) == STORY


@pytest.mark.parametrize(
    "line",
    [
        "Watch: the county has published the inspection report and a video of the beams.",
        "The council met at 7:30 (after a 15-minute delay) and voted 9-2 to approve the closure.",
    ],
)
def test_a_sentence_naming_a_video_or_a_time_stays(line):
    article = extract_scrape(story_with(line))
    assert article is not None
    assert line in article.paragraphs


def test_a_sponsored_listing_with_its_networks_signature_does_not_end_the_story():
    listing = [
        "Advertisement",
        "From our partners",
        "You Won't Believe How Cheap These Garden Rooms Are",
        "HomeDeals",
        "Pensioners Are Claiming This Little-Known Heating Grant",
        "Grant Checker",
        "by Plinthly",
    ]
    article = extract_scrape(story_with(*listing, at=3))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_the_next_story_under_the_article_is_not_its_text():
    next_story = [
        "Towpath reopens after winter flood repairs",
        "By Owen Latimer",
        "The canal towpath between Wenlow and Addle reopened on Monday after three months of repairs to the bank.",
    ]
    article = extract_scrape(story_with(*next_story, at=4))
    assert article is not None
    assert list(article.paragraphs) == STORY


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("Film review by Odile Marchetti", ("Odile Marchetti",)),
        ("Words by Odile Marchetti. Photographs by Bram Kuyper.", ("Odile Marchetti",)),
        ("Text by Odile Marchetti | Pictures by Bram Kuyper", ("Odile Marchetti",)),
        ("From Odile Marchetti and Bram Kuyper", ("Odile Marchetti", "Bram Kuyper")),
        ("BY ODILE MARCHETTI AND BRAM KUYPER", ("Odile Marchetti", "Bram Kuyper")),
    ],
)
def test_the_byline_under_other_labels_names_its_authors(byline, names):
    text = page("The Wenlow Courier", HEADLINE, byline, "December 2, 2026", *STORY, "© 2026 The Wenlow Courier")
    article = extract_scrape(text)
    assert article is not None
    assert article.title == HEADLINE
    assert article.authors == names
    assert list(article.paragraphs) == STORY


def test_a_reporter_at_the_ground_over_the_date_is_the_byline():
    text = page("Sport", HEADLINE, "Odile Marchetti at Canal Park", "Sat 29 Nov 2026 17.12 GMT", *STORY)
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == ("Odile Marchetti",)
    assert article.title == HEADLINE


@pytest.mark.parametrize("line", ["From Wenlow to the sea in a day", "From the archive", "Taylor Swift at Wembley"])
def test_a_headline_like_a_byline_names_no_author(line):
    text = page("The Wenlow Courier", line, *STORY)
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == ()


# The page's note to its reader over the story's first paragraph, in words the story never uses.
LEAD_NOTES = [
    (
        "We pick every product ourselves. When you shop through links on this site we may earn a fee, "
        "which never changes what our editors recommend."
    ),
    (
        "Some of the offers on this page come from partners who pay us. That can shape where an offer "
        "appears, though never how our editors rate it."
    ),
]


@pytest.mark.parametrize("note", LEAD_NOTES)
def test_the_pages_note_over_the_first_paragraph_leaves_the_body(note):
    article = extract_scrape(story_with(note, at=0))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_first_paragraph_in_the_first_person_plural_of_the_story_stays():
    lead = (
        "We walked the Orchard Lane bridge with the county's engineers on Tuesday, a day after their "
        "inspection found corrosion in two of its steel beams."
    )
    article = extract_scrape(story_with(lead, at=0))
    assert article is not None
    assert list(article.paragraphs) == [lead, *STORY]


def test_a_labelled_note_on_the_author_under_the_story_leaves_the_body():
    note = "About the author: Tamsin Greaves is a transport reporter who has covered the county since 2019."
    article = extract_scrape(story_with(note, at=4))
    assert article is not None
    assert list(article.paragraphs) == STORY


@pytest.mark.parametrize(
    "credit", ["Reporting by Tamsin Greaves; Editing by Rob Hale", "(Reporting by Tamsin Greaves)"]
)
def test_the_last_paragraph_between_a_box_and_the_wires_credit_is_the_storys(credit):
    last = "The county will decide on the shuttle's route next week."
    text = page(
        HEADLINE, "December 2, 2026", *STORY, "Get our daily briefing. Sign up here.", last, credit, "Read Next"
    )
    article = extract_scrape(text)
    assert article is not None
    assert list(article.paragraphs) == [*STORY, last]


def test_a_live_pages_entry_ending_on_a_video_teaser_does_not_end_the_page():
    entries = [
        ("16:40", STORY[0]),
        ("16:05", STORY[1]),
        ("15:30", STORY[2]),
        ("14:55", STORY[3]),
    ]
    lines = [HEADLINE, "From Tamsin Greaves and Rob Hale", "Last updated 2 December 2026, 16:45 GMT"]
    for n, (stamp, text) in enumerate(entries):
        lines += [stamp, text]
        if n == 1:
            lines.append("Watch: The bridge's corroded beams seen from a drone (0:52)")
        lines.append("Share")
    article = extract_scrape(page(*lines, "More on this story", "Top Stories"))
    assert article is not None
    assert list(article.paragraphs) == STORY
    assert article.authors == ("Tamsin Greaves", "Rob Hale")


def test_an_appeal_in_the_storys_words_ending_on_its_ask_leaves_the_body():
    appeal = (
        "Local reporting takes time. Bridge closures, county budgets and planning rows don't cover themselves. "
        "Our reporters sat through the county's four-hour meeting on Tuesday so you didn't have to. If that "
        "matters to you, become a member today for as little as $6 a month."
    )
    article = extract_scrape(story_with(appeal))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_paragraph_of_the_story_in_the_first_person_plural_ending_on_an_offer_stays():
    line = (
        "We asked the county what the shuttle would cost. Its officers said the buses would be free "
        "for the first month, then $2 a ride for adults."
    )
    article = extract_scrape(story_with(line))
    assert article is not None
    assert line in article.paragraphs


# The piece speaking of itself under the story: who paid for it, whose views it gives.
PIECE_NOTES = [
    "This story was produced with support from the Hale Trust. The Wenlow Courier keeps full control of its content.",
    "The opinions expressed in this piece are the writer's own and are not those of the Wenlow Courier.",
]


@pytest.mark.parametrize("note", PIECE_NOTES)
def test_the_piece_speaking_of_itself_under_the_story_leaves_the_body(note):
    article = extract_scrape(story_with(note, at=4))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_paragraph_of_the_story_naming_this_story_stays():
    line = "This story began with a letter from a shopkeeper who had measured the rust on the bridge's beams herself."
    article = extract_scrape(story_with(line, at=4))
    assert article is not None
    assert line in article.paragraphs


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("BY ODILE MARCHETTI STAFF WRITER", ("Odile Marchetti",)),
        ("Posted by Odile Marchetti and Bram Kuyper, Data Engineers", ("Odile Marchetti", "Bram Kuyper")),
    ],
)
def test_a_byline_with_the_authors_jobs_names_only_the_authors(byline, names):
    text = page("The Wenlow Courier", HEADLINE, byline, "December 2, 2026", *STORY, "© 2026 The Wenlow Courier")
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == names


@pytest.mark.parametrize("label", ["Sponsored Content", "Paid Content", "Partner Content"])
def test_a_sponsored_box_between_paragraphs_does_not_end_the_story(label):
    article = extract_scrape(story_with(label, "Garden rooms from £9,999 this winter only", "Plinthly Homes"))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_the_first_slide_of_a_gallery_over_the_story_is_a_caption():
    slide = "1/8 A crane lifts the first steel beam off the Orchard Lane bridge on Tuesday."
    text = page(HEADLINE, "By Tamsin Greaves", "December 2, 2026", slide, *STORY)
    article = extract_scrape(text)
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_fraction_opening_a_sentence_of_the_story_stays():
    line = "1/3 of the county's bridges were last inspected more than ten years ago, the report found."
    article = extract_scrape(story_with(line))
    assert article is not None
    assert line in article.paragraphs


def test_a_blogs_dated_byline_with_its_comment_count_names_the_author():
    text = page(HEADLINE, "December 2, 2026 by Tamsin Greaves 14 Comments", *STORY)
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == ("Tamsin Greaves",)


def test_a_paywalls_gate_between_paragraphs_leaves_the_body():
    gate = [
        "Read on for free",
        "Create a free account to unlock every story, the weekend edition and local alerts.",
        "Continue with Apple",
    ]
    article = extract_scrape(story_with(*gate))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_sentence_of_the_story_about_an_account_stays():
    line = "Residents can create an account on the county's website to get alerts about the closure."
    article = extract_scrape(story_with(line))
    assert article is not None
    assert line in article.paragraphs


@pytest.mark.parametrize(
    "prompt",
    [
        "Got a view on the closure? Write a letter to the editor, in 300 words or fewer.",
        "Have thoughts on the bridge repairs? Submit a guest column. Columns run to 600 words.",
    ],
)
def test_a_question_to_the_reader_and_an_order_after_it_leave_the_body(prompt):
    article = extract_scrape(story_with(prompt))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_question_and_an_order_in_the_storys_own_voice_stay():
    line = "Why does the bridge matter? Consider the buses: eleven routes cross it every hour, the county says."
    article = extract_scrape(story_with(line))
    assert article is not None
    assert line in article.paragraphs


def test_the_name_under_a_provided_by_label_is_no_headline():
    text = page(
        "News provided by", "Orchard Lane Bridge", "Dec 01, 2026, 08:00 ET", "Share this article", HEADLINE, *STORY
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.title == HEADLINE


def test_a_headline_under_a_sponsors_label_stays_the_headline():
    text = page("Advertisement", "Supported by", HEADLINE, "By Tamsin Greaves", *STORY)
    article = extract_scrape(text)
    assert article is not None
    assert article.title == HEADLINE
