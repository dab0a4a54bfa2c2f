"""extract_scrape: where the body starts and ends, and what inside it is the text.

Each scrape here is made up, in the style of a text-browser dump
(``lynx -dump -nolist``): one paragraph a line, blank lines between blocks,
list items as "  * ", preformatted text as lines with no blank line between.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from digest.extract.cues import classify
from digest.extract.scrape import extract_scrape
from digest.extract.scrape_lines import Kind

PARAGRAPHS = [
    (
        "The county library service opened its new reading room in the old corn exchange on Saturday, "
        "four years after the building was saved from demolition by a campaign of local residents."
    ),
    (
        "The room seats sixty people under the restored glass roof, and the library has moved its local "
        "history collection there from a basement store where damp had damaged several parish registers."
    ),
    (
        "Volunteers spent most of last winter cataloguing maps, photographs and trade directories, and "
        "the library says about a third of the collection can now be searched from its website."
    ),
    (
        "The reading room will open six days a week, with late evenings on Thursdays, and the library is "
        "looking for more volunteers to help visitors find their way around the older records."
    ),
]


def page(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


def assert_story(scrape: str, paragraphs: list[str]) -> None:
    """The scrape's article is the reading-room story: its headline and these paragraphs."""
    article = extract_scrape(scrape)
    assert article is not None
    assert list(article.paragraphs) == paragraphs
    assert article.title == "Corn exchange reading room opens"


def body_of(text: str) -> list[str]:
    article = extract_scrape(text)
    assert article is not None
    return list(article.paragraphs)


def test_a_paragraph_the_page_prints_twice_stays_twice():
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        PARAGRAPHS[0],
        PARAGRAPHS[2],
    )
    assert body_of(scrape) == [PARAGRAPHS[0], PARAGRAPHS[1], PARAGRAPHS[0], PARAGRAPHS[2]]


def test_a_short_line_said_twice_in_the_body_is_kept_once():
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        "Volunteers wanted at the library.",
        PARAGRAPHS[1],
        "Volunteers wanted at the library.",
        PARAGRAPHS[2],
    )
    assert body_of(scrape).count("Volunteers wanted at the library.") == 1


def test_a_table_of_contents_between_the_introduction_and_the_sections_does_not_cut_the_body():
    scrape = page(
        "Reading room guide",
        PARAGRAPHS[0],
        "Contents",
        "  * 1 The room\n  * 2 The collection\n  * 2.1 Maps and registers\n  * 3 Opening hours",
        "The room[edit]",
        PARAGRAPHS[1],
        "The collection[edit]",
        PARAGRAPHS[2],
        "Maps and registers[edit]",
        "Parish registers are kept in the strongroom.",
        "Opening hours[edit]",
        PARAGRAPHS[3],
    )
    paragraphs = body_of(scrape)
    assert paragraphs[0] == PARAGRAPHS[0]
    assert PARAGRAPHS[3] in paragraphs
    assert "Maps and registers" not in paragraphs  # the outline's item; its heading below stays
    assert "Maps and registers[edit]" in paragraphs


SETUP = [
    (
        "The catalogue can be queried from the command line, which is how the volunteers checked the "
        "new records before the room opened to the public."
    ),
    "First count the records of each parish:",
    (
        "Each parish should have at least one register; a parish with none was left out by mistake and "
        "goes back on the list for the next round of cataloguing."
    ),
    (
        "The same query with a date range shows which decades are missing, and the volunteers used it to "
        "decide which boxes to open first when the store was emptied."
    ),
]
LISTING = "SELECT parish, count(*)\nFROM registers\nGROUP BY parish;\n\n  parish  │ count\n──────────┼──────\n  Ashby   │ 14\n  Brigg   │ 9"


def test_a_code_listing_inside_a_tutorial_is_one_paragraph_and_does_not_cut_the_body():
    scrape = page(
        "Counting the registers",
        PARAGRAPHS[0],
        SETUP[0],
        SETUP[1],
        LISTING,
        SETUP[2],
        SETUP[3],
    )
    listing = "SELECT parish, count(*)\nFROM registers\nGROUP BY parish;\nparish │ count\n──────────┼──────\nAshby │ 14\nBrigg │ 9"
    assert body_of(scrape) == [PARAGRAPHS[0], *SETUP[:2], listing, *SETUP[2:]]


def test_a_subheading_between_paragraphs_stays_with_its_section():
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "What the volunteers found",
        PARAGRAPHS[2],
        PARAGRAPHS[3],
        "Photo gallery",
    )
    assert body_of(scrape) == [*PARAGRAPHS[:2], "What the volunteers found", *PARAGRAPHS[2:]]


def test_a_formula_printed_as_tex_is_not_a_code_listing():
    scrape = page(
        "Counting the registers",
        PARAGRAPHS[0],
        SETUP[0],
        "The share of registers catalogued is",
        "{\\displaystyle p={\\frac {c}{n}}}",
        SETUP[2],
        SETUP[3],
    )
    assert not any("displaystyle" in p for p in body_of(scrape))


def test_a_chart_between_paragraphs_does_not_cut_the_body():
    axis = ["1,200", "900", "600", "300", "0", "’19", "’20", "’21", "’22", "’23", "’24"]
    values = ["$412", "$530", "$655", "$790", "$1,020", "12.5%"]
    scrape = page(
        "Library visits by year",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "Visits to the reading room",
        *axis,
        *values,
        "*Projected",
        "Source: County library service",
        PARAGRAPHS[2],
        PARAGRAPHS[3],
    )
    paragraphs = body_of(scrape)
    assert paragraphs[0] == PARAGRAPHS[0]
    assert paragraphs[-1] == PARAGRAPHS[3]
    assert not set(axis + values) & set(paragraphs)


def test_one_caption_under_each_picture_of_a_set_does_not_cut_the_body():
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        PARAGRAPHS[2],
        "  * A view of the reading room\n  * A view of the reading room\n  * A view of the reading room",
        PARAGRAPHS[3],
    )
    assert body_of(scrape)[-1] == PARAGRAPHS[3]


def test_a_two_word_link_said_twice_is_no_linked_teaser():
    closing = (
        "The corn exchange was built in 1862 and later served as a cinema, "
        "a dance hall and a furniture warehouse before it closed."
    )
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        PARAGRAPHS[2],
        "  * Reading room\n  * Reading room",
        closing,
    )
    assert body_of(scrape)[-1] == closing


NOTES_ITEMS = [
    "  * The catalogue now lists every parish register by decade, so a missing decade shows up at a glance",
    "  * Volunteers finished scanning the tithe maps, and the scans can be ordered at the front desk from Monday",
    "  * The strongroom's new shelving holds twice as many boxes as the old racks in the basement did",
    "  * Our thanks to the history society for lending the two trade directories we were missing",
    "  * Late opening on Thursdays moves to Wednesdays in the summer, when the evening classes stop",
]


def test_a_post_of_list_items_without_full_stops_is_read_as_its_items():
    scrape = page(
        "Reading room notes: week 12",
        "Posted by the reading room team",
        PARAGRAPHS[0],
        "\n".join(NOTES_ITEMS[:3]),
        "Thanks",
        "\n".join(NOTES_ITEMS[3:]),
        "Previous post",
        "© County library service",
    )
    paragraphs = body_of(scrape)
    assert paragraphs[0] == PARAGRAPHS[0]
    assert paragraphs[-1] == NOTES_ITEMS[-1].removeprefix("  * ")


def test_teasers_that_print_their_headline_twice_are_not_the_body():
    teasers = [
        "Is the old corn exchange the best reading room in the county? Is the old corn exchange the best reading room in the county?",
        "What did the volunteers find in the damp basement store? What did the volunteers find in the damp basement store?",
        "Who saved the building from demolition four years ago? Who saved the building from demolition four years ago?",
    ]
    scrape = page(
        "Corn exchange reading room opens",
        *PARAGRAPHS,
        "\n".join(f"  * {t}" for t in teasers),
    )
    assert body_of(scrape) == PARAGRAPHS


def test_paragraphs_right_under_a_related_coverage_heading_are_teasers():
    teasers = [
        (
            "Mill museum wins lottery grant The county's last working water mill will reopen as a museum "
            "next spring after a grant paid for a new wheel and repairs to the millrace."
        ),
        (
            "Night buses return to the market towns Three routes cut during the pandemic will run again on "
            "Friday and Saturday nights from September, the council said on Tuesday."
        ),
        (
            "Swimming pool closes for the summer for repairs The leisure centre's main pool needs new tiles "
            "and filters, and lessons will move to the school pool in the meantime."
        ),
    ]
    scrape = page("Corn exchange reading room opens", *PARAGRAPHS, "Related coverage", *teasers, "Print")
    assert body_of(scrape) == PARAGRAPHS


def test_a_subheading_under_a_pictures_caption_stays_with_its_section():
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "The restored glass roof over the reading room",
        "What the volunteers found",
        PARAGRAPHS[2],
        PARAGRAPHS[3],
        "Pictures from the opening",
        "  — Ana Ruiz (@anaruiz) 4 May 2024",
        PARAGRAPHS[0],
    )
    paragraphs = body_of(scrape)
    assert "What the volunteers found" in paragraphs
    assert "The restored glass roof over the reading room" not in paragraphs
    assert not any(p.startswith("—") for p in paragraphs)


def test_pictures_named_by_their_file_names_do_not_cut_the_body():
    gallery = [f"{n:02d}-IMG_{2040 + n}.jpg" for n in range(1, 9)]
    scrape = page("Corn exchange reading room opens", PARAGRAPHS[0], PARAGRAPHS[1], *gallery, PARAGRAPHS[2])
    assert body_of(scrape) == PARAGRAPHS[:3]


BLOG_LINES = [
    "週末去了老穀物交易所改建的閱讀室 屋頂的玻璃在陽光下閃閃發亮",
    "館員說整修花了四年 當地居民的請願讓這棟建築免於被拆除",
    "閱讀室可以坐六十個人 地方史的資料也從潮濕的地下室搬到這裡",
    "志工們花了一整個冬天整理地圖和老照片 現在三分之一可以在網站上查詢",
    "每週開放六天 星期四晚上還會延長開放時間",
    "下次想再來看看教區的登記簿 順便在附近的咖啡店坐一下",
]


def test_lines_without_end_marks_in_a_script_without_spaces_are_the_text():
    scrape = page(
        "  * 首頁\n  * 旅遊\n  * 美食\n  * 親子",
        "閱讀室一日遊",
        *BLOG_LINES,
        "上一篇\n下一篇",
        "© 2024 小城散步",
    )
    assert body_of(scrape) == BLOG_LINES


SLIDES = [
    ("Harbour at first light", "fishing boats"),
    ("The old ferry terminal", "ferry passengers"),
    ("Market day on the quay", "stallholders"),
    ("The lifeboat crew at practice", "volunteer crews"),
    ("Gulls over the fish dock", "dock workers"),
    ("Evening on the sea wall", "walkers and their dogs"),
]


def caption(title: str, who: str) -> str:
    return (
        f"{title}: {who.capitalize()} gathered along the harbour on a bright morning while the tide turned, "
        f"and the photographer followed {who} from the slipway to the end of the sea wall and back again, "
        "past the chandlery, the boatyards and the sheds where nets are still mended by hand in the winter "
        "months before the boats go out again in the spring."
    )


def gallery(*, numbering: str = "{k}/{n}") -> list[str]:
    parts = ["Harbour life in pictures"]
    for k, (title, who) in enumerate(SLIDES, start=1):
        parts += [f"  * {numbering.format(k=k, n=len(SLIDES))} {title}", caption(title, who)]
    return parts


def test_a_gallery_with_more_prose_than_the_story_is_not_the_body():
    """Under each slide ("1/6 Title") sits its caption; together they can outweigh a short
    story, but they are the gallery's, not the story's."""
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        *gallery(),
    )
    assert_story(scrape, PARAGRAPHS[:2])


def test_a_gallery_counted_in_words_is_a_gallery_too():
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        *gallery(numbering="Photo {k} of {n}"),
    )
    assert body_of(scrape) == PARAGRAPHS[:2]


def test_a_page_that_is_only_a_gallery_keeps_its_captions():
    scrape = page("Harbour life in pictures", *gallery()[1:], "Copyright 2026 The Harbour Gazette")
    body = body_of(scrape)
    assert body[0] == caption(*SLIDES[0])
    assert len(body) >= len(SLIDES) - 1


def test_a_list_of_other_stories_ends_where_the_story_under_it_starts():
    """A "Most Popular" box of numbered headlines printed right above the story's first
    paragraph: its items are teasers, the paragraphs under them are the story."""
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz | Special to the Gazette",
        "Most Popular",
        "\n".join(
            f" {k}. {title}"
            for k, title in enumerate(
                [
                    "Council approves new cycle lanes on the ring road",
                    "Harbour ferry timetable changes from Monday",
                    "Two arrested after break-in at the garden centre",
                ],
                start=1,
            )
        ),
        *PARAGRAPHS,
    )
    assert_story(scrape, PARAGRAPHS)


def test_a_footer_paragraph_under_a_list_of_partner_sites_is_not_the_story():
    """The last name of a list of links (partner sites) over a long footer paragraph is no
    byline: the paragraph counts half, as any paragraph with no text around it, and the
    short story under its headline, byline and date wins."""
    scrape = page(
        "Corn exchange reading room opens",
        "By Gazette Staff",
        "November 20, 2025 10:43",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "Harbour Hotels\nCounty Ferries\nGreen Valley Farms\nNorthern Radio Service\nLakeside Media",
        (
            "The Gazette reader service centre can be contacted with any questions or requests about "
            "subscriptions, deliveries and back issues by telephone on weekdays between seven and two, "
            "by fax or by email, and the centre is staffed by a team who will answer every message within "
            "two working days, except on public holidays and during the summer break in August."
        ),
        "Copyright © 2025 The Gazette. All rights reserved. Terms of Use. Privacy Policy.",
    )
    assert_story(scrape, PARAGRAPHS[:2])


def test_a_box_of_related_articles_between_paragraphs_does_not_end_the_story():
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        PARAGRAPHS[0],
        "Related articles",
        "  * Council approves new cycle lanes on the ring road\n  * Harbour ferry timetable changes from Monday",
        PARAGRAPHS[1],
        PARAGRAPHS[2],
        PARAGRAPHS[3],
    )
    assert body_of(scrape) == PARAGRAPHS


def test_a_list_under_a_related_heading_at_the_foot_stays_out():
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        *PARAGRAPHS,
        "Related articles",
        "  * Council approves new cycle lanes on the ring road\n  * Harbour ferry timetable changes from Monday",
        "Copyright © 2025 The Gazette. All rights reserved.",
    )
    assert body_of(scrape) == PARAGRAPHS


def test_the_line_under_a_tags_heading_is_the_tag_list_not_the_story():
    words = (
        "archive bicycles books bridges buses canal cinema council culture cycling education ferries "
        "festival gardens harbour health heritage history housing library markets museum music parks "
        "planning police rail recycling roads schools sport theatre tourism trains volunteers weather"
    )
    tags = f"{words} {words}"
    scrape = page(
        "  * Home\n  * News\n  * Sport",
        "Tags",
        tags,
        "Archive",
        "  * 2025\n  * 2024",
        "Corn exchange reading room opens",
        "05/10/2025 - Posted in: Culture",
        PARAGRAPHS[0],
        "Facebook Twitter Email",
    )
    assert_story(scrape, [PARAGRAPHS[0]])


def test_a_read_also_link_between_paragraphs_does_not_end_the_story():
    """ "Read also" (here in Italian) over one linked headline, printed between two paragraphs."""
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "Leggi anche",
        "The county archive will move to the old station building next year",
        PARAGRAPHS[2],
        PARAGRAPHS[3],
    )
    assert body_of(scrape) == PARAGRAPHS


def test_teasers_under_a_related_heading_in_another_language_are_not_the_story():
    """ "Você pode gostar..." ("You may also like") over other posts, each under the same share
    buttons: together they hold more text than the post, but they are its neighbours."""
    share = "Whatsapp Facebook Pinterest Download"
    teasers = [
        f"{paragraph} The volunteers meet every Thursday evening in the reading room." for paragraph in PARAGRAPHS
    ]
    scrape = page(
        "The reading room",
        share,
        PARAGRAPHS[0],
        "Você pode gostar...",
        *[part for teaser in teasers for part in (share, teaser)],
        "Copyright © 2025 The Gazette",
    )
    assert body_of(scrape) == [PARAGRAPHS[0]]


def test_the_list_a_last_paragraph_introduces_with_a_colon_is_the_story_too():
    """ "Here are the ones not to miss:" then short numbered items, each with its link on a
    line of its own: short as they are, and one of them shaped like a byline, they are the text."""
    items = [
        "1) Harbour Lights (boxed set, 4 DVD)",
        "http://example.org/d/1",
        "2) Ana Ruiz – The Complete Recordings",
        "http://example.org/d/2",
        "3) The Corn Exchange: a history",
        "http://example.org/d/3",
        "4) Reading lamp, brass",
    ]
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "The library shop has put a few things on sale for the opening, and here are the ones not to miss:",
        "\n".join(items),
        "Copyright © 2025 The Gazette. All rights reserved.",
    )
    body = body_of(scrape)
    assert body[:2] == PARAGRAPHS[:2]
    for item in ("Harbour Lights (boxed set, 4 DVD)", "Ana Ruiz – The Complete Recordings", "Reading lamp, brass"):
        assert item in body


def test_teaser_cards_each_with_author_date_and_blurb_are_not_the_story():
    """Under the story, cards of other stories: a picture, a headline, an author, a date and a
    one-paragraph blurb each. Each blurb sits under a date as a story's first paragraph does;
    lone and repeated, they are blurbs."""
    blurb = (
        "The harbour board has approved plans for a new ferry terminal, and work on the slipway is "
        "expected to start in the spring if the weather allows and the contractors can be found in time, "
        "the board said in a statement on Tuesday evening after a meeting that ran late into the night."
    )
    cards = []
    for n, (title, author) in enumerate(
        [("Ferry terminal approved", "Mara Lindqvist"), ("Sea wall repairs begin", "Tom Gill")], start=1
    ):
        cards += [f"  * picture-{n}.jpg", title, author, "Wednesday November 20, 2025", blurb]
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "Opinion\nCulture\nLibraries\nHeritage\nVolunteers",
        "More from the Gazette",
        *cards,
    )
    assert body_of(scrape) == PARAGRAPHS[:2]


def test_captions_printed_again_with_a_glued_slide_counter_are_captions():
    """A gallery over the story prints each caption, then again with its counter glued on
    ("1of3The harbour ..."): long sentences both, but captions, not the story's opening."""
    captions = [caption(title, who) for title, who in SLIDES[:3]]
    gallery_lines = [line for n, text in enumerate(captions, start=1) for line in (text, f"{n}of3{text}")]
    scrape = page(
        "Corn exchange reading room opens",
        "Facebook Twitter Email",
        *gallery_lines,
        "  *\n  *",
        "By Ana Ruiz",
        *PARAGRAPHS,
    )
    assert body_of(scrape) == PARAGRAPHS


def test_a_pictures_share_text_with_hashtags_is_not_a_paragraph():
    share = "The Reading Room at the Corn Exchange #ad #library #heritage #reading #volunteers #books #maps"
    pin = f"{share} {share} {share}"  # the picture's share text, printed over and over
    scrape = page("Corn exchange reading room opens", PARAGRAPHS[0], pin, PARAGRAPHS[1], pin, PARAGRAPHS[2])
    assert body_of(scrape) == PARAGRAPHS[:3]


def test_a_schedule_a_colon_introduces_is_the_story_too_without_list_markers():
    dates = [
        "June 9 -- Corn Exchange, Stromness",
        "June 10 -- Town Hall, Kirkwall",
        "June 14 -- Harbour Theatre, Lerwick",
        "June 17 -- Pier Arts Centre, Stromness",
    ]
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        "The travelling exhibition of the old parish maps will stop at:",
        "\n".join(dates),
        "  * Home\n  * About",
    )
    assert body_of(scrape)[-4:] == dates


def test_agency_photo_captions_and_a_click_here_appeal_are_not_paragraphs():
    ap_caption = (
        "In this Oct. 8, 2025 file photo, volunteers carry boxes of parish registers into the reading "
        "room at the old corn exchange in Stromness, Orkney, Scotland."
    )
    provided = "This photo provided by the county library shows the restored glass roof of the reading room."
    appeal = "Do you rely on the Gazette's reporting? Click here to support it."
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        ap_caption,
        provided,
        PARAGRAPHS[2],
        PARAGRAPHS[3],
        appeal,
    )
    assert body_of(scrape) == PARAGRAPHS


def test_lines_that_each_end_in_a_colon_are_read_once_not_once_each(monkeypatch):
    """Thousands of short lines ending in a colon, each introducing the ones under it: the
    lists are read in one pass, not once from each line (which cost the square of their number)."""
    from digest.extract import scrape_body
    from digest.extract.scrape_lines import Block, Kind

    calls = []
    read = scrape_body._introduced_items
    monkeypatch.setattr(scrape_body, "_introduced_items", lambda blocks, i: calls.append(i) or read(blocks, i))
    blocks = [Block(text=f"Results of round {i} are:", kind=Kind.SENTENCE, words=5) for i in range(2000)]
    paragraphs, _ = scrape_body.body(blocks, 0, len(blocks) - 1)
    assert len(paragraphs) == 2000
    assert len(calls) <= 2


def test_a_slide_whose_line_is_its_caption_is_a_caption():
    """ "1/3 The harbour ..." with the whole caption on the slide's line: every slide, the
    first one too, is a caption."""
    slides = [f"{k}/3 {caption(title, who)}" for k, (title, who) in enumerate(SLIDES[:3], start=1)]
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", PARAGRAPHS[0], PARAGRAPHS[1], *slides)
    assert_story(scrape, PARAGRAPHS[:2])


def test_an_ad_slots_continue_reading_below_is_neither_body_nor_author():
    scrape = page(
        "Corn exchange reading room opens",
        PARAGRAPHS[0],
        "Continue Reading Below",
        *PARAGRAPHS[1:],
    )
    article = extract_scrape(scrape)
    assert article is not None
    assert list(article.paragraphs) == PARAGRAPHS
    assert article.authors == ()


def test_the_steps_of_a_method_right_above_the_closing_paragraph_stay_in_the_body():
    text = (
        "   Home News Opinion Subscribe\n\n"
        "Slow-Roasted Tomato Soup\n\n"
        "   By Nina Park | 2024-09-15\n\n"
        "Method\n\n"
        "    1. Heat the oven to 150C. Spread the tomatoes, onion and garlic on a tray and drizzle with oil.\n"
        "    2. Roast for 2 hours, until soft and slightly charred at the edges.\n"
        "    3. Blend with the stock until smooth and season to taste.\n\n"
        "   The soup freezes well for up to three months, and tastes better on the second day.\n\n"
        "  Most read\n\n"
        "     * Council approves new budget\n"
        "     * High school wins title\n"
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs[0].startswith("Heat the oven to 150C.")
    assert article.paragraphs[-1].startswith("The soup freezes well")


NIGHT_BUSES = [
    (
        "Two bus routes between the market towns will run again on Friday and Saturday nights from September, "
        "the county council said on Tuesday, three years after they were cut."
    ),
    (
        "The routes will be paid for by a grant from the regional transport fund for two years, after which "
        "the council will decide whether to keep them running."
    ),
    (
        "Night workers at the hospital and the distribution centre had campaigned for the buses to return, "
        "saying a taxi home cost them most of a shift's pay."
    ),
    "The first bus will leave the bus station at half past eleven and the last at three in the morning.",
    "A consultation on the timetable runs until the end of July, and the council will hold two drop-in sessions.",
]


@pytest.mark.parametrize("heading", ["Up next", "Keep reading", None])
def test_the_next_story_printed_under_the_article_is_not_its_body(heading):
    """Under the story, the page prints the next one whole: its headline, byline, date and
    paragraphs, more text than the story itself. Its header ends the story."""
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        "May 3, 2025",
        *PARAGRAPHS,
        *([heading] if heading else []),
        "Night buses to return to the market towns",
        "By Tom Gill",
        "May 3, 2025",
        *NIGHT_BUSES,
    )
    assert_story(scrape, PARAGRAPHS)


def test_a_live_blogs_entries_each_under_a_title_and_byline_stay_one_story():
    """Entries of a live blog, each under its own title and byline: not one story and the next."""
    entries = [
        ("Doors open to the public", "By Ana Ruiz", PARAGRAPHS[0]),
        ("Local history collection moves upstairs", "By Tom Gill", PARAGRAPHS[1]),
        ("Volunteers catalogued maps all winter", "By Ana Ruiz", PARAGRAPHS[2]),
        ("Opening hours and how to help", "By Tom Gill", PARAGRAPHS[3]),
    ]
    scrape = page("Corn exchange reading room opens", "Live updates", *(line for entry in entries for line in entry))
    assert body_of(scrape) == PARAGRAPHS


@pytest.mark.parametrize("heading", ["Don't miss", "Related stories", "Worth your time", "Read more"])
def test_a_box_of_headlines_and_blurbs_between_paragraphs_is_not_the_story(heading):
    """Between two paragraphs, a heading over other stories' headlines, each with a line of
    blurb: an interruption of the story, whatever the heading says."""
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        PARAGRAPHS[0],
        PARAGRAPHS[1],
        heading,
        "Mill museum wins a lottery grant for its new wheel",
        "The county's last working water mill will reopen as a museum next spring, the trust says.",
        "Swimming pool to close for the summer for repairs",
        "Lessons will move to the school pool while the tiles and filters are replaced.",
        PARAGRAPHS[2],
        PARAGRAPHS[3],
    )
    assert body_of(scrape) == PARAGRAPHS


def test_headlines_and_blurbs_under_the_last_paragraph_are_not_its_close():
    blurbs = [
        (
            "The county's last working water mill will reopen as a museum next spring after a grant paid for "
            "a new wheel and for repairs to the millrace, the trust that runs it said this week."
        ),
        (
            "Lessons will move to the school pool while the tiles and filters are replaced, and the leisure "
            "centre says the work should be finished before the autumn term begins."
        ),
    ]
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        *PARAGRAPHS,
        "Before you go",
        "Mill museum wins a lottery grant for its new wheel",
        blurbs[0],
        "Swimming pool to close for the summer for repairs",
        blurbs[1],
        "Copyright © 2025 The Gazette. All rights reserved.",
    )
    assert body_of(scrape) == PARAGRAPHS


def test_a_story_in_short_headed_sections_keeps_a_heading_over_its_subheadings():
    """A heading over subheadings each with a short paragraph, in a story written that way
    all through, has the form of a box of teasers but is the story's own."""
    short = [
        "The local history collection has moved up from the basement store, where damp had got into it.",
        "About a third of the maps and trade directories can now be searched from the library's website.",
    ]
    scrape = page(
        "Corn exchange reading room opens",
        "The building",
        PARAGRAPHS[0],
        "What is inside",
        "The collection moves upstairs",
        short[0],
        "Maps and directories go online",
        short[1],
        "How to visit",
        PARAGRAPHS[3],
    )
    body = body_of(scrape)
    assert [p for p in body if p in (*short, PARAGRAPHS[0], PARAGRAPHS[3])] == [PARAGRAPHS[0], *short, PARAGRAPHS[3]]


@pytest.mark.parametrize("marker", ["^2", "[3]", "³"])
def test_a_paragraph_ending_in_a_footnote_marker_is_a_paragraph(marker):
    """A footnote's number after the last full stop ("accident.^2") still ends a sentence."""
    noted = (
        "The parish register was kept in the vestry until 1911, when a flood ruined the lower shelves "
        f"and the vicar sent it to the county archive.{marker}"
    )
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", PARAGRAPHS[0], noted, PARAGRAPHS[1])
    assert body_of(scrape) == [PARAGRAPHS[0], noted.removesuffix(marker), PARAGRAPHS[1]]


LIVE_ENTRIES = [
    "More than three hundred homes on the islands lost power overnight when a line came down near the pier.",
    "The council has closed every school on the islands and asked staff to work from home where they can.",
    "The morning ferry has been cancelled, and the operator will decide about the afternoon sailing at noon.",
]


@pytest.mark.parametrize("stamps", [("4:50 p.m.", "3:32 p.m.", "2:15 p.m."), ("16:50", "15:32", "14:15")])
def test_a_share_button_under_each_live_entry_does_not_end_the_live_blog(stamps):
    """A bare "Share" under each entry, over the next entry's stamp, is the entry's button:
    the entries under it are the blog's text, not what follows its end. The note over them
    asks the reader to follow the coverage: no part of it."""
    entries = [line for stamp, entry in zip(stamps, LIVE_ENTRIES, strict=True) for line in (stamp, entry, "Share")]
    scrape = page(
        "Live updates: storm closes schools across the islands",
        "By Island Courier staff",
        "Last updated 4:55 p.m. ET, January 16, 2024",
        "Follow our live coverage. Refresh this page for the latest updates.",
        *entries,
        "Copyright 2024 Island Courier",
    )
    article = extract_scrape(scrape)
    assert article is not None
    assert list(article.paragraphs) == LIVE_ENTRIES
    assert article.title == "Live updates: storm closes schools across the islands"


def test_a_share_heading_under_the_story_still_ends_it():
    scrape = page("Corn exchange reading room opens", *PARAGRAPHS[:3], "Share", "12m ago", PARAGRAPHS[3])
    assert body_of(scrape) == PARAGRAPHS[:3]


GALLERY_CAPTIONS = [
    "Volunteers carry boxes of parish registers up from the basement store.",
    "The restored glass roof over the new reading room, seen from the gallery.",
    "A map of the town from 1840, one of the first items catalogued this winter.",
]


@pytest.mark.parametrize("numbering", ["{k} of {n}", "Photo {k} of {n}", "{k}/{n}"])
def test_slide_counters_alone_on_their_lines_and_the_captions_under_them_are_not_the_body(numbering):
    """A gallery's counter ("1 of 3") alone on its line, its caption on the line under it:
    between the story's paragraphs, neither is the story's text."""
    slides = [
        line
        for k, text in enumerate(GALLERY_CAPTIONS, start=1)
        for line in (numbering.format(k=k, n=len(GALLERY_CAPTIONS)), text)
    ]
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", *PARAGRAPHS[:2], *slides, *PARAGRAPHS[2:])
    assert_story(scrape, PARAGRAPHS)


@pytest.mark.parametrize("told", [1, 2])
def test_a_short_story_ends_at_the_next_storys_headline_and_byline(told):
    """One or two paragraphs under the story's own byline, then the next story whole: the body
    is the first story, not the next one, nor both."""
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        "May 3, 2025",
        *PARAGRAPHS[:told],
        "Night buses to return to the market towns",
        "By Tom Gill",
        "May 3, 2025",
        *NIGHT_BUSES[:2],
    )
    assert_story(scrape, PARAGRAPHS[:told])
    article = extract_scrape(scrape)
    assert article is not None
    assert article.authors == ("Ana Ruiz",)


@pytest.mark.parametrize("label", ["Next story", "Up next", "Next article"])
def test_a_short_story_ends_at_a_headline_under_a_next_story_label(label):
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        "May 3, 2025",
        *PARAGRAPHS[:2],
        label,
        "Night buses to return to the market towns",
        *NIGHT_BUSES[:2],
    )
    assert_story(scrape, PARAGRAPHS[:2])


def test_a_subheading_in_a_short_story_does_not_end_it():
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        "May 3, 2025",
        PARAGRAPHS[0],
        "Volunteers catalogued the maps all winter",
        PARAGRAPHS[2],
    )
    assert_story(scrape, [PARAGRAPHS[0], "Volunteers catalogued the maps all winter", PARAGRAPHS[2]])


def test_a_short_paragraph_between_two_appeals_is_the_storys_last():
    """An appeal between two paragraphs interrupts the story: the short paragraph under it,
    with another appeal below, is the story's close, not a lone teaser."""
    closing = "The library will hold an open day for new volunteers on the first Saturday of June."
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        *PARAGRAPHS[:2],
        "Become a member now.",
        closing,
        "Support independent journalism.",
    )
    assert_story(scrape, [*PARAGRAPHS[:2], closing])


def test_a_teaser_cards_blurb_over_a_story_told_in_full_is_not_the_story():
    """A "Top stories" card over the article (a headline, a byline, one paragraph of blurb),
    then the article under its own headline and byline: the story told in full is the body."""
    scrape = page(
        "Top stories",
        "Night buses to return to the market towns",
        "By Tom Gill",
        NIGHT_BUSES[0],
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        "May 3, 2025",
        *PARAGRAPHS,
    )
    assert_story(scrape, PARAGRAPHS)
    article = extract_scrape(scrape)
    assert article is not None
    assert article.authors == ("Ana Ruiz",)


@pytest.mark.parametrize("scores", [("6/10", "8/10", "9/10"), ("9/10", "8/10", "6/10", "7/10")])
def test_a_reviews_scores_under_its_headings_are_no_gallery(scores):
    """A review scores each part under its heading ("Camera", "6/10", then the paragraph):
    scores skip and go back, where a gallery's counters go up one slide at a time."""
    reviewed = [PARAGRAPHS[1 + k % 3] for k in range(len(scores))]
    headings = ["Seating", "Light", "Collection", "Hours"][: len(scores)]
    parts = ["Corn exchange reading room opens", "By Ana Ruiz", PARAGRAPHS[0]]
    for heading, score, text in zip(headings, scores, reviewed, strict=True):
        parts += [heading, score, text]
    assert_story(page(*parts), [PARAGRAPHS[0], *reviewed])


REPORTED_NEWS = [
    "Publisher Dora Vance wrote in a memo that advertising revenue had fallen for a third year and that the paper could no longer rely on advertisers.",
    "Analyst Felix Orr said papers that raise their paywall tend to lose casual readers first, and that the subscribers who stay are older.",
    "More than 4,000 people have signed up to donate blood at the new clinic since it opened in the corn exchange.",
    "Membership of the room costs $15 a year.",
    "The app asks you to sign in with a library card and shares your email address with advertisers, the complaint says.",
]
APPEALS = [
    "Subscribe to our newsletter for the latest from the reading room.",
    "Already a subscriber? Log in",
    "This story is for subscribers only. Log in or subscribe to keep reading.",
    "We rely on advertising and donations to keep our reporting free.",
    "Thanks for reading! Subscribe for free to receive new posts.",
    "Newsletter sign-up",
]


@pytest.mark.parametrize("line", REPORTED_NEWS)
def test_news_about_advertising_paywalls_and_sign_ups_is_no_appeal(line):
    """Reported in the third person (someone said or wrote it, it happened, it costs so much),
    a paragraph about advertisers or subscribers is news; an appeal speaks to the reader."""
    assert classify(line) is not Kind.CTA


@pytest.mark.parametrize("line", APPEALS)
def test_a_page_speaking_to_its_reader_is_still_an_appeal(line):
    assert classify(line) is Kind.CTA


def test_news_paragraphs_about_advertising_and_paywalls_stay_in_the_body():
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", PARAGRAPHS[0], *REPORTED_NEWS[:2], PARAGRAPHS[1])
    assert_story(scrape, [PARAGRAPHS[0], *REPORTED_NEWS[:2], PARAGRAPHS[1]])


@pytest.mark.parametrize(
    "section",
    [("Update", "May 5, 2025"), ("A note from the county librarian", "Ruth Amsel", "County Librarian")],
)
def test_a_dated_update_or_a_signed_note_under_a_subheading_keeps_the_storys_opening(section):
    """Two paragraphs, then a section under its own heading that opens with a date (an update)
    or a name (a signed note): the date or name is the section's, not the story's byline, and
    the two paragraphs over it are the story's opening, not a standfirst."""
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", *PARAGRAPHS[:2], *section, *PARAGRAPHS[2:])
    assert body_of(scrape)[:2] == PARAGRAPHS[:2]
    assert body_of(scrape)[-2:] == PARAGRAPHS[2:]


@pytest.mark.parametrize(
    "closing",
    [("The room opens on Monday.",), ("What's next", "The library board meets again on June 25.")],
)
def test_a_short_closing_sentence_ends_the_story(closing):
    """A story can end on a sentence too short to be read as a paragraph, under a heading or not."""
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        *PARAGRAPHS,
        *closing,
        "Sign up for our newsletter",
        "Get the day's headlines in your inbox.",
    )
    assert_story(scrape, [*PARAGRAPHS, *closing])


@pytest.mark.parametrize("line", ["Follow @anaruiz on Twitter.", "With reporting from Tom Gill."])
def test_a_contact_or_credit_line_under_the_story_is_no_closing_sentence(line):
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", *PARAGRAPHS, line)
    assert_story(scrape, PARAGRAPHS)


@pytest.mark.parametrize(
    "link",
    [
        "READ MORE: Night buses to return to the market towns",
        "Related: Night buses to return to the market towns",
        "Lire aussi : Les bus de nuit reviennent",
    ],
)
def test_a_link_to_another_story_between_paragraphs_is_not_the_storys_text(link):
    """Another story's headline under its label on one line, between two paragraphs: neither
    a paragraph nor a subheading, and the short paragraph under it is still the story's."""
    closing = "The reading room opens at nine on weekdays, the library said."
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", *PARAGRAPHS, link, closing, "Newsletter")
    assert_story(scrape, [*PARAGRAPHS, closing])


def test_a_see_also_link_over_a_section_heading_keeps_the_heading():
    scrape = page(
        "Corn exchange reading room opens",
        *PARAGRAPHS[:2],
        "See also: Libraries in the county",
        "The collection",
        *PARAGRAPHS[2:],
    )
    assert body_of(scrape) == [*PARAGRAPHS[:2], "The collection", *PARAGRAPHS[2:]]


SOURCES = [
    "  1. Hart, M. & Okafor, J. Damp and the parish register. Archives Quarterly 41, 12–30 (2019).",
    "  2. County Library Service. Annual report 2024. (2025).",
]


@pytest.mark.parametrize("heading", ["References", "Sources", "Bibliography", "Notes"])
def test_the_sources_listed_under_the_story_are_no_part_of_its_body(heading):
    """A "References" heading over a list of citations, and a "Cite this page" line under them:
    the story's back matter, not its text."""
    cite = 'Cite this page: County Gazette. "Corn exchange reading room opens." 3 May 2025.'
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", *PARAGRAPHS, heading, "\n".join(SOURCES), cite)
    assert_story(scrape, PARAGRAPHS)


def test_a_cite_this_line_alone_under_the_story_is_no_paragraph():
    cite = 'Cite this page: County Gazette. "Corn exchange reading room opens." 3 May 2025.'
    assert_story(page("Corn exchange reading room opens", *PARAGRAPHS, cite), PARAGRAPHS)


def test_notes_that_cite_nothing_stay_in_the_body():
    """A "Notes" section of tips under a method cites no work: it is the text's own."""
    scrape = page("Corn exchange reading room opens", *PARAGRAPHS[:3], "Notes", PARAGRAPHS[3])
    assert body_of(scrape) == [*PARAGRAPHS[:3], "Notes", PARAGRAPHS[3]]


def test_a_sentence_opening_like_a_credit_label_is_the_storys_text():
    """ "Research from ..." or "Production from ..." opening a sentence with a verb is no credit
    line: a credit names people after its label."""
    lines = [
        "Research from the county archive suggests the maps were drawn by a surveyor in 1840.",
        "Production from the bindery fell sharply when the roof began to leak in the storm.",
    ]
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", *PARAGRAPHS[:2], *lines, *PARAGRAPHS[2:])
    assert_story(scrape, [*PARAGRAPHS[:2], *lines, *PARAGRAPHS[2:]])


@pytest.mark.parametrize("told", [1, 2])
def test_a_note_signed_with_a_name_and_date_under_a_bylined_story_is_part_of_it(told):
    """Under a story signed "By ...", a heading over a bare name and a date opens a signed note
    of the same story (the page prints another story's header as it prints this one's)."""
    note = [
        "When the roof gave way in the storm, we were not sure the registers could be saved at all.",
        "Dozens of residents answered our call, drying pages on washing lines in the church hall for weeks.",
        "Every register we rescued now carries the name of the volunteer who dried it.",
    ]
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        "May 3, 2025",
        *PARAGRAPHS[:told],
        "A word from the county archivist",
        "Ruth Amsel",
        "May 2, 2025",
        *note,
    )
    assert body_of(scrape)[:told] == PARAGRAPHS[:told]
    assert body_of(scrape)[-3:] == note


def test_a_sources_section_of_prose_citing_studies_is_not_back_matter():
    """Paragraphs under "Sources" that cite studies in passing, then another section: part of an
    explainer, not a reference list at its end."""
    cited = [
        "Damp is the commonest cause of loss in parish archives, according to a 2019 survey by Hart et al.",
        "Registers kept below ground lose legibility twice as fast as those kept upstairs (Okafor et al., 2021).",
    ]
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        *PARAGRAPHS[:2],
        "Sources",
        *cited,
        "What comes next",
        PARAGRAPHS[2],
    )
    assert body_of(scrape) == [*PARAGRAPHS[:2], "Sources", *cited, "What comes next", PARAGRAPHS[2]]


def test_slides_that_tell_the_whole_story_are_its_text():
    """A list told in slides ("1 of 3" over each tip) under a one-line intro is the story, not
    a gallery's captions beside it; the counters are no part of the text."""
    tips = [
        "Bring a pencil. Ink is not allowed near the registers, and the staff will lend you one at the desk.",
        "Order the boxes a day ahead. The older records are kept off site and come in on the morning van.",
        "Ask about the map table. The large plans can only be unrolled there, under the glass roof.",
    ]
    slides = [line for k, tip in enumerate(tips, start=1) for line in (f"{k} of 3", tip)]
    intro = "The reading room is open to everyone, and a first visit goes better with a little planning."
    scrape = page("Corn exchange reading room opens", "By Ana Ruiz", intro, *slides)
    assert_story(scrape, [intro, *tips])


def test_relative_stamps_over_live_entries_with_share_buttons_keep_every_entry():
    """A live blog stamped "12m ago", each entry under a "Share" button: entries, not comments
    (no commenter's handle above the stamps) nor teaser cards."""
    entries = [
        line
        for stamp, entry in zip(("12m ago", "34m ago", "1h ago"), LIVE_ENTRIES, strict=True)
        for line in (stamp, entry, "Share")
    ]
    scrape = page("Live updates: storm closes schools across the islands", *entries)
    article = extract_scrape(scrape)
    assert article is not None
    assert list(article.paragraphs) == LIVE_ENTRIES


def test_a_score_line_and_a_box_score_are_no_closing_sentences():
    """Short lines under the last paragraph that name teams and figures ("Final: Colton 66,
    Ridgeway 61.") are a results table, not the story's closing sentences."""
    scrape = page(
        "Corn exchange reading room opens",
        "By Ana Ruiz",
        *PARAGRAPHS,
        "Final: Colton 66, Ridgeway 61.",
        "COLTON (66): Brooks 22, Ames 14, Ortiz 11, Hale 9, Kim 6, Price 4.",
    )
    assert_story(scrape, PARAGRAPHS)


@pytest.mark.parametrize(
    "line",
    [
        "Jetzt abonnieren und weiterlesen",
        "Newsletter abonnieren: Die wichtigsten Nachrichten aus der Region jeden Morgen in Ihrem Postfach.",
        "Unterstützen Sie unabhängigen Lokaljournalismus!",
        "Suscríbete a nuestro boletín y recibe las noticias cada mañana.",
        "Únete a nuestra comunidad. Apóyanos para seguir haciendo periodismo independiente.",
        "Abonnez-vous à notre newsletter pour ne rien manquer de l'actualité locale.",
        "اشترك في النشرة البريدية لتصلك آخر الأخبار",
        "ادعم صحافتنا المستقلة",
        "הירשמו לניוזלטר שלנו",
        "ニュースレターに登録する",
        "この記事は有料会員限定です。",
        "订阅我们的新闻简报",
    ],
)
def test_an_appeal_in_another_language_is_a_call_to_action(line):
    assert classify(line) is Kind.CTA


@pytest.mark.parametrize(
    "line",
    [
        (
            "Die Stadtwerke haben inzwischen mehr als 3.000 Abonnenten für ihren Energie-Newsletter gewonnen, in dem "
            "sie über den Baufortschritt berichten wollen."
        ),
        "La suscripción al boletín municipal creció un 40 % este año, según el ayuntamiento.",
        "在新规出台后，订阅该报纸的读者在一年内增加了三成。",
        "اشترك أكثر من مئة عداء في السباق الذي أقيم صباح الجمعة على ضفاف النهر.",
    ],
)
def test_news_about_subscribers_in_another_language_is_no_call_to_action(line):
    assert classify(line) is not Kind.CTA


@pytest.mark.parametrize("line", ["26. November 2026", "26. November 2026, 07:30 Uhr", "3. Oktober 2025 um 08:15"])
def test_a_german_date_is_a_date_not_a_numbered_item(line):
    assert classify(line) is Kind.DATE


def test_a_german_scrape_is_dated_from_the_line_under_its_byline():
    scrape = page(
        "Stadtwerke planen Wärmenetz für die Altstadt",
        "Von Anna Schmidt",
        "26. November 2026, 07:30 Uhr",
        "Die Stadtwerke wollen bis 2030 rund 1.200 Haushalte in der Altstadt an ein neues Wärmenetz anschließen. "
        "Das kündigte Geschäftsführer Markus Weber am Mittwoch im Bauausschuss an.",
        "Das Netz soll zunächst mit Abwärme aus dem Klärwerk und einer großen Wärmepumpe am Flussufer gespeist "
        "werden. Die Kosten schätzt das Unternehmen auf etwa 45 Millionen Euro.",
        "Im Ausschuss stieß der Plan überwiegend auf Zustimmung. Kritik kam von der Opposition, die vor steigenden "
        "Preisen für die Kunden warnte. Ein Anschlusszwang ist bislang nicht vorgesehen.",
    )
    article = extract_scrape(scrape)
    assert article is not None
    assert article.authors == ("Anna Schmidt",)
    assert article.published == datetime(2026, 11, 26, 7, 30, tzinfo=UTC)
    assert article.paragraphs[0].startswith("Die Stadtwerke")
