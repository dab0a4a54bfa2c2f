"""A Digest to its email: HTML with CSS inlined once, and a plain-text twin.

Per-subscriber fields (greeting, email, unsubscribe and view URLs) are rendered
as random markers and filled in by `personalise`, a plain substitution, so
premailer runs once per digest and never per recipient.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import secrets
import textwrap
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import jinja2
from premailer import Premailer

from digest.config import TEMPLATES_DIR, subject_problem
from digest.errors import ConfigError, DigestError
from digest.languages import language_tag
from digest.models import Digest, DigestItem, RenderedDigest
from digest.text import WIDE, columns, direction, has_format_characters, remove_invisible

log = logging.getLogger(__name__)

DEFAULT_SUBJECT = "{list} — {date}: {top}{more}"
# The default when the From name already says the list's name: the inbox shows it beside the subject.
SHORT_SUBJECT = "{date}: {top}{more}"
SUBJECT_MAX = 80  # characters; longer subjects are cut in the inbox list and read as spam
PERSONAL_FIELDS = ("greeting", "name", "email", "unsubscribe_url", "view_url")
PAGE_LANGUAGE = "en"  # the language of the email's own words (labels, footer): its <html lang>
CLIP_WARN_BYTES = 100 * 1024  # Gmail clips HTML beyond about 102 KB
TEXT_WIDTH = 72
UNTITLED = "(untitled)"  # a story whose headline is blank or invisible, in the subject as in the body

# Controls and line separators become a space; format characters (bidi controls,
# zero-width ones) are removed by category in digest.text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]")


class RenderError(DigestError, ValueError):
    """A template failed to render (a missing variable, a syntax error)."""


@dataclass(frozen=True, slots=True)
class _ItemView:
    title: str
    url: str | None
    meta_parts: tuple[str, ...]  # source, authors, date, reading time: each its own direction
    image: str | None
    sentences: tuple[str, ...]
    anchor: str  # the id "In this issue" links to
    lang: str = ""  # the story's language when it is not the email's own (English)

    @property
    def meta(self) -> str:
        return " · ".join(self.meta_parts)


@dataclass(frozen=True, slots=True)
class _Section:
    label: str  # "": no heading (the stories right after the lead)
    items: tuple[_ItemView, ...]


def make_environment(templates_dir: Path = TEMPLATES_DIR) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
        auto_reload=True,
    )
    env.filters["wrap"] = wrap
    env.filters["direction"] = direction
    env.filters["rule"] = _rule
    return env


def render_digest(
    digest: Digest,
    *,
    subject_template: str = "",
    view_link: bool = True,
    postal_address: str = "",
    sender: str = "",
    env: jinja2.Environment | None = None,
) -> RenderedDigest:
    """The digest's HTML (CSS inlined) and text, with markers for the personal fields.
    `view_link`: whether the footer offers "View in your browser" (a list with a view_url).
    `postal_address`: the list's, in every footer (one line per line). `sender`: the From
    header; when its name already says the list's title, the default subject leaves it out."""
    env = env or make_environment()
    subject = make_subject(digest, template=subject_template or DEFAULT_SUBJECT, from_name=sender_name(sender))
    nonce = secrets.token_hex(6)
    markers = tuple((name, f"X{nonce}{name.replace('_', '').upper()}X") for name in PERSONAL_FIELDS)
    views = [_item_view(item, anchor=f"item-{index}") for index, item in enumerate(digest.items, 1)]
    context = {
        "digest": digest,
        "page_language": PAGE_LANGUAGE,
        "subject": subject,
        "date_label": f"{digest.day:%A}, {digest.day.day} {digest.day:%B %Y}",
        "preheader": _preheader(digest),
        "contents": views if len(views) > 1 else [],
        "lead": views[0] if views else None,
        "sections": _sections(digest.items[1:], views[1:]),
        "postal_lines": postal_lines(postal_address),
        "personal": dict(markers),
        "view_link": view_link,
    }
    try:
        raw_html = env.get_template("digest.html.j2").render(context)
        text = env.get_template("digest.txt.j2").render(context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template error: {_one_line(exc)}") from None
    rendered = RenderedDigest(digest=digest, subject=subject, html=inline_css(raw_html), text=text, markers=markers)
    size = rendered.size
    if size <= CLIP_WARN_BYTES:
        return rendered
    warning = f"the HTML part is {size / 1024:.0f} KB as sent; Gmail clips messages over 102 KB"
    log.warning("digest %s: %s", digest.issue_id, warning)
    return replace(rendered, warnings=(warning,))


def inline_css(raw_html: str) -> str:
    premailer = Premailer(
        raw_html,
        disable_validation=True,
        strip_important=False,  # the @media overrides need their !important
        remove_classes=False,
        # premailer copies a CSS width or height into the attribute as it is (height:auto
        # became height="auto"), where only whole pixels are valid; the templates write
        # the widths Outlook needs themselves.
        disable_basic_attributes=["width", "height"],
        allow_network=False,
        cssutils_logging_level=logging.CRITICAL,
    )
    html = premailer.transform(pretty_print=False)
    # The template's indentation only makes the message bigger: a line break alone is the
    # same whitespace to HTML, but in <pre> (or a white-space style) it is not.
    if "<pre" in html or "<textarea" in html or "white-space" in html:
        return html
    return _INDENT.sub("\n", html)


_INDENT = re.compile(r"\n[ \t]+")


# "Whitfield, Grace" as address books and exports write it; not "Smith, Jr." or "Acme, Inc.".
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "inc", "ltd", "llc", "gmbh", "co"})


def spoken_name(name: str) -> str:
    """A name as a greeting says it: "Last, First" becomes "First Last"."""
    if name.count(",") != 1:
        return name
    last, first = (part.strip() for part in name.split(","))
    if not last or not first or first.rstrip(".").lower() in _SUFFIXES or "@" in name:
        return name
    return f"{first} {last}"


def personal_fields(*, name: str, email: str, unsubscribe_url: str, view_url: str) -> dict[str, str]:
    name = clean(name)
    return {
        "greeting": f"Hi {spoken_name(name)}," if name else "Hi there,",
        "name": name,
        "email": clean(email),
        "unsubscribe_url": safe_url(unsubscribe_url) or "",
        "view_url": _shared_url(view_url),
    }


@functools.lru_cache(maxsize=32)
def _shared_url(url: str) -> str:
    """`safe_url` of a URL every reader's copy shares (the issue's web view): checked once."""
    return safe_url(url) or ""


def personalise(rendered: RenderedDigest, fields: Mapping[str, str]) -> tuple[str, str]:
    """(html, text) for one subscriber. Values are escaped for HTML here."""
    return (
        substitute(rendered.html, rendered.markers, fields, as_html=True),
        substitute(rendered.text, rendered.markers, fields, as_html=False),
    )


def substitute(text: str, markers: tuple[tuple[str, str], ...], fields: Mapping[str, str], *, as_html: bool) -> str:
    for name, marker in markers:
        if marker in text:
            value = fields.get(name, "")
            text = text.replace(marker, html.escape(value, quote=True)) if as_html else _fill_line(text, marker, value)
    return text


_BREAKABLE = re.compile(r"\s")  # a line without whitespace textwrap gives back as it is


def _fill_line(text: str, marker: str, value: str) -> str:
    """`text` with `value` for each `marker`, and each line that makes too wide (a long
    name in the greeting, a long address in the footer) wrapped again."""
    start = text.find(marker)
    while start >= 0:
        begin = text.rfind("\n", 0, start) + 1
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[begin:end].replace(marker, value)
        # Most such lines are a reader's link alone, with no space to break at: wrap would
        # give it back as it is, after 7 µs a message.
        if columns(line) > TEXT_WIDTH and (_BREAKABLE.search(line) or WIDE.search(line)):
            line = wrap(line)
        text = text[:begin] + line + text[end:]
        start = text.find(marker, begin + len(line))
    return text


def make_subject(digest: Digest, *, template: str = DEFAULT_SUBJECT, from_name: str = "") -> str:
    """Fill the subject template; {list}, {date}, {top}, {count}, {others}, {more}. The
    default template leaves the list's title out when `from_name` already says it. At most
    SUBJECT_MAX characters: the top headline (else the whole subject) is cut at a word with
    an ellipsis."""
    title = clean(digest.title)
    if template == DEFAULT_SUBJECT and _says(from_name, title):
        template = SHORT_SUBJECT
    others = len(digest.items) - 1 + digest.more if digest.items else 0
    values: dict[str, object] = {
        "list": title,
        "date": f"{digest.day.day} {digest.day:%b %Y}",
        "top": (clean(digest.items[0].article.title) or UNTITLED) if digest.items else "no new articles",
        "count": len(digest.items),
        "others": others,
        "more": f" (+{others} more)" if others > 0 else "",
    }
    subject = _fill(template, values)
    if len(subject) > SUBJECT_MAX and "{top}" in template:
        room = SUBJECT_MAX - (len(_fill(template, {**values, "top": "x"})) - 1)
        if room < _HEADLINE_ROOM and "{list}" in template and len(title) > _LIST_ROOM:
            # The headline is what the issue is opened for: a list title that leaves it no
            # room gives way.
            values["list"] = shorten(title, max(_LIST_ROOM, len(title) - (_HEADLINE_GIVEN - room)))
            room = SUBJECT_MAX - (len(_fill(template, {**values, "top": "x"})) - 1)
        if room >= _HEADLINE_ROOM:  # else cutting the headline alone would leave too little of it
            subject = _fill(template, {**values, "top": shorten(str(values["top"]), room)})
    return shorten(subject, SUBJECT_MAX)


_HEADLINE_ROOM = 20  # characters of the headline a cut subject keeps at the least
_HEADLINE_GIVEN = 40  # the room a list title that left it none gives the headline, down to
_LIST_ROOM = 24  # characters of its own


def sender_name(sender: str) -> str:
    """The display name of a From value ("Name <address>"), or ""."""
    value = clean(sender)
    if value.endswith(">") and "<" in value:
        return value[:-1].rpartition("<")[0].strip().strip('"').strip()
    return ""


def _says(name: str, title: str) -> bool:
    """Whether the display name already names the list (as whole words, in any case)."""
    name, title = " ".join(name.casefold().split()), " ".join(title.casefold().split())
    return bool(name and title) and re.search(rf"(?<!\w){re.escape(title)}(?!\w)", name) is not None


def _fill(template: str, values: Mapping[str, object]) -> str:
    try:
        subject = template.format_map(values)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):
        raise ConfigError(f"subject template: {subject_problem(template)}") from None
    return " ".join(clean(subject).split())


def shorten(text: str, limit: int, *, placeholder: str = "…") -> str:
    """`text` in at most `limit` characters: cut at the last space that keeps at least half
    of it, else between two characters (never inside a character made of several code
    points: an accent, an emoji sequence, a flag), then `placeholder`."""
    if len(text) <= limit:
        return text
    room = max(0, limit - len(placeholder))
    space = text.rfind(" ", 0, room + 1)
    cut = space if space >= room // 2 else _grapheme_start(text, room)
    return text[:cut].rstrip(" ,;:-–—·") + placeholder


def _grapheme_start(text: str, index: int) -> int:
    """The largest position <= `index` that does not fall inside a grapheme cluster."""
    while 0 < index < len(text) and _continues(text, index):
        index -= 1
    return index


def _continues(text: str, index: int) -> bool:
    """Whether text[index] belongs to the cluster of the character before it."""
    char, before = text[index], text[index - 1]
    code = ord(char)
    if before == "\u200d" or char in "\u200c\u200d" or unicodedata.combining(char):
        return True
    if unicodedata.category(char) in ("Mn", "Me", "Mc"):
        return True
    if 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:  # variation selectors
        return True
    if 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F:  # skin tones, tag characters
        return True
    if _regional(char):  # a flag is a pair: the cut may fall after an even run only
        run = 0
        while index - 1 - run >= 0 and _regional(text[index - 1 - run]):
            run += 1
        return run % 2 == 1
    return 0x1100 <= ord(before) <= 0x115F and 0x1160 <= code <= 0x11FF  # Hangul jamo syllable


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def postal_lines(address: str) -> tuple[str, ...]:
    """The postal address as the footer shows it: one cleaned line per line of the value."""
    return tuple(line for line in (clean(part) for part in (address or "").splitlines()) if line)


def clean(text: str) -> str:
    """No control characters (CR, LF, NUL) and no invisible format characters (bidi
    controls, zero-width spaces): never in a header or a title."""
    return " ".join(_CONTROL.sub(" ", remove_invisible(text or "")).split())


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL without whitespace or controls, else None.
    A user name or password in it (https://user:secret@host/) is taken out: it is never
    the reader's, and a digest would hand it to every reader."""
    if not url or _CONTROL_OR_SPACE.search(url) or has_format_characters(url) or any(c in url for c in '<>"'):
        return None  # '<', '>' and '"' are never a URL's own: in a header they would end it
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    netloc = parts.netloc.rpartition("@")[2]  # without a user name or password
    if not netloc:
        return None
    if not netloc.isascii():
        # "аpple.com" with a Cyrillic а reads as apple.com: the reader sees the name the link
        # goes to (xn--pple-43d.com), as browsers show a name in mixed scripts.
        try:
            netloc = netloc.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if netloc == parts.netloc:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _sections(items: tuple[DigestItem, ...], views: list[_ItemView]) -> list[_Section]:
    """The stories after the lead, by section. A section of one story gets no heading of
    its own: it folds into the section before it, or, first after the lead, into a group
    without a heading (its source is in its meta line either way)."""
    runs: list[tuple[str, list[_ItemView]]] = []
    for item, view in zip(items, views, strict=True):
        label = clean(item.source_label) or "Articles"
        if runs and runs[-1][0] == label:
            runs[-1][1].append(view)
        else:
            runs.append((label, [view]))
    sections: list[_Section] = []
    for label, group in runs:
        if len(group) > 1:
            sections.append(_Section(label, tuple(group)))
        elif sections:
            sections[-1] = _Section(sections[-1].label, (*sections[-1].items, *group))
        else:
            sections.append(_Section("", tuple(group)))
    return sections


def _item_view(item: DigestItem, *, anchor: str) -> _ItemView:
    article = item.article
    meta = [clean(item.source_label), clean(", ".join(article.authors))]
    if article.published:
        meta.append(f"{article.published.day} {article.published:%b %Y}")
    meta.append(f"{item.reading_minutes} min read")
    title = clean(article.title) or UNTITLED
    sentences = tuple(clean(s) for s in item.sentences if clean(s))
    lang = language_tag(" ".join((title, *sentences)))
    return _ItemView(
        title=title,
        url=safe_url(article.url),
        meta_parts=tuple(m for m in meta if m),
        image=safe_url(article.image),
        sentences=sentences,
        anchor=anchor,
        lang="" if lang == PAGE_LANGUAGE else lang,
    )


def _preheader(digest: Digest) -> str:
    titles = [clean(i.article.title) for i in digest.items[:3] if clean(i.article.title)]
    text = " · ".join(titles) if titles else "No new articles"
    return textwrap.shorten(text, width=140, placeholder="…")


def wrap(text: str, width: int = TEXT_WIDTH, *, indent: str = "", first: str | None = None) -> str:
    first = indent if first is None else first
    if WIDE.search(text):
        return _wrap_wide(text, width, indent=indent, first=first)
    return textwrap.fill(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=indent,
        break_on_hyphens=False,
        break_long_words=False,  # a long URL or word cut in two no longer works or reads
    )


def _rule(text: str, char: str) -> str:
    """A line of `char` under `text` (wrapped), as wide as its widest line."""
    return char * max((columns(line) for line in text.splitlines()), default=0)


# Chinese and Japanese lines may break between any two characters (but not before a closing
# mark or after an opening one); a link, whatever script its host or path is in, is one token.
_WIDE_TOKENS = re.compile(
    r"\s+|[A-Za-z][A-Za-z0-9+.-]*://\S+|mailto:\S+|[「『（《〈“‘]*[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff][、。，．！？：；」』）》〉”’ー]*|[^\s\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+"
)


def _wrap_wide(text: str, width: int, *, indent: str, first: str) -> str:
    """textwrap.fill by columns on screen, breaking between wide characters too (a word in
    Latin letters, a URL, is still never cut)."""
    lines: list[str] = []
    line, used, space = first, columns(first), False
    for token in _WIDE_TOKENS.findall(" ".join(text.split())):
        if token.isspace():
            space = True
            continue
        needed = columns(token) + (1 if space and line.strip() else 0)
        if line.strip() and used + needed > width:
            lines.append(line)
            line, used = indent + token, columns(indent) + columns(token)
        else:
            line += (" " if space and line.strip() else "") + token
            used += needed
        space = False
    lines.append(line)
    return "\n".join(lines)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
