"""The lines under a headline: the author's name printed the ways sites print it (in capitals,
after a title of address, "at" the ground a reporter writes from), and a live page's first entry
under its stamp, which is no standfirst. The scrapes are made up, in the style of a
text-browser dump."""

from __future__ import annotations

from digest.extract.scrape import extract_scrape
from tests.unit.test_scrape_notices import HEADLINE, STORY as NOTICE_STORY

# The harbour story of the notices' tests, in its first three paragraphs.
STORY = NOTICE_STORY[:3]


def authors_of(*header: str) -> tuple[str, ...]:
    article = extract_scrape("\n\n".join(["The Quay Courier", HEADLINE, *header, *STORY]) + "\n")
    assert article is not None
    assert list(article.paragraphs) == STORY
    return article.authors


def test_a_name_in_capitals_under_the_headline_is_the_author() -> None:
    assert authors_of("MORWENNA HALE", "Penzance, Thursday, January 29, 2026") == ("Morwenna Hale",)


def test_a_label_in_capitals_under_the_headline_is_no_author() -> None:
    assert authors_of("HARBOUR NEWS", "Penzance, Thursday, January 29, 2026") == ()


def test_a_name_after_a_title_of_address_is_the_author() -> None:
    assert authors_of("Dr. Morwenna Hale", "Guest essay") == ("Dr. Morwenna Hale",)


def test_a_reporter_at_the_ground_is_the_author() -> None:
    assert authors_of("Morwenna Hale at the Memorial Ground", "Sat 31 Jan 2026 17.22 GMT") == ("Morwenna Hale",)


def test_a_live_pages_first_entry_under_its_stamp_is_no_standfirst() -> None:
    entries = [STORY[0], STORY[1]]
    text = "\n\n".join(
        [
            "The Quay Courier",
            "Live",
            HEADLINE,
            "Key events",
            "4m ago",
            "09:12",
            entries[0],
            "12m ago",
            "09:04",
            entries[1],
        ]
    )
    article = extract_scrape(text + "\n")
    assert article is not None
    assert list(article.paragraphs) == entries
    assert article.standfirst == ""


def test_a_shows_host_under_the_headline_is_its_author() -> None:
    assert authors_of("Hosted by Morwenna Hale", "January 29, 2026") == ("Morwenna Hale",)
    assert authors_of("Presented by Morwenna Hale and Dev Kapoor", "January 29, 2026") == (
        "Morwenna Hale",
        "Dev Kapoor",
    )


def test_a_sponsor_presenting_the_page_is_no_author() -> None:
    assert authors_of("Presented by Harbour Building Society", "January 29, 2026") == ()
