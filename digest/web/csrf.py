"""Forms are protected from cross-site requests twice, with no state on the server:

- the browser's own word: a POST whose `Origin` is another site, or whose
  `Sec-Fetch-Site` says cross-site, is refused;
- a signed double-submit token: the form page sets a cookie holding a random nonce
  (HttpOnly, SameSite=Lax) and puts a token signed for that nonce into the form; the
  POST must bring both, and the token must be younger than MAX_AGE. Another site can
  neither read the cookie nor sign a token for it, and every process of the service
  checks the signature with the same secret from the store.

The one-click unsubscribe POST is not a form of ours: RFC 8058 has it sent by mail
providers, without cookies; its token is its authority.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from digest.app.web import epoch_seconds
from digest.errors import DigestError, TokenError
from digest.tokens import make_form_token, read_form_token

COOKIE = "digest_form"
FIELD = "form_token"
MAX_AGE = 12 * 3600  # a form left open half a day still posts
_NONCE = re.compile(r"[A-Za-z0-9_-]{22,64}")
# Shown above a form given again after StaleForm.
STALE_MESSAGE = "This page was open for too long. Check it and send it again (cookies must be on)."


class CrossSiteRequest(DigestError):
    """A form POST that did not come from our own page."""


class StaleForm(CrossSiteRequest):
    """A form POST the browser does not say is another site's, whose token is too old or
    not for its cookie: most likely our own page left open too long, or a browser that
    dropped the cookie. Its route shows the form again, with a new token, to press again."""


@dataclass(frozen=True, slots=True)
class FormGuard:
    token: str  # goes into the form's hidden FIELD
    nonce: str
    new: bool  # the cookie must be set (or set again)

    def set_cookie(self, response: Response, *, secure: bool) -> Response:
        if self.new:
            response.set_cookie(COOKIE, self.nonce, httponly=True, samesite="lax", secure=secure, path="/")
        return response


def guard_form(request: Request, *, secret: str) -> FormGuard:
    """The token for a form page, for this browser's nonce (a new one if it has none)."""
    nonce = request.cookies.get(COOKIE, "")
    new = not _NONCE.fullmatch(nonce)
    if new:
        nonce = secrets.token_urlsafe(18)
    return FormGuard(make_form_token(secret=secret, nonce=nonce, issued_at=epoch_seconds()), nonce, new)


def check_form(request: Request, fields: dict[str, str], *, secret: str, public_url: str) -> None:
    """CrossSiteRequest unless the POST comes from a page of ours in this browser
    (StaleForm when only its token is at fault)."""
    site = request.headers.get("sec-fetch-site", "")
    if site == "cross-site":
        raise CrossSiteRequest("the form was sent from another site")
    origin = request.headers.get("origin")
    if origin is not None and origin not in _own_origins(request, public_url):
        raise CrossSiteRequest("the form was sent from another site")
    try:
        read_form_token(
            fields.get(FIELD, ""),
            secret=secret,
            nonce=request.cookies.get(COOKIE, ""),
            now=epoch_seconds(),
            max_age=MAX_AGE,
        )
    except TokenError:
        raise StaleForm("the form has expired or did not come from this browser") from None


def _own_origins(request: Request, public_url: str) -> set[str]:
    public = urlsplit(public_url)
    own = {f"{public.scheme}://{public.netloc}"}
    host = request.headers.get("host")
    if host:
        own.add(f"{request.url.scheme}://{host}")
    return own
