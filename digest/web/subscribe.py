"""Routes of subscribing with double opt-in: the form, and the confirmation link."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from digest.app.subscribing import confirm_subscription, prepare_subscription, read_confirmation
from digest.app.web import public_list
from digest.config import ListSettings
from digest.errors import SubscriberError
from digest.web.context import (
    FORM_LIMIT,
    blocking,
    client_address,
    links_of,
    outbox_of,
    secret_of,
    secure_cookies,
    settings_of,
    store_of,
    token_of,
)
from digest.web.csrf import STALE_MESSAGE, StaleForm, check_form, guard_form
from digest.web.errors import note_cause
from digest.web.forms import read_form
from digest.web.pages import page

HONEYPOT = "website"  # hidden from people by the stylesheet; bots fill it in


def _form(
    request: Request,
    chosen: ListSettings,
    *,
    status: int = 200,
    error: str = "",
    email_refused: bool = False,
    **values: str,
) -> Response:
    guard = guard_form(request, secret=secret_of(request))
    context = {
        "list_name": chosen.name,
        "list_title": chosen.title or chosen.name,
        "form_token": guard.token,
        "error": error,
        "email_refused": email_refused,  # the error is the address's: the field is marked
        "email": values.get("email", ""),
        "name": values.get("name", ""),
        "honeypot": HONEYPOT,
        "archive_url": links_of(request).archive(chosen.name),
    }
    response = page(request, "subscribe.html.j2", context, status=status)
    return guard.set_cookie(response, secure=secure_cookies(request))


async def subscribe_form(request: Request) -> Response:
    return _form(request, public_list(settings_of(request), request.path_params["list_name"]))


async def subscribe(request: Request) -> Response:
    """The same page whether the address is new, waiting for its confirmation or already
    on the list (and when the honeypot caught a bot, or the address had its fill of
    messages this hour): only a bad address or a flood from one client is told apart."""
    settings = settings_of(request)
    chosen = public_list(settings, request.path_params["list_name"])
    form = await read_form(request, limit=FORM_LIMIT)
    email, name = form.get("email", "")[:320], form.get("name", "")[:1000]
    try:
        check_form(request, form, secret=secret_of(request), public_url=settings.web.public_url)
    except StaleForm as exc:
        note_cause(request, exc)
        return _form(request, chosen, status=403, error=STALE_MESSAGE, email=email, name=name)
    try:
        _, mail = await blocking(
            prepare_subscription,
            settings,
            chosen,
            email=email,
            name=name,
            trap=form.get(HONEYPOT, ""),
            client=client_address(request),
            store=store_of(request),
        )
    except SubscriberError as exc:
        note_cause(request, exc)
        error = "That is not an email address we can send to. Check it and try again."
        return _form(request, chosen, status=400, error=error, email_refused=True, email=email, name=name)
    if mail is not None:
        outbox_of(request).post(mail)
    return page(request, "subscribe_sent.html.j2", {"list_title": chosen.title or chosen.name})


async def confirm_page(request: Request, *, status: int = 200, error: str = "") -> Response:
    """GET: what the link confirms, and a button; a mail scanner's visit subscribes nobody."""
    link = await blocking(read_confirmation, settings_of(request), token_of(request), store=store_of(request))
    guard = guard_form(request, secret=secret_of(request))
    response = page(
        request,
        "confirm.html.j2",
        {"email": link.email, "list_title": link.list_title, "form_token": guard.token, "error": error},
        status=status,
    )
    return guard.set_cookie(response, secure=secure_cookies(request))


async def confirm(request: Request) -> Response:
    form = await read_form(request, limit=FORM_LIMIT)
    try:
        check_form(request, form, secret=secret_of(request), public_url=settings_of(request).web.public_url)
    except StaleForm as exc:
        note_cause(request, exc)
        return await confirm_page(request, status=403, error=STALE_MESSAGE)
    done = await blocking(confirm_subscription, settings_of(request), token_of(request), store=store_of(request))
    return page(
        request,
        "confirmed.html.j2",
        {
            "email": done.email,
            "list_title": done.list_title,
            "newly": done.newly,
            "preferences_url": links_of(request).preferences(done.preferences_token),
            "archive_url": links_of(request).archive(done.list_name),
        },
    )
