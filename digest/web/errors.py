"""Every error is a page with the right status and a sentence a reader can act on; the
detail goes to the log, never into the response (no stack trace, no store URL): each
handler notes its cause, and the request's one access-log line (`digest.web.app.Guarded`)
ends with it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from digest.app.web import LinkUsed, MailStopped, NotFound, TooManyRequests
from digest.errors import DeliveryError, StoreError, SubscriberError, TokenError
from digest.text import hide_mailboxes, one_line
from digest.tokens import TokenExpired
from digest.web.csrf import CrossSiteRequest
from digest.web.forms import BadForm, BodyTooLarge
from digest.web.pages import error_page

log = logging.getLogger(__name__)

Handler = Callable[[Request, Exception], Awaitable[Response]]
CAUSE = "digest.cause"  # the scope key a handler notes its cause under, for the access log

# What a bad link is called on each page that takes one.
_LINKS = {"/confirm": "confirmation link", "/preferences": "preferences link"}


def logged_path(path: str) -> str:
    """A request's path as one printable log line: it is the client's text."""
    return one_line(path)[:200]


def note_cause(request: Request, exc: Exception) -> None:
    """What went wrong, in one printable line, for the request's access-log line (for a
    route that answers an error with a page of its own). The messages name what was
    refused (a link's kind, "has expired"), never a token, and no reader's address."""
    request.scope[CAUSE] = one_line(hide_mailboxes(str(exc)))[:300] or type(exc).__name__


def _noting(handler: Handler) -> Handler:
    async def noted(request: Request, exc: Exception) -> Response:
        note_cause(request, exc)
        return await handler(request, exc)

    return noted


def logged_cause(scope: MutableMapping[str, Any]) -> str:
    cause = scope.get(CAUSE)
    return f": {cause}" if cause else ""


def _link_kind(request: Request) -> str:
    return _LINKS.get(request.url.path, "unsubscribe link")


async def not_found(request: Request, exc: Exception) -> Response:
    return error_page(request, 404, "Not found", "There is no page at this address.")


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 400
    if status == 404:
        return await not_found(request, exc)
    if status == 405:
        response = error_page(request, 405, "Not allowed", "This page does not take that kind of request.")
        headers = exc.headers if isinstance(exc, HTTPException) else None
        if allowed := (headers or {}).get("Allow"):  # RFC 9110 15.5.6: say which methods it takes
            response.headers["Allow"] = ", ".join(sorted(method.strip() for method in allowed.split(",")))
        return response
    return error_page(request, status, "Bad request", "The request could not be understood.")


async def invalid_link(request: Request, exc: Exception) -> Response:
    # The same words for a forged, altered, outdated or other-list link, and for one whose
    # reader is gone: the page never says whether an address is on a list.
    kind = _link_kind(request)
    return error_page(
        request,
        400,
        f"This {kind} is not valid",
        f"The {kind} may be cut short or mistyped, or out of date. Use the link in the newest message you received.",
    )


async def expired_link(request: Request, exc: Exception) -> Response:
    kind = _link_kind(request)
    hint = "Subscribe again for a new one." if kind == "confirmation link" else "Use a link from a newer message."
    return error_page(request, 410, f"This {kind} has expired", f"Links like this one work for a while only. {hint}")


async def used_link(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        410,
        "This link has been used",
        "It has done its work already, or your subscription changed since it was sent.",
    )


async def mail_stopped(request: Request, exc: Exception) -> Response:
    return error_page(
        request,
        409,
        "This address cannot be restarted here",
        "Mail to it came back undelivered, or was reported as spam. The list's owner can restart it.",
    )


async def bad_input(request: Request, exc: Exception) -> Response:
    return error_page(request, 400, "Bad request", "The form could not be read. Go back and try again.")


async def cross_site(request: Request, exc: Exception) -> Response:
    return error_page(
        request, 403, "This form has expired", "Reload the page and send the form again (cookies must be on)."
    )


async def too_large(request: Request, exc: Exception) -> Response:
    return error_page(request, 413, "Too much data", "The request is larger than this page takes.")


async def too_many(request: Request, exc: Exception) -> Response:
    retry = exc.retry_after if isinstance(exc, TooManyRequests) else 3600
    return error_page(request, 429, "Too many requests", "Please wait a while before you try again.", retry_after=retry)


async def unavailable(request: Request, exc: Exception) -> Response:
    return error_page(
        request, 503, "Try again later", "The service cannot do this just now. Nothing was changed.", retry_after=60
    )


async def server_error(request: Request, exc: Exception) -> Response:
    """Any other error (`digest.web.app.Guarded` calls it): logged with its trace."""
    log.error("web: %s %s failed", request.method, logged_path(request.url.path), exc_info=exc)
    return error_page(request, 500, "Something went wrong", "The service could not answer. Nothing was changed.")


_BY_ERROR: dict[int | type[Exception], Handler] = {
    404: not_found,
    HTTPException: http_error,
    NotFound: not_found,
    TokenExpired: expired_link,
    LinkUsed: used_link,
    MailStopped: mail_stopped,
    TokenError: invalid_link,
    SubscriberError: bad_input,
    BadForm: bad_input,
    CrossSiteRequest: cross_site,
    BodyTooLarge: too_large,
    TooManyRequests: too_many,
    StoreError: unavailable,
    DeliveryError: unavailable,
}
HANDLERS = {key: _noting(handler) for key, handler in _BY_ERROR.items()}
