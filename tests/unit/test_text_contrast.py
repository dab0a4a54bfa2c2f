"""Every text of the digest's and the confirmation's HTML has a colour that reads on the
background behind it, hidden text too: text coloured like its background is what content
filters score as hidden (SpamAssassin's HTML_FONT_LOW_CONTRAST), whatever hides it."""

from __future__ import annotations

import email
import email.policy
import re

import lxml.html

from digest.mail.confirmation import confirmation_message
from digest.mail.render import personalise, render_digest
from tests.unit.test_render import fields, make_digest

# WCAG 2's contrast ratio for small text (level AA).
MIN_CONTRAST = 4.5
_STYLE = re.compile(r"(?:^|;)\s*(color|background-color|background)\s*:\s*(#[0-9a-fA-F]{3,6})\b")


def _hex(value: str) -> tuple[float, float, float]:
    value = value.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(colour: str) -> float:
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in _hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _own(element, prop: str) -> str | None:
    found = None
    for name, value in _STYLE.findall(element.get("style", "")):
        if name == prop or (prop == "background-color" and name == "background"):
            found = value
    if found is None and prop == "background-color":
        found = element.get("bgcolor")
    if found is None and prop == "color" and element.tag == "font":
        found = element.get("color")
    return found


def _inherited(element, prop: str, default: str) -> str:
    for node in (element, *element.iterancestors()):
        value = _own(node, prop)
        if value:
            return value
    return default


def low_contrast_texts(html: str) -> list[tuple[str, str, str, float]]:
    """(text, colour, background, ratio) of each text that does not read on its background."""
    found = []
    for element in lxml.html.document_fromstring(html).iter():
        if not isinstance(element.tag, str) or element.tag in ("style", "title", "head"):
            continue
        text = (element.text or "").strip()
        if not text:
            continue
        colour = _inherited(element, "color", "#000000")
        background = _inherited(element, "background-color", "#ffffff")
        ratio = contrast(colour, background)
        if ratio < MIN_CONTRAST:
            found.append((text[:40], colour, background, round(ratio, 2)))
    return found


def test_contrast_of_known_colours():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert contrast("#ffffff", "#f3f2ee") < 1.2


def test_every_text_of_the_digest_reads_on_its_background():
    rendered = render_digest(make_digest(4, show_images=True), postal_address="1 Harbour Street\nPortsmouth")
    html, _ = personalise(rendered, fields())
    assert low_contrast_texts(html) == []


def test_the_preheader_is_hidden_by_its_display_not_by_its_colour():
    html, _ = personalise(render_digest(make_digest(2)), fields())
    [preheader] = lxml.html.document_fromstring(html).find_class("preheader")
    style = preheader.get("style").replace(" ", "")
    assert "display:none" in style and "mso-hide:all" in style  # mso-hide: Outlook on Windows
    assert "color:" not in style
    assert "Plain title 0" in preheader.text


def test_every_text_of_the_confirmation_reads_on_its_background():
    _, data = confirmation_message(
        sender="The Daily <digest@example.org>",
        to="ana@example.org",
        list_title="The Daily",
        confirm_url="https://e.org/confirm?t=1",
        hours=48,
    )
    message = email.message_from_bytes(data, policy=email.policy.default)
    html = message.get_body(("html",)).get_content()
    assert low_contrast_texts(html) == []
