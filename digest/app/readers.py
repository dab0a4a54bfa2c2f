"""Reader use cases: import, add, remove and unsubscribe subscribers, apply an
unsubscribe token, list them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from digest.config import ListSettings, Settings
from digest.errors import SubscriberError, TokenError
from digest.models import Subscriber, SubscriberStatus
from digest.store import Store
from digest.subscribers import (
    ImportResult,
    NewSubscriber,
    new_subscriber,
    normalise_email,
    parse_subscriber_csv,
    read_token,
)


@dataclass(frozen=True, slots=True)
class Imported:
    parsed: ImportResult  # the rows read, and the bad ones with their line numbers
    added: int = 0
    present: int = 0
    imported: bool = False  # False: bad rows and no --skip-invalid, so nothing was written


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    email: str
    list_name: str


def import_subscribers(chosen: ListSettings, text: str, *, store: Store, skip_invalid: bool = False) -> Imported:
    """All or nothing: with a bad row, nothing is imported unless `skip_invalid`."""
    parsed = parse_subscriber_csv(text)
    if parsed.errors and not skip_invalid:
        return Imported(parsed)
    added, present = store.add_subscribers(chosen.name, parsed.subscribers, at=_now())
    return Imported(parsed, added, present, imported=True)


def add_subscriber(chosen: ListSettings, email: str, *, store: Store, name: str = "") -> tuple[NewSubscriber, bool]:
    """Add a reader, or make an unsubscribed one active again; (the reader, newly added)."""
    subscriber = new_subscriber(email, name=name)
    added, _ = store.add_subscribers(chosen.name, [subscriber], at=_now(), resubscribe=True)
    return subscriber, bool(added)


def remove_subscriber(chosen: ListSettings, email: str, *, store: Store) -> None:
    if not store.remove_subscriber(chosen.name, _key(email)):
        raise SubscriberError(f"{email}: not on {chosen.name}")


def unsubscribe_subscriber(chosen: ListSettings, email: str, *, store: Store) -> None:
    if not store.set_subscriber_status(chosen.name, _key(email), SubscriberStatus.UNSUBSCRIBED, at=_now()):
        raise SubscriberError(f"{email}: not on {chosen.name}")


def subscribers(chosen: ListSettings, *, store: Store, status: str | None = None) -> Iterator[Subscriber]:
    try:
        wanted = SubscriberStatus(status) if status else None
    except ValueError:
        raise SubscriberError(f"unknown status {status!r}; use active, unsubscribed or bounced") from None
    return store.iter_subscribers(chosen.name, status=wanted)


def unsubscribe_by_token(settings: Settings, token: str, *, store: Store) -> Unsubscribed:
    """What an unsubscribe link does: the token names the list and the reader."""
    claims = read_token(token.strip(), secret=signing_secret(settings, store=store))
    key = _current_key(claims.key)
    subscriber = store.subscriber(claims.list_name, key)
    if subscriber is None or subscriber.version != claims.version:
        raise TokenError("this unsubscribe link is no longer valid")
    store.set_subscriber_status(claims.list_name, key, SubscriberStatus.UNSUBSCRIBED, at=_now())
    return Unsubscribed(subscriber.email, claims.list_name)


def _key(email: str) -> str:
    return normalise_email(email)[1]


def _current_key(key: str) -> str:
    """A token's key as the address rule writes it now: links mailed before the rule
    carry the old key (the local part's case kept)."""
    try:
        return normalise_email(key).key
    except SubscriberError:
        return key


def _now() -> datetime:
    return datetime.now(UTC)


def signing_secret(settings: Settings, *, store: Store) -> str:
    return settings.unsubscribe.secret or store.meta_value(
        "unsubscribe_secret", default_factory=lambda: secrets.token_urlsafe(32)
    )
