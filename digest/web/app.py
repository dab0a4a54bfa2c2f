"""The subscriber web service as an ASGI application (Starlette).

Routes parse the request, call one use case (`digest.app`) and present its result as a
page; every error becomes a page of its own (`digest.web.errors`). The service keeps no
state of its own between requests: the store holds the readers, the rate-limit counters
and the signing secret, so several processes behind one proxy agree on everything.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from digest.app.readers import signing_secret
from digest.app.web import NotFound
from digest.config import Settings
from digest.store import Store
from digest.text import one_line
from digest.web import archive, readers, subscribe
from digest.web.errors import HANDLERS, logged_cause, logged_path, server_error
from digest.web.outbox import Outbox
from digest.web.pages import PAGE_POLICY

log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]

MAX_PATH_PARAMETER = 200  # characters: longer than any list name or issue id


def _checked(endpoint: Endpoint) -> Endpoint:
    """`endpoint` for path parameters (list names, issue ids) that can name something:
    one line of printable text, not too long. Any other is no page, before a use case or
    the store sees it (PostgreSQL refuses a NUL in a query's text outright)."""

    async def checked(request: Request) -> Response:
        for name, value in request.path_params.items():
            if not isinstance(value, str) or len(value) > MAX_PATH_PARAMETER or one_line(value) != value:
                raise NotFound(f"no page at {name} {one_line(str(value))[:60]!r}")
        return await endpoint(request)

    return checked


def _route(path: str, *, get: Endpoint | None = None, post: Endpoint | None = None) -> Route:
    """One route for every method `path` takes. Starlette answers a method no route of a
    path takes with the Allow header of the first route whose path matches: a path split
    over a GET route and a POST route would name GET alone."""
    by_method = {
        method: _checked(endpoint) for method, endpoint in (("GET", get), ("POST", post)) if endpoint is not None
    }
    if len(by_method) == 1:
        [(method, endpoint)] = by_method.items()
        return Route(path, endpoint, methods=[method])
    if "GET" in by_method:
        by_method["HEAD"] = by_method["GET"]  # as Starlette answers HEAD for a GET route: checked alike

    async def by_request_method(request: Request) -> Response:
        return await by_method[request.method](request)

    return Route(path, by_request_method, methods=list(by_method))


ROUTES = [
    _route("/", get=archive.index),
    _route("/style.css", get=archive.stylesheet),
    _route("/health", get=archive.health),
    _route("/lists/{list_name}/subscribe", get=subscribe.subscribe_form, post=subscribe.subscribe),
    _route("/confirm", get=subscribe.confirm_page, post=subscribe.confirm),
    _route("/unsubscribe", get=readers.unsubscribe_page, post=readers.one_click),
    _route("/lists/{list_name}/unsubscribe", get=readers.unsubscribe_page, post=readers.one_click),
    _route("/preferences", get=readers.preferences_page, post=readers.change_preferences_page),
    _route("/lists/{list_name}/archive", get=archive.archive_page),
    _route("/lists/{list_name}/feed.atom", get=archive.feed),
    _route("/issues/{issue_id}", get=archive.issue_page),
]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Links carry tokens: never pass them to another site. (Not "no-referrer": a browser
    # then sends "Origin: null" with our own forms, and the forms check the Origin.)
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class Guarded:
    """Every response gets the security headers (and our page policy unless it has its
    own), and one access-log line without the query string, where tokens travel, ending
    with the cause an error handler noted (an error for a 5xx). An error no handler took
    is logged with its trace and answered with the error page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_guarded(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                headers.setdefault("Content-Security-Policy", PAGE_POLICY)
                status = message["status"]
                log.log(
                    logging.ERROR if status >= 500 else logging.INFO,
                    "web: %s %s %s%s",
                    scope["method"],
                    logged_path(scope["path"]),
                    status,
                    logged_cause(scope),
                )
            await send(message)

        try:
            await self.app(scope, receive, send_guarded)
        except Exception as exc:
            if started:  # too late for a page: the connection ends, as uvicorn would end it
                log.error(
                    "web: %s %s failed while answering", scope["method"], logged_path(scope["path"]), exc_info=exc
                )
                raise
            response = await server_error(Request(scope, receive), exc)
            await response(scope, receive, send_guarded)


def create_app(settings: Settings, *, store: Store | None = None) -> Starlette:
    """The service over `store` (opened from the settings when not given, and closed
    with the application)."""
    own = store is None
    opened = store if store is not None else Store(settings.store.url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # Sends under way finish (up to the SMTP timeout): off the event loop, which may
            # still be closing connections.
            await run_in_threadpool(app.state.outbox.close)
            if own:
                opened.close()

    app = Starlette(
        routes=ROUTES,
        middleware=[Middleware(Guarded)],
        exception_handlers=HANDLERS,
        lifespan=lifespan,
    )
    app.router.redirect_slashes = False  # no redirects at all: nothing to turn into an open one
    app.state.settings = settings
    app.state.store = opened
    app.state.secret = signing_secret(settings, store=opened)
    app.state.outbox = Outbox(settings, opened)
    return app
