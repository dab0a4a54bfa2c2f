"""Routes a reader reaches from a message: unsubscribe (RFC 8058 one-click, and a page
with one button) and preferences."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from digest.app.preferences import PreferenceChange, change_preferences, preferences
from digest.app.readers import read_unsubscribe_link, unsubscribe_by_token
from digest.app.web import epoch_seconds
from digest.models import ChangeSource
from digest.tokens import make_preferences_token
from digest.web.context import (
    FORM_LIMIT,
    ONE_CLICK_LIMIT,
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
from digest.web.forms import BadForm, read_form
from digest.web.pages import page

ONE_CLICK = ("List-Unsubscribe", "One-Click")  # RFC 8058: the body of the POST
FROM_PAGE = ("via", "page")  # added by the unsubscribe page's own button


def _lists(request: Request) -> list[str] | None:
    """The lists a token may be for here: the one the URL names, or (None) any. A link for a
    list no longer in the config still unsubscribes its reader, who should get no more mail
    from a list whatever became of it."""
    named = request.path_params.get("list_name")
    return None if named is None else [named]


def _title(request: Request, list_name: str) -> str:
    entry = next((e for e in settings_of(request).lists if e.name == list_name), None)
    return (entry.title or entry.name) if entry is not None else list_name


def _preferences_url(request: Request, key: str) -> str:
    token = make_preferences_token(secret=secret_of(request), key=key, issued_at=epoch_seconds())
    return links_of(request).preferences(token)


async def unsubscribe_page(request: Request) -> Response:
    """GET: show what the link would do, and one button; a mail scanner's visit changes nothing."""
    link = await blocking(
        read_unsubscribe_link, settings_of(request), token_of(request), store=store_of(request), lists=_lists(request)
    )
    return page(
        request,
        "unsubscribe.html.j2",
        {
            "email": link.email,
            "list_title": _title(request, link.list_name),
            "active": link.active,
            "preferences_url": _preferences_url(request, link.key),
        },
    )


async def one_click(request: Request) -> Response:
    """POST `List-Unsubscribe=One-Click`: unsubscribe at once, answer 200; no cookie, no redirect."""
    form = await read_form(request, limit=ONE_CLICK_LIMIT)
    if form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
        raise BadForm("not a one-click unsubscribe request")
    source = ChangeSource.PAGE if form.get(FROM_PAGE[0]) == FROM_PAGE[1] else ChangeSource.ONE_CLICK
    done = await blocking(
        unsubscribe_by_token,
        settings_of(request),
        token_of(request),
        store=store_of(request),
        source=source,
        lists=_lists(request),
    )
    return page(
        request,
        "unsubscribed.html.j2",
        {
            "email": done.email,
            "list_title": _title(request, done.list_name),
            "preferences_url": _preferences_url(request, done.key),
        },
    )


async def preferences_page(request: Request, *, status: int = 200, error: str = "") -> Response:
    found = await blocking(preferences, settings_of(request), token_of(request), store=store_of(request))
    return _preferences(request, found, notice="", error=error, status=status)


async def change_preferences_page(request: Request) -> Response:
    form = await read_form(request, limit=FORM_LIMIT)
    try:
        check_form(request, form, secret=secret_of(request), public_url=settings_of(request).web.public_url)
    except StaleForm as exc:
        note_cause(request, exc)
        return await preferences_page(request, status=403, error=STALE_MESSAGE)
    try:
        change = PreferenceChange(form.get("action", ""))
    except ValueError:
        raise BadForm("unknown change") from None
    found, mail = await blocking(
        change_preferences,
        settings_of(request),
        token_of(request),
        change,
        store=store_of(request),
        list_name=form.get("list", ""),
        name=form.get("name", ""),
        client=client_address(request),
    )
    if mail is not None:
        outbox_of(request).post(mail)
    return _preferences(request, found, notice=_NOTICES[change])


_NOTICES = {
    PreferenceChange.UNSUBSCRIBE: "You are unsubscribed from that list.",
    PreferenceChange.RESUBSCRIBE: "We sent you a message: open its link to get that list again.",
    PreferenceChange.UNSUBSCRIBE_ALL: "You are unsubscribed from every list.",
    PreferenceChange.RENAME: "Your name is saved.",
}


def _preferences(request: Request, found, *, notice: str, error: str = "", status: int = 200) -> Response:
    guard = guard_form(request, secret=secret_of(request))
    context = {"prefs": found, "notice": notice, "error": error, "form_token": guard.token}
    response = page(request, "preferences.html.j2", context, status=status)
    return guard.set_cookie(response, secure=secure_cookies(request))
