"""Summaries: sentence splitting and the sumy algorithms, by name. Pure.

The names are here, apart from the algorithms (which load sumy and numpy), so that the
config can check `summary.algorithm` when it is read."""

from __future__ import annotations

import difflib

ALGORITHM_NAMES = ("pacsum", "lead", "lexrank", "textrank", "lsa", "luhn", "sumbasic", "kl", "edmundson")
DEFAULT_ALGORITHM = "pacsum"


def unknown_algorithm(name: str) -> str:
    """Why `name` names no summariser ("" when it does; "default" is DEFAULT_ALGORITHM)."""
    if name == "default" or name in ALGORITHM_NAMES:
        return ""
    known = ["default", *sorted(ALGORITHM_NAMES)]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown summariser algorithm {name!r}{hint}; choose one of: {', '.join(known)}"
