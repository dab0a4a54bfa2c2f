"""The subscriber pages in a real headless Chromium: the subscribe form, the link in the
confirmation message and the preferences page, at 375 and 1280 px, with no horizontal
overflow and nothing the pages' Content-Security-Policy had to block; every reader page
in the light and the dark colour scheme, in the colours of the one asked for. The
screenshots are kept in tests/artifacts/web/ (ignored by git)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from digest.app.web import epoch_seconds
from digest.tokens import make_preferences_token
from tests.browser.chromium import Page, running_chromium
from tests.browser.colours import PAINTED, RINGS, ring_failures, scheme_failures
from tests.web.service import SECRET, Service, confirm_url, start_service, stop_service, unsubscribe_url

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web"
LAYOUT = "({scroll: document.documentElement.scrollWidth, inner: window.innerWidth, title: document.title})"


@pytest.fixture(scope="module")
def browser():
    yield from running_chromium()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running, _ = start_service(f"sqlite:///{tmp_path_factory.mktemp('web') / 'digest.db'}")
    yield running
    stop_service(running)


def _submit(page, script: str) -> None:
    page.evaluate(script)
    page.wait_for("Page.loadEventFired")


def _shot(page, name: str, width: int) -> dict:
    layout = page.evaluate(LAYOUT)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = page.screenshot(ARTIFACTS / f"{name}-{width}.png")
    print(f"screenshot: {path}")
    assert path.stat().st_size > 5_000
    assert layout["scroll"] <= width, f"{name}: horizontal overflow at {width}px: {layout['scroll']}"
    return layout


@pytest.mark.parametrize("width", [375, 1280])
def test_subscribe_confirm_and_preferences_in_a_browser(browser, service, width):
    address = f"browser{width}@example.org"
    page = browser.new_page()
    try:
        page.call("Log.enable")
        page.open(f"{service.url}/lists/daily/subscribe", width=width)
        assert _shot(page, "subscribe", width)["title"] == "Subscribe to The Daily"
        trap_visible = page.evaluate(
            "(() => { const r = document.getElementById('website').getBoundingClientRect();"
            " return r.right > 0 && r.bottom > 0 && r.width > 1; })()"
        )
        assert not trap_visible  # the honeypot is out of sight
        _submit(
            page,
            f"document.getElementById('name').value = 'Browser {width}';"
            f"document.getElementById('email').value = '{address}';"
            "document.querySelector('form button[type=submit]').click()",
        )
        assert _shot(page, "subscribe-sent", width)["title"] == "Check your inbox"

        page.open(confirm_url(service.last_message_to(address)), width=width)
        assert _shot(page, "confirm", width)["title"] == "Confirm your subscription"
        _submit(page, "document.querySelector('form button').click()")
        assert _shot(page, "confirmed", width)["title"] == "You are subscribed"
        assert service.status(address) == "active"

        preferences = page.evaluate(
            "[...document.querySelectorAll('a')].find(a => a.href.includes('/preferences?')).href"
        )
        page.open(preferences, width=width)
        assert _shot(page, "preferences", width)["title"] == "Your preferences"
        _submit(page, "document.querySelector('button[value=unsubscribe]').click()")
        assert "unsubscribed from that list" in page.evaluate("document.body.textContent")
        _shot(page, "preferences-unsubscribed", width)
        assert service.status(address) == "unsubscribed"
    finally:
        page.close()
    blocked = [
        e["params"]["entry"]["text"]
        for e in page.events
        if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["source"] == "security"
    ]
    assert not blocked


def _walk_the_reader_pages(page: Page, service: Service, address: str):
    """Each reader page in each state a reader meets it, opened in `page` in turn: yields
    its name and the selector of the column its text stands on."""

    def at(title: str) -> None:
        assert page.evaluate("document.title") == title  # a step that went astray shows here

    page.open(f"{service.url}/", width=375)
    at("Newsletters")
    yield "the index of lists", ".page"
    page.open(f"{service.url}/lists/daily/subscribe", width=375)
    yield "the subscribe form", ".page"
    _submit(
        page,
        "document.getElementById('email').value = 'not an address';"
        "document.querySelector('form button[type=submit]').click()",
    )
    at("Error: Subscribe to The Daily")
    yield "the subscribe form with an error", ".page"
    _submit(
        page,
        f"document.getElementById('email').value = '{address}';"
        "document.querySelector('form button[type=submit]').click()",
    )
    at("Check your inbox")
    yield "the subscribe form, sent", ".page"
    page.open(confirm_url(service.last_message_to(address)), width=375)
    at("Confirm your subscription")
    yield "the confirm page", ".page"
    _submit(page, "document.querySelector('form button').click()")
    at("You are subscribed")
    yield "the confirmed page", ".page"
    token = make_preferences_token(secret=SECRET, key=address, issued_at=epoch_seconds())
    page.open(f"{service.url}/preferences?token={token}", width=375)
    at("Your preferences")
    yield "the preferences", ".page"
    _submit(page, "document.querySelector('button[value=rename]').click()")
    assert page.evaluate("document.querySelector('.notice') !== null")
    yield "the preferences with a notice", ".page"
    issue = service.publish("daily", titles=("A story", "Another story"))
    page.open(unsubscribe_url(service.last_message_to(address)), width=375)
    at("Unsubscribe")
    yield "the unsubscribe page", ".page"
    _submit(page, "document.querySelector('form button').click()")
    at("You are unsubscribed")
    yield "the unsubscribed page", ".page"
    page.open(f"{service.url}/lists/daily/archive", width=375)
    at("The Daily: past issues")
    yield "the archive", ".page"
    page.open(f"{service.url}/issues/{issue}", width=375)
    yield "an issue", ".container"  # the email as it was sent: its own colours
    page.open(f"{service.url}/nowhere", width=375)
    at("Not found")
    yield "the error page", ".page"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_reader_page_is_painted_in_the_colour_scheme_the_reader_asks_for(browser, service, scheme):
    page = browser.new_page()
    failures: dict[str, list[str]] = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.call("Emulation.setFocusEmulationEnabled", enabled=True)
        page.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])
        for name, surface in _walk_the_reader_pages(page, service, f"scheme-{scheme}@example.org"):
            failures[name] = scheme_failures(page.evaluate(PAINTED % json.dumps(surface)), scheme=scheme)
            if scheme == "dark" and surface == ".page":  # an issue is the email as sent: no ring of its own
                failures[name] += ring_failures(page.evaluate(RINGS))
            page.screenshot(ARTIFACTS / f"{scheme}-{name.replace(' ', '-').replace(',', '')}.png")
    finally:
        page.close()
    assert len(failures) == 13
    assert not any(failures.values()), "\n".join(
        f"{name}: {line}" for name, found in failures.items() for line in found
    )
