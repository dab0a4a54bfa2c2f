"""axe-core, Deque's accessibility engine, run in a page of our headless Chromium.

The engine is the `axe.min.js` that the `axe-playwright-python` package ships (nothing is
downloaded): it is evaluated in the page over the DevTools protocol and `axe.run` is
awaited there. Each page is checked at a phone's and a desktop's width, in the light and
the dark colour scheme, without being loaded again."""

from __future__ import annotations

import functools
import importlib.resources
import importlib.util
import json
from collections.abc import Iterable
from dataclasses import dataclass

from tests.browser.chromium import Page

PACKAGE = "axe_playwright_python"
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice")
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")

RUN = """(async () => {
  const result = await axe.run(document, %s);
  return result.violations.map(v => ({
    rule: v.id, impact: v.impact,
    targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(' >> ') : t).join(' ')),
  }));
})()"""


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    impact: str
    target: str
    page: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}) {self.target} on {self.page}"


def axe_source() -> str:
    """The engine's script, or a skip saying which package to install."""
    import pytest

    if importlib.util.find_spec(PACKAGE) is None:
        pytest.skip(f"axe-core is not installed (PyPI package: {PACKAGE.replace('_', '-')})")
    return _read_source()


@functools.cache
def _read_source() -> str:
    return (importlib.resources.files(PACKAGE) / "axe.min.js").read_text(encoding="utf-8")


def audit(page: Page, name: str, *, disabled: Iterable[str] = ()) -> list[Violation]:
    """axe's violations on the page as it stands, at each width in each colour scheme: one
    per rule, element and page (the widths and schemes it shows in, after the page's name)."""
    if not page.evaluate("typeof axe === 'object'"):
        page.evaluate(_read_source())
    options = {
        "runOnly": {"type": "tag", "values": list(TAGS)},
        "rules": {rule: {"enabled": False} for rule in disabled},
        "resultTypes": ["violations"],
        "iframes": False,  # a framed page is checked on its own, as readers open it too
    }
    seen: dict[tuple[str, str, str], list[str]] = {}
    for width in WIDTHS:
        page.call(
            "Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1, mobile=width < 500
        )
        for scheme in SCHEMES:
            page.call("Emulation.setEmulatedMedia", features=[{"name": "prefers-color-scheme", "value": scheme}])
            for found in page.evaluate(RUN % json.dumps(options)):
                for target in found["targets"]:
                    seen.setdefault((found["rule"], found["impact"] or "", target), []).append(f"{width} {scheme}")
    page.call("Emulation.setEmulatedMedia", features=[])
    return [
        Violation(rule=rule, impact=impact, target=target, page=f"{name} [{', '.join(where)}]")
        for (rule, impact, target), where in seen.items()
    ]


def report(violations: Iterable[Violation]) -> str:
    listed = sorted(violations, key=lambda v: (v.page, v.rule, v.target))
    return f"{len(listed)} accessibility violation(s):\n" + "\n".join(str(v) for v in listed)
