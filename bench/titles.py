"""Headline accuracy: is the title we extract the page's own headline?

The page's headline is read from its HTML, independently of our extractor: the
``<title>`` element and the ``og:title`` meta tag, each also less the site's
name (any leading or trailing run of parts cut off at a title separator such
as `` | ``, `` - ``, `` — ``, `` :: ``, keeping the longest part). A title is right when its words,
casefolded, equal one of those. Pages with neither a ``<title>`` nor an
``og:title`` are not counted.
"""

from __future__ import annotations

import re

import lxml.html

_WORD = re.compile(r"[^\W_]+")
_SEPARATOR = re.compile(r"\s+(?:[|\-–—:·•»/~]{1,2}|::)\s+|\s*[|_]\s*(?=\S)")


def fold(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def page_headlines(html: bytes) -> frozenset[str]:
    """The page's headline, folded, in every form it may take once the site name is cut off."""
    text = html.decode("utf-8", errors="replace")
    try:
        root = lxml.html.fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return frozenset()
    found: list[str] = [element.text_content() for element in root.iter("title")][:1]
    found += root.xpath('//meta[@property="og:title" or @name="og:title"]/@content')
    headlines: set[str] = set()
    for title in found:
        parts = [p for p in _SEPARATOR.split(" ".join(title.split())) if p.strip()]
        if not parts:
            continue
        # The site's name is cut off at either end; the longest part is the headline's and stays.
        longest = max(range(len(parts)), key=lambda i: len(parts[i].split()))
        for start in range(longest + 1):
            for end in range(longest + 1, len(parts) + 1):
                headlines.add(fold(" ".join(parts[start:end])))
    headlines.discard("")
    return frozenset(headlines)


def title_matches(title: str, headlines: frozenset[str]) -> bool:
    return bool(title) and fold(title) in headlines


def headline_in_text(text: str, headlines: frozenset[str]) -> bool:
    """True when one of the headline's forms is a whole line of ``text`` (a scrape): it can be found there."""
    return any(fold(line) in headlines for line in text.splitlines() if line.strip())
