"""Shared text helpers: words quoted or attributed to a source."""

from __future__ import annotations

import pytest

from digest.text import hide_mailboxes, is_attributed


@pytest.mark.parametrize(
    "text",
    [
        "The ferry will run until midnight, the harbour master said.",
        "According to the council, the bridge reopens in May.",
        "Residents warned that the quay floods every spring.",
        "On Twitter, the photographer notes that he is often on the road.",
        "Port Director Sam Idris urges commuters to check the timetable.",
        "“We will rebuild the pier,” Mayor Dana Whitfield told reporters.",
    ],
)
def test_a_reporting_verb_gives_words_to_a_source(text):
    assert is_attributed(text)
    assert is_attributed(text, quotes=False)


@pytest.mark.parametrize(
    "text",
    [
        "The ferry runs until midnight in summer.",
        "Sign up for our newsletter to get the timetable.",
        "Ngāi Tahu Claims Settlement Act 1998.",  # "claims" the noun
        "Your pledges keep our reporting free to read.",
    ],
)
def test_without_a_source_the_words_are_the_page_s(text):
    assert not is_attributed(text, closing_clause=True, ambiguous_verbs=True)


@pytest.mark.parametrize(
    "text",
    [
        "The mayor called the plan “a disaster for the quay”.",
        "«Nous reconstruirons le port», a déclaré la maire.",
        "‘We will rebuild the pier’ was the mayor's promise.",
    ],
)
def test_quotation_marks_count_unless_quotes_is_false(text):
    assert is_attributed(text)
    assert not is_attributed(text, quotes=False)


def test_a_single_quote_counts_only_opening_the_text():
    assert not is_attributed("The harbour’s ferries don’t run on Sundays.")


@pytest.mark.parametrize(
    "text",
    [
        "We will have more ferries by spring, Mayor Dana Whitfield pledged on Monday.",
        "Check back later for road closures, officials ordered residents on Tuesday.",
    ],
)
def test_a_closing_attribution_clause_counts_whatever_its_verb_when_asked(text):
    assert is_attributed(text, closing_clause=True)
    assert not is_attributed(text)


@pytest.mark.parametrize(
    "text",
    [
        "Readers who pledged their support keep our journalism free.",
        "As we reported last week, the quay will close.",
        "We've added a section on the harbour; sign up for our newsletter.",
        "Hale, R. (2019). Self-reported sleep in shift workers. J. Sleep 12: 45–67.",
        "The bridge will close in May, the council confirmed.",
    ],
)
def test_a_verb_as_often_of_a_deed_or_a_title_counts_only_when_asked(text):
    assert not is_attributed(text)
    assert is_attributed(text, ambiguous_verbs=True)


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        ("not an email address: 'pat.quist.1974@example' (no period)", "not an email address: '…@example' (no period)"),
        (
            "550 5.1.1 <ann+news@example.org>: Recipient address rejected",
            "550 5.1.1 <…@example.org>: Recipient address rejected",
        ),
        ("to a@example.org, b.c@example.net", "to …@example.org, …@example.net"),
        ("connection refused by mail.example.org port 25", "connection refused by mail.example.org port 25"),
    ],
)
def test_a_log_line_keeps_an_addresss_domain_and_hides_its_mailbox(text, logged):
    assert hide_mailboxes(text) == logged
