"""Page furniture of other kinds of page: a health explainer's review credits, a text browser's
link numbers, a long read's pull quote, a newsletter's
event listing, a university news office's byline.

The scrapes are made up, in the style of a text-browser dump.
"""

from __future__ import annotations

from digest.extract.cues import classify
from digest.extract.scrape import extract_scrape
from digest.extract.scrape_lines import Kind

HEADLINE = "Ferry service to Gull Island cut to three days a week"
STORY = [
    (
        "The ferry to Gull Island will sail only on Mondays, Wednesdays and Fridays from January, the "
        "operator said on Tuesday, after its second boat failed a hull inspection."
    ),
    (
        "Islanders said the cut would make it harder to reach the hospital on the mainland, and the "
        "school said pupils would have to board in town for part of the week."
    ),
    (
        "The operator said a replacement boat had been ordered but would not arrive before the summer, "
        "and that it would add sailings when freight demand allowed."
    ),
    (
        "The county council has asked the operator to keep a daily crossing for emergencies and has "
        "offered to pay for a water taxi on the days the ferry does not run."
    ),
]


def page(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


def story_with(*lines: str, at: int = 2, byline: str = "By Ines Calder") -> str:
    return page("The Bay Gazette", HEADLINE, byline, "December 2, 2026", *STORY[:at], *lines, *STORY[at:])


def test_a_reviewers_credit_is_no_headline() -> None:
    text = page(
        "Wellness Today",
        "Is it hay fever or a cold? How to tell",
        "Written by Nora Blake",
        "Medically reviewed by Sam Ortiz, RN",
        "Updated on November 29, 2026",
        *STORY,
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.title == "Is it hay fever or a cold? How to tell"
    assert classify("Fact checked by Jo Lee") is Kind.META
    assert classify("Senator Riled By Parliament") is not Kind.META


def test_a_review_stamp_is_a_date_line() -> None:
    assert classify("Last medically reviewed on November 29, 2026") is Kind.DATE
    article = extract_scrape(story_with("Fact checked on December 1, 2026", at=4))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_text_browsers_link_numbers_leave_the_byline() -> None:
    article = extract_scrape(story_with(byline="By [7]Ines Calder"))
    assert article is not None
    assert article.authors == ("Ines Calder",)


def test_a_pull_quote_repeating_the_story_leaves() -> None:
    quoted = STORY[1].split(", and")[0] + "."
    article = extract_scrape(story_with(quoted, at=3))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_dated_listing_under_the_story_leaves() -> None:
    article = extract_scrape(
        page(
            "The Bay Gazette",
            HEADLINE,
            "By Ines Calder",
            *STORY,
            "Coming up",
            "Dec 6 - Harbour carol concert, 6 p.m.",
            "Dec 12 - Island council meeting, 7 p.m.",
            "Jan 3 - New Year swim at the slipway, 11 a.m.",
        )
    )
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_an_office_after_the_authors_comma_is_no_author() -> None:
    article = extract_scrape(story_with(byline="By Ines Calder, University Communications"))
    assert article is not None
    assert article.authors == ("Ines Calder",)
    two = extract_scrape(story_with(byline="By Ines Calder, Rob Hale and Mei Tan"))
    assert two is not None
    assert two.authors == ("Ines Calder", "Rob Hale", "Mei Tan")


def test_a_timeline_in_the_story_stays() -> None:
    timeline = ["Dec 1 - The second boat fails its hull inspection.", "Dec 2 - The operator cuts the timetable."]
    article = extract_scrape(story_with(*timeline, at=4))
    assert article is not None
    assert list(article.paragraphs)[-2:] == timeline


def test_an_appeal_after_the_publications_own_line_leaves() -> None:
    note = "The Bay Gazette is an independent newsroom. Donate today to keep island reporting free."
    assert classify(note) is Kind.CTA
    article = extract_scrape(story_with(note, at=4))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_newsletter_prompt_in_german_is_an_appeal() -> None:
    prompt = "Keine Meldung von der Insel verpassen? Dann melden Sie sich für unseren Newsletter an."
    assert classify(prompt) is Kind.CTA
    assert classify("Unsere Fähre fährt nur noch dreimal pro Woche, sagte der Betreiber am Dienstag.") is not Kind.CTA


def test_an_interviews_editing_note_leaves() -> None:
    article = extract_scrape(story_with("This conversation has been edited for length and clarity.", at=4))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_form_fields_placeholder_is_no_paragraph() -> None:
    assert classify("Type your email…") is Kind.CTA
    assert classify("Enter your postcode...") is Kind.CTA


OBITUARY = [
    'Agnes "Nan" Calder, 95, of Gull Island, died on Nov. 28, 2026, at the island\'s care home.',
    "Nan ran the ferry kiosk at the pier for 38 years and knew every islander's coffee order by heart.",
    "She is survived by her sons, Ian and Rory Calder, and five grandchildren.",
    "A service will be held at 2 p.m. on Saturday, Dec. 5, at St Columba's Church on the island.",
]


def test_a_name_with_its_nickname_heads_an_obituary() -> None:
    text = page(
        "The Bay Gazette",
        "Obituaries",
        'Agnes "Nan" Calder',
        "May 2, 1931 - November 28, 2026",
        *OBITUARY,
        "Published by The Bay Gazette on Dec. 1, 2026.",
    )
    article = extract_scrape(text)
    assert article is not None
    assert article.title == 'Agnes "Nan" Calder'
    assert list(article.paragraphs) == OBITUARY


def test_a_press_releases_end_mark_ends_the_story() -> None:
    about = "The Gull Island Ferry Company has carried passengers and freight to the island since 1952."
    article = extract_scrape(story_with("###", "About the Gull Island Ferry Company", about, at=4))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_newsletters_sponsor_line_is_an_advert() -> None:
    line = "Presented by Tidewell: insure your boat in five minutes. Try it free."
    assert classify(line) is Kind.AD
    assert classify("Supported by a grant from the county, the operator kept one boat running.") is not Kind.AD
    article = extract_scrape(story_with(line, at=1))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_read_also_in_argentine_spanish_is_a_link() -> None:
    article = extract_scrape(story_with("Leé también: El muelle nuevo abre en marzo"))
    assert article is not None
    assert list(article.paragraphs) == STORY


HOWTO = [
    (
        "Google and Apple now offer a direct transfer tool for photo libraries, so you no longer have to "
        "download every photo and upload it again to move a library between the two services."
    ),
    (
        "Make sure your iCloud storage can hold the whole photo library first. The transfer tool will "
        "refuse to start if it cannot, and Google shows how much space your library uses."
    ),
    (
        "Sign in to takeout.google.com, pick Google Photos and choose iCloud Photos as the destination of "
        "the transfer. You will need to sign in with your Apple account and approve the photo transfer."
    ),
    (
        "Google emails you when the photo transfer begins and again when it ends. The tool copies the "
        "library, so your photos stay in Google Photos until you delete them there."
    ),
]


def test_a_how_tos_step_that_signs_in_elsewhere_stays() -> None:
    article = extract_scrape(page("Gadget Notes", "How to move your photos to iCloud", "By Ines Calder", *HOWTO))
    assert article is not None
    assert list(article.paragraphs) == HOWTO


def test_a_sign_in_appeal_between_paragraphs_still_leaves() -> None:
    appeal = (
        "Sign in to read the rest of our island coverage. Subscribers can sign in with their account to "
        "keep reading and support our reporting on the ferry and the island."
    )
    article = extract_scrape(story_with(appeal))
    assert article is not None
    assert list(article.paragraphs) == STORY


def test_a_help_line_under_the_story_is_the_pages() -> None:
    line = "If you or someone you know has been affected by the ferry cuts, call the island help line at 0800 555 0143."
    assert classify(line) is Kind.CTA
    story = "If you live on the island, the council says the water taxi will be free on the days without a ferry."
    assert classify(story) is not Kind.CTA
