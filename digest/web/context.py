"""What every route needs from the running service: its settings, its store, the
signing secret, the client's address, and a way to call a (blocking) use case."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from digest.app.web import WebLinks, web_links
from digest.config import Settings
from digest.store import Store
from digest.web.outbox import Outbox

T = TypeVar("T")

FORM_LIMIT = 16 * 1024  # bytes: a name, an address and a few hidden fields
ONE_CLICK_LIMIT = 4 * 1024


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def store_of(request: Request) -> Store:
    return request.app.state.store


def secret_of(request: Request) -> str:
    return request.app.state.secret


def outbox_of(request: Request) -> Outbox:
    return request.app.state.outbox


def links_of(request: Request) -> WebLinks:
    return web_links(settings_of(request))


def secure_cookies(request: Request) -> bool:
    return settings_of(request).web.public_url.startswith("https://")


def client_address(request: Request) -> str:
    """The client's address: the peer's, or with --proxy-headers the one the trusted proxy names."""
    return request.client.host if request.client else "unknown"


async def blocking(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a use case (database and SMTP calls block) on the thread pool."""
    return await run_in_threadpool(function, *args, **kwargs)


def token_of(request: Request) -> str:
    return request.query_params.get("token", "")
