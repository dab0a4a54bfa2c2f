"""Reader use cases: import, add, remove and unsubscribe subscribers, apply an
unsubscribe token (from the command line, a mail client's one-click POST or the
unsubscribe page), list them, and show what happened to one of them."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from digest.config import ListSettings, Settings
from digest.errors import SubscriberError, TokenError
from digest.models import ChangeSource, Subscriber, SubscriberChange, SubscriberEvent, SubscriberStatus
from digest.store import Store
from digest.subscribers import (
    NewSubscriber,
    RowError,
    duplicate_row,
    new_subscriber,
    normalise_email,
    read_subscriber_csv,
    read_token,
)

IMPORT_CHUNK = 5000  # rows read, checked and staged at a time: what an import holds in memory


@dataclass(frozen=True, slots=True)
class Imported:
    added: int = 0
    present: int = 0  # already on the list: their status stays
    stopped: int = 0  # of those present, readers who are not active (bounced, complained, unsubscribed)
    bad: int = 0  # rows reported to `on_error`, duplicates within the file included
    imported: bool = False  # False: bad rows and no --skip-invalid, so nothing was written
    bounced_elsewhere: int = 0  # not added: their mail bounced on another list


@dataclass(frozen=True, slots=True)
class Added:
    """A reader `add_subscriber` was asked for: new on the list, or already on it with
    their status kept."""

    email: str
    list_name: str
    added: bool
    status: SubscriberStatus
    stopped_by: ChangeSource | None = None  # a bounce, a complaint, a one-click unsubscribe...
    stopped_at: datetime | None = None
    stopped_on: str = ""  # the list that stopped them, when not this one (not added: a bounce there)


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


def import_subscribers(
    chosen: ListSettings,
    source: str | Iterable[str],
    *,
    store: Store,
    skip_invalid: bool = False,
    on_error: Callable[[RowError], None] | None = None,
    chunk: int = IMPORT_CHUNK,
    at: datetime | None = None,
) -> Imported:
    """Import a subscriber CSV (text, or an open file read line by line), streaming: memory
    does not grow with the file. All or nothing: the import is one transaction, so with a
    bad row (duplicates within the file included) nothing is written unless `skip_invalid`,
    and neither is anything after a failure half-way (an unreadable file, a store error).
    Every bad row goes to `on_error` in line order, as it is found. Readers already on
    the list are counted as present and keep their status: one who bounced, complained or
    unsubscribed stays so and is counted as stopped, as only `reactivate` restarts them;
    importing the same file again adds nobody. A reader new to the list whose mail bounced
    on another list is not added (counted in `bounced_elsewhere`): the mailbox is dead. A
    missing or unusable header raises SubscriberError before the store is touched."""
    rows = read_subscriber_csv(source)
    pending: list[RowError] = []  # the current chunk's bad rows, reported with its duplicates
    bad = 0
    stopped = 0
    refused = 0

    def chunks() -> Iterator[list[tuple[int, NewSubscriber]]]:
        batch: list[tuple[int, NewSubscriber]] = []
        for row in rows:
            if isinstance(row, RowError):
                pending.append(row)
            else:
                batch.append((row.line, row.subscriber))
            if len(batch) + len(pending) >= chunk:
                yield checked(batch)
                batch = []
        yield checked(batch)

    def checked(batch: list[tuple[int, NewSubscriber]]) -> list[tuple[int, NewSubscriber]]:
        # Asked a chunk at a time: what an import holds does not grow with the list.
        nonlocal stopped, refused
        if not batch:
            return batch
        keys = [subscriber.key for _, subscriber in batch]
        stopped += len(store.stopped_keys(chosen.name, keys))
        dead = store.bounced_elsewhere(chosen.name, keys)
        refused += len(dead)
        return [(line, subscriber) for line, subscriber in batch if subscriber.key not in dead]

    def report(duplicates: list) -> None:
        nonlocal bad
        errors = sorted([*pending, *(duplicate_row(*d) for d in duplicates)], key=lambda e: e.line)
        pending.clear()
        bad += len(errors)
        if on_error is not None:
            for error in errors:
                on_error(error)

    def keep() -> bool:
        return skip_invalid or not bad

    added, present = store.import_subscribers(
        chosen.name, chunks(), at=at or _now(), source=ChangeSource.IMPORT, on_chunk=report, keep=keep
    )
    return Imported(added, present, stopped, bad, imported=keep(), bounced_elsewhere=refused)


def add_subscriber(chosen: ListSettings, email: str, *, store: Store, name: str = "") -> Added:
    """Add a reader. One already on the list keeps their status (and takes `name`): a
    reader who bounced, complained or unsubscribed stays so, and is told apart with what
    stopped them and when, as only `reactivate` (the operator's decision) restarts them.
    A reader new to the list whose mail bounced on another list is not added (the mailbox
    is dead), as the subscribe form would not add them: `stopped_on` names that list."""
    subscriber = new_subscriber(email, name=name)
    if dead := store.bounced_elsewhere(chosen.name, [subscriber.key]).get(subscriber.key):
        there = store.subscriber(dead, subscriber.key)
        bounce = store.stop_reasons(dead, [subscriber.key]).get(subscriber.key)
        return Added(
            there.email if there else subscriber.email,
            chosen.name,
            added=False,
            status=SubscriberStatus.BOUNCED,
            stopped_by=bounce.source if bounce else None,
            stopped_at=bounce.at if bounce else None,
            stopped_on=dead,
        )
    added, _ = store.add_subscribers(chosen.name, [subscriber], at=_now(), source=ChangeSource.OPERATOR)
    if added:
        return Added(subscriber.email, chosen.name, added=True, status=SubscriberStatus.ACTIVE)
    present = store.subscriber(chosen.name, subscriber.key)
    if present is None or present.status is SubscriberStatus.ACTIVE:
        return Added(subscriber.email, chosen.name, added=False, status=SubscriberStatus.ACTIVE)
    why = store.stop_reasons(chosen.name, [present.key]).get(present.key) or next(
        (
            event
            for event in reversed(store.subscriber_history(present.key, list_name=chosen.name))
            if event.change is SubscriberChange.UNSUBSCRIBED
        ),
        None,
    )
    return Added(
        present.email,
        chosen.name,
        added=False,
        status=present.status,
        stopped_by=why.source if why else None,
        stopped_at=why.at if why else present.changed_at,
    )


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
