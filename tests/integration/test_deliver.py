"""Delivery against a real SMTP server on 127.0.0.1, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import UTC, datetime
from pathlib import Path

import pytest

from digest.delivery.send import DeliveryOptions
from digest.models import DeliveryStatus, SubscriberStatus
from digest.store import Store
from digest.subscribers import new_subscriber, read_token
from tests.helpers import LIST, NOW, REPO, SECRET, save_issue, send, subscribe
from tests.smtp_server import RecordingSMTPServer


async def test_every_active_subscriber_gets_exactly_one_message(store, smtp_server):
    emails = subscribe(store, 30)
    store.set_subscriber_status("daily", "reader3@example.org", SubscriberStatus.UNSUBSCRIBED, at=NOW)
    store.add_subscribers("daily", [new_subscriber("bounced@example.org")], at=NOW)
    store.set_subscriber_status("daily", "bounced@example.org", SubscriberStatus.BOUNCED, at=NOW)
    issue = save_issue(store)
    report = await send(store, issue, smtp_server)

    active = [e for e in emails if e != "reader3@example.org"]
    assert report.complete and not report.failed
    assert report.totals[DeliveryStatus.SENT] == len(active)
    assert {e: smtp_server.copies(e) for e in active} == dict.fromkeys(active, 1)
    assert smtp_server.copies("reader3@example.org") == 0 and smtp_server.copies("bounced@example.org") == 0
    assert store.unsent_articles("daily") == []  # the issue closed and marked its articles sent

    for accepted in smtp_server.accepted:
        msg = email.message_from_bytes(accepted.data, policy=email.policy.default)
        assert not msg.defects
        assert msg["To"].addresses[0].addr_spec == accepted.recipient
        assert msg["List-Unsubscribe-Post"] is None  # LIST's default link is plain http: no one-click
        url = msg["List-Unsubscribe"].split(",")[0].strip("<> ")
        token = url.split("token=")[1]
        assert read_token(token, secret=SECRET).key == accepted.recipient
        body = msg.get_body(("plain",)).get_content() + msg.get_body(("html",)).get_content()
        index = accepted.recipient.removeprefix("reader").split("@")[0]
        assert f"Hi Reader {index}," in body
        others = [e for e in active if e != accepted.recipient]
        assert not any(other in body for other in others)  # no other subscriber's data


async def test_rerun_sends_nothing_more(store, smtp_server):
    subscribe(store, 5)
    issue = save_issue(store)
    await send(store, issue, smtp_server)
    again = await send(store, issue, smtp_server)
    assert len(smtp_server.accepted) == 5
    assert sum(again.this_run.values()) == 0 and again.complete


async def test_transient_and_permanent_failures(store, smtp_server):
    emails = subscribe(store, 12)
    smtp_server.faults.transient_rcpt = {emails[0]: 2, emails[1]: 1}
    smtp_server.faults.transient_data = {emails[2]: 1}
    smtp_server.faults.reject = {emails[3]: 550}
    issue = save_issue(store)
    report = await send(store, issue, smtp_server)

    for address in emails:
        assert smtp_server.copies(address) == (0 if address == emails[3] else 1), address
    assert report.totals[DeliveryStatus.FAILED] == 1
    assert report.totals[DeliveryStatus.SENT] == 11
    assert report.failed and report.complete
    again = await send(store, issue, smtp_server)
    assert sum(again.this_run.values()) == 0
    assert len(smtp_server.accepted) == 11


async def test_transient_failures_beyond_the_retries_are_deferred_then_sent(store, smtp_server):
    emails = subscribe(store, 3)
    smtp_server.faults.transient_rcpt = {emails[0]: 5}
    issue = save_issue(store)
    first = await send(store, issue, smtp_server, DeliveryOptions(attempts=3, backoff=0.01, defer=0.5))
    assert first.totals[DeliveryStatus.DEFERRED] == 1 and not first.complete
    assert smtp_server.attempts[emails[0]] == 3
    assert store.unsent_articles("daily")  # not marked sent while something is owed
    smtp_server.faults.transient_rcpt = {}
    await asyncio.sleep(0.6)
    second = await send(store, issue, smtp_server)
    assert second.complete and second.totals[DeliveryStatus.SENT] == 3
    assert all(smtp_server.copies(e) == 1 for e in emails)


async def test_lost_reply_after_data_is_uncertain_not_resent(store, smtp_server):
    emails = subscribe(store, 4)
    smtp_server.faults.drop_after_data = {emails[1]: 1}
    smtp_server.faults.drop_before_data = {emails[2]: 1}
    issue = save_issue(store)
    report = await send(store, issue, smtp_server)
    assert report.totals[DeliveryStatus.UNCERTAIN] == 1
    assert report.totals[DeliveryStatus.SENT] == 3
    assert all(smtp_server.copies(e) == 1 for e in emails)  # the dropped reply's message did arrive, once
    await send(store, issue, smtp_server)
    assert smtp_server.copies(emails[1]) == 1


async def test_resend_failed_on_request(store, smtp_server):
    emails = subscribe(store, 2)
    smtp_server.faults.reject = {emails[0]: 550}
    issue = save_issue(store)
    await send(store, issue, smtp_server)
    smtp_server.faults.reject = {}
    assert store.reopen(issue.rendered.digest.issue_id, [DeliveryStatus.FAILED], at=NOW) == 1
    report = await send(store, issue, smtp_server)
    assert report.totals[DeliveryStatus.SENT] == 2 and not report.failed
    assert smtp_server.copies(emails[0]) == 1 and smtp_server.copies(emails[1]) == 1


async def test_crashed_claims_are_sent_again_after_their_lease(store, smtp_server):
    subscribe(store, 6)
    issue = save_issue(store)
    issue_id = issue.rendered.digest.issue_id
    # A sender that claimed three and died: nothing sent, the rows stuck in 'sending'.
    assert len(store.claim(issue_id, limit=3, lease=-1, now=datetime.now(UTC))) == 3
    report = await send(store, issue, smtp_server)
    assert report.complete and report.totals[DeliveryStatus.SENT] == 6
    assert len(smtp_server.accepted) == 6


async def test_two_senders_never_send_the_same_row(store, smtp_server):
    subscribe(store, 40)
    issue = save_issue(store)
    options = DeliveryOptions(connections=2, batch=5, backoff=0.01)
    await asyncio.gather(send(store, issue, smtp_server, options), send(store, issue, smtp_server, options))
    assert len(smtp_server.accepted) == 40
    assert all(n == 1 for n in (len(v) for v in smtp_server.by_recipient().values()))


async def test_hourly_cap_stops_and_leaves_the_rest_owed(store, smtp_server):
    subscribe(store, 10)
    issue = save_issue(store)
    report = await send(store, issue, smtp_server, DeliveryOptions(connections=2, batch=4, per_hour=6))
    assert report.capped and not report.complete
    assert len(smtp_server.accepted) == 6


async def test_hourly_cap_counts_what_earlier_runs_sent_in_the_last_hour(store, smtp_server):
    subscribe(store, 10)
    issue = save_issue(store)
    issue_id = issue.rendered.digest.issue_id
    await send(store, issue, smtp_server, DeliveryOptions(connections=2, batch=4, per_hour=6))
    report = await send(store, issue, smtp_server, DeliveryOptions(connections=2, batch=4, per_hour=8))
    assert report.capped and sum(report.this_run.values()) == 2
    assert len(smtp_server.accepted) == 8

    # An hour later those sends no longer count.
    import sqlalchemy as sa

    from digest.store import deliveries_table as d

    with store.engine.begin() as conn:
        conn.execute(sa.update(d).where(d.c.sent_at.is_not(None)).values(sent_at=datetime(2026, 1, 1, tzinfo=UTC)))
    assert store.hourly_used(issue_id, now=datetime.now(UTC)) == 0
    report = await send(store, issue, smtp_server, DeliveryOptions(connections=2, batch=4, per_hour=8))
    assert report.complete and not report.capped
    assert len(smtp_server.accepted) == 10


def send_from_threads(store, issue, server, options, *, threads: int) -> list[Exception]:
    """`threads` senders on the same issue at once, each with its own store connection
    pool and event loop, as Prefect workers would run them; their exceptions."""
    import threading

    errors = []

    def worker():
        try:
            with Store(store.url) as own:
                asyncio.run(send(own, issue, server, options))
        except Exception as exc:  # noqa: BLE001 - surfaced to the caller; a thread's exception is otherwise lost
            errors.append(exc)

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join(timeout=60)
    return errors


def test_concurrent_senders_share_one_hourly_cap(store, smtp_server):
    """Each capped claim reads the room and takes it in one locked step, so senders at
    once never send more than the cap together."""
    subscribe(store, 60)
    issue = save_issue(store)
    options = DeliveryOptions(connections=2, batch=3, per_hour=25, backoff=0.01)
    assert not send_from_threads(store, issue, smtp_server, options, threads=3)
    assert len(smtp_server.accepted) == 25
    assert all(len(copies) == 1 for copies in smtp_server.by_recipient().values())


def test_two_workers_in_threads_with_their_own_connections(store, smtp_server):
    subscribe(store, 60)
    issue = save_issue(store)
    assert not send_from_threads(
        store, issue, smtp_server, DeliveryOptions(connections=2, batch=7, backoff=0.01), threads=2
    )
    assert len(smtp_server.accepted) == 60
    assert all(len(copies) == 1 for copies in smtp_server.by_recipient().values())
    assert store.ledger_totals(issue.rendered.digest.issue_id)[DeliveryStatus.SENT] == 60


async def test_dot_stuffing_keeps_lines_that_start_with_a_dot(store, smtp_server):
    from digest.delivery.connection import _dot_stuffed

    assert _dot_stuffed(b".a\r\nb\r\n.c") == b"..a\r\nb\r\n..c\r\n.\r\n"
    subscribe(store, 1)
    issue = save_issue(store, n_articles=25)  # capped at 20: "...and 5 more" starts a text line
    await send(store, issue, smtp_server)
    [accepted] = smtp_server.accepted
    text = email.message_from_bytes(accepted.data, policy=email.policy.default).get_body(("plain",)).get_content()
    assert "\n...and 5 more stories not shown here." in text


async def test_import_counts_added_and_present(store):
    people = [new_subscriber(f"p{i}@example.org") for i in range(2500)]
    assert store.add_subscribers("daily", people, at=NOW) == (2500, 0)
    again = [*people[:10], new_subscriber("p0@EXAMPLE.org"), new_subscriber("new@example.org")]
    assert store.add_subscribers("daily", again, at=NOW) == (1, 10)
    assert store.count_subscribers("daily") == 2501


def test_what_a_send_logs_names_its_list_and_issue(store, caplog):
    """Every record logged while an issue is sent carries the list and issue ids, so the
    JSON log lines of a run can be told apart by list and issue."""
    import logging

    from digest.app import send_list
    from digest.config import parse_settings
    from digest.logs import current_ids
    from tests.smtp_server import Faults

    subscribe(store, 3)
    issue = save_issue(store)
    seen: list[tuple[str, dict]] = []

    class Ids(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append((record.getMessage(), dict(current_ids())))

    handler = Ids(logging.INFO)
    logging.getLogger("digest").addHandler(handler)
    try:
        with RecordingSMTPServer(Faults(reject={"reader1@example.org": 550})) as server:
            settings = parse_settings(
                {
                    "store": {"url": store.url},
                    "smtp": {"host": server.host, "port": server.port, "security": "none"},
                    "web": {"base_url": "https://news.example.org"},
                    "unsubscribe": {"secret": SECRET},
                    "lists": {"daily": {"title": LIST.title, "from": LIST.sender, "postal_address": "1 Main St"}},
                },
                base_dir=REPO,
            )
            result = send_list(settings, settings.list("daily"), store=store)
    finally:
        logging.getLogger("digest").removeHandler(handler)
    assert result.report is not None and result.report.totals[DeliveryStatus.SENT] == 2
    failed = [ids for message, ids in seen if "reader1@example.org" in message]
    assert failed and all(
        ids.get("list") == "daily" and ids.get("issue") == issue.rendered.digest.issue_id for ids in failed
    )


async def test_a_reader_who_leaves_during_a_send_gets_nothing_more(store, smtp_server):
    from digest.models import ChangeSource

    emails = subscribe(store, 30)
    issue = save_issue(store)
    leaving = emails[-1]  # the last to be claimed
    left: list[str] = []

    def after_batch(*_: object) -> None:
        if not left:  # the first batch is sent: the reader unsubscribes now, mid-send
            store.set_subscriber_status(
                "daily", leaving, SubscriberStatus.UNSUBSCRIBED, at=datetime.now(UTC), source=ChangeSource.ONE_CLICK
            )
            left.append(leaving)

    report = await send(store, issue, smtp_server, DeliveryOptions(connections=1, batch=5), on_batch=after_batch)
    assert left and report.complete
    assert leaving not in smtp_server.by_recipient()
    assert len(smtp_server.accepted) == 29 and report.totals[DeliveryStatus.SKIPPED] == 1


def test_a_runs_own_stop_leaves_the_process_stop_alone_and_a_process_stop_reaches_every_run():
    from digest.delivery.options import Stop

    process = Stop()
    first, second = Stop(parent=process), Stop(parent=process)
    first.request("RuntimeError: one message could not be built")
    assert first and not second and not process  # one batch's failure is that batch's
    process.request("stopped by SIGTERM")
    assert second.reason == "stopped by SIGTERM" and first.reason.startswith("RuntimeError")


def test_a_claim_whose_reader_was_removed_is_dropped_without_counting_it_taken(store):
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from digest.delivery.claims import Claims
    from tests.helpers import save_issue, subscribe

    subscribe(store, 3)
    issue_id = save_issue(store).rendered.digest.issue_id
    ids = sorted(c.subscriber.id for c in store.claim(issue_id, limit=3, lease=60, now=datetime.now(UTC), owner="me"))
    store.remove_subscriber("daily", "reader1@example.org")
    present = store.deliveries_present(issue_id, ids)
    assert len(present) == 2
    run = SimpleNamespace(lost=0, options=SimpleNamespace(lease=60.0))
    claims = Claims(run, subscribers=None, deferred_due=datetime.now(UTC))
    claims.valid = dict.fromkeys(ids, 1e12)
    claims.unsent = set(ids)
    removed = set(ids) - present
    claims.renewed(set(present), ids, until=2e12, removed=removed)
    assert run.lost == 0 and claims.unsent == present


def test_a_claim_passes_over_a_batch_of_readers_who_all_left(store):
    """Readers who left mid-send are skipped as they are claimed; a claim whose whole batch
    left takes the next batch instead of answering "nothing left", which ended the send
    with active readers still owed."""
    emails = subscribe(store, 30)
    issue_id = save_issue(store).rendered.digest.issue_id
    for email_address in emails[:10]:
        store.set_subscriber_status("daily", email_address, SubscriberStatus.UNSUBSCRIBED, at=NOW)
    claims = store.claim(issue_id, limit=10, lease=60, now=NOW, owner="a")
    assert [c.subscriber.email for c in claims] == emails[10:20]
    totals = store.ledger_totals(issue_id)
    assert (totals[DeliveryStatus.SKIPPED], totals[DeliveryStatus.SENDING], totals[DeliveryStatus.PENDING]) == (
        10,
        10,
        10,
    )


async def test_a_slow_list_claims_only_what_it_sends_in_a_few_seconds(store, smtp_server):
    """At one message a second with 8 connections, the rows claimed ahead stay a few
    seconds' worth: a reader who unsubscribes meanwhile is skipped, not already claimed
    (8 or more claims, many seconds of sending, before)."""
    from digest.delivery.options import Stop

    subscribe(store, 12)
    issue = save_issue(store)
    issue_id = issue.rendered.digest.issue_id
    stop = Stop()
    claimed: list[int] = []

    async def watch() -> None:
        for _ in range(30):
            await asyncio.sleep(0.1)
            claimed.append(store.ledger_totals(issue_id)[DeliveryStatus.SENDING])
        stop.request("enough")

    watcher = asyncio.ensure_future(watch())
    await send(store, issue, smtp_server, DeliveryOptions(connections=8, rate=1, batch=500), stop=stop)
    await watcher
    assert max(claimed) <= 4, claimed


def test_the_next_try_of_deferred_deliveries_is_their_own_due_time_not_the_pending_ones(store):
    from datetime import timedelta

    from digest.models import DeliveryResult

    subscribe(store, 3)
    issue_id = save_issue(store).rendered.digest.issue_id
    claims = store.claim(issue_id, limit=1, lease=60, now=NOW, owner="a")
    store.record(
        issue_id, [DeliveryResult(claims[0].subscriber.id, DeliveryStatus.DEFERRED, 421, "later", 300)], now=NOW
    )
    assert store.next_due(issue_id, deferred_only=True) == NOW + timedelta(seconds=300)
    assert store.next_due(issue_id) < NOW  # two still pending: due now


def _files_in_use() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files in /proc/self/fd")
async def test_an_open_files_limit_below_the_connections_sends_with_fewer(store, smtp_server, caplog):
    """`ulimit -n` leaves room for fewer SMTP connections than `[delivery] connections`:
    the connections that could not be opened are given up, with one warning naming the
    limit, and the others send everything; nothing is deferred as if the server were
    down, and nobody gets two copies."""
    import resource

    emails = subscribe(store, 60)
    issue = save_issue(store)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = _files_in_use()
    resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 12, hard))  # room for a few connections only
    try:
        report = await send(store, issue, smtp_server, DeliveryOptions(connections=40, backoff=0.01, circuit=5))
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert report.totals[DeliveryStatus.SENT] == 60 and report.complete, report
    assert {e: smtp_server.copies(e) for e in emails} == dict.fromkeys(emails, 1)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1 and "open files" in warnings[0], warnings
