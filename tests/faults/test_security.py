"""Attacks: header injection, hostile article content, unsubscribe tokens, the preview
server, and secrets in logs."""

from __future__ import annotations

import email
import email.policy
import http.client
import socket
from datetime import date

import pytest

from digest.compose import compose
from digest.config import ListSettings
from digest.extract import article_from_fragment, extract_article
from digest.message import MessageError, MessageFactory, Recipient
from digest.models import Article, Page, Summary
from digest.render import render_digest
from digest.summarize import summarize
from tests.faults.conftest import NOW
from tests.faults.test_properties import check_html, check_message

DAY = date(2026, 11, 24)
ENCODED_CRLF = "=?utf-8?q?=0D=0ABcc:_victim@evil.example?="
INJECTIONS = [
    "Evil\r\nBcc: victim@evil.example",
    "Evil\nBcc: victim@evil.example",
    "Evil\rBcc: victim@evil.example",
    "Evil\u2028Bcc: victim@evil.example",
    "Evil\x00\x0b\x1b[2J",
    ENCODED_CRLF,
    "=?utf-8?b?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=",
    "x" * 5000,
    "é" * 400,
    "日本語の名前" * 60,
]


def message(*, title="Story", list_title="The Daily", list_name="daily", sender_name="The Daily",
            reply_name="Desk", name="Reader", address="reader@example.org") -> bytes:
    article = Article(url="https://news.example.org/1", title=title, paragraphs=("Body.",), source="s")
    digest = compose([Summary(article, ("Body.",), "lead")], list_name=list_name, title=list_title, day=DAY)
    factory = MessageFactory(render_digest(digest), sender=f"{sender_name} <digest@example.org>",
                             reply_to=f"{reply_name} <desk@example.org>", view_url="https://digest.example.org/v/1")
    return factory.build(Recipient(email=address, name=name, unsubscribe_url="https://digest.example.org/u?t=1",
                                   unsubscribe_mailto="mailto:unsubscribe@example.org"))


@pytest.mark.parametrize("text", INJECTIONS, ids=range(len(INJECTIONS)))
@pytest.mark.parametrize("where", ["title", "list_title", "sender_name", "reply_name", "name"])
def test_header_injection_never_reaches_a_header(where, text):
    raw = message(**{where: text})
    parsed = check_message(raw)  # CRLF only, lines <= 998, no extra header, no CR/LF/NUL in decoded values
    assert parsed["Bcc"] is None
    assert "victim@evil.example" not in str(parsed["To"]) or where == "name"
    for header in ("Subject", "From", "Reply-To", "To", "List-Id"):
        assert "\r" not in str(parsed[header]) and "\n" not in str(parsed[header])


@pytest.mark.parametrize("list_name", ["daily\r\nBcc: victim@evil.example", "dai ly", "日報", "a" * 300])
def test_a_list_name_never_breaks_the_header_block(list_name):
    raw = message(list_name=list_name)
    parsed = check_message(raw)
    assert parsed["Bcc"] is None
    assert parsed["Message-ID"].startswith("<") and " " not in parsed["Message-ID"]


@pytest.mark.parametrize(
    "address",
    ["victim@evil.example\r\nBcc: x@evil.example", "a@example.org>, <x@evil.example", "a@example.org\x00",
     "<a@example.org>", "a@exa mple.org", "a@example.org\u2028"],
)
def test_a_bad_recipient_address_is_refused(address):
    with pytest.raises(MessageError):
        message(address=address)


@pytest.mark.parametrize("sender", ["nobody", "Evil <x@evil.example\r\nBcc: y@evil.example>", "Äddress <ä@exämple.org>",
                                    "<@>", "a <@example.org>"])
def test_a_bad_sender_is_a_message_error(sender):
    digest = compose([], list_name="daily", title="Daily", day=DAY)
    try:
        factory = MessageFactory(render_digest(digest), sender=sender)
        raw = factory.build(Recipient(email="reader@example.org"))
    except MessageError:
        return
    parsed = check_message(raw)
    assert parsed["Bcc"] is None
