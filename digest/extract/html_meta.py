"""The metadata of an HTML page: title, authors, date, lead image and standfirst.

Reads trafilatura's metadata (meta tags, JSON-LD, the page itself, htmldate
for the date) once per page, then decides what of it the article keeps: the
title without the site's name, the authors split and deduplicated, the date
in UTC, the image only as an absolute http(s) URL, and the description only
when it is not the title or the first paragraph again.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from htmldate import find_date

from digest.extract.byline import person_names
from digest.extract.html_text import WORD, fold, same_text

try:  # the steps of trafilatura.extract_metadata that read_metadata uses
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_author,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )
except ImportError:  # pragma: no cover -- another trafilatura layout
    _METADATA_STEPS = False
else:
    _METADATA_STEPS = True

log = logging.getLogger(__name__)

_DATE_PARAMS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": False,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


def read_metadata(tree, *, url: str):
    """trafilatura's metadata pass without the parts we do not use.

    The same steps as ``trafilatura.extract_metadata`` (meta tags, JSON-LD,
    then the page itself for a missing title, author or canonical URL; the
    date from htmldate; the site name) but not its search for categories,
    tags and a licence, which costs about 2.5 ms a page on the shared
    benchmark. With another trafilatura layout, its whole pass is used.
    """
    if not _METADATA_STEPS:
        return trafilatura.extract_metadata(tree, default_url=url or None, date_config=dict(_DATE_PARAMS))
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # a handle, not a name
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as exc:  # noqa: BLE001 -- trafilatura guards its JSON-LD reader the same way
        log.debug("JSON-LD metadata failed: %s", exc)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = extract_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url or None)
    metadata.date = find_date(tree, **_DATE_PARAMS, url=metadata.url)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url and (match := META_URL.match(metadata.url)):
        metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—:·•»]{1,2}\s+")


def clean_title(title: str, *, sitename: str) -> str:
    """Drop leading or trailing " | Site" / " - Site" parts that name the site."""
    title = " ".join(title.split())
    site = _squash(sitename)
    if len(site) < 3:
        return title
    title = _strip_site_affix(title, sitename=" ".join(sitename.split()))
    parts = _TITLE_SEPARATOR.split(title)
    separators = _TITLE_SEPARATOR.findall(title)
    while len(parts) > 1 and _names_site(parts[-1], site):
        parts.pop()
        separators.pop()
    while len(parts) > 1 and _names_site(parts[0], site):
        parts.pop(0)
        separators.pop(0)
    return "".join(part + sep for part, sep in zip(parts, [*separators, ""], strict=True))


def _strip_site_affix(title: str, *, sitename: str) -> str:
    site = re.escape(sitename)
    stripped = re.sub(rf"^{site}\s*[|:\-–—·•»]+\s*|\s*[|:\-–—·•»]+\s*{site}$", "", title, flags=re.IGNORECASE)
    return stripped or title


def _names_site(part: str, site: str) -> bool:
    squashed = _squash(part)
    return len(squashed) >= 3 and squashed in site


def _squash(text: str) -> str:
    return "".join(WORD.findall(text.casefold()))


def split_authors(authors: str, *, sitename: str = "") -> tuple[str, ...]:
    """The people among the authors trafilatura read ("Condé Nast; Molly Wood" gives Molly Wood)."""
    entries = [name.strip() for name in authors.split(";") if name.strip()]
    site = frozenset(fold(sitename).split()) if sitename else frozenset()
    return person_names(entries, not_names=site)


def parse_date(value: str, *, warnings: list[str]) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        warnings.append(f"unparsed date {value!r}")
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def absolute_http_url(link: str, *, base: str) -> str | None:
    link = link.strip()
    if not link:
        return None
    try:
        absolute = urljoin(base, link) if base else link
        parts = urlsplit(absolute)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return absolute


def standfirst(description: str, *, paragraphs: tuple[str, ...], title: str) -> str:
    description = " ".join(description.split())
    folded = fold(description)
    if not folded or folded == fold(title):
        return ""
    if paragraphs and same_text(description, paragraphs[0]):
        return ""
    return description
