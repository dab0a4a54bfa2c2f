"""Send an issue to its subscribers through a `Sender` (by default a pool of reused SMTP connections).

Exactly once, nothing lost:
- Deliveries are claimed from the ledger a few at a time, just ahead of sending (about
  two seconds of work), each claim carrying this sender's owner token and a lease. The
  lease is renewed while the claims are held; a message is only started while its
  claim has a third of the lease left, so a sender that cannot renew (its database is
  gone) stops before another sender may take the row.
- Outcomes are written every 32 messages or 50 ms, and only onto rows this sender still
  owns. A lost database connection is retried with backoff while the outcomes wait in
  memory; a crash loses at most the messages in flight and one write's worth.
- 250 after DATA: sent. 4xx or a connection error before DATA completes: retried with
  backoff on a fresh connection, then deferred to a later run. 5xx: a permanent failure.
  The reply after DATA lost: uncertain (the server may have the message); the operator
  settles those.
- A server that cannot be used at all (refused, unknown host, TLS, login) is found
  before anything is claimed and raised once as ServerUnavailable. Connections that
  cannot be opened later in the run open a circuit: the run stops and defers what it
  holds, instead of trying the dead server message by message.
- A stop request (SIGTERM, SIGINT) ends the run gracefully: no new message starts,
  every outcome the server gave is written, and unsent claims are released at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import os
import random
import signal
import ssl
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from digest.config import SmtpSettings
from digest.delivery.claims import Claims, OutcomeWriter, SendRun, renew_leases
from digest.delivery.connection import Outcome
from digest.delivery.journal import Journal, check_journal_folder, replay_journal, store_id
from digest.delivery.options import DeliveryOptions, DeliveryReport, Stop, delivery_options
from digest.delivery.pace import RateLimiter, nap
from digest.delivery.pool import NOT_SENT, Sender, SmtpPool
from digest.errors import ServerUnavailable, StoreError
from digest.mail.dkim import DkimSigner, Signed, Unsigned, sign_all
from digest.mail.message import MessageError, MessageFactory, Recipient
from digest.mail.verp import Verp
from digest.models import DeliveryResult, DeliveryStatus, OutgoingMessage, Subscriber
from digest.store import Claim, Store, StoredIssue

__all__ = ["DeliveryOptions", "DeliveryReport", "RateLimiter", "Stop", "deliver_issue", "delivery_options", "run"]

log = logging.getLogger(__name__)
T = TypeVar("T")


async def deliver_issue(
    issue: StoredIssue,
    *,
    store: Store,
    smtp: SmtpSettings | None = None,
    transport: Sender | None = None,
    sender: str,
    recipient_for: Callable[[Subscriber], Recipient],
    reply_to: str = "",
    view_url: str = "",
    options: DeliveryOptions = DeliveryOptions(),
    on_batch: Callable[[int], None] | None = None,
    tls_context: ssl.SSLContext | None = None,
    subscribers: tuple[int, int] | None = None,
    stop: Stop | None = None,
    accept_uncertain: bool = False,
    signer: DkimSigner | None = None,
    verp: Verp | None = None,
    signing_threads: int | None = None,
    id_secret: str = "",
) -> DeliveryReport:
    """Send what the ledger still owes for `issue` through `transport` (default: a pool of
    `options.connections` connections to `smtp`); close the issue when nothing is owed
    (and nothing is uncertain, unless `accept_uncertain`). With `signer` every message is
    DKIM-signed, its signatures made on `signing_threads` threads beside
    the event loop, several messages a hand-off (default: one a core with an RSA key,
    none with Ed25519 alone; 0: on the loop's thread); with `verp` each goes
    out from its own bounce address, naming the issue and the reader; `id_secret` keys the
    Message-IDs (see message_id_digest)."""
    if transport is None:
        if smtp is None:
            raise TypeError("deliver_issue needs smtp settings or a transport")
        transport = SmtpPool(smtp, connections=options.connections, tls_context=tls_context)
    issue_id = issue.rendered.digest.issue_id
    factory = MessageFactory(
        issue.rendered, sender=sender, reply_to=reply_to, view_url=view_url, signer=signer, id_secret=id_secret
    )
    envelope = verp.for_issue(issue_id) if verp is not None else None
    signing = _signing_threads(signer, signing_threads)
    run = SendRun(
        issue_id,
        store,
        factory,
        factory.envelope_from,
        recipient_for,
        options,
        RateLimiter(options.rate),
        stop if stop is not None else Stop(),
    )
    journal = await _journal(run) if options.journal else None
    await run.patiently("skipping readers who left", store.skip_inactive, issue_id, at=_now())
    owed: int = await run.patiently("counting what is owed", store.count_owed, issue_id, subscribers=subscribers)
    if owed and isinstance(transport, SmtpPool):
        try:
            await transport.check()
        except BaseException:
            await transport.close()
            raise
    # A message deferred in this run waits for a later run, even with defer=0: claimed
    # again at once, a recipient the server always defers would keep the run going.
    claims = Claims(run, subscribers=subscribers, deferred_due=_now())
    writer = OutcomeWriter(run, claims, on_batch, journal=journal)
    heartbeat = asyncio.ensure_future(renew_leases(run, claims))
    try:
        await _send_owed(transport, run, claims, writer, envelope, signing)
    finally:
        heartbeat.cancel()
        if signing is not None:
            signing.shutdown()
        await transport.close()
        left = claims.leftovers()
        if run.server_down:
            # The server is down: what was not tried waits for the retry delay, like a deferral.
            for claim in left:
                writer.add(
                    DeliveryResult(
                        claim.subscriber.id,
                        DeliveryStatus.DEFERRED,
                        error=f"not tried: {run.server_down}",
                        retry_after=options.defer,
                    )
                )
                run.counts[DeliveryStatus.DEFERRED] += 1
            left = []
        released = 0
        await writer.close()
        if writer.failure is not None:
            raise _unrecorded(writer, run, left)
        if left:
            released = await run.patiently(
                "releasing unsent claims",
                store.release,
                issue_id,
                [c.subscriber.id for c in left],
                now=_now(),
                owner=run.owner,
            )
    if run.failure is not None:
        raise run.failure
    complete = await run.patiently(
        "closing the issue", store.complete_issue, issue_id, at=_now(), accept_uncertain=accept_uncertain
    )

    def report() -> DeliveryReport:
        now = _now()
        capped = not complete and bool(options.per_hour) and store.hourly_used(issue_id, now=now) >= options.per_hour
        # Another sender's claims first, the totals after: a row it records in between is
        # then counted as done, never as owed by nobody.
        elsewhere = store.in_flight_elsewhere(issue_id, owner=run.owner, now=now)
        ledger = store.ledger_overview([issue_id], now=now)[issue_id]
        return DeliveryReport(
            issue_id=issue_id,
            totals=ledger.totals,
            this_run=run.counts,
            complete=complete,
            capped=capped,
            throttled=run.throttled,
            rate=run.limiter.rate,
            stopped=run.server_down or run.stop.reason,
            released=released,
            elsewhere=elsewhere,
            lost=run.lost,
            next_due=None if complete else store.next_due(issue_id, deferred_only=True),
            last_deferral=ledger.last_deferral,
            last_failure=ledger.last_failure,
        )

    return await run.patiently("reading the ledger totals", report)


async def _send_owed(
    transport: Sender,
    run: SendRun,
    claims: Claims,
    writer: OutcomeWriter,
    envelope: Callable[[int], str] | None,
    signing: Signing | None,
) -> None:
    """The workers, until nothing is left to claim; again for the claims given back, as
    long as a round sends something, or up to RECLAIM_ROUNDS rounds in a row that don't."""
    idle_rounds = 0
    while True:
        done = sum(run.counts.values())
        await asyncio.gather(
            *(_worker(transport, run, claims, writer, envelope, signing) for _ in range(_workers(transport, signing)))
        )
        idle_rounds = 0 if sum(run.counts.values()) > done else idle_rounds + 1
        if idle_rounds > RECLAIM_ROUNDS or not await _give_back_skipped(run, claims):
            return


# Rounds in a row that send nothing before a run leaves the claims whose lease ran short
# to the next run (each round that sends something settles at least one reader).
RECLAIM_ROUNDS = 3


async def _give_back_skipped(run: SendRun, claims: Claims) -> bool:
    """Whether claims skipped because their lease could not be renewed in time (the store
    away for a moment) were given back, to be claimed again by this run: they would
    otherwise be owed until the next one. Not when the run is stopping. A skipped claim
    that another sender has taken meanwhile is counted lost, as a renewal counts it."""
    if run.ending() or not claims.skipped:
        return False
    ids = claims.take_skipped()
    if not ids:
        return False
    store, issue_id = run.store, run.issue_id

    def give_back() -> tuple[int, int]:
        held = store.renew(issue_id, ids, owner=run.owner, lease=run.options.lease, now=_now())
        missing = [sid for sid in ids if sid not in held]
        taken = len(store.deliveries_present(issue_id, missing)) if missing else 0
        released = store.release(issue_id, sorted(held), now=_now(), owner=run.owner) if held else 0
        return taken, released

    try:
        taken, released = await run.patiently("giving back claims whose lease ran short", give_back)
    except StoreError as exc:
        # Still ours until their lease runs out: the next run sends them.
        log.warning("cannot give back %d claim(s) whose lease ran short: %s", len(ids), exc)
        return False
    run.lost += taken
    return released > 0


async def _journal(run: SendRun) -> Journal:
    """This run's outcome journal, once the journals stopped senders left in its folder
    are recorded; ConfigError before anything is sent if no journal could be written."""
    folder = Path(run.options.journal)
    check_journal_folder(folder)
    await run.patiently("recording journaled outcomes", replay_journal, run.store, folder)
    key = await run.patiently("reading the store's id", store_id, run.store)
    journal = Journal(folder, store_key=key, owner=run.owner)
    journal.reserve(claims=run.options.batch)
    return journal


def _unrecorded(writer: OutcomeWriter, run: SendRun, left: list[Claim]) -> StoreError:
    """The error that ends a run whose store went away: the outcomes it could not write
    and its unsent claims go to the journal, when it has one, for the next send."""
    message = f"{len(writer.unrecorded)} delivery outcome(s) could not be recorded: {writer.failure}"
    journal = writer.journal
    if journal is None:
        return StoreError(message + "; their messages are sent again once their claims' lease runs out")
    try:
        journal.keep(
            run.issue_id,
            [r for r in writer.unrecorded if r.subscriber_id not in writer.journaled],
            unsent=[c.subscriber.id for c in left],
            at=_now(),
        )
    except OSError as exc:
        return StoreError(f"{message}; nor could they be kept in the journal {journal.path}: {exc.strerror or exc}")
    return StoreError(f"{message}; kept in {journal.path}: the next send records them")


# Messages each signing thread has ready or in hand beyond those at the connections.
SIGNED_AHEAD = 8


def _workers(transport: Sender, signing: Signing | None) -> int:
    """A worker a connection, and with signing threads as many more again as keep the
    threads busy while the connections send: a worker waits for its signature before it
    waits for a connection, so without them a thread idles whenever every connection has
    a message, and each connection whenever the threads sign."""
    return transport.concurrency + (signing.threads * SIGNED_AHEAD if signing is not None else 0)


def _signing_threads(signer: DkimSigner | None, threads: int | None) -> Signing | None:
    """Where messages are signed: on threads beside the event loop, or (None) inline.
    An RSA signature is made by OpenSSL without the GIL (digest.mail.openssl), so with an
    RSA key (whose signature costs about twice the rest of a message's work) the
    signatures go to a thread a core, in batches, and the loop keeps the rest of each
    message: every core the loop and the server leave idle signs. An Ed25519 signature alone is
    made inline: even batched, the hand-off cost more CPU than it saved (bench/dkim.py)."""
    if signer is None:
        return None
    if threads is None:
        threads = (os.cpu_count() or 1) if signer.rsa else 0
    return Signing(threads) if threads > 0 else None


class Signing:
    """Signs prepared messages on `threads` threads, several per hand-off: what the
    workers prepared in one turn of the event loop, or while every thread was busy, goes
    to the free threads in one call each (shared out evenly), so the hand-off (a
    thread woken, the loop woken with the result) is paid once a batch, not once a
    message."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="dkim", initializer=_yield_to_the_loop)
        self.waiting: list[tuple[Unsigned, list[bytes], asyncio.Future[list[bytes]]]] = []
        self.busy = 0
        self.batches = 0  # handed off so far, and the messages in them
        self.signed = 0
        self._flush_due = False

    async def sign(self, unsigned: Unsigned) -> Signed:
        """The message's signatures, once a thread has made them. The body hash and what
        each key signs are made here: a signing thread then takes the GIL back once a
        message, after its signature."""
        loop = asyncio.get_running_loop()
        bh, inputs = unsigned.inputs()
        future: asyncio.Future[list[bytes]] = loop.create_future()
        self.waiting.append((unsigned, inputs, future))
        if not self._flush_due:
            self._flush_due = True
            loop.call_soon(self._flush)  # after the other workers' turns: they may add theirs
        return bh, await future

    def _flush(self) -> None:
        self._flush_due = False
        free = self.threads - self.busy
        while self.waiting and free > 0:
            size = -(-len(self.waiting) // free)
            batch, self.waiting = self.waiting[:size], self.waiting[size:]
            free -= 1
            self.busy += 1
            self.batches += 1
            self.signed += len(batch)
            work = [(unsigned, inputs) for unsigned, inputs, _ in batch]
            done = asyncio.get_running_loop().run_in_executor(self.executor, sign_all, work)
            done.add_done_callback(functools.partial(self._done, batch))

    def _done(
        self,
        batch: list[tuple[Unsigned, list[bytes], asyncio.Future[list[bytes]]]],
        done: asyncio.Future[list[list[bytes]]],
    ) -> None:
        self.busy -= 1
        error = done.exception() if not done.cancelled() else asyncio.CancelledError()
        for index, (_, _, future) in enumerate(batch):
            if future.done():  # its worker was cancelled
                continue
            if error is None:
                future.set_result(done.result()[index])
            else:
                future.set_exception(error)
        if self.waiting:
            self._flush()

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False)


SIGNING_NICENESS = 10


def _yield_to_the_loop() -> None:
    """Runs on each signing thread: a lower scheduling priority (nicer by SIGNING_NICENESS)
    for it alone (Linux gives each thread its own), so the event loop, which every message goes through, gets a
    core whenever it can run, and the signatures take the CPU time it leaves."""
    with contextlib.suppress(AttributeError, OSError):
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + SIGNING_NICENESS))


def _may_send(claims: Claims, run: SendRun, subscriber_id: int) -> Callable[[], bool]:
    return lambda: claims.holds(subscriber_id) and not run.stop


async def _worker(
    transport: Sender,
    run: SendRun,
    claims: Claims,
    writer: OutcomeWriter,
    envelope: Callable[[int], str] | None = None,
    signing: Signing | None = None,
) -> None:
    while not run.stop and not run.server_down:
        if not writer.writable.is_set():
            await writer.writable.wait()  # the store is away: a message now could not be recorded
            continue
        # Under a set rate the next message's turn comes before its claim is taken: a worker
        # waiting its turn with a claim in hand would keep a reader who leaves meanwhile owed.
        paced = run.limiter.rate > 0
        if paced:
            await run.limiter.wait(until=run.ending)
            if run.stop or run.server_down:
                return
        claim = await claims.next()
        if claim is None:
            return
        sid = claim.subscriber.id
        result = None
        if claims.holds(sid):  # else its lease could not be renewed in time: the row may be someone else's
            try:
                result = await _deliver_one(
                    claim,
                    run,
                    transport,
                    may_send=_may_send(claims, run, sid),
                    envelope=envelope,
                    signing=signing,
                    paced=paced,
                )
            except Exception as exc:  # noqa: BLE001 -- raised again once the run has ended
                # The other workers finish the messages they have and every outcome is
                # written before the error is raised (deliver_issue); this claim's row
                # waits for its lease, as after a crash: the message may have gone out.
                run.failure = run.failure or exc
                run.stop.request(f"{type(exc).__name__}: {exc}")
                return
        if result is None:
            claims.skipped.append(claim)  # not sent: released (or deferred) when the run ends
            continue
        claims.sent(sid)
        run.counts[result.status] += 1
        writer.add(result)


async def _deliver_one(
    claim: Claim,
    run: SendRun,
    transport: Sender,
    *,
    may_send: Callable[[], bool],
    envelope: Callable[[int], str] | None = None,
    signing: Signing | None = None,
    paced: bool = False,
) -> DeliveryResult | None:
    """The message's outcome, or None when it was not sent because the run is stopping
    or the claim is no longer safely held. `envelope` gives the envelope sender of a
    reader's copy (their bounce address); by default it is the list's sender. With
    `signing`, the message's signatures are made on one of its threads. `paced`: its
    first try's turn under the rate was taken already."""
    subscriber = claim.subscriber
    message = await _message(claim, run, envelope=envelope, signing=signing)
    if isinstance(message, DeliveryResult):
        return message
    outcome = Outcome(DeliveryStatus.DEFERRED)
    tries = throttles = 0
    while tries < run.options.attempts:
        if tries or throttles or not paced:
            await run.limiter.wait(until=run.ending)
        if not may_send() or run.server_down:
            return None
        answer = await _send(transport, message, run, may_send=may_send)
        if answer is None:
            return None
        outcome = answer
        if outcome.unreachable:
            run.unreachable += 1
            if run.unreachable >= max(1, run.options.circuit) and not run.server_down:
                run.server_down = f"SMTP server unreachable: {outcome.error}"
                log.warning("%s; stopping this run", run.server_down)
            if run.server_down:
                break
        else:
            run.unreachable = 0
        if outcome.status is DeliveryStatus.SENT:
            run.limiter.speed_up()
        if outcome.status is not DeliveryStatus.DEFERRED:
            break
        if outcome.throttled:
            # The server asks us to slow down: the whole sender does, and the try
            # does not count against the message's attempts.
            run.throttled += 1
            throttles += 1
            run.limiter.slow_down()
            log.info("throttled by the server (%s); now at most %.1f messages/s", outcome.error, run.limiter.rate)
            if throttles >= run.options.max_throttles:
                break
            delay = run.options.backoff * 2 ** min(throttles - 1, 6)
        else:
            tries += 1
            if tries >= run.options.attempts:
                break
            delay = run.options.backoff * 2 ** (tries - 1)
        if await nap(delay * random.uniform(0.8, 1.2), until=run.ending):
            break  # deferred: the run is ending
    if outcome.status is DeliveryStatus.DEFERRED:
        log.info("deferred %s: %s", subscriber.email, outcome.error)
        return DeliveryResult(subscriber.id, outcome.status, outcome.code, outcome.error, retry_after=run.options.defer)
    if outcome.status is not DeliveryStatus.SENT:
        log.warning("%s to %s: %s", outcome.status.value, subscriber.email, outcome.error)
    return DeliveryResult(subscriber.id, outcome.status, outcome.code, outcome.error)


async def _message(
    claim: Claim, run: SendRun, *, envelope: Callable[[int], str] | None, signing: Signing | None
) -> OutgoingMessage | DeliveryResult:
    """The reader's copy, or its failure when it cannot be written (a bad address)."""
    subscriber = claim.subscriber
    sender = run.sender if envelope is None else envelope(subscriber.id)
    try:
        recipient = run.recipient_for(subscriber)
        if signing is None:
            data = run.factory.build(recipient)
        else:
            # Everything but the signatures here; those on a signing thread, while this
            # loop sends other messages. The claim is checked again before the message
            # goes out, after the signature: one lost meanwhile is not sent.
            unsigned = run.factory.prepare(recipient)
            data = unsigned.complete(await signing.sign(unsigned))
    except MessageError as exc:
        return DeliveryResult(subscriber.id, DeliveryStatus.FAILED, error=str(exc))
    return OutgoingMessage(sender, (subscriber.email,), data, dot_free=run.factory.dot_free)


async def _send(
    transport: Sender, message: OutgoingMessage, run: SendRun, *, may_send: Callable[[], bool]
) -> Outcome | None:
    """The server's answer, or None when the message did not go out: its claim was lost
    while it waited for a connection, or the login was refused for good (the run stops)."""
    try:
        outcome = await transport.send(message, may_send=may_send)
    except ServerUnavailable as exc:  # raised before anything of this message was written
        if not run.server_down:
            run.server_down = str(exc)
            log.warning("%s; stopping this run", exc)
        return None
    return None if outcome is NOT_SENT else outcome


def run(coroutine: Coroutine[Any, Any, T], *, stop: Stop | None = None) -> T:
    """asyncio.run on uvloop where it is installed: its event loop costs the send path
    about a tenth less CPU per message. With `stop`, SIGTERM and SIGINT request a
    graceful stop (on the main thread; a second SIGINT interrupts at once)."""
    try:
        import uvloop
    except ImportError:
        factory = None
    else:
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        if stop is None or threading.current_thread() is not threading.main_thread():
            return runner.run(coroutine)
        try:
            return runner.run(_stoppable(coroutine, stop))
        finally:
            if inspect.getcoroutinestate(coroutine) == inspect.CORO_CREATED:
                coroutine.close()  # a Ctrl-C before it started: no "never awaited" warning


async def _stoppable(coroutine: Coroutine[Any, Any, T], stop: Stop) -> T:
    """`coroutine`, with SIGTERM and SIGINT requesting `stop`. The handlers are set from
    inside the running loop: uvloop keeps a signal that comes between a handler's setting
    and the loop's start aside (until another signal comes), so such a Ctrl-C was lost and
    the send went on to the end. Before this point, a Ctrl-C is Python's KeyboardInterrupt."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):

        def on_signal(sig: signal.Signals = sig) -> None:
            stop.request(f"stopped by {sig.name}")
            loop.remove_signal_handler(sig)  # a second one acts at once

        loop.add_signal_handler(sig, on_signal)
    return await coroutine


def _now() -> datetime:
    return datetime.now(UTC)
