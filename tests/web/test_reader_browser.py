"""The reader's pages in a real headless Chromium, with a phone's width and a screen
reader's view (the accessibility tree): what the browser lets a reader type, what each
control is called, and pages that fit the screen whatever the issues' subjects."""

from __future__ import annotations

import pytest

from digest.app.web import epoch_seconds
from digest.tokens import make_preferences_token
from tests.browser.chromium import running_chromium
from tests.web.service import SECRET

PHONE = 375
FITS = "document.documentElement.scrollWidth"


@pytest.fixture(scope="module")
def browser():
    yield from running_chromium()


@pytest.fixture
def page(browser):
    opened = browser.new_page()
    yield opened
    opened.close()


def _controls(page, role: str) -> list[str]:
    """The names a screen reader announces for the page's controls of `role`."""
    page.call("Accessibility.enable")
    nodes = page.call("Accessibility.getFullAXTree")["nodes"]
    return [n.get("name", {}).get("value", "") for n in nodes if n["role"]["value"] == role and not n.get("ignored")]


def test_the_form_takes_an_address_with_a_non_ascii_local_part_as_the_service_does(service, page):
    page.open(f"{service.url}/lists/daily/subscribe", width=PHONE)
    field = "document.getElementById('email')"
    valid = page.evaluate(f"(() => {{ {field}.value = 'josé@example.org'; return {field}.checkValidity(); }})()")
    assert valid, page.evaluate(f"{field}.validationMessage")
    assert page.evaluate(f"{field}.inputMode") == "email"  # a phone still shows its keyboard for addresses
    page.evaluate("document.querySelector('form button[type=submit]').click()")
    page.wait_for("Page.loadEventFired")
    assert page.evaluate("document.title") == "Check your inbox"


def test_each_button_of_the_preferences_names_the_list_it_acts_on(service, page):
    service.subscribe("axel@example.org")
    service.subscribe("axel@example.org", list_name="weekly")
    token = make_preferences_token(secret=SECRET, key="axel@example.org", issued_at=epoch_seconds())
    page.open(f"{service.url}/preferences?token={token}", width=PHONE)
    buttons = _controls(page, "button")
    assert len(buttons) == len(set(buttons)), buttons
    assert "Unsubscribe from The Daily" in buttons and "Unsubscribe from The Weekly" in buttons
    assert page.evaluate(FITS) <= PHONE


def test_the_archive_fits_a_phone_whatever_the_length_of_a_word_in_a_subject(service, page):
    service.subscribe("wide@example.org", list_name="weekly")
    service.publish("weekly", titles=("Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamten",))
    page.open(f"{service.url}/lists/weekly/archive", width=PHONE)
    assert page.evaluate(FITS) <= PHONE


# Every link, button and field a reader can press, with its height on the page: a finger
# needs about 40 px (the honeypot, out of sight, is no target).
TARGETS = """[...document.querySelectorAll('a[href], button, input:not([type=hidden]), textarea, select')]
  .filter(e => !e.closest('[aria-hidden=true]'))
  .map(e => ({what: e.tagName + ' ' + (e.textContent || e.name || '').trim(), height: e.getBoundingClientRect().height}))"""


def test_every_link_and_button_of_the_reader_pages_is_big_enough_for_a_finger(service, page):
    service.subscribe("finger@example.org")
    service.publish("daily", titles=("A story",))
    token = make_preferences_token(secret=SECRET, key="finger@example.org", issued_at=epoch_seconds())
    small = {}
    for path in ("/", "/lists/daily/subscribe", "/lists/daily/archive", f"/preferences?token={token}", "/nowhere"):
        page.open(f"{service.url}{path}", width=PHONE)
        targets = page.evaluate(TARGETS)
        assert targets, path
        small[path] = [t for t in targets if t["height"] < 40]
    assert not any(small.values()), small
