"""Bounce and complaint intake: what comes back to the bounce address changes readers.

- A permanent failure (5.x.x) marks the reader bounced at once; a temporary one (4.x.x)
  is counted, and `[delivery] soft_bounce_limit` of them within `soft_bounce_days`
  (since the reader last became active) marks them bounced.
- A complaint (an ARF feedback-loop report) unsubscribes the reader.
- The reader is named by the signed VERP token of the bounce address, which also names
  the issue (a non-standard bounce, read from free text, must name the reader's address
  too: an auto-reply's words may read like one); a message without one is matched by
  the failing address (a DSN's recipient, or what flufl.bounce finds in a non-standard
  bounce). With VERP on, such a
  bounce, and a complaint without one always, must also quote a Message-ID we made for
  that reader: anyone can write an address into a report. A report naming more than one
  of our readers is about no copy of ours (each has one recipient) and changes nobody.
- Every change is recorded in the reader's history with the reason and the time
  (source `bounce` or `complaint`). A reader stopped this way gets nothing more until
  the operator reactivates them (`digest subscribers reactivate`).
- A malformed message, one whose VERP token does not verify (forged), and one that is
  no bounce or complaint of ours (unrelated) are counted and change nobody.
- A message the store cannot record is a failure of its own, counted, and the next
  message is read: one it refuses for good (failed) is marked seen like the others, so it
  holds up no later run; one it cannot take now (deferred: the database is down or
  locked) is left unseen, to be read again by the next run.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from enum import StrEnum
from pathlib import Path

from digest.app.deliverability import bounce_verp
from digest.app.readers import signing_secret, unsubscribe_by_token
from digest.config import ListSettings, Settings
from digest.errors import StoreError, SubscriberError, TokenError
from digest.mail.bounces import MAX_MESSAGE, Failure, Kind, Problem, Report, read_report
from digest.mail.message import message_id_digest
from digest.mail.verp import ForgedBounce, Verp
from digest.models import ChangeSource, Subscriber, SubscriberChange, SubscriberStatus
from digest.store import Store
from digest.subscribers import normalise_email

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    BOUNCED = "bounced"  # a reader marked bounced
    SOFT = "soft bounce"  # a temporary failure counted (the reader may be bounced by it too)
    COMPLAINT = "complaint"  # a reader unsubscribed
    UNSUBSCRIBED = "unsubscribed"  # a reader's own request to the List-Unsubscribe mailto address
    UNCHANGED = "unchanged"  # ours, but the reader was already stopped
    MALFORMED = "malformed"
    FORGED = "forged"
    UNRELATED = "unrelated"
    FAILED = "failed"  # the store refused what it would record, for good
    DEFERRED = "deferred"  # the store could not record it now: to be read again


IGNORED = (Outcome.MALFORMED, Outcome.FORGED, Outcome.UNRELATED)
NOT_RECORDED = (Outcome.FAILED, Outcome.DEFERRED)


@dataclass(frozen=True, slots=True)
class Change:
    list_name: str
    email: str
    outcome: Outcome
    reason: str
    status: SubscriberStatus  # the reader's status after it


@dataclass(frozen=True, slots=True)
class Handled:
    """What one message did."""

    outcome: Outcome
    changes: tuple[Change, ...] = ()
    detail: str = ""  # why it was ignored or not recorded
    source: str = ""  # the file it came from, if any


@dataclass
class IntakeReport:
    messages: int = 0
    outcomes: Counter[Outcome] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)
    ignored: list[Handled] = field(default_factory=list)
    not_recorded: list[Handled] = field(default_factory=list)

    def add(self, handled: Handled) -> None:
        self.messages += 1
        self.outcomes[handled.outcome] += 1
        self.changes.extend(handled.changes)
        if handled.outcome in IGNORED:
            self.ignored.append(handled)
        elif handled.outcome in NOT_RECORDED:
            self.not_recorded.append(handled)

    def summary(self) -> str:
        counts = ", ".join(f"{self.outcomes[o]} {o.value}" for o in Outcome if self.outcomes[o])
        return f"{self.messages} message(s)" + (f": {counts}" if counts else "")


class Intake:
    """Applies bounce and complaint messages to one store, with one settings' limits."""

    def __init__(self, settings: Settings, *, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.verp: Verp | None = bounce_verp(settings, store=store)
        self.id_secret = signing_secret(settings, store=store)
        self.limit = settings.delivery.soft_bounce_limit
        self.window = timedelta(days=settings.delivery.soft_bounce_days)

    def handle(self, data: bytes, *, envelope_to: tuple[str, ...] = (), now: datetime | None = None) -> Handled:
        """Read one message and apply it; never raises for what the message holds. A
        StoreError still does: by its `transient`, the caller tries the message again
        later or gives it up (`not_recorded`)."""
        now = now or datetime.now(UTC)
        if (token := unsubscribe_request(data)) is not None:
            return self._unsubscribe(token)
        report = read_report(data, envelope_to=envelope_to)
        if report.problem is Problem.MALFORMED:
            return Handled(Outcome.MALFORMED, detail=report.detail)
        try:
            ref = self.verp.find(report.verp_candidates) if self.verp is not None else None
        except ForgedBounce as exc:
            return Handled(Outcome.FORGED, detail=str(exc))
        if report.problem is Problem.UNRELATED:
            return Handled(Outcome.UNRELATED, detail=report.detail)
        if ref is not None:
            subscriber = self.store.subscriber_by_id(ref.subscriber_id)
            issue = next((i for i in self.store.issues_owed_to(ref.subscriber_id) if ref.is_issue(i)), None)
            if subscriber is None or issue is None:
                return Handled(Outcome.UNRELATED, detail="its reader or issue is no longer in the store")
            if self.store.sent_before_active(issue, subscriber.id):
                return Handled(Outcome.UNRELATED, detail=_BEFORE)
            failures = report.failures
            if report.form == "other":
                # What flufl.bounce's patterns find in free text (an auto-reply's words, too) is a
                # bounce of this copy only where it names the reader.
                failures = tuple(f for f in failures if _key(f.address) == subscriber.key)
                if not failures:
                    return Handled(Outcome.UNRELATED, detail="a non-standard bounce that does not name its reader")
            # One message, one reader: the strongest thing the report says.
            failure = min(failures, key=lambda f: _STRENGTH[f.kind])
            targets = [(subscriber, issue)]
            if failure.kind is Kind.PERMANENT:
                # The mailbox is gone: stopped on every list it is on, as a bounce without a token is.
                others = self.store.subscriptions(subscriber.key)
                targets += [(other, "") for other in others if other.list_name != subscriber.list_name]
            return self._apply(targets, failure, now=now)
        return self._by_address(report, now=now)

    def _unsubscribe(self, token: str) -> Handled:
        """A reader's mail to the List-Unsubscribe mailto address: its subject's token, as the link."""
        try:
            done = unsubscribe_by_token(self.settings, token, store=self.store, source=ChangeSource.MAIL)
        except TokenError as exc:
            return Handled(Outcome.FORGED, detail=f"unsubscribe request: {exc}")
        change = Change(done.list_name, done.email, Outcome.UNSUBSCRIBED, "unsubscribe request by mail",
                        SubscriberStatus.UNSUBSCRIBED)  # fmt: skip
        return Handled(Outcome.UNSUBSCRIBED, (change,))

    def _by_address(self, report: Report, *, now: datetime) -> Handled:
        named: dict[str, tuple[Failure, list[Subscriber]]] = {}
        for failure in report.failures:
            try:
                key = normalise_email(failure.address).key
            except SubscriberError:
                continue
            if key in named:  # one reader named twice: the strongest thing said of them
                if _STRENGTH[failure.kind] < _STRENGTH[named[key][0].kind]:
                    named[key] = (failure, named[key][1])
            elif subscriptions := self.store.subscriptions(key):
                if named:
                    # Each copy we send has one recipient: a report about one names one reader
                    # (a forged one may list them all; the rest is not looked up).
                    return Handled(
                        Outcome.UNRELATED, detail="it names more than one of our readers; a copy of ours has one"
                    )
                named[key] = (failure, subscriptions)
        if not named:
            return Handled(Outcome.UNRELATED, detail="no reader of ours in it")
        [(failure, subscriptions)] = named.values()
        quoted = [(s, self._quoted_issue(report, s)) for s in subscriptions]
        if any(issue and self.store.sent_before_active(issue, s.id) for s, issue in quoted):
            return Handled(Outcome.UNRELATED, detail=_BEFORE)
        targets = [(s, issue or "") for s, issue in quoted]
        if failure.kind is Kind.COMPLAINT or self.verp is not None:
            # The address is text anyone can write into a report sent to the plain address
            # (where no bounce of a copy sent with VERP comes back): only the Message-ID of
            # one of ours for this reader says it is about them, as a complaint always must.
            targets = [(s, issue) for s, issue in quoted if issue is not None]
            if targets and failure.kind is Kind.PERMANENT:  # the mailbox is gone: every list
                targets += [(s, "") for s, issue in quoted if issue is None]
        if not targets:
            return Handled(Outcome.UNRELATED, detail="no message of ours to that reader quoted")
        return self._apply(targets, failure, now=now)

    def _quoted_issue(self, report: Report, subscriber: Subscriber) -> str | None:
        """The issue whose Message-ID for this reader the report quotes, if any."""
        quoted = report.original.message_id.strip("<> ")
        if not quoted:
            return None
        for issue in self.store.issues_owed_to(subscriber.id):
            digest = message_id_digest(issue, subscriber.key, secret=self.id_secret)
            if quoted.partition("@")[0].endswith(f".{digest}"):
                return issue
        return None

    def _apply(
        self, targets: list[tuple[Subscriber, str]], failure: Failure, *, now: datetime | None = None
    ) -> Handled:
        now = now or datetime.now(UTC)
        changes = []
        for subscriber, issue in targets:
            if subscriber.status is not SubscriberStatus.ACTIVE:
                continue
            reason = failure.reason + (f" (issue {issue})" if issue else "")
            if failure.kind is Kind.TEMPORARY:
                count = self.store.record_soft_bounce(
                    subscriber.list_name,
                    subscriber.key,
                    at=now,
                    detail=reason,
                    limit=self.limit,
                    within=self.window,
                    issue_id=issue,
                )
                if not count:
                    continue
                status = SubscriberStatus.BOUNCED if count >= self.limit else SubscriberStatus.ACTIVE
                changes.append(Change(subscriber.list_name, subscriber.email, Outcome.SOFT, reason, status))
                continue
            complaint = failure.kind is Kind.COMPLAINT
            status = SubscriberStatus.UNSUBSCRIBED if complaint else SubscriberStatus.BOUNCED
            if not self.store.set_subscriber_status(
                subscriber.list_name,
                subscriber.key,
                status,
                at=now,
                source=ChangeSource.COMPLAINT if complaint else ChangeSource.BOUNCE,
                version=subscriber.version,
                detail=reason,
            ):
                continue  # removed, or back at a new version since it was read: not about this reader now
            outcome = Outcome.COMPLAINT if complaint else Outcome.BOUNCED
            changes.append(Change(subscriber.list_name, subscriber.email, outcome, reason, status))
        if not changes:
            return Handled(Outcome.UNCHANGED)
        return Handled(_outcome_of(changes), tuple(changes))


_STRENGTH = {Kind.COMPLAINT: 0, Kind.PERMANENT: 1, Kind.TEMPORARY: 2}
# A report about a copy that went out before its reader came back (resubscribed, or the
# operator reactivated them), replayed or late: what failed then says nothing of now.
_BEFORE = "about a copy sent before its reader last became active"


def _key(address: str) -> str:
    """The subscriber key of an address a report gives, "" when it is none."""
    try:
        return normalise_email(address).key
    except SubscriberError:
        return ""


# What a mail client sends for "mailto:unsubscribe@…?subject=unsubscribe%20TOKEN": a subject of
# "unsubscribe" and the token (a reply may add "Re:").
_UNSUBSCRIBE_SUBJECT = re.compile(r"^(?:re:\s*)*unsubscribe\s+([A-Za-z0-9_.=-]{16,400})\s*$", re.IGNORECASE)


def unsubscribe_request(data: bytes) -> str | None:
    """The token of a reader's unsubscribe request by mail, else None (a bounce, a complaint)."""
    head = data[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    try:
        subject = BytesHeaderParser(policy=compat32).parsebytes(head).get("Subject", "")
    except (ValueError, IndexError, TypeError, LookupError):
        return None
    match = _UNSUBSCRIBE_SUBJECT.match(" ".join(str(subject).split()))
    return match[1] if match else None


def _outcome_of(changes: list[Change]) -> Outcome:
    for outcome in (Outcome.COMPLAINT, Outcome.BOUNCED, Outcome.SOFT):
        if any(c.outcome is outcome for c in changes):
            return outcome
    return Outcome.UNCHANGED


# ---------------------------------------------------------------- files and Maildirs


def message_files(paths: Iterable[Path]) -> Iterator[tuple[Path, bool, str]]:
    """Each message file under `paths`, with whether it is an unseen message of a Maildir
    (to be marked seen once handled): a Maildir's messages not yet seen (`new/`, and
    `cur/` without the S flag), a folder's files, or the file itself. The third value
    is why a folder could not be listed ("" for a file to read)."""
    for path in paths:
        if path.is_dir() and (path / "new").is_dir() and (path / "cur").is_dir():
            for sub in ("new", "cur"):
                for item, problem in _listed(path / sub):
                    if problem or (item.is_file() and not (sub == "cur" and "S" in item.name.rpartition(":2,")[2])):
                        yield item, not problem, problem
        elif path.is_dir():
            for item, problem in _listed(path):
                if problem or (item.is_file() and not item.name.startswith(".")):
                    yield item, False, problem
        else:
            yield path, False, ""


def _listed(folder: Path) -> Iterator[tuple[Path, str]]:
    try:
        items = sorted(folder.iterdir())
    except OSError as exc:
        yield folder, f"cannot list the folder: {exc.strerror or exc}"
        return
    for item in items:
        yield item, ""


def mark_seen(path: Path) -> None:
    """Move a Maildir message to cur/ with the S (seen) flag, so it is not read twice."""
    base, _, flags = path.name.partition(":2,")
    flags = "".join(sorted(set(flags) | {"S"}))
    target = path.parent.parent / "cur" / f"{base}:2,{flags}"
    path.replace(target)


def process_paths(
    settings: Settings,
    paths: Iterable[Path],
    *,
    store: Store,
    on_handled: Callable[[Handled], None] | None = None,
) -> IntakeReport:
    """Handle every message file under `paths` (files, folders of files, Maildirs); the
    unseen messages of a Maildir are marked seen once handled, so a second run skips them
    (all but those the store could not record for now, which it reads again).
    `on_handled` hears of each message as soon as it is applied (a run cut short has
    told of every change it made)."""
    intake = Intake(settings, store=store)
    report = IntakeReport()
    for top in paths:
        with _reading_alone(top):
            for path, maildir, problem in message_files([top]):
                _process_one(intake, report, path, maildir=maildir, problem=problem, on_handled=on_handled)
    return report


@contextmanager
def _reading_alone(path: Path) -> Iterator[None]:
    """Hold the Maildir's lock while its messages are read and marked seen: a second run
    started meanwhile (the next cron tick) waits, then finds them seen, instead of
    counting each soft bounce twice."""
    if not (path.is_dir() and (path / "new").is_dir() and (path / "cur").is_dir()):
        yield
        return
    try:
        lock = (path / ".digest-bounces.lock").open("a")
    except OSError as exc:
        log.warning("%s: cannot take its lock (%s); reading it anyway", path, exc.strerror or exc)
        yield
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def read_message_file(path: Path) -> tuple[bytes, str]:
    """A message file's bytes, or why it holds no message to read: a FIFO, a device or a
    socket is no message file (the first would block the read until someone writes to it,
    /dev/zero never ends), and a file over MAX_MESSAGE is no bounce. Opened without
    waiting and read no further than the cap, whatever its size said a moment before.
    OSError when it cannot be opened or read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b"", "not a regular file"
        data = file.read(MAX_MESSAGE + 1)
    if len(data) > MAX_MESSAGE:
        return b"", f"over {MAX_MESSAGE // (1024 * 1024)} MiB"
    return data, ""


def not_recorded(exc: StoreError) -> Handled:
    """What a message the store could not record came to: deferred when trying again may
    work (the database is down or locked), else failed."""
    if exc.transient:
        return Handled(Outcome.DEFERRED, detail=f"{exc} (tried again on the next run)")
    return Handled(Outcome.FAILED, detail=str(exc))


def _process_one(
    intake: Intake,
    report: IntakeReport,
    path: Path,
    *,
    maildir: bool,
    problem: str,
    on_handled: Callable[[Handled], None] | None,
) -> None:
    if maildir and not path.exists():
        return  # marked seen by a run before this one
    try:
        data, problem = (b"", problem) if problem else read_message_file(path)
        handled = Handled(Outcome.MALFORMED, detail=problem) if problem else intake.handle(data)
    except OSError as exc:
        handled = Handled(Outcome.MALFORMED, detail=f"cannot read: {exc.strerror or exc}")
    except StoreError as exc:
        handled = not_recorded(exc)
    handled = Handled(handled.outcome, handled.changes, handled.detail, str(path))
    report.add(handled)
    if on_handled is not None:
        on_handled(handled)
    if maildir and handled.outcome is not Outcome.DEFERRED:
        try:
            mark_seen(path)
        except OSError as exc:
            log.warning("%s: cannot mark it seen: %s", path, exc.strerror or exc)


# ---------------------------------------------------------------- the operator's way back


_STATUS_CHANGES = (
    SubscriberChange.SUBSCRIBED,
    SubscriberChange.RESUBSCRIBED,
    SubscriberChange.UNSUBSCRIBED,
    SubscriberChange.BOUNCED,
)


def mail_stopped(store: Store, *, list_name: str, key: str) -> bool:
    """Whether what came back from the address stops mail to it on the list: it bounced
    (on any list: the mailbox is dead), or its reader complained about this list. Only
    the operator lifts that (`reactivate_subscriber`); no page or link does, and nothing,
    a confirmation message included, is sent to it until then."""
    subscriptions = store.subscriptions(key)
    if any(s.status is SubscriberStatus.BOUNCED for s in subscriptions):
        return True
    here = next((s for s in subscriptions if s.list_name == list_name), None)
    if here is None or here.status is not SubscriberStatus.UNSUBSCRIBED:
        return False
    changes = [e for e in store.subscriber_history(key, list_name=list_name, limit=50) if e.change in _STATUS_CHANGES]
    return bool(changes) and changes[-1].source is ChangeSource.COMPLAINT


def reactivate_subscriber(chosen: ListSettings, email: str, *, store: Store) -> SubscriberStatus:
    """Make a bounced, complaining or unsubscribed reader active again (the operator's
    decision, recorded as such); their status before. SubscriberError when the address is
    not on the list."""
    key = normalise_email(email).key
    subscriber = store.subscriber(chosen.name, key)
    if subscriber is None:
        raise SubscriberError(f"{email}: not on {chosen.name}")
    if subscriber.status is not SubscriberStatus.ACTIVE:
        store.set_subscriber_status(
            chosen.name,
            key,
            SubscriberStatus.ACTIVE,
            at=datetime.now(UTC),
            source=ChangeSource.OPERATOR,
            detail=f"reactivated (was {subscriber.status.value})",
        )
    return subscriber.status
