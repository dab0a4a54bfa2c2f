"""The metadata of an HTML page: title, authors, date, lead image and standfirst.

Reads trafilatura's metadata (meta tags, JSON-LD, the page itself, htmldate
for the date) once per page, then decides what of it the article keeps: the
title without the site's name, the authors split and deduplicated, the date
in UTC, the image only as an absolute http(s) URL, and the description only
when it is not the title or the first paragraph again.
"""

from __future__ import annotations

import hashlib
import logging
import re
from copy import deepcopy
from datetime import UTC, datetime
from itertools import islice
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from htmldate import find_date

from digest.extract.byline import find_dates, is_date_line, person_names
from digest.extract.html_prepare import elements_after, short_text
from digest.extract.html_text import WORD, fold, same_text
from digest.extract.scrape_lines import SMALL_WORDS
from digest.extract.structured import LinkedData, linked_data

try:  # the steps of trafilatura.extract_metadata that read_metadata uses
    from trafilatura.json_metadata import process_parent
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_author,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )
    from trafilatura.settings import Document
except ImportError:  # pragma: no cover -- another trafilatura layout
    _METADATA_STEPS = False
else:
    _METADATA_STEPS = True

try:  # what find_author mirrors, to check it still has the same expressions
    from trafilatura.json_metadata import normalize_authors
    from trafilatura.xml import delete_element
    from trafilatura.xpaths import AUTHOR_DISCARD_XPATHS, AUTHOR_XPATHS
except ImportError:  # pragma: no cover -- another trafilatura layout
    _AUTHOR_SEARCH_MIRRORED = False
else:
    _AUTHOR_SEARCH_MIRRORED = (
        hashlib.sha256("\n".join(x.path for x in [*AUTHOR_XPATHS, *AUTHOR_DISCARD_XPATHS]).encode()).hexdigest()
        == "bd5f280624916a837f627a558a6f87d6ebde80d97a00908c8a856c7b7b9eae82"  # trafilatura 2.3.1
    )

log = logging.getLogger(__name__)

_DATE_PARAMS: dict[str, Any] = {
    "original_date": True,
    "extensive_search": False,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}


def read_metadata(tree, *, url: str, data: LinkedData | None = None):
    """trafilatura's metadata pass without the parts we do not use.

    The same steps as ``trafilatura.extract_metadata`` (meta tags, JSON-LD,
    then the page itself for a missing author or canonical URL; the date
    from htmldate; the site name) but not its search for categories,
    tags and a licence, which costs about 2.5 ms a page on the shared
    benchmark. A title missing from the meta tags is left to ``headline``,
    which reads the page knowing the site's names. With another trafilatura
    layout, its whole pass is used. ``data``: the page's JSON-LD scripts, when
    already found.
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
    metadata.author = live_blog_authors(data if data is not None else linked_data(tree)) or metadata.author
    if not metadata.author:
        metadata.author = find_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url or None)
    metadata.date = find_date(tree, **_DATE_PARAMS, url=metadata.url) or printed_date(tree)
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


def live_blog_authors(data: LinkedData) -> str | None:
    """The authors a live blog's JSON-LD credits with the whole posting.

    trafilatura reads a LiveBlogPosting that lists its updates (``liveBlogUpdate``)
    as those updates alone: the posting's own ``author`` is never read, and the
    page falls back to the writer of the first entry it prints.
    """
    authors = None
    for schema in data.documents(holding="liveBlogUpdate"):
        postings = [item for item in _as_list(schema) if _is_live_blog_with_updates(item)]
        if postings:
            authors = process_parent(postings, Document()).author or authors
    return authors


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _is_live_blog_with_updates(item) -> bool:
    """A top-level LiveBlogPosting that trafilatura swaps for its updates."""
    kind = item.get("@type") if isinstance(item, dict) else None
    return isinstance(kind, str) and "liveblogposting" in kind.lower() and "liveBlogUpdate" in item


def headline(tree, *, title: str, sitename: str, url: str) -> str:
    """The article's headline: ``title`` (the meta tags'), else the one the page itself gives,
    without the site's name (and its section's)."""
    names = site_names(tree, sitename=sitename, url=url)
    headings = heading_texts(tree)
    found = title or page_title(tree, site_names=names, headings=headings) or ""
    return clean_title(found, site_names=names, headings=headings)


# htmldate's fast search reads the markup (meta tags, <time>, date classes) and a few text
# patterns; its extensive search, tried on the audit's pages, picked wrong dates (a year
# alone read as 1 January) and cost up to 70 ms on a large page. A date printed on a line
# of its own under the headline, in the formats the scrape path reads ("03 Oct, 2023,
# 08:00 ET", "14 de mayo de 2024", "Updated 14:52 GMT, 19 January 2024"), is read instead.
_DATE_LINE_WINDOW = 40
_DATE_LINE_SIBLINGS_BEFORE = 3
_DATE_LINE_MAX_CHARS = 80
_EARLIEST_DATE = datetime(1995, 1, 1, tzinfo=UTC)
# A dateline's place before its date: "Murcia, 14 de mayo de 2024".
_PLACE_BEFORE_DATE = re.compile(r"^(?:[^\W\d_][\w.'’-]*\s+){0,2}[^\W\d_][\w.'’-]*,\s*(?=\d)")


def printed_date(tree) -> str | None:
    """The date printed on a line of its own near the first <h1> (ISO format), when it is
    neither before 1995 nor in the future."""
    headline = tree.find(".//h1")
    if headline is None:
        return None
    for element in _near_headline(headline):
        line = short_text(element, limit=_DATE_LINE_MAX_CHARS + 40) if isinstance(element.tag, str) else None
        text = _PLACE_BEFORE_DATE.sub("", line or "", count=1)
        if text and len(text) <= _DATE_LINE_MAX_CHARS and is_date_line(text):
            moment = find_dates(text)[0][0]
            return moment.isoformat() if _EARLIEST_DATE <= moment <= datetime.now(UTC) else None
    return None


def _near_headline(headline):
    """The first elements after the headline, then those just before it (a date over the headline)."""
    yield from islice(elements_after(headline), _DATE_LINE_WINDOW)
    for sibling in islice(headline.itersiblings(preceding=True), _DATE_LINE_SIBLINGS_BEFORE):
        yield from sibling.iter()


def page_title(tree, *, site_names: tuple[str, ...] = (), headings: frozenset[str] = frozenset()) -> str | None:
    """The title read from the page itself, when no meta tag names it.

    A lone <h1> the <title> names, as a whole or as one of its parts. A lone
    <h1> the <title> does not name and that shares no word with a heading the
    <title> does name is the site's or the section's name over the page
    ("Health Center" over the story): such a heading is the headline; with
    none, a <title> longer than the <h1> and without a word of it is.
    Otherwise, and over an <h1> that is the site's logo, the <title> when
    ``clean_title`` finds the headline in it (a part the page prints as a
    heading, or what is left without the site's name); else trafilatura's
    choice (a lone <h1>, the <title>'s first part without a dot...).
    """
    element = tree.find(".//title")
    whole = " ".join(element.text_content().split()) if element is not None else ""
    resolved = bool(whole) and clean_title(whole, site_names=site_names, headings=headings) != whole
    h1s = tree.findall(".//h1")
    if len(h1s) != 1 or not whole:
        return whole if resolved else extract_title(tree)
    h1 = fold(h1s[0].text_content())
    named = {fold(part) for part in (whole, *_TITLE_SEPARATOR.split(whole))} - {""}
    if _is_logo(h1s[0], site_names):
        return whole if resolved else _headline_under_h1(tree, h1, whole, named)
    if h1 in named:
        return extract_title(tree)
    return _headline_under_h1(tree, h1, whole, named)


def _headline_under_h1(tree, h1: str, whole: str, named: set[str]) -> str | None:
    """The headline of a page whose lone <h1> (folded: ``h1``) the <title> does not name."""
    lone = _content_words(h1)
    found = []
    for heading in tree.iter("h2", "h3"):
        text = " ".join(heading.text_content().split())
        folded = fold(text)
        if folded in named and not lone & _content_words(folded):
            found.append(text)
    if found:
        # The headline is the longest: the site's name can be a heading and a part of the <title> too.
        return max(found, key=lambda text: len(text.split()))
    # No heading holds the headline, but the <title> does, in a part longer than the <h1>
    # and without a word of it: the <h1> is the site's name ("엔터 미디어" over "... - Entermedia").
    longest = max((part.split() for part in _TITLE_SEPARATOR.split(whole)), key=len, default=[])
    if len(longest) >= _TITLE_MIN_WORDS and len(longest) > len(h1.split()) and not lone & _content_words(fold(whole)):
        return whole  # clean_title takes the site's name off
    return extract_title(tree)


_TITLE_MIN_WORDS = 4


def _content_words(folded: str) -> set[str]:
    return set(folded.split()) - SMALL_WORDS


# --- the author search in the page ---------------------------------------------

# trafilatura's author search (extract_author) copies the whole tree, prunes it
# with XPath expressions whose regular expressions call back into Python for
# each element, then runs three more such expressions over all of it: 5 ms on a
# median page, 0.2 s on a 1 MB one. find_author gives the same answer from one
# walk over the elements with the same tests written in Python, copying only the
# elements it reads. The tests mirror trafilatura 2.3.1's AUTHOR_XPATHS and
# AUTHOR_DISCARD_XPATHS; with other expressions, trafilatura's own search runs.
_AUTHOR_TAGS = frozenset(["a", "address", "div", "link", "p", "span", "strong"])
_AUTHOR_TESTIDS = frozenset(["AuthorCard", "AuthorURL"])
_AUTHOR_NAME_CLASS = re.compile("author-?name|AuthorName|authorName")
_BYLINE_TAGS = frozenset(["a", "div", "h3", "h4", "p", "span"])
_BYLINE_CLASSES = frozenset(["byline", "username", "byl", "BBL"])
_BYLINE_ID = re.compile("author|zuozhe|bianji|xiaobian")
_BYLINE_CLASS = re.compile("author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name")
_ANY_AUTHOR_ID = re.compile("[Aa]uthor")
_ANY_AUTHOR_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
_NOT_AUTHOR_TAGS = frozenset(["a", "div", "section", "span"])
_NOT_AUTHOR_CLASSES = frozenset(["comments", "title", "date"])
_NOT_AUTHOR_ID = re.compile("^comments|comment-?list|ProductReviews")
_NOT_AUTHOR_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)|print"
    "|category|meta-date|meta-reviewer"
)
_NOT_AUTHOR_ANYWHERE = frozenset(["time", "figure"])
_AUTHOR_MAX_CHARS = 120
# Every class or id those tests pick holds one of these (of "author" or "Author", "uthor"; of "byline"
# or "Byline", "yline"; of "zuozhe" and "xiaobian", "bian"): the other elements are passed over at once.
_MAY_NAME_AUTHOR_CLASS = re.compile(
    "uthor|byl|yline|username|BBL|channel-name|zuozhe|bian|submitted-by|posted-by|journalist-name|screenname|writer"
    "|omment|title|date|sidebar|is-hidden|quote|embedly-instagram|article-|print|category|meta-reviewer"
    "|utor|uteur|irma|erfasser|edakteur|edacteur|edactor|eriodista|iornalista"
)
_MAY_NAME_AUTHOR_ID = re.compile(
    "uthor|zuozhe|bian|omment|ProductReviews|utor|uteur|irma|erfasser|edakteur|edacteur|edactor|eriodista|iornalista"
)
_MAY_NAME_AUTHOR_IN_ANOTHER_LANGUAGE = re.compile(
    "utor|uteur|irma|erfasser|edakteur|edacteur|edactor|eriodista|iornalista"
)
# Beyond trafilatura's expressions: a byline marked in another language ("autor", "auteur", "firma",
# "verfasser"...), as a whole word of a class or id ("nom-auteur", "articleAutor"), not as the start of
# another word ("autoresize"). It ranks with the byline classes, or with the loosest markup on other tags
# but the page's own (a site's feature flags on <body>: "f_redactor_on").
_PAGE_TAGS = frozenset(["html", "body"])
_OTHER_LANGUAGE_AUTHOR_WORDS = frozenset(
    [
        "autor",
        "autora",
        "autore",
        "autori",
        "autorin",
        "autoren",
        "auteur",
        "auteurs",
        "firma",
        "verfasser",
        "redakteur",
        "redakteurin",
        "redacteur",
        "redactor",
        "redactora",
        "periodista",
        "giornalista",
    ]
)
_CLASS_WORD = re.compile("[A-Z]?[a-z]+")  # "nom-auteur", "articleAutor", not "autoresize"
_AUTHOR_OR_NOT_TAGS = frozenset(["author", "time", "figure"])
_PICKED_WHEN_THERE = frozenset(["itemprop", "rel", "data-testid", "data-component"])
_SEARCHED_ATTRIBUTES = frozenset(["class", "id", *_PICKED_WHEN_THERE])


def find_author(tree) -> str | None:
    """The author named in the page's markup, as ``trafilatura.metadata.extract_author`` finds it,
    and in markup naming the author in another language (``class="autor"``, ``class="firma"``).

    Elements in comments, sidebars, dates and figures are left out (with the
    text inside them); the candidates are taken from the most specific markup
    (``rel="author"``, an author-name class) to the loosest (any class naming an
    author, a writer or a byline), each kind in document order, and the first
    whose text has 3 to 119 characters gives the name.
    """
    if not _AUTHOR_SEARCH_MIRRORED or tree.find(".//rel") is not None:  # rel='me' tests a <rel> child
        return extract_author(tree)
    discarded: set = set()
    candidates: tuple[list, list, list] = ([], [], [])
    class_hits: dict[str, bool] = {}  # a page repeats its classes: each is tested once
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        # passed over at once unless one of the tests may pick it (never when one does): a tag, an
        # attribute being there, or a class or id naming what may be an author; most elements have
        # none of the attributes, which one call tells, and a page repeats its classes
        if tag not in _AUTHOR_OR_NOT_TAGS:
            names = element.keys()
            if _SEARCHED_ATTRIBUTES.isdisjoint(names):
                continue
            if _PICKED_WHEN_THERE.isdisjoint(names) or not _may_be_picked_by_value(element.get):
                cls = element.get("class")
                if not cls or not _class_may_name_author(cls, class_hits):
                    ident = element.get("id")
                    if not ident or _MAY_NAME_AUTHOR_ID.search(ident) is None:
                        continue
        for rank in _author_ranks(element, tag):
            candidates[rank].append(element)
        if element is not tree and _is_not_author(element, tag):
            discarded.add(element)
    for kind in candidates:
        for element in kind:
            if element in discarded or any(a in discarded for a in element.iterancestors()):
                continue  # pruned with its section
            content = _pruned_text(element, discarded)
            if content and 2 < len(content) < _AUTHOR_MAX_CHARS:
                return normalize_authors(None, content)
    return None


def _may_be_picked_by_value(get) -> bool:
    """Whether a test reading ``rel``, ``itemprop``, ``data-testid`` or ``data-component`` may pick the
    element (or prune it): a page's links carry ``rel="nofollow"`` by the thousand, which none does."""
    return (
        get("rel") == "author"
        or "author" in (get("itemprop") or "")
        or get("data-testid") in _AUTHOR_TESTIDS
        or get("data-component") is not None
    )


def _class_may_name_author(cls: str, seen: dict[str, bool]) -> bool:
    if (hit := seen.get(cls)) is None:
        hit = seen[cls] = _MAY_NAME_AUTHOR_CLASS.search(cls) is not None
    return hit


def _author_ranks(element, tag: str) -> tuple[int, ...]:
    """Which of the three kinds of author markup ``element`` is (none, one or several)."""
    get = element.get
    cls, ident, itemprop = get("class") or "", get("id") or "", get("itemprop") or ""
    other_language = _names_author_in_another_language(cls, ident)
    ranks: list[int] = []
    if tag == "author" or (
        tag in _AUTHOR_TAGS
        and (
            get("rel") == "author"
            or ident == "author"
            or cls == "author"
            or itemprop == "author name"
            or get("data-testid") in _AUTHOR_TESTIDS
            or _AUTHOR_NAME_CLASS.search(cls) is not None
        )
    ):
        ranks.append(0)
    if tag in _BYLINE_TAGS and (
        cls in _BYLINE_CLASSES
        or "author" in itemprop
        or _BYLINE_ID.search(ident) is not None
        or _BYLINE_CLASS.search(cls) is not None
        or other_language
    ):
        ranks.append(1)
    if (
        "Byline" in (get("data-component") or "")
        or "author" in itemprop
        or _ANY_AUTHOR_ID.search(ident) is not None
        or _ANY_AUTHOR_CLASS.search(cls) is not None
        or (other_language and tag not in _BYLINE_TAGS and tag not in _PAGE_TAGS)
    ):
        ranks.append(2)
    return tuple(ranks)


def _names_author_in_another_language(cls: str, ident: str) -> bool:
    if not _MAY_NAME_AUTHOR_IN_ANOTHER_LANGUAGE.search(f"{cls} {ident}"):
        return False
    return any(word.lower() in _OTHER_LANGUAGE_AUTHOR_WORDS for word in _CLASS_WORD.findall(f"{cls} {ident}"))


def _is_not_author(element, tag: str) -> bool:
    """An element the author search prunes: a comment section, a sidebar, a date, a figure."""
    if tag in _NOT_AUTHOR_ANYWHERE:
        return True
    if tag not in _NOT_AUTHOR_TAGS:
        return False
    get = element.get
    cls, ident = get("class") or "", get("id") or ""
    return (
        ident == "comments"
        or cls in _NOT_AUTHOR_CLASSES
        or _NOT_AUTHOR_ID.search(ident) is not None
        or _NOT_AUTHOR_CLASS.search(cls) is not None
        or "Figure" in (get("data-component") or "")
    )


def _pruned_text(element, discarded: set) -> str:
    """The text of ``element`` once the pruned elements inside it are gone (their tails stay)."""
    if not any(d in discarded for d in element.iterdescendants()):
        return " ".join(" ".join(element.itertext()).split())
    copy = deepcopy(element)
    pruned = [d for d in copy.iterdescendants() if isinstance(d.tag, str) and _is_not_author(d, d.tag)]
    pruned.sort(key=lambda d: d.tag in _NOT_AUTHOR_ANYWHERE)  # as trafilatura: sections, then dates and figures
    for d in pruned:
        delete_element(d)
    return " ".join(" ".join(copy.itertext()).split())


# --- the site's names and the page's headings, to tell the headline in a title --------

_TITLE_SEPARATOR = re.compile(r"\s+[|\-–—―:·•»«/~⁄]{1,2}\s+")
# A site's name is a few words; a longer text linked to the home page is a teaser or a tagline.
_SITE_NAME_MAX_WORDS = 6
# An element holding the site's logo or name, by its class or id.
_LOGO_MARKUP = re.compile(r"logo|brand|site[-_]?(?:title|name)", re.IGNORECASE)
_HEADING_TAGS = ("h1", "h2", "h3")
# The links and <h1>s of the masthead, where a site shows its logo, come first on the page.
_MASTHEAD_ELEMENTS = 60


def site_names(tree, *, sitename: str, url: str) -> tuple[str, ...]:
    """The names the site goes by: its declared one (og:site_name, or what trafilatura made of
    the <title> or the URL), its host, and its logo's text at the top of the page: a link to
    its home page (a masthead, the <h1> of a blog theme) or an <h1> marked as the logo."""
    host = _host(url)
    names = [sitename, host]
    # Only the top of the page: walking every link of a large page costs milliseconds.
    for element in islice(tree.iter("a", "h1"), _MASTHEAD_ELEMENTS):
        if element.tag == "h1":
            if _is_logo(element, ()):
                names.append(" ".join(element.text_content().split()))
        elif _is_home_page(element.get("href") or "", host=host):
            names.append(_link_text(element))
    return tuple(dict.fromkeys(name for name in names if _is_site_name(name)))


def heading_texts(tree) -> frozenset[str]:
    """The page's headings (<h1> to <h3>), folded."""
    return frozenset(fold(heading.text_content()) for heading in tree.iter(*_HEADING_TAGS)) - {""}


def _is_logo(h1, names: tuple[str, ...]) -> bool:
    """An <h1> that is the site's logo: a link to a home page (of any host: the page may be a
    copy), a logo's class or id on it or around it, or the site's name."""
    if any(_is_home_page(link.get("href") or "", host=None) for link in h1.iter("a")):
        return True
    parent = h1.getparent()
    if _has_logo_markup(h1) or (parent is not None and _has_logo_markup(parent)):
        return True
    text = fold(h1.text_content())
    return bool(text) and any(fold(name) == text for name in names)


def _has_logo_markup(element) -> bool:
    return any(_LOGO_MARKUP.search(element.get(name) or "") for name in ("class", "id"))


def _is_home_page(href: str, *, host: str | None) -> bool:
    """A link to the site's home page: "/", or the root of ``host`` (of any host when None)."""
    href = href.strip()
    if href in ("/", "./", "/index.html", "/index.php"):
        return True
    if not href.startswith(("http://", "https://", "//")):
        return False
    try:
        parts = urlsplit(href)
    except ValueError:
        return False
    return parts.path in ("", "/") and not parts.query and (host is None or _host(href) == host)


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.")


def _link_text(link) -> str:
    text = " ".join(link.text_content().split())
    if text:
        return text
    image = link.find(".//img")
    return " ".join((image.get("alt") or "").split()) if image is not None else ""


def _is_site_name(name: str) -> bool:
    return len(_squash(name)) >= 3 and len(name.split()) <= _SITE_NAME_MAX_WORDS


# --- the headline in a title ----------------------------------------------------


def clean_title(title: str, *, site_names: tuple[str, ...] = (), headings: frozenset[str] = frozenset()) -> str:
    """The headline in ``title``: the run of its parts the page prints as a heading, else
    ``title`` without the leading or trailing parts that name the site (" | Site", "Site: ")
    and, after the site's name, its section's ("Site » News » Headline")."""
    title = " ".join(title.split())
    return _heading_in_title(title, headings) or _without_site(title, site_names)


def _heading_in_title(title: str, headings: frozenset[str]) -> str | None:
    """The longest run of the title's parts that is a heading on the page and holds its
    longest part (a section's or the site's name can be a heading too)."""
    if not headings:
        return None
    bounds = _part_bounds(title)
    if len(bounds) < 2:
        return None
    longest = max(range(len(bounds)), key=lambda i: len(title[slice(*bounds[i])].split()))
    runs = [
        title[bounds[first][0] : bounds[last][1]]
        for first in range(longest + 1)
        for last in range(longest, len(bounds))
    ]
    found = [run for run in runs if fold(run) in headings]
    return max(found, key=len, default=None)


def _part_bounds(title: str) -> list[tuple[int, int]]:
    """Where each part of the title between its separators starts and ends."""
    bounds, start = [], 0
    for separator in _TITLE_SEPARATOR.finditer(title):
        bounds.append((start, separator.start()))
        start = separator.end()
    bounds.append((start, len(title)))
    return bounds


# A section's name between the site's and the headline: a few words, fewer than the headline's.
_SECTION_MAX_WORDS = 3


def _without_site(title: str, site_names: tuple[str, ...]) -> str:
    sites = [site for site in map(_squash, site_names) if len(site) >= 3]
    stripped = title
    for name in site_names:
        stripped = _strip_site_affix(stripped, sitename=" ".join(name.split()))
    site_first = not title.startswith(stripped)  # "Site: " came off
    parts = _TITLE_SEPARATOR.split(stripped)
    separators = _TITLE_SEPARATOR.findall(stripped)
    folded = [fold(part) for part in parts]
    repeated = {part for part in folded if part and folded.count(part) > 1}  # "Site | Headline | Site"

    def names_site(index: int) -> bool:
        return folded[index] in repeated or any(_names_site(parts[index], site) for site in sites)

    while len(parts) > 1 and names_site(len(parts) - 1):
        parts.pop()
        separators.pop()
        folded.pop()
    while len(parts) > 1 and names_site(0):
        parts.pop(0)
        separators.pop(0)
        folded.pop(0)
        site_first = True
    while site_first and len(parts) > 1 and _is_section(parts[0], parts[1:]):
        parts.pop(0)
        separators.pop(0)
    return "".join(part + sep for part, sep in zip(parts, [*separators, ""], strict=True))


def _is_section(part: str, rest: list[str]) -> bool:
    words = len(part.split())
    return words <= _SECTION_MAX_WORDS and any(len(other.split()) > words for other in rest)


_AFFIX_SEPARATOR = re.compile(r"\s*[|:\-–—·•»]+\s*")
_AFFIX_SEPARATOR_CHARS = frozenset("|:-–—·•»")


def _strip_site_affix(title: str, *, sitename: str) -> str:
    r"""``title`` without a leading "Site | " and a trailing " | Site" (the site's name in any case).

    What ``re.sub(rf"^{site}\s*[|:-–—·•»]+\s*|\s*[|:-–—·•»]+\s*{site}$", "", title, flags=re.I)``
    gives, without compiling that pattern for each site (0.6 ms a page): only the name is compiled.
    """
    site = re.compile(re.escape(sitename), re.IGNORECASE)
    start, end = 0, len(title)
    if site.match(title) and (separator := _AFFIX_SEPARATOR.match(title, len(sitename))):
        start = separator.end()
    suffix = end - len(sitename)
    if suffix >= start and site.fullmatch(title, suffix):
        # the separator run before the name: spaces, one or more separators, spaces (from ``start`` on)
        cut = suffix
        while cut > start and title[cut - 1].isspace():
            cut -= 1
        marks = cut
        while marks > start and title[marks - 1] in _AFFIX_SEPARATOR_CHARS:
            marks -= 1
        if marks < cut:
            while marks > start and title[marks - 1].isspace():
                marks -= 1
            end = marks
    return title[start:end] or title


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
