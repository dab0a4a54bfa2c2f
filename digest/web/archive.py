"""Public routes: the index of lists, each list's archive and Atom feed, an issue as a
web page, the stylesheet, and a health check for the proxy in front."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from digest.app.archive import archive, public_issue
from digest.app.web import NotFound
from digest.config import TEMPLATES_DIR
from digest.mail.webview import public_html
from digest.web.context import blocking, links_of, settings_of, store_of
from digest.web.pages import ISSUE_POLICY, content_tag, not_modified, page, public_response, render

FEED_ENTRIES = 20


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:  # not "²", which isdigit() takes
        raise NotFound(f"no page {raw[:20]!r}")
    return int(raw)


async def index(request: Request) -> Response:
    lists = [(entry.name, entry.title or entry.name) for entry in settings_of(request).lists]
    return page(request, "index.html.j2", {"lists": lists, "links": links_of(request)}, public=True)


async def archive_page(request: Request) -> Response:
    found = await blocking(
        archive,
        settings_of(request),
        request.path_params["list_name"],
        store=store_of(request),
        page=_page_number(request),
    )
    return page(request, "archive.html.j2", {"archive": found, "links": links_of(request)}, public=True)


async def feed(request: Request) -> Response:
    found = await blocking(
        archive, settings_of(request), request.path_params["list_name"], store=store_of(request), per_page=FEED_ENTRIES
    )
    updated = found.entries[0].created_at if found.entries else datetime(2000, 1, 1, tzinfo=UTC)
    # The version from what the feed is made of (issues are not changed once kept), so a
    # reader that has it gets its 304 without the feed being rendered.
    tag = content_tag(
        _feed_template(),
        settings_of(request).web.public_url,
        found.title,
        *(f"{e.issue_id} {e.created_at.isoformat()}" for e in found.entries),
    )
    unchanged = not_modified(request, tag=tag, last_modified=updated)
    if unchanged is not None:
        return unchanged
    body = render("feed.xml.j2", {"archive": found, "links": links_of(request), "updated": updated})
    return public_response(
        request, body, media_type="application/atom+xml; charset=utf-8", tag=tag, last_modified=updated
    )


@functools.cache
def _feed_template() -> str:
    return (TEMPLATES_DIR / "web" / "feed.xml.j2").read_text(encoding="utf-8")


async def issue_page(request: Request) -> Response:
    found = await blocking(public_issue, settings_of(request), request.path_params["issue_id"], store=store_of(request))
    footer = render("issue_footer.html.j2", {"found": found, "links": links_of(request)})
    body = public_html(found.issue.rendered, footer_html=footer)
    return public_response(
        request, body, media_type="text/html; charset=utf-8", headers={"Content-Security-Policy": ISSUE_POLICY}
    )


async def stylesheet(request: Request) -> Response:
    css = (TEMPLATES_DIR / "web" / "web.css").read_text(encoding="utf-8")
    return public_response(request, css, media_type="text/css; charset=utf-8")


async def health(request: Request) -> Response:
    return Response("ok\n", media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})
