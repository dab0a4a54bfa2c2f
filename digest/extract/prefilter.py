"""A regular expression's search, answered first from the literal text it needs.

Python's engine tries an expression such as ``\\bnewsletters?\\b | \\bsubscribe\\ to\\b | ...``
(case ignored) at every position of a text: tens of microseconds a paragraph.
But each of its alternatives needs a run of literal characters ("newsletter",
"subscribe to"), and a text holding none of them cannot match: substring tests
tell that in a microsecond or two.

The runs are read from the expression's parsed form, so they follow it when it
changes. Only ASCII texts are answered this way: for them the engine's
ignore-case matching is plain lowercase, and an alternative that needs a
character no ASCII text holds (Arabic, Japanese...) cannot match at all. Any
other text, and any expression with an alternative whose runs cannot be read,
goes to the expression.
"""

from __future__ import annotations

import importlib
import re
from types import ModuleType

try:  # the engine's own parser, private: without it the expression answers every text
    sre_constants = importlib.import_module("re._constants")
    sre_parse: ModuleType | None = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover -- another Python's layout
    sre_parse = None

__all__ = ["Prefiltered", "needed_literals"]


class Prefiltered:
    """``pattern``'s ``search``, which answers None at once for an ASCII text holding none of the
    literal runs the pattern needs."""

    __slots__ = ("_needs", "pattern")

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._needs = needed_literals(pattern)

    def search(self, text: str) -> re.Match[str] | None:
        needs = self._needs
        if needs is not None and text.isascii():
            lowered = text.lower()
            if not any(literal in lowered for literal in needs):
                return None
        return self.pattern.search(text)


def needed_literals(pattern: re.Pattern[str], *, fold_case: bool = True) -> frozenset[str] | None:
    """Lowercase strings one of which every ASCII text ``pattern`` matches holds (lowercased);
    empty when it matches no ASCII text, None when that cannot be read from it.

    With ``fold_case=False``, strings one of which every text the pattern matches holds as
    they are, in any script; None for a pattern that ignores case anywhere.
    """
    if sre_parse is None:
        return None
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags)
        if not fold_case and parsed.state.flags & re.IGNORECASE:
            return None
        return _needs(list(parsed), fold_case=fold_case)
    except Exception:  # noqa: BLE001 -- an unreadable form: the expression answers every text
        return None


def _needs(items: list, *, fold_case: bool = True) -> frozenset[str] | None:
    """What a text matched by the sequence ``items`` holds: the best of its literal runs and of
    the alternatives and groups in it (for alternatives, one need of each)."""
    found: list[frozenset[str]] = []
    run: list[str] = []

    def close_run() -> None:
        if run:
            found.append(frozenset(["".join(run)]))
            run.clear()

    for op, av in items:
        if op is sre_constants.LITERAL:
            char = chr(av)
            if not fold_case:
                run.append(char)
                continue
            if char.isascii():
                run.append(char.lower())
                continue
            close_run()
            if not _may_match_ascii(char):
                return frozenset()  # a character no ASCII text holds: no ASCII text matches
            continue
        close_run()
        if op is sre_constants.BRANCH:
            alternatives = [_needs(list(alternative), fold_case=fold_case) for alternative in av[1]]
            if all(needs is not None for needs in alternatives):
                found.append(frozenset().union(*alternatives))  # type: ignore[arg-type]
        elif op is sre_constants.SUBPATTERN:
            if not fold_case and av[1] & re.IGNORECASE:  # (?i:...): its letters in any case
                continue
            needs = _needs(list(av[-1]), fold_case=fold_case)
            if needs is not None:
                found.append(needs)
    close_run()
    if not found:
        return None
    # the surest: an empty need (no match at all), else the longest shortest literal
    return max(found, key=lambda needs: (not needs, min(map(len, needs), default=0), -len(needs)))


def _may_match_ascii(char: str) -> bool:
    """Whether ignoring case may match ``char`` to an ASCII character ("ı" to "i", "ſ" to "s",
    the Kelvin sign to "k", "İ" to "i")."""
    return any(c.isascii() for c in char.lower() + char.upper() + char.casefold())
