"""The preview in a real headless Chromium: no horizontal overflow at 375 px, every
title visible at 600 and 375 px, light text on a dark ground when the reader's client
asks for the dark scheme. Screenshots are saved under the test's tmp dir."""

from __future__ import annotations

import pytest

from digest.preview import PreviewServer
from tests.browser.chromium import running_chromium
from tests.browser.colours import contrast, luminance
from tests.seeded import seeded_digest

LAYOUT = """(() => {
  const titles = [...document.querySelectorAll('.lead-title, .item-title')].map(h => {
    const r = h.getBoundingClientRect();
    const s = getComputedStyle(h);
    return {text: h.textContent.trim(), visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden'
            && s.display !== 'none' && r.left >= 0 && r.right <= window.innerWidth + 1};
  });
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, titles};
})()"""

# The colours a reader sees: the computed ones, as [r, g, b] for each part.
COLOURS = """(() => {
  const rgb = value => value.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
  const at = selector => getComputedStyle(document.querySelector(selector));
  return {
    dark: matchMedia('(prefers-color-scheme: dark)').matches,
    body: rgb(at('body').backgroundColor),
    container: rgb(at('.container').backgroundColor),
    lead: rgb(at('.lead').backgroundColor),
    texts: ['.masthead-title', '.greeting', '.lead-title a', '.item-title a', '.summary li'].map(
      s => [s, rgb(at(s).color)]),
    quiet: ['.item-meta', '.footer', '.postal-address'].map(s => [s, rgb(at(s).color)]),
  };
})()"""


@pytest.fixture(scope="module")
def browser():
    yield from running_chromium()


@pytest.fixture(scope="module")
def preview():
    digest, daily = seeded_digest()
    server = PreviewServer(digest, daily, port=0).start()
    yield server, digest
    server.close()


@pytest.mark.parametrize("width", [600, 375])
def test_email_layout(browser, preview, width, tmp_path):
    server, digest = preview
    page = browser.new_page()
    try:
        page.open(server.url + "email.html", width=width)
        layout = page.evaluate(LAYOUT)
        shot = page.screenshot(tmp_path / f"email-{width}.png")
    finally:
        page.close()
    assert shot.stat().st_size > 10_000
    assert layout["innerWidth"] == width
    assert layout["scrollWidth"] <= width, f"horizontal overflow at {width}px: {layout['scrollWidth']}"
    titles = {t["text"]: t["visible"] for t in layout["titles"]}
    for item in digest.items:
        assert titles.get(item.article.title), f"title not visible at {width}px: {item.article.title}"


def test_index_page_shows_both_frames(browser, preview, tmp_path):
    server, _digest = preview
    page = browser.new_page()
    try:
        page.call("Log.enable")
        page.open(server.url, width=1280)
        frames = page.evaluate("[...document.querySelectorAll('iframe')].map(f => f.getBoundingClientRect().width)")
        subject = page.evaluate("document.getElementById('subject').textContent")
        reload_script_ran = page.evaluate("typeof version === 'string'")
        # A frame the browser refused (CSP, X-Frame-Options) shows as an error page in the tree.
        refused = [
            c["frame"].get("unreachableUrl")
            for c in page.call("Page.getFrameTree")["frameTree"].get("childFrames", [])
            if c["frame"].get("unreachableUrl")
        ]
        page.screenshot(tmp_path / "index.png")
    finally:
        page.close()
    assert sorted(round(w) for w in frames) == [377, 602]  # 375 and 600 plus the 1 px borders
    assert subject.startswith("24 Nov 2026: ")  # the From name says the list's, so the subject does not
    assert reload_script_ran and not refused
    violations = [
        e["params"]["entry"]["text"]
        for e in page.events
        if e.get("method") == "Log.entryAdded" and e["params"]["entry"]["source"] == "security"
    ]
    assert not violations


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_email_reads_in_the_light_and_the_dark_scheme(browser, preview, scheme, tmp_path):
    server, _digest = preview
    page = browser.new_page()
    try:
        page.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])
        page.open(server.url + "email.html", width=600)
        colours = page.evaluate(COLOURS)
        page.screenshot(tmp_path / f"email-{scheme}.png")
    finally:
        page.close()
    assert colours["dark"] is (scheme == "dark")
    grounds = [colours["body"], colours["container"], colours["lead"]]
    if scheme == "dark":
        assert all(luminance(g) < 0.05 for g in grounds), grounds
        assert all(luminance(c) > 0.6 for _, c in colours["texts"]), colours["texts"]
    else:
        assert all(luminance(g) > 0.8 for g in grounds), grounds
        assert all(luminance(c) < 0.05 for _, c in colours["texts"]), colours["texts"]
    for selector, colour in colours["texts"]:
        assert contrast(colour, colours["container"]) >= 7, (scheme, selector)  # WCAG AAA
    for selector, colour in colours["quiet"]:
        assert contrast(colour, colours["container"]) >= 4.5, (scheme, selector)  # WCAG AA
