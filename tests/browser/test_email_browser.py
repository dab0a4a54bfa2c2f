"""The email (and the message that confirms a subscription) as readers' clients show it, in a real headless Chromium at a phone's width:
with its <style> block, and without it, as a client that keeps only the inlined styles
shows it (no media queries); with images that do not load (blocked, or gone), with
lines that read right to left, and in a client that asks for the dark colour scheme."""

from __future__ import annotations

import email
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import policy

import pytest

from digest.mail.compose import compose
from digest.mail.confirmation import confirmation_message
from digest.mail.render import personal_fields, personalise, render_digest
from digest.models import Article, Source, SourceKind, Summary
from digest.web.server import bind
from tests.browser.chromium import running_chromium
from tests.browser.colours import PAINTED, scheme_failures
from tests.browser.served import ServedPages

PHONE = 375
DAY = date(2026, 11, 24)
LAYOUT = "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})"


@pytest.fixture(scope="module")
def browser():
    yield from running_chromium()


@pytest.fixture(scope="module")
def pages() -> Iterator[ServedPages]:
    served = ServedPages()
    yield served
    served.close()


def _closed_port() -> int:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    return port


def _email(
    titles: list[tuple[str, str]], *, image: str | None = None, sentences: tuple[str, ...] = (), view_url: str = ""
) -> str:
    """The personalised HTML of a digest with one story per (source, title)."""
    summaries = [
        Summary(
            article=Article(
                url=f"https://news.example.org/{i}",
                title=title,
                paragraphs=("word " * 400,),
                source=source,
                published=datetime(2026, 11, 20, 12 - i, tzinfo=UTC),
                image=image,
            ),
            sentences=sentences or (f"The point of story {i}.",),
            algorithm="lead",
        )
        for i, (source, title) in enumerate(titles)
    ]
    sources = [Source(name=s, kind=SourceKind.FEED, location=f"https://{s}.example.org") for s, _ in titles]
    digest = compose(summaries, list_name="daily", title="The Daily", day=DAY, sources=sources, show_images=True)
    fields = personal_fields(name="Ana", email="ana@example.org", unsubscribe_url="https://e.org/u", view_url=view_url)
    return personalise(render_digest(digest, view_link=bool(view_url)), fields)[0]


def _without_style_block(html: str) -> str:
    """As a client that drops <style> shows it: the inlined styles only."""
    return re.sub(r"<style>.*?</style>", "", html, flags=re.S)


def _layout(browser, url: str) -> dict:
    page = browser.new_page()
    try:
        page.open(url, width=PHONE)
        return page.evaluate(LAYOUT)
    finally:
        page.close()


STORIES = [("a", "A first story"), ("a", "A second story"), ("b", "A third story")]


def test_the_email_fits_a_phone_in_a_client_that_keeps_only_the_inlined_styles(browser, pages):
    html = _without_style_block(_email(STORIES))
    layout = _layout(browser, pages.url("/inlined-only.html", html))
    assert layout["inner"] == PHONE and layout["scroll"] <= PHONE, layout


@pytest.mark.parametrize("style_block", [True, False])
def test_an_image_that_does_not_load_leaves_the_email_within_a_phone(browser, pages, style_block):
    # A client that blocks images until asked, or an image gone from its server: the alt
    # text shows in the image's place.
    html = _email(STORIES, image=f"http://127.0.0.1:{_closed_port()}/photo.jpg")
    html = html if style_block else _without_style_block(html)
    layout = _layout(browser, pages.url(f"/broken-image-{style_block}.html", html))
    assert layout["inner"] == PHONE and layout["scroll"] <= PHONE, layout


# Each list item's bullet, as the browser places it: outside the item, on the side its
# line starts from; whether the list and the item leave room for it there.
BULLETS = """[...document.querySelectorAll('.contents-list li, .summary li')].map(li => {
  const item = getComputedStyle(li), list = getComputedStyle(li.parentElement);
  const rtl = item.direction === 'rtl';
  const room = rtl ? parseFloat(item.marginRight) + parseFloat(list.paddingRight)
                   : parseFloat(item.marginLeft) + parseFloat(list.paddingLeft);
  return {text: li.textContent.trim(), rtl, room};
})"""


@pytest.mark.parametrize("style_block", [True, False])
def test_a_right_to_left_line_in_a_list_keeps_its_bullet_inside_the_column(browser, pages, style_block):
    stories = [("a", "A first story"), ("a", "عنوان باللغة العربية"), ("b", "A third story")]
    html = _email(stories, sentences=("שלום עולם, זה משפט בעברית.", "An English sentence."))
    html = html if style_block else _without_style_block(html)
    page = browser.new_page()
    try:
        page.open(pages.url(f"/right-to-left-{style_block}.html", html), width=PHONE)
        bullets = page.evaluate(BULLETS)
        layout = page.evaluate(LAYOUT)
    finally:
        page.close()
    assert {b["rtl"] for b in bullets} == {True, False}
    assert all(b["room"] >= 16 for b in bullets), [b for b in bullets if b["room"] < 16]
    assert layout["scroll"] <= PHONE, layout


def test_the_confirmation_message_fits_a_phone_whatever_the_length_of_its_link(browser, pages):
    token = "WyJkYWlseSIsImFuYS5tYXJpYUBleGFtcGxlLm9yZyIsMTc5NjE4OTU2MF0" * 2
    _, raw = confirmation_message(
        sender="The Daily <digest@example.org>",
        to="ana.maria.de.la.santisima.trinidad@correo.universidad.example.org",
        list_title="The Daily",
        confirm_url=f"https://news.example.org/confirm?token={token}.jb_Ooh5m3PsjZ7d_YbdOhQ",
        hours=48,
    )
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    layout = _layout(browser, pages.url("/confirmation.html", html))
    assert layout["inner"] == PHONE and layout["scroll"] <= PHONE, layout


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_confirmation_message_reads_in_the_light_and_the_dark_scheme(browser, pages, scheme):
    _, raw = confirmation_message(
        sender="The Daily <digest@example.org>",
        to="ana@example.org",
        list_title="The Daily",
        confirm_url="https://news.example.org/confirm?token=abc",
        hours=48,
    )
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    assert '<meta name="supported-color-schemes" content="light dark">' in html  # Apple Mail's name for it
    page = browser.new_page()
    try:
        page.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])
        page.open(pages.url(f"/confirmation-{scheme}.html", html), width=PHONE)
        painted = page.evaluate(PAINTED % json.dumps("h1"))  # the column the heading stands in
    finally:
        page.close()
    found = scheme_failures(painted, scheme=scheme)
    assert not found, "\n".join(found)
    # its link is a button, and checked as one
    assert [b["what"] for b in painted["buttons"]] == ['a.button "Confirm my subscription"']


# The links a reader presses on a phone that stand on a line of their own, with their height.
PRESSED = """[...document.querySelectorAll('.read-more a, .footer a')].map(a => ({
  text: a.textContent.trim(), height: a.getBoundingClientRect().height}))"""


def test_read_more_and_the_footer_links_are_big_enough_for_a_finger(browser, pages):
    page = browser.new_page()
    try:
        page.open(pages.url("/links.html", _email(STORIES, view_url="https://e.org/view")), width=PHONE)
        links = page.evaluate(PRESSED)
    finally:
        page.close()
    assert {link["text"] for link in links} == {"Read more →", "View in your browser", "Unsubscribe"}
    assert all(link["height"] >= 40 for link in links), links
