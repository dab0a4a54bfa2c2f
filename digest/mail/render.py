"""A Digest to its email: HTML with CSS inlined once, and a plain-text twin.

Per-subscriber fields (greeting, email, unsubscribe and view URLs) are rendered
as random markers and filled in by `personalise`, a plain substitution, so
premailer runs once per digest and never per recipient.
"""

from __future__ import annotations

import html
import logging
import re
import secrets
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from premailer import Premailer

from digest.config import TEMPLATES_DIR
from digest.errors import ConfigError, DigestError
from digest.models import Digest, DigestItem, RenderedDigest
from digest.text import has_format_characters, remove_invisible

log = logging.getLogger(__name__)

DEFAULT_SUBJECT = "{list} — {date}: {top}{more}"
PERSONAL_FIELDS = ("greeting", "name", "email", "unsubscribe_url", "view_url")
CLIP_WARN_BYTES = 100 * 1024  # Gmail clips HTML beyond about 102 KB
TEXT_WIDTH = 72

# Controls and line separators become a space; format characters (bidi controls,
# zero-width ones) are removed by category in digest.text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_OR_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]")


class RenderError(DigestError, ValueError):
    """A template failed to render (a missing variable, a syntax error)."""


@dataclass(frozen=True, slots=True)
class _ItemView:
    title: str
    url: str | None
    meta: str
    image: str | None
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Section:
    label: str
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
    env.filters["wrap"] = _wrap
    return env


def render_digest(
    digest: Digest, *, subject_template: str = "", view_link: bool = True, env: jinja2.Environment | None = None
) -> RenderedDigest:
    """The digest's HTML (CSS inlined) and text, with markers for the personal fields.
    `view_link`: whether the footer offers "View in your browser" (a list with a view_url)."""
    env = env or make_environment()
    subject = make_subject(digest, template=subject_template or DEFAULT_SUBJECT)
    nonce = secrets.token_hex(6)
    markers = tuple((name, f"X{nonce}{name.replace('_', '').upper()}X") for name in PERSONAL_FIELDS)
    context = {
        "digest": digest,
        "subject": subject,
        "date_label": f"{digest.day:%A}, {digest.day.day} {digest.day:%B %Y}",
        "preheader": _preheader(digest),
        "sections": _sections(digest.items),
        "personal": dict(markers),
        "view_link": view_link,
    }
    try:
        raw_html = env.get_template("digest.html.j2").render(context)
        text = env.get_template("digest.txt.j2").render(context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template error: {_one_line(exc)}") from None
    inlined = inline_css(raw_html)
    warnings = []
    size = len(inlined.encode("utf-8"))
    if size > CLIP_WARN_BYTES:
        warnings.append(f"the HTML is {size / 1024:.0f} KB; Gmail clips messages over 102 KB")
        log.warning("digest %s: %s", digest.issue_id, warnings[-1])
    return RenderedDigest(
        digest=digest, subject=subject, html=inlined, text=text, markers=markers, warnings=tuple(warnings)
    )


def inline_css(raw_html: str) -> str:
    premailer = Premailer(
        raw_html,
        disable_validation=True,
        strip_important=False,  # the @media overrides need their !important
        remove_classes=False,
        allow_network=False,
        cssutils_logging_level=logging.CRITICAL,
    )
    return premailer.transform(pretty_print=False)


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
        "view_url": safe_url(view_url) or "",
    }


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
            text = text.replace(marker, html.escape(value, quote=True) if as_html else value)
    return text


def make_subject(digest: Digest, *, template: str = DEFAULT_SUBJECT) -> str:
    """Fill the subject template; {list}, {date}, {top}, {count}, {others}, {more}."""
    top = digest.items[0].article.title if digest.items else "no new articles"
    others = len(digest.items) - 1 + digest.more if digest.items else 0
    values = {
        "list": digest.title,
        "date": f"{digest.day.day} {digest.day:%b %Y}",
        "top": top,
        "count": len(digest.items),
        "others": others,
        "more": f" (+{others} more)" if others > 0 else "",
    }
    try:
        subject = template.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"subject template {template!r}: {_one_line(exc)}; use {{list}}, {{date}}, {{top}}, {{count}}, {{others}}, {{more}}"
        ) from None
    return " ".join(clean(subject).split())[:250]


def clean(text: str) -> str:
    """No control characters (CR, LF, NUL) and no invisible format characters (bidi
    controls, zero-width spaces): never in a header or a title."""
    return " ".join(_CONTROL.sub(" ", remove_invisible(text or "")).split())


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) URL without whitespace or controls, else None."""
    if not url or _CONTROL_OR_SPACE.search(url) or has_format_characters(url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _sections(items: tuple[DigestItem, ...]) -> list[_Section]:
    sections: list[_Section] = []
    for item in items:
        view = _item_view(item)
        label = clean(item.source_label) or "Articles"
        if sections and sections[-1].label == label:
            sections[-1] = _Section(label, (*sections[-1].items, view))
        else:
            sections.append(_Section(label, (view,)))
    return sections


def _item_view(item: DigestItem) -> _ItemView:
    article = item.article
    meta = [clean(item.source_label), clean(", ".join(article.authors))]
    if article.published:
        meta.append(f"{article.published.day} {article.published:%b %Y}")
    meta.append(f"{item.reading_minutes} min read")
    return _ItemView(
        title=clean(article.title) or "(untitled)",
        url=safe_url(article.url),
        meta=" · ".join(m for m in meta if m),
        image=safe_url(article.image),
        sentences=tuple(clean(s) for s in item.sentences if clean(s)),
    )


def _preheader(digest: Digest) -> str:
    titles = [clean(i.article.title) for i in digest.items[:3] if clean(i.article.title)]
    text = " · ".join(titles) if titles else "No new articles"
    return textwrap.shorten(text, width=140, placeholder="…")


def _wrap(text: str, width: int = TEXT_WIDTH, *, indent: str = "", first: str | None = None) -> str:
    return textwrap.fill(
        text,
        width=width,
        initial_indent=indent if first is None else first,
        subsequent_indent=indent,
        break_on_hyphens=False,
    )


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
