"""The plain, frozen values that flow between stages.

Library types (feedparser dicts, trafilatura documents, sumy sentences,
SQLAlchemy rows) never leave their module; stages talk in these.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class SourceKind(StrEnum):
    FEED = "feed"  # RSS 0.9x/1.0/2.0, Atom or JSON Feed URL
    PAGE = "page"  # one web page URL
    PATH = "path"  # a local file or folder of .html/.htm/.txt (optionally .gz)


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    kind: SourceKind
    location: str  # URL for feed/page, filesystem path for path
    title: str = ""  # human name shown in the digest; defaults to name
    max_items: int = 50

    @property
    def label(self) -> str:
        return self.title or self.name


@dataclass(frozen=True, slots=True)
class Page:
    """One fetched or read document, before extraction. I/O ends here."""

    url: str
    body: bytes
    content_type: str  # e.g. "text/html; charset=utf-8", "text/plain"
    fetched_at: datetime
    source: str = ""  # Source.name
    # Hints from a feed entry, used when the page itself lacks them.
    title_hint: str = ""
    published_hint: datetime | None = None
    authors_hint: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Article:
    url: str
    title: str
    paragraphs: tuple[str, ...]
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    image: str | None = None
    standfirst: str = ""  # the dek/lead under the headline, when the page has one
    source: str = ""
    warnings: tuple[str, ...] = ()
    # Other addresses that led to this page (a feed's link through a tracker or a short
    # link): the store knows the story by them too, so they are not fetched again.
    links: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


@dataclass(frozen=True, slots=True)
class Summary:
    article: Article
    sentences: tuple[str, ...]
    algorithm: str


@dataclass(frozen=True, slots=True)
class Failure:
    """A per-item failure recorded as data: which item, and a one-line reason."""

    item: str
    reason: str


@dataclass(frozen=True, slots=True)
class SourceReport:
    """What gathering one source did. `error` is set when the whole source failed;
    `failures` holds items (feed entries, files) that failed while the rest went on."""

    source: str
    new: int = 0
    seen: int = 0
    not_modified: bool = False
    error: str | None = None
    failures: tuple[Failure, ...] = ()
    warnings: tuple[Failure, ...] = ()  # read, but not as it should be (an encoding guessed, fields cut)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class GatherReport:
    sources: tuple[SourceReport, ...]
    new_articles: tuple[Article, ...] = field(default=())

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)

    @property
    def failed_sources(self) -> tuple[SourceReport, ...]:
        return tuple(s for s in self.sources if not s.ok)


WORDS_PER_MINUTE = 230


@dataclass(frozen=True, slots=True)
class DigestItem:
    article: Article
    sentences: tuple[str, ...]
    source_label: str

    @property
    def reading_minutes(self) -> int:
        return max(1, -(-self.article.word_count // WORDS_PER_MINUTE))


@dataclass(frozen=True, slots=True)
class Digest:
    """One issue of a list: the items to send, in order. `more` counts what the cap left out."""

    issue_id: str
    list_name: str
    title: str
    day: date
    items: tuple[DigestItem, ...]
    more: int = 0

    @property
    def empty(self) -> bool:
        return not self.items


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    """The email for one digest, before personalisation.

    `html` and `text` carry per-subscriber markers (see render.personalise); the
    HTML already has its CSS inlined, so personalising is plain substitution."""

    digest: Digest
    subject: str
    html: str
    text: str
    markers: tuple[tuple[str, str], ...]  # (field name, marker) pairs
    warnings: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """Bytes of the HTML part as it is sent (quoted-printable, CRLF line ends), the part
        Gmail clips beyond 102 KB. Escapes make it bigger than the HTML: an "=" takes 3
        bytes, an "é" 6."""
        encoded = binascii.b2a_qp(self.html.replace("\r\n", "\n").encode("utf-8"), istext=True)
        return len(encoded) + encoded.count(b"\n")


class SubscriberStatus(StrEnum):
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: int
    list_name: str
    email: str
    key: str  # the duplicate key: the whole address case-folded
    name: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    status: SubscriberStatus = SubscriberStatus.ACTIVE
    version: int = 1  # bumped on resubscribe, so older unsubscribe tokens stop working
    changed_at: datetime | None = None  # when the status or name last changed; None where not read


class SubscriberChange(StrEnum):
    """What happened to a reader, as the history records it."""

    SUBSCRIBED = "subscribed"  # added, imported or confirmed: active
    RESUBSCRIBED = "resubscribed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    RENAMED = "renamed"
    REMOVED = "removed"
    CONFIRMATION_SENT = "confirmation sent"  # asked to subscribe on the web; not on the list until confirmed
    SOFT_BOUNCE = "soft bounce"  # a temporary failure (4.x.x), counted; enough of them make the reader bounced


class ChangeSource(StrEnum):
    """Who or what made a change."""

    ONE_CLICK = "one-click"  # an RFC 8058 POST to the List-Unsubscribe URL, as a mail client sends it
    PAGE = "page"  # the subscribe form, or a button on the unsubscribe or preferences page
    EMAIL_CONFIRMATION = "email confirmation"  # the link in the confirmation message
    OPERATOR = "operator"  # the command line
    IMPORT = "import"  # a CSV import, or the list's configured readers
    BOUNCE = "bounce"  # a delivery status notification, or a bounce another way (digest bounces)
    COMPLAINT = "complaint"  # a feedback-loop report (ARF): the reader marked the digest as spam
    MAIL = "mail"  # a message to the List-Unsubscribe mailto address, as a mail client sends it


@dataclass(frozen=True, slots=True)
class SubscriberEvent:
    """One line of a reader's history: when, what, and by whom."""

    list_name: str
    key: str
    at: datetime
    change: SubscriberChange
    source: ChangeSource
    detail: str = ""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; after its lease ends, owed again
    SENT = "sent"
    DEFERRED = "deferred"  # a transient failure: owed again from next_attempt_at
    FAILED = "failed"  # permanent (5xx): not retried unless asked
    UNCERTAIN = "uncertain"  # the reply after DATA was lost: maybe delivered, not retried blindly
    SKIPPED = "skipped"  # unsubscribed or bounced before it was sent


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    subscriber_id: int
    status: DeliveryStatus
    code: int | None = None
    error: str = ""
    retry_after: float | None = None  # seconds, for DEFERRED


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message as it crosses the send boundary: built and personalised before it,
    handed as it is to a sender (the SMTP pool, a signing wrapper, a recorder in tests)."""

    envelope_from: str
    recipients: tuple[str, ...]
    data: bytes  # the whole message, CRLF line ends, not dot-stuffed
    dot_free: bool = False  # no line of data starts with ".": SMTP's dot-stuffing would change nothing
