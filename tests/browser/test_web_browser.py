"""The subscriber pages in a real headless Chromium: the subscribe form, the link in the
confirmation message and the preferences page, at 375 and 1280 px, with no horizontal
overflow and nothing the pages' Content-Security-Policy had to block. The screenshots
are kept in tests/artifacts/web/ (ignored by git)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.chromium import running_chromium
from tests.web.service import confirm_url, start_service, stop_service

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
