"""extract_scrape on the kinds of page that broke it on the open web.

Each page here is made up, in the style of a text-browser dump
(``lynx -dump -nolist``): list items indented with "*", nested ones with
"+" or "o", buttons as "(BUTTON)", frames, image file names, form fields.
"""

from __future__ import annotations

from datetime import UTC, datetime

from digest.extract.byline import credit_names
from digest.extract.scrape import extract_scrape
from digest.extract.scrape_lines import count_words, normalise

ARTICLE = [
    (
        "The harbour authority in Kestrel Bay approved a plan on Tuesday to dredge the old fishing channel, "
        "ending three years of argument between the ferry operators and the town's shellfish farmers."
    ),
    (
        "The channel has silted up so badly since the storms of 2021 that the larger ferry can only cross it "
        "for two hours either side of high water, which has cut the winter timetable almost in half."
    ),
    (
        "Shellfish farmers had warned that dredging would stir up sediment over the oyster beds north of the "
        "pier, and the approved plan limits the work to the six weeks after the harvest ends in March."
    ),
    (
        "The work will cost about 2.4 million, most of it from a regional transport fund, and the authority "
        "expects the first sailings on the full timetable to run again by the start of the summer season."
    ),
]


def page(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


BODY = "\n\n".join(ARTICLE)


# --- headline ------------------------------------------------------------------


def test_headline_far_above_the_body_beats_menus_captions_and_a_dateline():
    text = page(
        "#alternate Kestrel Bay Courier RSS",
        "Kestrel Bay Courier",
        "  * Home\n  * News\n  * Sport\n  * Weather\n  * Opinion",
        "Search: ____________________ (BUTTON) Search",
        "Harbour authority approves dredging of Kestrel Bay fishing channel",
        "4:42 PM on 11/03/2024",
        "Share this story\n  * Facebook\n  * Twitter\n  * Email",
        "[channel-aerial.jpg]",
        "Ferries wait at the pier in Kestrel Bay at low tide",
        "Continue reading the main story",
        BODY,
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Harbour authority approves dredging of Kestrel Bay fishing channel"
    assert article.published == datetime(2024, 11, 3, 16, 42, tzinfo=UTC)
    assert article.paragraphs[0].startswith("The harbour authority in Kestrel Bay")


def test_site_name_and_tagline_above_the_headline_are_not_taken():
    text = page(
        "Kestrel Bay Courier",
        "Your independent voice on the north coast since 1884",
        "  * Home\n  * News\n  * Sport",
        "Channel Dredging Gets Green Light",
        "By Maren Okafor",
        BODY,
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Channel Dredging Gets Green Light"
    assert article.authors == ("Maren Okafor",)


# --- comment threads -------------------------------------------------------------


COMMENTS = [
    (
        "Finally! I have been waiting for the early ferry to come back for two winters now, and the bus around "
        "the bay takes an hour and a half each way when the road is open at all."
    ),
    (
        "I worry about the oyster beds. Six weeks sounds short, but the sediment will not settle just because the "
        "dredger has gone home, and nobody has said who will test the water afterwards."
    ),
    (
        "Two point four million for a channel that will silt up again in five years. Has anyone on the authority "
        "looked at moving the ferry berth to the deep water by the old lifeboat station instead?"
    ),
    (
        "My family has farmed oysters north of the pier for three generations and we were never asked about any "
        "of this until the plan was already written, which says a lot about how the authority works."
    ),
]


def test_comment_thread_with_count_heading_and_reply_lines_stays_out_of_the_body():
    thread = "\n\n".join(
        f"{name} · November 4, 2024 at {hour}:15 AM\n\n{comment}\n  * Reply"
        for name, hour, comment in zip(
            ["Ruth Calder", "Olu Mensah", "Piet Haverkamp", "Ailsa Moray"], [7, 8, 9, 10], COMMENTS, strict=True
        )
    )
    text = page(
        "Harbour authority approves dredging of Kestrel Bay fishing channel",
        "By Maren Okafor",
        BODY,
        "274 Comments",
        thread,
        "Leave a Reply",
        "Your email address will not be published.",
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs == tuple(ARTICLE)
    assert not any(comment[:30] in article.text for comment in COMMENTS)


def test_long_thread_of_said_comments_does_not_outweigh_a_short_post():
    thread = "\n\n".join(
        f"     o {name} wrote :\n\n{comment} {comment}"
        for name, comment in zip(["Ruth", "Olu", "Piet", "Ailsa"], COMMENTS, strict=True)
    )
    text = page(
        "Channel Dredging Gets Green Light",
        ARTICLE[0],
        ARTICLE[1],
        "Comments (4 of 4)",
        "View all Comments »",
        thread,
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs == tuple(ARTICLE[:2])


def test_empty_thread_notice_is_never_the_body():
    text = page("Channel Dredging Gets Green Light", BODY, "There are no comments yet.", "Be the first to comment")
    article = extract_scrape(text)
    assert article is not None
    assert "no comments" not in article.text
    assert extract_scrape(page("Kestrel Bay Courier", "There are no comments yet. Be the first to comment.")) is None


# --- teasers, feeds and lists --------------------------------------------------------


def test_teaser_links_after_the_story_are_not_the_body():
    teasers = "\n".join(
        f"  * {title}\n\n{title}\n{summary}\nKestrel Bay Courier\n"
        for title, summary in [
            (
                "Lifeboat crew rescues two kayakers off Gull Point",
                (
                    "Volunteers launched twice in one afternoon after two kayakers were swept past the headland by a "
                    "strong ebb tide, the station said, and both were brought ashore cold but unhurt."
                ),
            ),
            (
                "New bakery opens in the old customs house",
                (
                    "A family from the island has turned the ground floor of the listed customs house into a bakery "
                    "and cafe, with tables on the quay for the summer and a wood-fired oven in the old strongroom."
                ),
            ),
            (
                "School choir heads to national final",
                (
                    "The junior choir of Kestrel Bay Primary will sing at the national final in the capital next month "
                    "after winning the regional round with a programme of sea shanties and a hymn."
                ),
            ),
        ]
    )
    text = page("Channel Dredging Gets Green Light", "By Maren Okafor", BODY, "Recommended for You", teasers)
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs == tuple(ARTICLE)


def test_a_long_list_of_linked_headlines_after_the_story_is_not_the_body():
    headlines = [
        "Lifeboat crew rescues two kayakers off Gull Point after a strong ebb tide",
        "New bakery opens in the old customs house with a wood-fired oven",
        "School choir heads to the national final with a programme of sea shanties",
        "Storm warning issued for the northern isles as winds reach gale force",
        "Council confirms the library will reopen on Monday after roof repairs",
        "Police close the coast road at Gull Point after a rock fall near the quarry",
        "Ferry operator adds extra sailings for the festival weekend in the harbour",
        "Harbour master retires after thirty years of keeping the channel open",
        "Islanders vote to keep the old post office as a community shop",
        "Oyster festival returns to the quay for the first time since 2019",
    ]
    text = page(
        "Channel Dredging Gets Green Light", BODY, "You Might Also Like", "\n".join(f"  * {h}" for h in headlines * 2)
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs == tuple(ARTICLE)


def test_timestamped_feed_items_are_not_the_body():
    feed = "\n".join(
        f"  * {stamp} {line}"
        for stamp, line in [
            ("14:44", "Storm warning issued for the northern isles as winds reach gale force"),
            ("14:32", "Council confirms the library will reopen on Monday after repairs to its roof"),
            ("14:10", "Police close the coast road at Gull Point after a rock fall near the quarry"),
            ("13:54", "Ferry operator adds extra sailings for the festival weekend in the harbour"),
        ]
    )
    text = page("Channel Dredging Gets Green Light", BODY, "Live", feed)
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs == tuple(ARTICLE)


def test_post_that_is_one_list_keeps_its_items():
    items = [
        "Added a night timetable for the harbour ferry on Fridays",
        "Added step-free boarding at the north pier",
        "Moved the ticket office to the old customs house",
        "Fixed the departure board showing yesterday's times",
        "Removed the winter surcharge for island residents",
        "Ferries now wait up to five minutes for a late train",
    ]
    text = page("Kestrel Bay Ferries", "Timetable 4.2 - what changed", "\n".join(f"+ {item}" for item in items))
    article = extract_scrape(text)
    assert article is not None
    assert article.paragraphs == tuple(items)
    assert article.title == "Timetable 4.2 - what changed"


# --- bylines and credits ----------------------------------------------------------------


def test_wire_credits_name_the_authors_and_leave_the_body():
    text = page(
        "Channel Dredging Gets Green Light",
        BODY,
        "(Reporting by Ines Kowalczyk in Kestrel Bay and Daniel Ferreira; Additional reporting by Li Wei; "
        "Editing by Mark Oduya)",
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.authors == ("Ines Kowalczyk", "Daniel Ferreira", "Li Wei")
    assert "Reporting by" not in article.text


def test_credit_names_leave_out_editors():
    assert credit_names("Reporting by Tomasz Rybak; Editing by Claire Abara") == ("Tomasz Rybak",)
    assert credit_names("Writing by Sam Ode and Jo Pell; editing by Ana Lutz") == ("Sam Ode", "Jo Pell")
    assert credit_names("The reporting by our staff was careful.") == ()


# --- what a text browser adds ---------------------------------------------------------


def test_browser_marks_are_dropped():
    lines = normalise(
        "#alternate Courier RSS\n"
        "IFRAME: https://ads.example/frame.html\n"
        "  * Home\n"
        "    + Harbour\n"
        "       o Ferries\n"
        "(BUTTON) Search [logo.png] [ ] Remember me ______________\n"
        "He said the plan [...] was sound [INS: today :INS]."
    )
    assert lines == [
        "* Home",
        "* Harbour",
        "* Ferries",
        "Search Remember me",
        "He said the plan [...] was sound today.",
    ]


def test_unspaced_script_counts_as_words_and_makes_a_body():
    assert count_words("港口管理局周二批准了疏浚旧渔业航道的计划") == 10
    body = [
        "港口管理局周二批准了疏浚旧渔业航道的计划，结束了渡轮运营商与当地贝类养殖户之间长达三年的争论。",
        "自二零二一年的风暴以来，航道淤积严重，较大的渡轮只能在涨潮前后各两小时内通过，冬季班次因此几乎减半。",
        "贝类养殖户曾警告疏浚会搅起码头以北牡蛎养殖场上方的沉积物，获批的计划把工程限制在三月收获结束后的六周内。",
    ]
    article = extract_scrape(page("  * 首页\n  * 新闻", "港口管理局批准疏浚渔业航道", *body))
    assert article is not None
    assert article.paragraphs == tuple(body)
    assert article.title == "港口管理局批准疏浚渔业航道"
