"""A reader's preferences, from a signed link: the lists they are on, leaving one or all
of them, coming back, and the name their copies greet them by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from digest.app.bounces import mail_stopped
from digest.app.readers import signing_secret
from digest.app.subscribing import ConfirmationMail, prepare_subscription
from digest.app.web import MailStopped, NotFound, epoch_seconds
from digest.config import Settings
from digest.models import ChangeSource, Subscriber, SubscriberStatus
from digest.store import Store
from digest.subscribers import clean_name
from digest.tokens import make_preferences_token, read_preferences_token


class PreferenceChange(StrEnum):
    UNSUBSCRIBE = "unsubscribe"
    RESUBSCRIBE = "resubscribe"
    UNSUBSCRIBE_ALL = "unsubscribe-all"
    RENAME = "rename"


@dataclass(frozen=True, slots=True)
class ListChoice:
    list_name: str
    title: str
    status: SubscriberStatus
    stopped: bool = False  # it bounced or complained: only the operator can restart it

    @property
    def active(self) -> bool:
        return self.status is SubscriberStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class Preferences:
    email: str  # "" when the reader is on no list served here
    name: str
    lists: tuple[ListChoice, ...]


def preferences(settings: Settings, token: str, *, store: Store, now: datetime | None = None) -> Preferences:
    """The reader's lists (those this service serves). TokenExpired for an old link,
    TokenError for a bad one."""
    return _view(settings, _key(settings, token, store=store, now=now), store=store)


def change_preferences(
    settings: Settings,
    token: str,
    change: PreferenceChange,
    *,
    store: Store,
    list_name: str = "",
    name: str = "",
    client: str = "",
    now: datetime | None = None,
) -> tuple[Preferences, ConfirmationMail | None]:
    """Make the change; the preferences after it, and the message to send when it needs
    one. A change to a list the reader is not on is NotFound; setting what is already so
    changes nothing; coming back to a list where the address bounced or complained is
    MailStopped.

    Coming back to a list the reader left needs a confirmation link mailed to the
    address, as the subscribe form does (`client` is the requesting address, for its
    limits): this link may come from an old copy of a digest that someone else holds, and
    only the mailbox can put the address back on a list. The caller sends it
    (send_confirmation), so that no page waits for the mail server."""
    now = now or datetime.now(UTC)
    key = _key(settings, token, store=store, now=now)
    mine = _rows(settings, key, store=store)
    source = ChangeSource.PAGE
    mail = None
    if change is PreferenceChange.RENAME:
        store.rename_subscriber(key, clean_name(name), at=now, source=source)
    elif change is PreferenceChange.UNSUBSCRIBE_ALL:
        # Every list, those no longer served here too: the reader asked for no more mail.
        for row in store.subscriptions(key):
            store.set_subscriber_status(row.list_name, key, SubscriberStatus.UNSUBSCRIBED, at=now, source=source)
    else:
        if list_name not in {r.list_name for r in mine}:
            raise NotFound(f"not on a list {list_name!r}")
        if change is PreferenceChange.UNSUBSCRIBE:
            store.set_subscriber_status(list_name, key, SubscriberStatus.UNSUBSCRIBED, at=now, source=source)
        else:
            if mail_stopped(store, list_name=list_name, key=key):
                raise MailStopped(f"{list_name}: mail to this address came back; only the list's owner can restart it")
            row = next(r for r in mine if r.list_name == list_name)
            if row.status is not SubscriberStatus.ACTIVE:
                _, mail = prepare_subscription(
                    settings,
                    settings.list(list_name),
                    email=row.email,
                    name=row.name,
                    client=client,
                    store=store,
                    now=now,
                )
    return _view(settings, key, store=store), mail


def preferences_token(settings: Settings, key: str, *, store: Store, now: datetime | None = None) -> str:
    """A fresh preferences link token for the reader with this key."""
    return make_preferences_token(secret=signing_secret(settings, store=store), key=key, issued_at=epoch_seconds(now))


def _key(settings: Settings, token: str, *, store: Store, now: datetime | None) -> str:
    return read_preferences_token(
        token,
        secret=signing_secret(settings, store=store),
        now=epoch_seconds(now),
        max_age=int(settings.web.preferences_days * 86400),
    )


def _rows(settings: Settings, key: str, *, store: Store) -> list[Subscriber]:
    served = {entry.name for entry in settings.lists}
    return [row for row in store.subscriptions(key) if row.list_name in served]


def _view(settings: Settings, key: str, *, store: Store) -> Preferences:
    rows = _rows(settings, key, store=store)
    titles = {entry.name: entry.title or entry.name for entry in settings.lists}
    if not rows:
        return Preferences(email="", name="", lists=())
    return Preferences(
        email=rows[0].email,
        name=rows[0].name,
        lists=tuple(
            ListChoice(
                r.list_name,
                titles[r.list_name],
                r.status,
                stopped=r.status is not SubscriberStatus.ACTIVE and mail_stopped(store, list_name=r.list_name, key=key),
            )
            for r in rows
        ),
    )
