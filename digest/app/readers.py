"""Reader use cases: import, add, remove and unsubscribe subscribers, apply an
unsubscribe token (from the command line, a mail client's one-click POST or the
unsubscribe page), list them, and show what happened to one of them."""

from __future__ import annotations

import secrets
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from digest.config import ListSettings, Settings
from digest.errors import SubscriberError, TokenError
from digest.models import ChangeSource, Subscriber, SubscriberEvent, SubscriberStatus
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
    key: str = ""


@dataclass(frozen=True, slots=True)
class UnsubscribeLink:
    """What an unsubscribe link names: shown on its page before the button is pressed."""

    email: str
    key: str
    list_name: str
    active: bool  # False: already unsubscribed (or bounced): the button changes nothing
    version: int  # the token's, which is the reader's


def import_subscribers(chosen: ListSettings, text: str, *, store: Store, skip_invalid: bool = False) -> Imported:
    """All or nothing: with a bad row, nothing is imported unless `skip_invalid`."""
    parsed = parse_subscriber_csv(text)
    if parsed.errors and not skip_invalid:
        return Imported(parsed)
    added, present = store.add_subscribers(chosen.name, parsed.subscribers, at=_now(), source=ChangeSource.IMPORT)
    return Imported(parsed, added, present, imported=True)


def add_subscriber(chosen: ListSettings, email: str, *, store: Store, name: str = "") -> tuple[NewSubscriber, bool]:
    """Add a reader, or make an unsubscribed one active again; (the reader, newly added)."""
    subscriber = new_subscriber(email, name=name)
    added, _ = store.add_subscribers(
        chosen.name, [subscriber], at=_now(), resubscribe=True, source=ChangeSource.OPERATOR
    )
    return subscriber, bool(added)


def remove_subscriber(chosen: ListSettings, email: str, *, store: Store) -> None:
    if not store.remove_subscriber(chosen.name, _key(email), at=_now(), source=ChangeSource.OPERATOR):
        raise SubscriberError(f"{email}: not on {chosen.name}")


def unsubscribe_subscriber(chosen: ListSettings, email: str, *, store: Store) -> None:
    if not store.set_subscriber_status(
        chosen.name, _key(email), SubscriberStatus.UNSUBSCRIBED, at=_now(), source=ChangeSource.OPERATOR
    ):
        raise SubscriberError(f"{email}: not on {chosen.name}")


def subscribers(chosen: ListSettings, *, store: Store, status: str | None = None) -> Iterator[Subscriber]:
    try:
        wanted = SubscriberStatus(status) if status else None
    except ValueError:
        raise SubscriberError(
            f"unknown status {status!r}; use {', '.join(s.value for s in SubscriberStatus)}"
        ) from None
    return store.iter_subscribers(chosen.name, status=wanted)


def subscriber_history(chosen: ListSettings | None, email: str, *, store: Store) -> list[SubscriberEvent]:
    """Every recorded change to the reader with this address, oldest first: on one list,
    or with `chosen` None on all of them."""
    return store.subscriber_history(_key(email), list_name=chosen.name if chosen else None)


def unsubscribe_by_token(
    settings: Settings,
    token: str,
    *,
    store: Store,
    source: ChangeSource = ChangeSource.OPERATOR,
    lists: Collection[str] | None = None,
) -> Unsubscribed:
    """What an unsubscribe link does: the token names the list and the reader. With
    `lists` (the list a URL names, or the lists a web service serves) the token must be
    for one of them. Applying a link twice changes nothing the second time."""
    link = read_unsubscribe_link(settings, token, store=store, lists=lists)
    if not store.set_subscriber_status(
        link.list_name, link.key, SubscriberStatus.UNSUBSCRIBED, at=_now(), source=source, version=link.version
    ):
        raise TokenError("this unsubscribe link is no longer valid")
    return Unsubscribed(link.email, link.list_name, link.key)


def read_unsubscribe_link(
    settings: Settings, token: str, *, store: Store, lists: Collection[str] | None = None
) -> UnsubscribeLink:
    """Check an unsubscribe token against the store, changing nothing: TokenError, with
    the same words whatever is wrong, for a forged, altered or outdated token, one for
    another list, or one whose reader is gone."""
    claims = read_token(token.strip(), secret=signing_secret(settings, store=store))
    if lists is not None and claims.list_name not in lists:
        raise TokenError("this unsubscribe link is no longer valid")
    key = _current_key(claims.key)
    subscriber = store.subscriber(claims.list_name, key)
    if subscriber is None or subscriber.version != claims.version:
        raise TokenError("this unsubscribe link is no longer valid")
    active = subscriber.status is SubscriberStatus.ACTIVE
    return UnsubscribeLink(subscriber.email, key, claims.list_name, active, claims.version)


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
