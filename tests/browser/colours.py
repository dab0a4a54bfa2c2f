"""The colours a reader sees, as the browser computes them: WCAG's luminance and contrast,
and a script that lists what a page paints, in the colour scheme it is shown in."""

from __future__ import annotations

from collections.abc import Sequence

RGB = Sequence[float]

# The page as painted: whether it was asked for the dark scheme, the schemes it declares,
# its ground (the body's) and its surface (the column the text stands on: `surface`), each
# text with its colour and the colour it stands on (the nearest background that is not
# transparent), each field with its text, ground and edge, each button with its ground and edge.
# Colours are [r, g, b]. What a reader cannot see (hidden, out of sight) is left out.
PAINTED = """((surface) => {
  const rgba = value => { const n = value.match(/[\\d.]+/g).map(Number); return n.length > 3 ? n : [...n, 1]; };
  const rgb = value => rgba(value).slice(0, 3);
  const ground = element => {
    for (let e = element; e; e = e.parentElement) {
      const colour = rgba(getComputedStyle(e).backgroundColor);
      if (colour[3] > 0) return colour.slice(0, 3);
    }
    return null;
  };
  const seen = element => {
    const box = element.getBoundingClientRect(), style = getComputedStyle(element);
    return box.width > 1 && box.height > 1 && box.right > 0 && box.bottom > 0 && style.visibility === 'visible'
      && !element.closest('[aria-hidden=true], .visually-hidden');
  };
  const named = element => `${element.tagName.toLowerCase()}${element.className ? '.' + element.className : ''}`
    + ` "${(element.tagName === 'INPUT' ? element.value : element.textContent).trim().slice(0, 30)}"`;
  const texts = [...document.body.querySelectorAll('*')]
    .filter(e => [...e.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()) && seen(e))
    .map(e => ({what: named(e), colour: rgb(getComputedStyle(e).color), ground: ground(e)}));
  const fields = [...document.querySelectorAll('input:not([type=hidden]), textarea, select')].filter(seen)
    .map(e => ({what: named(e), colour: rgb(getComputedStyle(e).color), ground: ground(e),
                edge: rgb(getComputedStyle(e).borderTopColor), around: ground(e.parentElement)}));
  const buttons = [...document.querySelectorAll('button, a.button')].filter(seen)
    .map(e => { const style = getComputedStyle(e); return {what: named(e), ground: ground(e), around: ground(e.parentElement),
      edge: rgb(style.borderTopColor), edgeWidth: parseFloat(style.borderTopWidth)}; });
  const meta = document.querySelector('meta[name=color-scheme]');
  return {
    dark: matchMedia('(prefers-color-scheme: dark)').matches,
    declared: meta ? meta.content : null,
    scheme: getComputedStyle(document.documentElement).colorScheme,
    ground: ground(document.body),
    surface: ground(document.querySelector(surface)),
    colour: rgb(getComputedStyle(document.querySelector(surface)).color),
    texts, fields, buttons,
  };
})(%s)"""


def luminance(rgb: RGB) -> float:
    """WCAG relative luminance of an sRGB colour, 0 (black) to 1 (white)."""
    channels = [c / 255 for c in rgb]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGB, b: RGB) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def scheme_failures(painted: dict, *, scheme: str) -> list[str]:
    """What on a page `PAINTED` described does not follow `scheme` or does not read: the
    ground and the surface light in the light scheme and dark in the dark one, and the text
    the other way; every text at 4.5:1 on what it stands on (WCAG AA), a field's text on
    its ground too and its edge at 3:1 on what is around it, as a button's ground or edge is
    (WCAG 1.4.11: a pale button with no edge is not seen as one). One line for each."""
    dark = scheme == "dark"
    found = []
    if painted["dark"] is not dark:
        found.append(f"the browser was not asked for the {scheme} scheme")
    if painted["declared"] != "light dark" or painted["scheme"] != "light dark":
        found.append(f"declares the colour schemes {painted['declared']!r} (meta) and {painted['scheme']!r} (CSS)")
    found += [
        f"its {part} {painted[part]} is not {'dark' if dark else 'light'}"
        for part in ("ground", "surface")
        if painted[part] is None or (luminance(painted[part]) < 0.05) is not dark
    ]
    if (luminance(painted["colour"]) > 0.6) is not dark:
        found.append(f"its text {painted['colour']} is not {'light' if dark else 'dark'}")
    found += [
        f"{text['what']}: {text['colour']} on {text['ground']}"
        for text in painted["texts"]
        if contrast(text["colour"], text["ground"]) < 4.5
    ]
    for field in painted["fields"]:
        if contrast(field["colour"], field["ground"]) < 4.5:
            found.append(f"{field['what']}: its text {field['colour']} on {field['ground']}")
        if contrast(field["edge"], field["around"]) < 3:
            found.append(f"{field['what']}: its edge {field['edge']} on {field['around']}")
    found += [
        f"{button['what']}: neither its ground {button['ground']} nor its edge {button['edge']} on {button['around']}"
        for button in painted["buttons"]
        if contrast(button["ground"], button["around"]) < 3
        and (button["edgeWidth"] < 1 or contrast(button["edge"], button["around"]) < 3)
    ]
    return found


# Each control a reader can reach with the keyboard, focused in turn: its focus ring
# (style, width in px, colour) and the ground around it.
RINGS = """[...document.querySelectorAll('a[href], button, input:not([type=hidden]), textarea, select')]
  .filter(e => e.getBoundingClientRect().width > 1 && !e.closest('[aria-hidden=true]')).map(e => {
    e.focus();
    const style = getComputedStyle(e), rgba = value => value.match(/[\\d.]+/g).map(Number);
    let around = null;
    for (let p = e.parentElement; p && !around; p = p.parentElement) {
      const colour = rgba(getComputedStyle(p).backgroundColor);
      if (colour.length < 4 || colour[3] > 0) around = colour.slice(0, 3);
    }
    const ring = {what: `${e.tagName.toLowerCase()} "${(e.tagName === 'INPUT' ? e.value : e.textContent).trim().slice(0, 30)}"`,
      focused: e.matches(':focus-visible'), style: style.outlineStyle, width: parseFloat(style.outlineWidth),
      colour: rgba(style.outlineColor).slice(0, 3), around};
    e.blur();
    return ring;
  })"""


def ring_failures(rings: list[dict]) -> list[str]:
    """The focus rings of `RINGS` a reader would not see on a dark page: each must be a
    line of 2 px or more at 3:1 on the ground around the control (WCAG 2.4.13). The
    browser's own ring (style `auto`) is drawn for a light page, not in every browser for
    a dark one."""
    found = []
    for ring in rings:
        if not ring["focused"] or ring["style"] in ("none", "auto") or ring["width"] < 2:
            found.append(f"{ring['what']}: a focus ring of {ring['style']} {ring['width']}px")
        elif contrast(ring["colour"], ring["around"]) < 3:
            found.append(f"{ring['what']}: its focus ring {ring['colour']} on {ring['around']}")
    return found
