"""Subscribing from the web with double opt-in: the form asks for a confirmation message,
the link in it makes the reader active.

Nothing is stored for an address until its link is followed: the link itself carries
the list, the address, the name and the version the address had (signed, and dated, so
it expires). The answer to the form is the same whether the address is new, waiting
for its confirmation or already on the list, so the form tells nobody who reads what.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from digest.app.bounces import mail_stopped
from digest.app.deliverability import envelope_sender
from digest.app.mailing import Mailer, send_one
from digest.app.readers import signing_secret
from digest.app.web import LinkUsed, MailStopped, TooManyRequests, epoch_seconds, opaque, public_list, web_links
from digest.config import ListSettings, Settings
from digest.errors import TokenError
from digest.mail.confirmation import confirmation_message
from digest.models import ChangeSource, SubscriberChange
from digest.store import Confirmation, Store
from digest.subscribers import new_subscriber
from digest.tokens import make_confirm_token, make_preferences_token, read_confirm_token

log = logging.getLogger(__name__)

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


@dataclass(frozen=True, slots=True)
class ConfirmationMail:
    """A confirmation message ready to send (send_confirmation)."""

    list_name: str
    key: str
    recipient: str
    envelope_from: str
    data: bytes = field(repr=False)
    at: datetime


def prepare_subscription(
    settings: Settings,
    chosen: ListSettings,
    *,
    email: str,
    name: str = "",
    trap: str = "",
    client: str,
    store: Store,
    now: datetime | None = None,
) -> tuple[Requested, ConfirmationMail | None]:
    """What a subscribe request does, and the message to send when it sends one.
    TooManyRequests when `client` (the requesting address) is over its limit;
    SubscriberError for an address the rule refuses. `trap` is the honeypot field: people
    leave it empty. The name is kept in the link (it is the reader's once they confirm),
    never written into the message: the form is no way to mail a stranger a text."""
    now = now or datetime.now(UTC)
    secret = signing_secret(settings, store=store)
    limits = settings.web
    client_hits = store.count_hit(
        f"client/{opaque(_client_network(client), secret=secret, purpose='client')}", at=now, window=_HOUR
    )
    if client_hits > limits.client_limit:
        raise TooManyRequests("too many subscribe requests from this address", retry_after=_seconds_left(now))
    if trap.strip():
        return Requested.TRAPPED, None
    reader = new_subscriber(email, name=name)
    address_hits = store.count_hit(
        f"address/{opaque(mailbox_of(reader.key), secret=secret, purpose='address')}", at=now, window=_HOUR
    )
    if address_hits > limits.address_limit:
        return Requested.HELD, None
    if mail_stopped(store, list_name=chosen.name, key=reader.key):
        return Requested.STOPPED, None
    all_hits = store.count_hit("confirmations", at=now, window=_HOUR)
    if all_hits > limits.confirmation_limit:
        if all_hits == limits.confirmation_limit + 1:
            log.warning(
                "web: %d confirmation messages in the last hour (web.confirmation_limit); holding the rest",
                limits.confirmation_limit,
            )
        return Requested.HELD, None
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
        list_title=chosen.title or chosen.name,
        confirm_url=web_links(settings).confirm(token),
        hours=round(limits.confirm_hours),
        envelope_from=envelope_sender(settings, chosen),
    )
    return Requested.SENT, ConfirmationMail(chosen.name, reader.key, reader.email, envelope_from, data, now)


def send_confirmation(
    settings: Settings, mail: ConfirmationMail, *, store: Store, mailer: Mailer | None = None
) -> None:
    """Send a prepared confirmation message (through `mailer`'s connection, if given) and
    record it. DeliveryError when it was not sent."""
    if mailer is None:
        send_one(settings, envelope_from=mail.envelope_from, recipient=mail.recipient, data=mail.data)
    else:
        mailer.send(envelope_from=mail.envelope_from, recipient=mail.recipient, data=mail.data)
    store.record_subscriber_event(
        mail.list_name, mail.key, SubscriberChange.CONFIRMATION_SENT, source=ChangeSource.PAGE, at=mail.at
    )


def mailbox_of(key: str) -> str:
    """The mailbox an address reaches, for the per-address limit: "ana+news@" and "ana@" are
    one mailbox at most providers, and Gmail ignores dots ("a.n.a@gmail.com")."""
    local, _, domain = key.rpartition("@")
    local = local.partition("+")[0] or local
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def read_confirmation(settings: Settings, token: str, *, store: Store, now: datetime | None = None) -> ConfirmationLink:
    """What a confirmation link would confirm (its page, before the button is pressed).
    TokenExpired for an old link, TokenError for a bad one, LinkUsed for one followed
    before (or whose reader changed since it was sent): its button could not work."""
    claims = read_confirm_token(
        token,
        secret=signing_secret(settings, store=store),
        now=epoch_seconds(now),
        max_age=int(settings.web.confirm_hours * 3600),
    )
    chosen = _list_of(settings, claims.list_name)
    if store.token_version(chosen.name, new_subscriber(claims.email).key) != claims.version:
        raise LinkUsed("this confirmation link has been used already, or is out of date")
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
