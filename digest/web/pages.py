"""Pages: the service's Jinja2 templates (`templates/web/`, autoescaped, strict) made
into responses that carry the same security headers, and the error page."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from digest.config import TEMPLATES_DIR
from digest.mail.render import safe_url
from digest.text import printable
from digest.web.context import settings_of

# Our own pages load nothing but our stylesheet and post only to us; nothing may frame them.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# An archived issue is the email's HTML: inline styles, remote images, no script, no form.
ISSUE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; form-action 'none'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
# Pages reached by a personal link: never kept by a cache, never passed on in a Referer.
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
PUBLIC = {"Cache-Control": "public, max-age=300"}


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / "web")),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html", "html.j2", "xml", "xml.j2"), default_for_string=True
        ),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_printable,
    )
    env.filters["safe_url"] = safe_url
    return env


def _printable(value: Any) -> Any:
    """Every value a template prints, without what no page or XML document may hold (a
    title with a control character made the Atom feed ill-formed). Markup stays Markup."""
    if isinstance(value, Markup):
        return Markup(printable(str(value)))
    return printable(value) if isinstance(value, str) else value


def render(template: str, context: Mapping[str, Any]) -> str:
    return environment().get_template(template).render(context)


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    public: bool = False,
) -> Response:
    """A page of the service. Its forms post to the page's own address (no action). A
    public page (the index, an archive) may be cached and indexed, and answers a
    conditional GET; any other is personal: never cached, never indexed."""
    body = render(template, {"root": _root(request), **(context or {})})
    if public:
        return public_response(request, body, media_type="text/html; charset=utf-8", headers=headers)
    return HTMLResponse(body, status_code=status, headers={**PRIVATE, **(headers or {})})


def public_response(
    request: Request,
    body: str,
    *,
    media_type: str,
    headers: Mapping[str, str] | None = None,
    tag: str | None = None,
    last_modified: datetime | None = None,
) -> Response:
    """A public resource with an ETag (of its content unless `tag` is given) and, when
    given, a Last-Modified: a client that has it gets 304 and no body."""
    tag = tag or content_tag(body)
    all_headers = {**PUBLIC, **(headers or {}), **validators(tag, last_modified)}
    if unchanged(request, tag=tag, last_modified=last_modified):
        return Response(status_code=304, headers=all_headers)
    return Response(body, media_type=media_type, headers=all_headers)


def not_modified(request: Request, *, tag: str, last_modified: datetime | None = None) -> Response | None:
    """The 304 for a client that has this version of a public resource, else None: checked
    before the resource is rendered (a feed reader polls every few minutes)."""
    if not unchanged(request, tag=tag, last_modified=last_modified):
        return None
    return Response(status_code=304, headers={**PUBLIC, **validators(tag, last_modified)})


def content_tag(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return '"' + digest.hexdigest()[:24] + '"'


def validators(tag: str, last_modified: datetime | None) -> dict[str, str]:
    if last_modified is None:
        return {"ETag": tag}
    return {"ETag": tag, "Last-Modified": format_datetime(last_modified.astimezone(UTC), usegmt=True)}


def unchanged(request: Request, *, tag: str, last_modified: datetime | None) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present; else If-Modified-Since, to the second."""
    asked = request.headers.get("if-none-match")
    if asked is not None:
        return asked.strip() == "*" or tag in (t.strip().removeprefix("W/") for t in asked.split(","))
    since = request.headers.get("if-modified-since")
    if since is None or last_modified is None:
        return False
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError, IndexError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return last_modified.replace(microsecond=0) <= when


def error_page(request: Request, status: int, title: str, message: str, **extra: Any) -> Response:
    headers = {"Retry-After": str(extra.pop("retry_after"))} if "retry_after" in extra else {}
    return page(
        request,
        "error.html.j2",
        {"title": title, "message": message, "status": status, **extra},
        status=status,
        headers=headers,
    )


def plain(text: str, *, status: int = 200, media_type: str = "text/plain; charset=utf-8") -> Response:
    return Response(text, status_code=status, media_type=media_type, headers=PRIVATE)


def _root(request: Request) -> str:
    """The path of the service's root as readers reach it ("/", or "/news/" under a
    base_url with a path, where a proxy strips that path): the pages' own links (their
    stylesheet, the index) start there, as every other link starts at base_url."""
    return urlsplit(settings_of(request).web.public_url).path + "/"
