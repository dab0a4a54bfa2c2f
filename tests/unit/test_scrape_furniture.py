"""The page's own lines between a story's paragraphs: a promotion in the imperative, the
publication's appeal, a labelled disclaimer. Neither the body nor the summary keeps them,
and the story's sentences that share their words stay.

The scrapes are made up, in the style of a text-browser dump (``lynx -dump -nolist``).
"""

from __future__ import annotations

import re

import pytest

from digest.extract.cues import classify
from digest.extract.scrape import extract_scrape
from digest.extract.scrape_lines import Kind
from digest.models import Article
from digest.summarize.algorithms import summarize
from digest.summarize.filters import candidates_in_paragraph, is_author_note, is_candidate

STORY = [
    (
        "The Tollbridge ferry will run a reduced timetable from January, after the operator said two of its "
        "three crews had left for better-paid jobs on the oil supply boats."
    ),
    (
        "Only the morning and evening crossings will run on weekdays, and the Saturday service will stop "
        "altogether until new crews have been trained, a process that takes about four months."
    ),
    (
        "Islanders who commute to the hospital and the college on the mainland said the cut would leave them "
        "with a three-hour wait in the middle of the day and no way home for a late shift."
    ),
    (
        "The council said it would ask the operator to keep a midday crossing on hospital clinic days, and "
        "would pay the extra fuel cost itself if the operator agreed to the request."
    ),
]

# An order whose object is the page's product: its app, its channels, its trial, its tickets, its shop.
PROMOTIONS = [
    "Try Harbourdesk free for 14 days. No credit card required.",
    "Watch every match live and on demand on Streamline. New customers get their first month free.",
    "Join the author in conversation at Quay Live on 14 January. Tickets from £12, with discounts for members.",
    "To hear more audio stories from publications like ours, download Tidecast for iPhone or Android.",
    "Follow the Tollbridge Post on Facebook, Instagram, TikTok and Threads.",
    "Stay in the know with Harbourdesk. Get instant access to breaking news, reviews and deals.",
    "Did you make this recipe? Tag @quaykitchen on Instagram and leave a rating below!",
    "Pin this recipe for later!",
    "To support the Tollbridge Post, order your copy from our bookshop. Delivery charges may apply.",
    "Want to work on problems like this? We're hiring engineers in Leith and Lisbon.",
]

# The publication asking for support between the story's paragraphs, its ask in any sentence.
APPEALS = [
    "Local reporting like this takes time and money. Join the more than 4,000 Post members who keep it going.",
    "The Post relies on readers to fund its reporting. A gift of any size keeps our reporting free for everyone.",
    "Thanks for supporting local news. Your subscription makes stories like this one possible.",
]

# The story's sentences that share the promotions' and the appeals' words.
NEWS = [
    "The app is available for iPhone and Android, the company said.",
    "Tickets from the box office sold out within an hour, organisers said.",
    "Follow the river path north for two miles to reach the ferry slip.",
    "Let the tart cool for at least an hour before slicing, or the filling will run.",
    "To serve, slice the tart into eight pieces and top each with a spoonful of cream.",
    "The city council voted to subscribe to the state's alert system, which texts residents about floods.",
    "Members of the rowing club raised $4,000 for the lifeboat station at a sponsored swim in June.",
    "The paper said its subscriptions had fallen by 12% since it introduced a paywall in 2024.",
    "The company said it was hiring 200 engineers in Lisbon and would open a second office in Porto.",
    "Watch crews worked through the night to clear the line before the first train at six.",
]


def page(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


def scrape_with(line: str) -> str:
    return page(
        "The Tollbridge Post",
        "Ferry timetable cut as crews leave for oil boats",
        "By Morag Lindsay",
        "December 1, 2026",
        STORY[0],
        STORY[1],
        line,
        STORY[2],
        STORY[3],
        "© 2026 The Tollbridge Post",
    )


@pytest.mark.parametrize("line", PROMOTIONS + APPEALS)
def test_a_promotion_or_an_appeal_between_paragraphs_leaves_the_body(line):
    article = extract_scrape(scrape_with(line))
    assert article is not None
    assert list(article.paragraphs) == STORY
    assert article.title == "Ferry timetable cut as crews leave for oil boats"


@pytest.mark.parametrize("line", PROMOTIONS + APPEALS)
def test_a_promotion_or_an_appeal_is_boilerplate(line):
    assert classify(line) is Kind.CTA


@pytest.mark.parametrize("sentence", NEWS)
def test_news_that_shares_a_promotions_words_is_text(sentence):
    assert classify(sentence) is Kind.PROSE
    assert is_candidate(sentence)


@pytest.mark.parametrize("sentence", NEWS)
def test_news_that_shares_a_promotions_words_stays_in_the_body(sentence):
    article = extract_scrape(scrape_with(sentence))
    assert article is not None
    assert list(article.paragraphs) == [*STORY[:2], sentence, *STORY[2:]]


@pytest.mark.parametrize(
    "sentence",
    [
        "Try Harbourdesk free for 14 days.",
        "Watch every match live and on demand on Streamline.",
        "Join the author in conversation at Quay Live on 14 January.",
        "To hear more audio stories, download Tidecast for iPhone or Android.",
        "Follow the Tollbridge Post on Facebook, Instagram, TikTok and Threads.",
        "Get instant access to breaking news, reviews and deals.",
        "To support the Tollbridge Post, order your copy from our bookshop.",
        "We're hiring engineers in Leith and Lisbon.",
    ],
)
def test_a_promotion_is_no_summary_sentence(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "paragraph",
    [
        [
            "Disclaimer: We respect your thoughts and views!",
            "But we need to be judicious while moderating your comments.",
        ],
        ["Disclosure: The author owns shares in Harbourdesk.", "He has no plans to sell them."],
    ],
)
def test_a_labelled_disclaimer_takes_its_paragraph_out_of_the_summary(paragraph):
    assert candidates_in_paragraph(paragraph) == [False] * len(paragraph)


def test_the_summary_of_a_page_with_furniture_between_paragraphs_is_the_story():
    paragraphs = [
        STORY[0],
        PROMOTIONS[2],
        STORY[1],
        APPEALS[0],
        STORY[2],
        "Disclaimer: We respect your thoughts and views! But we need to be judicious while moderating your comments.",
        STORY[3],
    ]
    article = Article(url="", title="Ferry timetable cut", paragraphs=tuple(paragraphs))
    summary = summarize(article, sentences=8, algorithm="lexrank")
    story_text = " ".join(STORY)
    assert summary.sentences
    assert all(sentence in story_text for sentence in summary.sentences)


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("Guest essay by Dr. Naomi Achterberg", ("Naomi Achterberg",)),
        ("A column by Ruth Okafor", ("Ruth Okafor",)),
        ("Analysis by Sam Reed", ("Sam Reed",)),
    ],
)
def test_the_kind_of_piece_over_a_byline_is_its_label(byline, names):
    text = page(
        "The Tollbridge Post",
        "Opinion",
        "The ferry cuts are not the problem. The crews' pay is.",
        byline,
        "December 1, 2026",
        *STORY,
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "The ferry cuts are not the problem. The crews' pay is."
    assert article.authors == names
    assert list(article.paragraphs) == STORY


def test_a_review_by_a_panel_opening_a_sentence_is_no_byline():
    assert classify("Review by the numbers shows gains in every ward.") is not Kind.BYLINE


@pytest.mark.parametrize("role", ["Senior Reviews Editor", "Chief Political Correspondent", "Staff Photographer"])
def test_the_authors_job_under_the_byline_is_no_headline_and_her_biography_no_paragraph(role):
    """A review's headline shares few words with its text; the job, printed again in the biography, did."""
    text = page(
        "The Tollbridge Post",
        "Reviews | News | Deals",
        "Island Link review: a fine boat, with one big catch",
        f"By Morag Lindsay\n{role}",
        "Published December 1, 2026",
        *STORY,
        f"Morag Lindsay is {role} at the Tollbridge Post, where she has covered the islands since 2017.",
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Island Link review: a fine boat, with one big catch"
    assert article.authors == ("Morag Lindsay",)
    assert list(article.paragraphs) == STORY


def test_a_short_headline_under_a_kicker_still_stands_alone_over_the_byline():
    text = page("The Tollbridge Post", "Transport", "Ferry Crews Quit", "By Morag Lindsay", "December 1, 2026", *STORY)
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Ferry Crews Quit"


@pytest.mark.parametrize(
    "label", ["Recommended Videos", "Read in Telugu", "Read this story in Spanish", "Trending Videos"]
)
def test_a_widgets_label_between_paragraphs_is_no_subheading(label):
    text = page(
        "The Tollbridge Post",
        "Ferry timetable cut as crews leave for oil boats",
        "By Morag Lindsay",
        "December 1, 2026",
        *STORY[:3],
        label,
        STORY[3],
        "Copyright 2026 The Tollbridge Post",
    )
    assert body_of(text) == STORY


def test_a_subheading_between_paragraphs_stays():
    text = page(
        "The Tollbridge Post",
        "Ferry timetable cut as crews leave for oil boats",
        "By Morag Lindsay",
        "December 1, 2026",
        *STORY[:3],
        "What the council can do",
        STORY[3],
        "Copyright 2026 The Tollbridge Post",
    )
    assert body_of(text) == [*STORY[:3], "What the council can do", STORY[3]]


@pytest.mark.parametrize(
    "note",
    [
        "Disclaimer: We respect your thoughts and views! But we need to be judicious while moderating your comments.",
        (
            "Pacific Current's coverage of the islands is supported by the Harbour Foundation. Our funders have no "
            "say in our reporting."
        ),
        (
            "This story was made possible by a grant from the Island Reporting Fund. The Post retains full editorial "
            "control."
        ),
    ],
)
def test_a_comment_disclaimer_or_a_funders_note_under_the_story_is_no_paragraph(note):
    text = page(
        "The Tollbridge Post",
        "Ferry timetable cut as crews leave for oil boats",
        "By Morag Lindsay",
        "December 1, 2026",
        *STORY,
        note,
        "Post a Comment",
    )
    assert body_of(text) == STORY
    assert not any(candidates_in_paragraph(re.split(r"(?<=[.!?])\s+", note)))


def test_news_of_a_foundations_grant_is_text():
    sentence = "The ferry study was funded by a grant from the Harbour Foundation, the council said in June."
    assert is_candidate(sentence)
    assert classify(sentence) is Kind.PROSE


def body_of(text: str) -> list[str]:
    article = extract_scrape(text)
    assert article is not None
    return list(article.paragraphs)


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Min-jun Park", ("Min-jun Park",)),
        ("By Hye-won Kim and Ana Ruiz", ("Hye-won Kim", "Ana Ruiz")),
        ("By Chae-won Han", ("Chae-won Han",)),
    ],
)
def test_a_korean_given_name_with_its_second_syllable_in_lower_case_is_a_name(byline, names):
    text = page(
        "The Tollbridge Post", "Ferry timetable cut as crews leave for oil boats", byline, "Dec. 1, 2026", *STORY
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == names


@pytest.mark.parametrize("line", ["Post-war Britain", "Co-op Funeralcare", "Re-run Vote", "Anti-war Protest"])
def test_a_hyphenated_word_in_a_heading_is_no_name(line):
    assert classify(line) is not Kind.NAME


# The page's lines between and under paragraphs, phrased as other sites phrase them.
MORE_PAGE_LINES = [
    "What are your thoughts? Have your say in the comments.",
    "Don't miss a beat. Add the Tollbridge Post as a preferred source on Google.",
    "Catch all the Business News, Breaking News Events and Latest News Updates on the Tollbridge Post.",
    "This piece is part of The Island Issue. Read the rest of the series here.",
    "Gift subscriptions to the Post start at £49. The perfect present for the islander in your life.",
    "The Tollbridge Post is an independent, nonprofit newsroom. Read our ethics policy.",
    "Got a tip? Reach out securely via Signal at tollbridge.99.",
]


@pytest.mark.parametrize("line", [*MORE_PAGE_LINES, "Loading"])
def test_more_of_the_pages_lines_between_paragraphs_leave_the_body(line):
    assert body_of(scrape_with(line)) == STORY


@pytest.mark.parametrize(
    "sentence",
    [
        "Have your say in the comments.",
        "Add the Tollbridge Post as a preferred source on Google.",
        "Catch all the Latest News Updates on the Tollbridge Post.",
        "This piece is part of The Island Issue.",
        "Read the rest of the series here.",
        "Gift subscriptions to the Post start at £49.",
        "Read our ethics policy.",
    ],
)
def test_more_of_the_pages_lines_are_no_summary_sentences(sentence):
    assert not is_candidate(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Residents vented their anger in the comments under the council's post, and the thread was later closed.",
        "Subscriptions to the new service start at $9.99 a month, the company said.",
        "The paper's ethics policy bars reporters from accepting gifts worth more than $25, its editor said.",
        "The exhibition is part of a series on the island's fishing history that runs until March.",
    ],
)
def test_news_sharing_those_lines_words_stays(sentence):
    assert is_candidate(sentence)
    assert body_of(scrape_with(sentence)) == [*STORY[:2], sentence, *STORY[2:]]


@pytest.mark.parametrize(
    "note",
    [
        "Ms. Lindsay is a transport planner and a former harbour commissioner for the islands.",
        "Morag Lindsay writes about the islands, their ferries and the people who crew them.",
        "Morag covers transport for the Tollbridge Post and has reported from the islands since 2017.",
    ],
)
def test_a_note_on_the_author_is_no_summary_sentence(note):
    """Benchmarks count the note as the article's text, so the body keeps it; the summary does not."""
    article = Article(url="", title="Ferry cuts", authors=("Morag Lindsay",), paragraphs=(note, *STORY))
    for algorithm in ("default", "lexrank", "luhn"):
        assert note not in summarize(article, sentences=5, algorithm=algorithm).sentences


def test_a_sentence_on_someone_who_shares_the_authors_name_may_be_a_summary_sentence():
    opening = "Lindsay Harbour is a village of 400 people at the end of the island's only road."
    assert not is_author_note(opening, ("Morag Lindsay",))
    assert is_candidate(opening)


@pytest.mark.parametrize(
    ("masthead", "byline", "footer", "url"),
    [
        ("Tollbridge Post", "By Morag Lindsay, Tollbridge Post", "Comments are closed.", ""),
        ("Home | News | Sport", "By Morag Lindsay, Island Courier", "© 2026 Island Courier. All rights reserved.", ""),
        ("Home | News | Sport", "By Morag Lindsay and Island Courier", "Comments", "https://www.islandcourier.com/a/1"),
    ],
)
def test_the_publication_beside_a_reporter_in_the_byline_is_no_author(masthead, byline, footer, url):
    text = page(masthead, "Ferry timetable cut as crews leave for oil boats", byline, "Dec. 1, 2026", *STORY, footer)
    article = extract_scrape(text, url=url)
    assert article is not None
    assert article.authors == ("Morag Lindsay",)


def test_a_personal_sites_name_is_its_authors():
    text = page("Morag Lindsay", "Ferry timetable cut as crews leave for oil boats", "By Morag Lindsay", *STORY)
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == ("Morag Lindsay",)


def test_two_reporters_stay_two_authors():
    text = page(
        "Tollbridge Post",
        "Ferry timetable cut as crews leave for oil boats",
        "By Morag Lindsay and Ewan Reid",
        "Dec. 1, 2026",
        *STORY,
        "© 2026 Tollbridge Post",
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == ("Morag Lindsay", "Ewan Reid")


@pytest.mark.parametrize(
    "line",
    [
        "Like what you read? The Post is funded by readers. Become a Friend of the Post today.",
        "If you enjoy posts like this, consider buying me a coffee. It keeps the server lights on.",
        "This article originally appeared in the Tollbridge Post's Weekend Edition. Click to view the e-Edition.",
    ],
)
def test_a_readers_fund_or_a_reprint_note_between_paragraphs_leaves_the_body(line):
    assert body_of(scrape_with(line)) == STORY


@pytest.mark.parametrize(
    ("byline", "names"),
    [
        ("By Morag Lindsay mlindsay@tollbridgepost.com", ("Morag Lindsay",)),
        ("Words: Morag Lindsay | Photography: Ewan Reid", ("Morag Lindsay",)),
    ],
)
def test_a_byline_with_an_address_or_a_words_label_names_its_author(byline, names):
    text = page(
        "The Tollbridge Post", "Ferry timetable cut as crews leave for oil boats", byline, "Dec. 1, 2026", *STORY
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == names


@pytest.mark.parametrize("question", ["Like what you read?", "Enjoyed this article?", "Was this story useful?"])
def test_a_question_about_the_page_to_its_reader_is_no_summary_sentence(question):
    assert not is_candidate(question)


@pytest.mark.parametrize("sentence", ["Did voters like what they saw?", "Was the inquiry useful to the families?"])
def test_a_question_in_the_story_may_be_a_summary_sentence(sentence):
    assert is_candidate(sentence)


# A box between paragraphs in words the story never uses: the summary cannot know its phrasing,
# only that nothing else on the page speaks of what it speaks of.
UNRELATED_BOXES = [
    "Want more news from the Wattle Valley? Find it all on Valley Radio.",
    "Our newsroom is small and stubborn. Readers like you are what keeps it open.",
    "Hungry for more? Every Thursday our critics pick the week's best openings in one short email.",
]


@pytest.mark.parametrize("box", UNRELATED_BOXES)
def test_a_paragraph_sharing_no_word_with_the_story_is_no_summary_sentence(box):
    paragraphs = (STORY[0], box, *STORY[1:])
    picked = summarize(Article(url="", title="Ferry timetable cut", paragraphs=paragraphs)).sentences
    assert len(picked) == 3
    assert all(sentence in " ".join(STORY) for sentence in picked)


def test_a_paragraph_of_the_story_sharing_its_words_may_be_a_summary_sentence():
    aside = "The ferry crews said two islanders had already missed clinic appointments on the mainland."
    paragraphs = (STORY[0], aside, *STORY[1:])
    picked = summarize(Article(url="", title="Ferry timetable cut", paragraphs=paragraphs)).sentences
    assert aside in picked


def test_two_paragraphs_of_a_box_sharing_words_with_each_other_only_are_no_summary_sentences():
    box = (
        "Good journalism is never cheap, and only good journalism holds the powerful to account.",
        "We depend on generous readers rather than advertisers for that journalism.",
    )
    paragraphs = (STORY[0], *box, *STORY[1:])
    picked = summarize(Article(url="", title="Ferry timetable cut", paragraphs=paragraphs)).sentences
    assert all(sentence in " ".join(STORY) for sentence in picked)


# The page speaking as itself (we, us, our) in a short line that shares no word with the story.
PAGE_ASIDES = [
    "Found a mistake? Let us know.",
    "Got a story? Reach out to our editors on WhatsApp.",
    "Something not right here? Our corrections desk reads every note.",
]


@pytest.mark.parametrize("line", PAGE_ASIDES)
def test_the_page_speaking_to_its_reader_between_or_after_paragraphs_leaves_the_body(line):
    between = extract_scrape(scrape_with(line))
    after = extract_scrape(page("Ferry timetable cut as crews leave for oil boats", "By Morag Lindsay", *STORY, line))
    assert between is not None and after is not None
    assert list(between.paragraphs) == STORY
    assert list(after.paragraphs) == STORY


@pytest.mark.parametrize(
    "line",
    [
        # it speaks of the story
        "We asked the operator how many crews it would need to run the Saturday service again.",
        # it introduces what follows
        "Here is what we know so far:",
        # a quotation
        '"Let us know when the boat is back," one islander wrote on the community page.',
    ],
)
def test_a_short_line_in_the_first_person_plural_of_the_story_stays(line):
    article = extract_scrape(scrape_with(line))
    assert article is not None
    assert list(article.paragraphs) == [*STORY[:2], line, *STORY[2:]]


@pytest.mark.parametrize("credit", ["Photo: Kayle Neis/The Tollbridge Post", "(Photo by Ana Ruiz)", "Image: Supplied"])
def test_a_caption_under_its_photo_credit_between_paragraphs_leaves_the_body(credit):
    caption = "The ferry waits at the slipway in Tollbridge on Thursday."
    article = extract_scrape(scrape_with(f"{credit}\n\n{caption}"))
    assert article is not None
    assert list(article.paragraphs) == STORY


@pytest.mark.parametrize(
    "paragraph",
    [
        # more than one sentence
        "The ferry waits at the slipway. Its last crossing leaves at six.",
        # a quotation
        '"We will lose the Saturday crossing for months," the skipper said.',
        # long enough to be the story's own paragraph
        STORY[3],
    ],
)
def test_a_paragraph_under_a_photo_credit_stays(paragraph):
    lines = [STORY[0], STORY[1], "Photo: Kayle Neis/The Tollbridge Post", paragraph, STORY[2]]
    article = extract_scrape(page("Ferry timetable cut as crews leave for oil boats", "By Morag Lindsay", *lines))
    assert article is not None
    assert paragraph in article.paragraphs


@pytest.mark.parametrize(
    "line",
    [
        "The Tollbridge Post's island coverage is free to read. Find more of it on our Islands page.",
        "Every Friday the Tollbridge Post sends you the week's crossings, closures and council votes.",
    ],
)
def test_the_publication_speaking_of_itself_to_its_reader_leaves_the_body(line):
    article = extract_scrape(scrape_with(line))
    assert article is not None
    assert list(article.paragraphs) == STORY


@pytest.mark.parametrize(
    "line",
    [
        # no word to the reader
        "The Tollbridge Post first reported the crew shortage in October.",
        # the story's own words, quoted
        '"The Tollbridge Post told us before the council did," one islander said.',
        # it introduces what follows
        "We asked readers of the Tollbridge Post how the cut would change their week:",
    ],
)
def test_the_story_naming_its_publication_stays(line):
    article = extract_scrape(scrape_with(line))
    assert article is not None
    assert line in article.paragraphs
