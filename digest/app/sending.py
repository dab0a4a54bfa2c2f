"""Sending use cases: send a list's issue, a dry run, a test send, and where mail goes
when no SMTP server is configured (the local capture server)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from digest.app.deliverability import bounce_verp, envelope_sender, message_signer, warn_alignment
from digest.app.issues import (
    issue_day,
    next_digest,
    prepare_issue,
    readers_to_seed,
    recipient_factory,
    render_for_list,
    signing_secret,
    view_url,
)
from digest.app.mailing import send_one
from digest.config import ListSettings, Settings, SmtpSettings
from digest.delivery.connection import Connection
from digest.delivery.send import DeliveryReport, Stop, deliver_issue, delivery_options, run
from digest.errors import DeliveryError, DigestError
from digest.logs import log_context
from digest.mail.message import MessageFactory, Recipient
from digest.models import DeliveryStatus, RenderedDigest, SubscriberStatus
from digest.store import Store, StoredIssue
from digest.subscribers import new_subscriber

_OWED = (DeliveryStatus.PENDING, DeliveryStatus.DEFERRED, DeliveryStatus.SENDING)


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    settings: SmtpSettings
    note: str = ""  # where the mail went, when it is the local capture server
    started: bool = False  # the capture server was started here, for as long as the block runs


@dataclass(frozen=True, slots=True)
class SendPlan:
    """What a send is about to do, for a progress display."""

    issue: StoredIssue
    owed: int
    reopened_failed: int = 0
    reopened_uncertain: int = 0
    deferred: int = 0  # of the owed, deferred by the server: each goes when its retry is due


@dataclass(frozen=True, slots=True)
class SendResult:
    list_name: str
    plan: SendPlan | None  # None: nothing new to send
    report: DeliveryReport | None = None
    where: str = ""

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing is owed that no live sender is working on."""
        report = self.report
        return report is None or not (report.failed or (not report.complete and report.owed > 0))


@dataclass(frozen=True, slots=True)
class DryRun:
    rendered: RenderedDigest | None  # None: nothing new
    active: int


@dataclass(frozen=True, slots=True)
class ProofSent:
    address: str
    subject: str
    where: str


@contextmanager
def smtp_target(settings: Settings) -> Iterator[SmtpTarget]:
    """The configured SMTP server; with no host, the local capture server (one already
    listening on the port, or one started here for as long as the block runs: shared by
    every thread of this process that asks meanwhile)."""
    smtp = settings.smtp
    if smtp.host:
        yield SmtpTarget(smtp)
        return
    local = replace(smtp, host="127.0.0.1", security="none", username="", password="")
    maildir = Path(settings.delivery.maildir)
    note = f"Captured in the Maildir {maildir.resolve()} (digest preview --serve lists it; any mail reader opens it)."
    deadline = time.monotonic() + _CAPTURE_WAIT
    while True:
        with _shared_capture(maildir, smtp.port) as started:
            if started is not None:
                yield SmtpTarget(replace(local, port=started), note, started=True)
                return
        if _smtp_listens(smtp.port):
            yield SmtpTarget(local, f"Delivered to the capture server on 127.0.0.1:{smtp.port}.")
            return
        if time.monotonic() > deadline:  # a port taken by a program that is not a capture server
            raise DeliveryError(
                f"capture server on 127.0.0.1:{smtp.port}: the port is taken by a program that does not "
                "speak SMTP; stop it, or set [smtp] port to a free one"
            )
        time.sleep(0.1)


_CAPTURE_WAIT = 3.0  # seconds for another process's capture server, just started, to greet
_captures: dict[int, list] = {}  # port -> [the capture server this process runs, its users]
_captures_lock = threading.Lock()


@contextmanager
def _shared_capture(maildir: Path, port: int) -> Iterator[int | None]:
    """This process's capture server on `port` (started now, unless another thread's is
    running), its port; None when the port is taken by someone else."""
    from digest.delivery.sink import CaptureSink

    with _captures_lock:
        entry = _captures.get(port)
        if entry is None:
            if _port_taken(port):
                entry = None
            else:
                try:
                    entry = _captures[port] = [CaptureSink(maildir=maildir, port=port).start(), 0]
                except DeliveryError:
                    if not _port_taken(port):
                        raise  # not the port: the Maildir, say
                    entry = None  # another process took it a moment ago
        if entry is not None:
            entry[1] += 1
    if entry is None:
        yield None
        return
    try:
        yield entry[0].port
    finally:
        with _captures_lock:
            entry[1] -= 1
            if entry[1] == 0:
                _captures.pop(port, None)
                entry[0].stop()


def _port_taken(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _smtp_listens(port: int) -> bool:
    """Whether what listens on the port greets as an SMTP server does ("220 ...")."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as sock:
            sock.settimeout(2.0)
            return sock.recv(4).startswith(b"220")
    except OSError:
        return False


def check_smtp(smtp: SmtpSettings) -> None:
    """Connect, log in and hang up: ServerUnavailable, naming the server and the cause,
    when the server cannot be used at all (refused, unknown host, TLS, login). A flow
    run asks once before its send batches, so a dead server is reported once."""

    async def check() -> None:
        connection = Connection(smtp)
        try:
            await connection.check()
        finally:
            await connection.close()

    run(check())


def plan_send(
    settings: Settings,
    chosen: ListSettings,
    *,
    store: Store,
    issue_id: str | None = None,
    resend_failed: bool = False,
    resend_uncertain: bool = False,
) -> SendPlan | None:
    """Pick the issue to send (the given one, the list's unfinished one, or a new one
    from the unsent articles) and reopen what the operator asked to resend. None when
    there is nothing new."""
    now = _now()
    if issue_id:
        stored = store.issue(issue_id)
        if stored is None or stored.rendered.digest.list_name != chosen.name:
            raise DigestError(f"no issue {issue_id!r} for list {chosen.name}")
    else:
        stored = prepare_issue(settings, chosen, store=store, day=issue_day(chosen, now), now=now)
        if stored is None:
            return None
    current = stored.rendered.digest.issue_id
    failed = store.reopen(current, [DeliveryStatus.FAILED], at=now) if resend_failed else 0
    uncertain = store.reopen(current, [DeliveryStatus.UNCERTAIN], at=now) if resend_uncertain else 0
    totals = store.ledger_totals(current)
    owed = sum(n for s, n in totals.items() if s in _OWED)
    return SendPlan(stored, owed, failed, uncertain, deferred=totals[DeliveryStatus.DEFERRED])


def send_list(
    settings: Settings,
    chosen: ListSettings,
    *,
    store: Store,
    issue_id: str | None = None,
    resend_failed: bool = False,
    resend_uncertain: bool = False,
    accept_uncertain: bool = False,
    on_plan: Callable[[SendPlan], None] | None = None,
    on_progress: Callable[[int], None] | None = None,
    stop: Stop | None = None,
) -> SendResult:
    """Send the list's issue to every active subscriber it still owes, exactly once.
    With `stop`, SIGTERM and SIGINT end the run gracefully."""
    plan = plan_send(
        settings, chosen, store=store, issue_id=issue_id, resend_failed=resend_failed, resend_uncertain=resend_uncertain
    )
    if plan is None:
        return SendResult(chosen.name, None)
    if on_plan:
        on_plan(plan)
    issue_id = plan.issue.rendered.digest.issue_id
    recipient_for = recipient_factory(chosen, secret=signing_secret(settings, store=store))
    stop = stop if stop is not None else Stop()
    signer, verp = message_signer(settings), bounce_verp(settings, store=store)
    warn_alignment(settings, chosen)
    with log_context(list=chosen.name, issue=issue_id), smtp_target(settings) as target:
        report = run(
            deliver_issue(
                plan.issue,
                store=store,
                smtp=target.settings,
                sender=chosen.sender,
                reply_to=chosen.reply_to,
                recipient_for=recipient_for,
                view_url=view_url(chosen, issue_id),
                options=delivery_options(settings.delivery),
                on_batch=on_progress,
                stop=stop,
                accept_uncertain=accept_uncertain,
                signer=signer,
                verp=verp,
                id_secret=signing_secret(settings, store=store),
            ),
            stop=stop,
        )
    return SendResult(chosen.name, plan, report, target.note)


def dry_run(settings: Settings, chosen: ListSettings, *, store: Store, issue_id: str | None = None) -> DryRun:
    """What a send would go out as, and to how many; nothing is saved or sent. A DKIM key
    the send could not sign with is its error here too (DigestError)."""
    message_signer(settings)
    rendered = _issue_or_next(settings, chosen, store=store, issue_id=issue_id)
    # A list still empty gets its readers file at the first send: they count here too.
    active = store.count_subscribers(chosen.name, status=SubscriberStatus.ACTIVE)
    return DryRun(rendered, active + (readers_to_seed(chosen, store=store) if rendered is not None else 0))


def send_proof(
    settings: Settings, chosen: ListSettings, address: str, *, store: Store, issue_id: str | None = None
) -> ProofSent | None:
    """The list's issue (or the next one) to one address, outside the ledger: a Message-ID
    of its own each time, and no unsubscribe link (the address is no reader's). None when
    there is nothing to send."""
    rendered = _issue_or_next(settings, chosen, store=store, issue_id=issue_id, or_last=True)
    if rendered is None:
        return None
    target_address = new_subscriber(address).email
    factory = MessageFactory(
        rendered,
        sender=chosen.sender,
        reply_to=chosen.reply_to,
        view_url=view_url(chosen, rendered.digest.issue_id),
        proof=True,
    )
    data = factory.build(Recipient(email=target_address))
    note = send_one(settings, envelope_from=envelope_sender(settings, chosen), recipient=target_address, data=data)
    return ProofSent(target_address, rendered.subject, note)


def _issue_or_next(
    settings: Settings, chosen: ListSettings, *, store: Store, issue_id: str | None, or_last: bool = False
) -> RenderedDigest | None:
    """The given issue, the list's unfinished one, or the next one; with `or_last`, the
    last one sent when there is nothing new."""
    found = store.issue(issue_id) if issue_id else store.open_issue(chosen.name)
    if found is not None:
        return found.rendered
    if issue_id:
        raise DigestError(f"no issue {issue_id!r} for list {chosen.name}")
    digest = next_digest(settings, chosen, store=store, day=issue_day(chosen, _now()))
    if not digest.empty:
        return render_for_list(digest, chosen)
    last = store.last_issue(chosen.name) if or_last else None
    return last.rendered if last else None


def _now() -> datetime:
    return datetime.now(UTC)


def send_range(
    settings: Settings,
    chosen: ListSettings,
    issue_id: str,
    *,
    store: Store,
    smtp: SmtpSettings,
    subscribers: tuple[int, int] | None,
    retry_delay: float = 0.0,
    stop: Stop | None = None,
) -> DeliveryReport:
    """One range of an issue's ledger (one send batch of the flow; None: all of it);
    deferred rows are due again after `retry_delay` (the flow retries the batch itself).
    `stop`, once requested, ends the send gracefully (every outcome written)."""
    issue = store.issue(issue_id)
    if issue is None:
        raise DigestError(f"no issue {issue_id!r}")
    with log_context(list=chosen.name, issue=issue_id):
        return run(
            deliver_issue(
                issue,
                store=store,
                smtp=smtp,
                sender=chosen.sender,
                reply_to=chosen.reply_to,
                recipient_for=recipient_factory(chosen, secret=signing_secret(settings, store=store)),
                view_url=view_url(chosen, issue_id),
                options=delivery_options(settings.delivery, defer=retry_delay),
                subscribers=subscribers,
                signer=message_signer(settings),
                verp=bounce_verp(settings, store=store),
                id_secret=signing_secret(settings, store=store),
                stop=stop,
            )
        )


def finish_issue(issue_id: str, *, store: Store) -> tuple[bool, dict[DeliveryStatus, int]]:
    """Close the issue (marking its articles sent to the list) once nothing is owed or
    uncertain; (closed, the ledger totals)."""
    complete = store.complete_issue(issue_id, at=_now())
    return complete, store.ledger_totals(issue_id)


def send_share(
    settings: Settings,
    chosen: ListSettings,
    issue_id: str,
    *,
    store: Store,
    smtp: SmtpSettings,
    retry_delay: float = 0.0,
    poll: float = 1.0,
    stop: Stop | None = None,
) -> DeliveryReport:
    """One of several senders of the same issue (each in its own process, on any machine
    that reaches the store): send whatever can be claimed, until nothing is left that
    another live sender holds. Rows another sender holds are waited for, and taken once
    its lease runs out (it died), so the senders still alive finish the issue between
    them. Deferred rows are due again after `retry_delay`."""
    while True:
        report = send_range(
            settings, chosen, issue_id, store=store, smtp=smtp, subscribers=None, retry_delay=retry_delay, stop=stop
        )
        if report.stopped or not report.elsewhere:
            return report
        while store.ledger_overview([issue_id], now=_now())[issue_id].in_flight and not stop:
            time.sleep(poll)  # another sender's claims: sent by it, or free once its lease runs out
