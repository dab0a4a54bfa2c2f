"""What the subscriber web service's use cases share: the links it makes, the errors it
answers with a page of their own, the lists it serves, and the warnings about its setup."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

from digest.config import ListSettings, Settings
from digest.errors import DigestError, TokenError
from digest.urls import is_loopback_host, is_public_host


class NotFound(DigestError, LookupError):
    """No such list or issue (or not one this service shows)."""


class TooManyRequests(DigestError):
    """A client over its rate limit; `retry_after` seconds until its window ends."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LinkUsed(TokenError):
    """A well-signed link that has done its work already (or was overtaken by a later change)."""


class MailStopped(DigestError):
    """The address bounced or its reader complained: only the list's operator can restart it."""


@dataclass(frozen=True, slots=True)
class WebLinks:
    """Absolute links to the service's pages, from its public address (never from a
    request's Host header)."""

    base: str

    def subscribe(self, list_name: str) -> str:
        return f"{self.base}/lists/{quote(list_name)}/subscribe"

    def archive(self, list_name: str) -> str:
        return f"{self.base}/lists/{quote(list_name)}/archive"

    def feed(self, list_name: str) -> str:
        return f"{self.base}/lists/{quote(list_name)}/feed.atom"

    def issue(self, issue_id: str) -> str:
        return f"{self.base}/issues/{quote(issue_id)}"

    def confirm(self, token: str) -> str:
        return f"{self.base}/confirm?token={token}"

    def preferences(self, token: str) -> str:
        return f"{self.base}/preferences?token={token}"


def web_links(settings: Settings) -> WebLinks:
    return WebLinks(settings.web.public_url)


def public_list(settings: Settings, name: str) -> ListSettings:
    """A configured list, or NotFound."""
    for entry in settings.lists:
        if entry.name == name:
            return entry
    raise NotFound(f"no list {name!r}")


def web_warnings(settings: Settings) -> list[str]:
    """What is wrong with the service's setup but does not stop it."""
    url = settings.web.public_url
    parts = urlsplit(url)
    warnings = []
    if settings.smtp.host and not is_public_host(parts.hostname or ""):
        warnings.append(
            f"web.base_url {url} is on a local or private host: the confirmation messages sent through "
            "smtp.host link there, and readers cannot reach it"
        )
    if parts.scheme != "https" and not is_loopback_host(parts.hostname or ""):
        warnings.append(
            f"web.base_url {url} is not https: RFC 8058 wants one-click unsubscribe links to be HTTPS, "
            "and mail providers may ignore the others"
        )
    return warnings


def opaque(value: str, *, secret: str, purpose: str) -> str:
    """A keyed hash of `value` (a client address, an email address): what the rate-limit
    counters keep instead of the value itself."""
    digest = hmac.new(secret.encode("utf-8", "surrogatepass"), f"{purpose}\x00{value}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def epoch_seconds(at: datetime | None = None) -> int:
    return int((at or datetime.now(UTC)).timestamp())
