"""The accessibility gate: axe-core (WCAG 2.0, 2.1 and 2.2 at levels A and AA, and Deque's
best practices) on every page a reader or an operator sees, in headless Chromium at 375
and 1280 px, in the light and the dark colour scheme. The reader pages of the web
service in each state a reader meets them, the messages as they are sent (the digest,
the confirmation), and the operator's preview. A failure lists each violation on one
line: the rule, its impact, the element and the page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from digest.app.web import epoch_seconds
from digest.preview import PreviewServer
from digest.tokens import make_preferences_token
from tests.browser.axe import Violation, audit, axe_source, report
from tests.browser.chromium import Page, running_chromium
from tests.browser.served import ServedPages
from tests.seeded import seeded_digest
from tests.web.service import (
    SECRET,
    Service,
    confirm_url,
    form_token,
    start_service,
    stop_service,
    unsubscribe_url,
)

# A message is no web page: the mail client around it holds the landmarks.
EMAIL_DISABLED = (
    "region",  # all content in landmarks: a client shows the message inside its own
    "landmark-one-main",  # a main landmark: the client's reading pane is the message's main
)


@pytest.fixture(scope="module")
def browser():
    axe_source()
    yield from running_chromium()


@pytest.fixture(scope="module")
def page(browser) -> Iterator[Page]:
    opened = browser.new_page()
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    running, _ = start_service(f"sqlite:///{tmp_path_factory.mktemp('axe') / 'digest.db'}")
    yield running
    stop_service(running)


@pytest.fixture(scope="module")
def served() -> Iterator[ServedPages]:
    pages = ServedPages()
    yield pages
    pages.close()


def _submit(page: Page, script: str) -> None:
    page.evaluate(script)
    page.wait_for("Page.loadEventFired")


def _open(page: Page, url: str) -> None:
    page.open(url, width=375)


def _audit(page: Page, name: str, *, title: str) -> list[Violation]:
    """`audit`, once the page is the one named (a step that went astray shows here)."""
    assert page.evaluate("document.title") == title, name
    return audit(page, name)


def test_the_reader_pages_pass_axe(service, page):
    found: list[Violation] = []
    address = "axe@example.org"

    _open(page, f"{service.url}/")
    found += _audit(page, "the index of lists", title="Newsletters")
    _open(page, f"{service.url}/lists/daily/subscribe")
    found += _audit(page, "the subscribe form", title="Subscribe to The Daily")
    _submit(
        page,
        "document.getElementById('email').value = 'not an address';"
        "document.querySelector('form button[type=submit]').click()",
    )
    found += _audit(page, "the subscribe form with an error", title="Error: Subscribe to The Daily")
    _submit(
        page,
        f"document.getElementById('email').value = '{address}';"
        "document.querySelector('form button[type=submit]').click()",
    )
    found += _audit(page, "the subscribe form, sent", title="Check your inbox")

    _open(page, confirm_url(service.last_message_to(address)))
    found += _audit(page, "the confirm page", title="Confirm your subscription")
    _submit(page, "document.querySelector('form button').click()")
    found += _audit(page, "the confirmed page", title="You are subscribed")

    token = make_preferences_token(secret=SECRET, key=address, issued_at=epoch_seconds())
    _open(page, f"{service.url}/preferences?token={token}")
    found += _audit(page, "the preferences", title="Your preferences")
    _submit(page, "document.querySelector('button[value=rename]').click()")
    found += _audit(page, "the preferences with a notice", title="Your preferences")

    issue = service.publish("daily", titles=("A story", "Another story"))
    unsubscribe = unsubscribe_url(service.last_message_to(address))
    _open(page, unsubscribe)
    found += _audit(page, "the unsubscribe page", title="Unsubscribe")
    _submit(page, "document.querySelector('form button').click()")
    found += _audit(page, "the unsubscribed page", title="You are unsubscribed")
    _open(page, unsubscribe)
    found += _audit(page, "the unsubscribe page, already unsubscribed", title="Unsubscribe")
    _open(page, f"{service.url}/preferences?token={token}")
    found += _audit(page, "the preferences, unsubscribed", title="Your preferences")

    _open(page, f"{service.url}/lists/daily/archive")
    found += _audit(page, "the archive", title="The Daily: past issues")
    _open(page, f"{service.url}/issues/{issue}")
    found += audit(page, "an issue")
    _open(page, f"{service.url}/nowhere")
    found += _audit(page, "the error page (404)", title="Not found")
    _open(page, f"{service.url}/preferences?token=forged")
    found += _audit(page, "the error page (invalid link)", title="This preferences link is not valid")
    assert not found, report(found)


def test_the_messages_as_sent_pass_axe(service, page, served):
    address = "mail@example.org"
    with service.client() as client:
        form = client.get("/lists/daily/subscribe")
        client.post("/lists/daily/subscribe", data={"form_token": form_token(form.text), "email": address})
    confirmation = service.last_message_to(address).get_body(("html",)).get_content()
    service.subscribe(address, name="Ana")
    service.publish("daily", titles=("A story", "Another story", "A third story"))
    digest = service.last_message_to(address).get_body(("html",)).get_content()

    found: list[Violation] = []
    _open(page, served.url("/digest.html", digest))
    found += audit(page, "the digest email", disabled=EMAIL_DISABLED)
    _open(page, served.url("/confirmation.html", confirmation))
    found += audit(page, "the confirmation email", disabled=EMAIL_DISABLED)
    assert not found, report(found)


def test_a_digest_of_stories_in_other_languages_and_scripts_passes_axe(page, served):
    from datetime import UTC, date, datetime

    from digest.mail.compose import compose
    from digest.mail.render import render_digest
    from digest.models import Article, Summary

    stories = [
        ("Council votes to rebuild the footbridge", "The council voted on Tuesday to rebuild it."),
        (
            "Gemeinderat beschließt eine neue Brücke",
            "Der Gemeinderat hat am Dienstag beschlossen, die Brücke neu zu bauen.",
        ),
        ("Горсовет проголосовал за новый мост", "Городской совет во вторник проголосовал за восстановление моста."),
        ("市議会、歩道橋の再建を決定", "市議会は火曜日、川に架かる古い歩道橋を再建することを決めた。"),
        ("הכנסת אישרה את התקציב", "הכנסת אישרה את התקציב ברוב קטן."),
    ]
    summaries = [
        Summary(
            Article(
                url=f"https://news.example.org/{i}",
                title=title,
                paragraphs=(sentence,) * 20,
                published=datetime(2026, 11, 20, tzinfo=UTC),
            ),
            (sentence,),
            "pacsum",
        )
        for i, (title, sentence) in enumerate(stories)
    ]
    html = render_digest(compose(summaries, list_name="daily", title="The Daily", day=date(2026, 11, 24))).html
    assert html.count(' lang="') > len(stories)  # the page's own, and the other languages' parts
    _open(page, served.url("/languages.html", html))
    found = audit(page, "a digest in five languages", disabled=EMAIL_DISABLED)
    assert not found, report(found)


def test_the_preview_passes_axe(page):
    digest, daily = seeded_digest()
    server = PreviewServer(digest, daily, port=0).start()
    try:
        found: list[Violation] = []
        _open(page, server.url)
        found += audit(page, "the preview")
        _open(page, server.url + "mobile")
        found += audit(page, "the preview at 375 px")
        # The email's policy sandboxes it without scripts, axe's included: lifted for the check.
        page.call("Page.setBypassCSP", enabled=True)
        _open(page, server.url + "email.html")
        found += audit(page, "the previewed email", disabled=EMAIL_DISABLED)
    finally:
        page.call("Page.setBypassCSP", enabled=False)
        server.close()
    assert not found, report(found)


# A page that only the gate's own failings would pass: grey on white in the light scheme,
# white on near white in the dark one, a field without a name and an image without one.
FLAWED = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Flawed</title><style>
p { color: #aaa; } @media (prefers-color-scheme: dark) { p { color: #fff; background: #eee; } }
@media (max-width: 500px) { .narrow { color: #ccc; } }
</style></head><body><main><h1>Flawed</h1><p>Light grey.</p><h2 class="narrow">Narrow only</h2>
<input type="text"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="8" height="8"></main></body></html>"""


def test_the_gate_finds_what_a_page_gets_wrong_at_each_width_and_in_each_scheme(page, served):
    _open(page, served.url("/flawed.html", FLAWED))
    found = {(v.rule, v.target): v.page for v in audit(page, "flawed")}
    assert found[("color-contrast", "p")] == "flawed [375 light, 375 dark, 1280 light, 1280 dark]"
    assert found[("color-contrast", "h2")] == "flawed [375 light, 375 dark]"
    assert {rule for rule, _ in found} >= {"label", "image-alt"}
