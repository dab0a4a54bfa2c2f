"""Subscribing from the web with double opt-in: the form asks for a confirmation message,
the link in it makes the reader active.

Nothing is stored for an address until its link is followed: the link itself carries
the list, the address, the name and the version the address had (signed, and dated, so
it expires). The answer to the form is the same whether the address is new, waiting
for its confirmation or already on the list, so the form tells nobody who reads what.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from digest.app.bounces import mail_stopped
from digest.app.deliverability import envelope_sender
from digest.app.mailing import send_one
from digest.app.readers import signing_secret
from digest.app.web import LinkUsed, MailStopped, TooManyRequests, epoch_seconds, opaque, public_list, web_links
from digest.config import ListSettings, Settings
from digest.errors import TokenError
from digest.mail.confirmation import confirmation_message
from digest.models import ChangeSource, SubscriberChange
from digest.store import Confirmation, Store
from digest.subscribers import new_subscriber
from digest.tokens import make_confirm_token, make_preferences_token, read_confirm_token

_HOUR = timedelta(hours=1)


class Requested(StrEnum):
    """What a subscribe request did; the reader is told the same in every case."""

    SENT = "sent"  # a confirmation message went out
    HELD = "held"  # the address had its fill of confirmation messages this hour
    TRAPPED = "trapped"  # the honeypot field was filled in: a bot
    STOPPED = "stopped"  # the address bounced or complained: nothing is sent to it


@dataclass(frozen=True, slots=True)
class ConfirmationLink:
    list_name: str
    list_title: str
    email: str


@dataclass(frozen=True, slots=True)
class Confirmed:
    list_name: str
    list_title: str
    email: str
    newly: bool  # False: the reader was active already
    preferences_token: str


def request_subscription(
    settings: Settings,
    chosen: ListSettings,
    *,
    email: str,
    name: str = "",
    trap: str = "",
    client: str,
    store: Store,
    now: datetime | None = None,
) -> Requested:
    """Mail `email` a link that subscribes it to the list. TooManyRequests when `client`
    (the requesting address) is over its limit; SubscriberError for an address the rule
    refuses. `trap` is the honeypot field: people leave it empty."""
    now = now or datetime.now(UTC)
    secret = signing_secret(settings, store=store)
    limits = settings.web
    client_hits = store.count_hit(
        f"client/{opaque(_client_network(client), secret=secret, purpose='client')}", at=now, window=_HOUR
    )
    if client_hits > limits.client_limit:
        raise TooManyRequests("too many subscribe requests from this address", retry_after=_seconds_left(now))
    if trap.strip():
        return Requested.TRAPPED
    reader = new_subscriber(email, name=name)
    address_hits = store.count_hit(
        f"address/{opaque(reader.key, secret=secret, purpose='address')}", at=now, window=_HOUR
    )
    if address_hits > limits.address_limit:
        return Requested.HELD
    if mail_stopped(store, list_name=chosen.name, key=reader.key):
        return Requested.STOPPED
    token = make_confirm_token(
        secret=secret,
        list_name=chosen.name,
        email=reader.email,
        name=reader.name,
        version=store.token_version(chosen.name, reader.key),
        issued_at=epoch_seconds(now),
    )
    envelope_from, data = confirmation_message(
        sender=chosen.sender,
        to=reader.email,
        name=reader.name,
        list_title=chosen.title or chosen.name,
        confirm_url=web_links(settings).confirm(token),
        hours=round(limits.confirm_hours),
        envelope_from=envelope_sender(settings, chosen),
    )
    send_one(settings, envelope_from=envelope_from, recipient=reader.email, data=data)
    store.record_subscriber_event(
        chosen.name, reader.key, SubscriberChange.CONFIRMATION_SENT, source=ChangeSource.PAGE, at=now
    )
    return Requested.SENT


def read_confirmation(settings: Settings, token: str, *, store: Store, now: datetime | None = None) -> ConfirmationLink:
    """What a confirmation link would confirm (its page, before the button is pressed).
    TokenExpired for an old link, TokenError for a bad one."""
    claims = read_confirm_token(
        token,
        secret=signing_secret(settings, store=store),
        now=epoch_seconds(now),
        max_age=int(settings.web.confirm_hours * 3600),
    )
    chosen = _list_of(settings, claims.list_name)
    return ConfirmationLink(chosen.name, chosen.title or chosen.name, claims.email)


def confirm_subscription(settings: Settings, token: str, *, store: Store, now: datetime | None = None) -> Confirmed:
    """Follow a confirmation link: the reader becomes active on the list. LinkUsed when
    the link was followed before (or the reader changed since it was sent); MailStopped
    when the address has bounced or complained since."""
    now = now or datetime.now(UTC)
    secret = signing_secret(settings, store=store)
    claims = read_confirm_token(
        token, secret=secret, now=epoch_seconds(now), max_age=int(settings.web.confirm_hours * 3600)
    )
    chosen = _list_of(settings, claims.list_name)
    reader = new_subscriber(claims.email, name=claims.name)
    if mail_stopped(store, list_name=chosen.name, key=reader.key):
        raise MailStopped(f"{reader.email}: mail to it came back; only the list's owner can restart it")
    outcome = store.confirm_subscriber(chosen.name, reader, version=claims.version, at=now)
    if outcome is Confirmation.OUTDATED:
        raise LinkUsed("this confirmation link has been used already, or is out of date")
    return Confirmed(
        chosen.name,
        chosen.title or chosen.name,
        reader.email,
        newly=outcome is Confirmation.CONFIRMED,
        preferences_token=make_preferences_token(secret=secret, key=reader.key, issued_at=epoch_seconds(now)),
    )


def _list_of(settings: Settings, name: str) -> ListSettings:
    try:
        return public_list(settings, name)
    except LookupError:
        raise TokenError("this link is for a list that is not served here") from None


def _client_network(client: str) -> str:
    """What one client is for the limit: its IPv4 address, or its IPv6 /64 (one host
    can use a whole /64, one address after another)."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return client
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(getattr(address, "ipv4_mapped", None) or address)


def _seconds_left(now: datetime) -> int:
    seconds = int(_HOUR.total_seconds())
    return seconds - int(now.timestamp()) % seconds
