"""The page's notices beside a story: a help line offered to the reader, the small print of a
betting or shopping offer, a transcript's note on its own accuracy, a show's production
credits, a picture's credit set between bars. Neither the body nor the summary keeps them;
the story's sentences about the same things stay.

The scrapes are made up, in the style of a text-browser dump (``lynx -dump -nolist``).
"""

from __future__ import annotations

import pytest

from digest.extract.cues import classify
from digest.extract.scrape import extract_scrape
from digest.extract.scrape_lines import Kind

HEADLINE = "Harbour trust to rebuild the storm-damaged north pier by spring"
STORY = [
    (
        "The harbour trust will rebuild the north pier before the spring fishing season, its chairman said on "
        "Thursday, after January's storm tore away a third of the decking."
    ),
    (
        "The work will cost about £1.4 million, most of it covered by the trust's insurance, and will close "
        "the pier's car park for eleven weeks from the start of February."
    ),
    (
        "Skippers who land their catch at the north pier will use the old quay instead, where the trust has "
        "promised to extend the opening hours of the ice plant."
    ),
    (
        "The chairman said the new decking would be raised by forty centimetres, which engineers expect to "
        "keep it clear of all but the highest storm surges."
    ),
]


def page(*parts: str) -> str:
    return "\n\n".join(parts) + "\n"


def story_with(*lines: str, at: int = 4) -> str:
    return page("The Quay Courier", HEADLINE, "By Morwenna Hale", "January 30, 2026", *STORY[:at], *lines, *STORY[at:])


def body_of(text: str) -> list[str]:
    article = extract_scrape(text)
    assert article is not None
    return list(article.paragraphs)


# A help line: the reader addressed (a short question, or "if ... you") and a number or a line to call.
HELP_LINES = [
    "Problem with gambling? Ring the free helpline on 0800 111 2222 or visit the charity's website.",
    "Worried about your drinking? Text HELP to 85258 any time, day or night.",
    "Feeling low after the storm? The Harbour Listening Line is open every night on 0300 555 0199.",
    "Gambling problem? Call 1-800-GAMBLER.",
    "When the odds are against you, walk away. If betting is hurting you or your family, call the helpline on 0808 444 1010.",
]


@pytest.mark.parametrize("line", HELP_LINES)
def test_a_help_line_offered_to_the_reader_leaves(line: str) -> None:
    assert body_of(story_with(line)) == STORY
    assert body_of(story_with(line, at=2)) == STORY


STORY_ABOUT_HELP = [
    "Anyone with information is asked to call police on 101, quoting incident 224 of 3 May.",
    "The charity said its helpline took 4,000 calls in March, twice as many as a year earlier.",
    "Did the harbour trust ask for help? It called the coastguard on 999 when the decking gave way, its chairman said.",
]


@pytest.mark.parametrize("sentence", STORY_ABOUT_HELP)
def test_a_story_sentence_about_a_help_line_stays(sentence: str) -> None:
    assert classify(sentence) in (Kind.PROSE, Kind.SENTENCE)


# The small print of an offer: an age limit, terms that apply, who may claim, odds that may change.
SMALL_PRINT = [
    "18+ only. Bet responsibly. T&Cs apply.",
    "Odds accurate at the time of writing and subject to change.",
    "New members only. Min deposit £10. Bonus expires after 14 days. Full terms apply.",
    "Claim a £20 matched bet when you stake £5. Minimum odds 1/2. Terms and exclusions apply.",
    "Prices correct at time of publication. Offer ends Sunday.",
]


@pytest.mark.parametrize("line", SMALL_PRINT)
def test_an_offers_small_print_leaves(line: str) -> None:
    assert body_of(story_with(line)) == STORY
    assert body_of(story_with(line, at=2)) == STORY


STORY_ABOUT_ODDS = [
    "Bookmakers cut the odds on a home win to 2/1 after the team news, and the club's shares rose 3%.",
    "The festival is for those aged 18+ and tickets go on sale on Friday, the organisers said.",
    "The council said the terms of the lease would apply to the new pier as they did to the old one.",
]


@pytest.mark.parametrize("sentence", STORY_ABOUT_ODDS)
def test_a_story_sentence_about_odds_or_terms_stays(sentence: str) -> None:
    assert classify(sentence) in (Kind.PROSE, Kind.SENTENCE)


TURNS = [
    "ROSA MENDES: The pier has been part of this town for a hundred and twenty years, and it nearly went in one night.",
    "DEV KAPOOR: It did. The surge lifted the decking clean off its supports, and by morning a third of it was on the beach.",
    "ROSA MENDES: And the trust says it can rebuild before the season starts. Is that realistic?",
    "DEV KAPOOR: If the steel arrives on time, yes. The engineers told me the supports themselves are sound.",
]


def show_with(line: str, at: int) -> str:
    return page(
        "Coastlines", "Episode 48: Rebuilding the north pier", "Hosted by Rosa Mendes", *TURNS[:at], line, *TURNS[at:]
    )


# The page's note on its own transcript: made by machine or in a hurry, it may hold errors.
TRANSCRIPT_NOTES = [
    "This transcript was made by speech-to-text software and checked by a producer. It may contain errors, so check the audio before quoting.",
    "Transcripts are machine-generated and may not be in their final form. Please refer to the recording.",
    "Note: this is a rush transcript and may contain mistakes.",
]


@pytest.mark.parametrize("note", TRANSCRIPT_NOTES)
def test_a_transcripts_note_on_its_accuracy_leaves(note: str) -> None:
    assert classify(note) not in (Kind.PROSE, Kind.SENTENCE)
    assert body_of(show_with(note, at=0)) == TURNS
    assert body_of(show_with(note, at=4)) == TURNS


# A show's production credits under the episode: who made it, in sentences.
SHOW_CREDITS = [
    "Coastlines is produced by Ada Lund and mixed by Tom Bryce. Our theme music is by Low Tide.",
    "This episode was reported by Ines Mora, edited by Carl Webb and fact-checked by June Park.",
]


@pytest.mark.parametrize("credits", SHOW_CREDITS)
def test_a_shows_production_credits_leave(credits: str) -> None:
    assert classify(credits) not in (Kind.PROSE, Kind.SENTENCE)
    assert body_of(show_with(credits, at=0)) == TURNS
    assert body_of(show_with(credits, at=4)) == TURNS


STORY_ABOUT_TRANSCRIPTS_AND_FILMS = [
    "The court transcript contained errors that the judge corrected on Monday, the lawyers said.",
    "The ministry released an edited transcript of the call on Wednesday, leaving out two long passages.",
    "The film was produced by Harbour Pictures and shot over six weeks on the north pier.",
    "The album was produced by Ana Ruiz, who also played bass on four of its songs.",
    "The album was produced by Ana Ruiz and mixed by Tom Bryce in a converted chapel on the harbour.",
]


@pytest.mark.parametrize("sentence", STORY_ABOUT_TRANSCRIPTS_AND_FILMS)
def test_a_story_sentence_about_a_transcript_or_a_production_stays(sentence: str) -> None:
    assert classify(sentence) in (Kind.PROSE, Kind.SENTENCE)


# A picture's credit set between bars, as some sites print it under the caption: label, photographer, agency.
BARRED_CREDITS = ["PHOTO | ANA RUIZ | NMG", "Photo | Tom Bryce | Quay Courier", "FILE PHOTO | JUNE PARK"]
CAPTION = "Workers lift the broken decking from the beach below the north pier."


@pytest.mark.parametrize("credit", BARRED_CREDITS)
def test_a_pictures_credit_between_bars_is_a_caption(credit: str) -> None:
    assert classify(credit) is Kind.CAPTION
    assert body_of(story_with(CAPTION, credit, at=3)) == STORY
    assert body_of(story_with(CAPTION, credit, at=1)) == STORY


def test_a_menu_of_picture_pages_is_no_credit() -> None:
    assert classify("Photos | Videos | Podcasts") is not Kind.CAPTION


def test_a_link_under_a_bare_read_label_is_another_story() -> None:
    assert classify("Read: Lifeboat crew rescues two from capsized dinghy") is Kind.CTA
    assert classify("READ | Lifeboat crew rescues two from capsized dinghy") is not Kind.PROSE


# The page's note of when its story went out on air, under the text.
AIRED_NOTES = [
    "A version of this story aired on Coast Tonight on January 29, 2026.",
    "This interview was broadcast on Harbour Radio's morning programme.",
    "Über dieses Thema berichtete die Redaktion am 29. Januar 2026 im Regionalprogramm.",
    "Dieses Thema im Programm: Küstenmagazin, 29.01.2026, 19:30 Uhr",
]


@pytest.mark.parametrize("note", AIRED_NOTES)
def test_a_note_of_when_the_story_aired_leaves(note: str) -> None:
    assert classify(note) not in (Kind.PROSE, Kind.SENTENCE, Kind.FRAGMENT)
    assert body_of(story_with(note)) == STORY


def test_a_story_sentence_about_a_broadcast_stays() -> None:
    sentence = "The trust's chairman first spoke about the damage in an interview that was broadcast on Monday."
    assert classify(sentence) in (Kind.PROSE, Kind.SENTENCE)


# More of a transcript's page: the note that it was edited, a cue in brackets where the broadcast
# breaks, the show's number to call.
EDITED_NOTES = [
    "This transcript has been edited for length and clarity.",
    "This is an edited transcript and may differ slightly from the broadcast version.",
]


@pytest.mark.parametrize("note", EDITED_NOTES)
def test_a_note_that_the_transcript_was_edited_leaves(note: str) -> None:
    assert classify(note) not in (Kind.PROSE, Kind.SENTENCE)
    assert body_of(show_with(note, at=0)) == TURNS


@pytest.mark.parametrize("cue", ["[MUSIC]", "[BREAK FOR ADVERTS]", "(LAUGHTER)", "[Theme music plays]"])
def test_a_cue_in_brackets_between_turns_leaves(cue: str) -> None:
    assert body_of(show_with(cue, at=2)) == TURNS


CALL_THE_SHOW = [
    "Ring the studio on 0300 555 0188 or message us on the app.",
    "Text COAST to 81234 to have your say. Standard network charges apply.",
]


@pytest.mark.parametrize("line", CALL_THE_SHOW)
def test_an_order_to_call_a_number_leaves(line: str) -> None:
    assert classify(line) not in (Kind.PROSE, Kind.SENTENCE)
    assert body_of(show_with(line, at=4)) == TURNS
