"""Exactly once under the faults real operation brings: senders slower than their lease,
claims taken over, database connections killed mid-send, composers racing, a server
that is down, uncertain rows, SIGTERM, and another sender still at work.

Each test compares what the SMTP server really accepted with the ledger."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa

from digest.app import prepare_issue, recipient_factory
from digest.config import SmtpSettings
from digest.delivery.send import DeliveryOptions, Stop, deliver_issue, run as run_delivery
from digest.models import DeliveryStatus
from digest.store import Store, deliveries_table, issues_table, subscribers_table
from tests.conftest import POSTGRES_URL
from tests.faults.conftest import DAY, LIST, NOW, REPO, SECRET, digest_cli, report, save_issue, subscribe
from tests.fixtures import postgres_schema_url
from tests.smtp_server import RecordingSMTPServer


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A store URL on a SQLite file, and on a new schema of the local PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'digest.db'}"
        return
    yield from postgres_schema_url()


@pytest.fixture
def pg_url():
    yield from postgres_schema_url()


def smtp_for(server: RecordingSMTPServer, *, timeout: float = 5) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, security="none", timeout=timeout)


def send_in_thread(
    url: str, issue_id: str, server, options: DeliveryOptions, reports: list, errors: list, *, delay: float = 0.0
) -> threading.Thread:
    """One sender of its own: its own store connections and event loop."""

    def go() -> None:
        time.sleep(delay)
        try:
            with Store(url) as store:
                issue = store.issue(issue_id)
                reports.append(
                    run_delivery(
                        deliver_issue(
                            issue,
                            store=store,
                            smtp=smtp_for(server),
                            sender=LIST.sender,
                            recipient_for=recipient_factory(LIST, secret=SECRET),
                            options=options,
                        )
                    )
                )
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    thread = threading.Thread(target=go)
    thread.start()
    return thread


def send_alone(url: str, issue_id: str, server, options: DeliveryOptions):
    """One sender run to its end in a thread of its own; its report (it raised nothing)."""
    reports: list = []
    errors: list = []
    send_in_thread(url, issue_id, server, options, reports, errors).join(timeout=60)
    assert not errors, errors
    return reports[0]


def ledger_by_email(url: str, issue_id: str) -> dict[str, str]:
    with Store(url) as store, store.engine.connect() as conn:
        d, s = deliveries_table, subscribers_table
        rows = conn.execute(
            sa.select(s.c.email, d.c.status).join(d, d.c.subscriber_id == s.c.id).where(d.c.issue_id == issue_id)
        )
        return {r.email: r.status for r in rows}


def compare(server: RecordingSMTPServer, emails: list[str], ledger: dict[str, str]) -> tuple[list[str], int, int]:
    """(lost, duplicates, ledger rows that disagree with what the server accepted)."""
    copies = {e: server.copies(e) for e in emails}
    lost = [e for e in emails if copies[e] == 0]
    duplicates = sum(n - 1 for n in copies.values() if n > 1)
    disagree = sum(1 for e in emails if (ledger.get(e) == "sent") != (copies[e] > 0))
    return lost, duplicates, disagree


def take_rows(url: str, issue_id: str, emails: set[str]) -> None:
    """Another sender takes these readers' rows for an hour, as after their lease ran out."""
    with Store(url) as thief, thief.engine.begin() as conn:
        d, s = deliveries_table, subscribers_table
        ids = sa.select(s.c.id).where(s.c.email.in_(sorted(emails)))
        conn.execute(
            sa.update(d)
            .where(d.c.issue_id == issue_id, d.c.subscriber_id.in_(ids))
            .values(status="sending", claimed_by="another-sender", claimed_until=sa.func.datetime("now", "+1 hour"))
        )


def refuse_renewals(monkeypatch, times: int, *, first: Callable[[], None] = lambda: None) -> Iterator[int]:
    """The store refuses the next `times` lease renewals (a dropped connection), calling
    `first` at the first; the refusals left, to check they were all used."""
    from digest.errors import StoreError

    refusals = iter(range(times))
    renew = Store.renew

    def flaky_renew(self, *args, **kwargs):
        refusal = next(refusals, None)
        if refusal is not None:
            if refusal == 0:
                first()
            raise StoreError("renew failed: terminating connection due to administrator command", transient=True)
        return renew(self, *args, **kwargs)

    monkeypatch.setattr(Store, "renew", flaky_renew)
    return refusals


@pytest.mark.slow
def test_senders_slower_than_their_lease_never_double_send(store_url):
    """Two senders, one at 20 and one at 40 messages/s, with batches of 40 and a 0.8 s
    lease: every batch outlives its lease, so only renewal keeps the claims theirs
    (without it, the faster sender takes over the slower one's rows and both send them)."""
    subscribers = 200
    with Store(store_url) as store:
        emails = subscribe(store, subscribers)
        issue_id = save_issue(store).rendered.digest.issue_id
    slow = DeliveryOptions(connections=4, rate=20, batch=40, lease=0.8, backoff=0.01)
    with RecordingSMTPServer() as server:
        reports: list = []
        errors: list = []
        threads = [
            send_in_thread(store_url, issue_id, server, slow, reports, errors),
            send_in_thread(store_url, issue_id, server, replace(slow, rate=40), reports, errors, delay=0.2),
        ]
        for thread in threads:
            thread.join(timeout=120)
        # A sender whose renewal came late (a loaded machine) leaves rows it no longer
        # safely held unsent and released: the next run sends them, never twice.
        send_in_thread(store_url, issue_id, server, slow, reports, errors).join(timeout=120)
        assert not errors, errors
        ledger = ledger_by_email(store_url, issue_id)
        lost, duplicates, disagree = compare(server, emails, ledger)
    assert (lost, duplicates, disagree) == ([], 0, 0)
    assert sum(r.this_run[DeliveryStatus.SENT] for r in reports) == subscribers  # each counts only its own copies
    assert reports[-1].totals[DeliveryStatus.SENT] == subscribers and reports[-1].complete
    report(
        "two senders slower than their lease",
        {
            "subscribers": subscribers,
            "accepted by the server": len(server.accepted),
            "duplicates": duplicates,
            "lost": len(lost),
            "sent by each": [r.this_run[DeliveryStatus.SENT] for r in reports],
        },
    )


@pytest.mark.slow
def test_a_claim_taken_by_another_sender_is_neither_sent_nor_overwritten(tmp_path):
    """Rows taken over mid-run (as another sender does after a lease ran out) are dropped
    at the next renewal, and this sender's outcomes never overwrite the new owner's rows."""
    url = f"sqlite:///{tmp_path / 'digest.db'}"
    with Store(url) as store:
        emails = subscribe(store, 40)
        issue_id = save_issue(store).rendered.digest.issue_id
    stolen = set(emails[12:20])  # claimed by the sender, not reached yet when taken
    options = DeliveryOptions(connections=2, rate=10, batch=500, lease=0.8, backoff=0.01)

    def steal() -> None:
        time.sleep(0.6)
        take_rows(url, issue_id, stolen)

    with RecordingSMTPServer() as server:
        thief = threading.Thread(target=steal)
        thief.start()
        reports: list = []
        errors: list = []
        send_in_thread(url, issue_id, server, replace(options, batch=40), reports, errors).join(timeout=60)
        thief.join()
        # A renewal that came late (a loaded machine) leaves the rows it no longer safely held
        # unsent and released: the next run sends them, never twice.
        send_in_thread(url, issue_id, server, replace(options, rate=0), reports, errors).join(timeout=60)
        assert not errors, errors
        ledger = ledger_by_email(url, issue_id)
    assert [e for e in stolen if server.copies(e)] == []
    assert all(ledger[e] == "sending" for e in stolen)  # still the other sender's
    assert all(ledger[e] == "sent" and server.copies(e) == 1 for e in emails if e not in stolen)
    assert reports[0].lost == len(stolen) and reports[0].elsewhere == len(stolen)


@pytest.mark.slow
@pytest.mark.postgres
def test_database_connections_killed_mid_send_lose_nothing_and_send_nothing_twice(pg_url):
    """pg_terminate_backend on every connection of the sender, again and again while it
    sends: the outcomes wait in memory, the writes are retried on a new connection."""
    subscribers = 600
    with Store(pg_url) as store:
        emails = subscribe(store, subscribers)
        issue_id = save_issue(store).rendered.digest.issue_id
    application = pg_url.rsplit("application_name=", 1)[1]
    killed = 0
    done = threading.Event()

    def kill_connections() -> None:
        nonlocal killed
        # Mid-send: the sender's store is open and its first messages are out. Opening a
        # store is not retried; a connection killed then fails the run's start, not a send.
        while not server.accepted and not done.wait(0.01):
            pass
        admin = sa.create_engine(POSTGRES_URL)
        try:
            while not done.wait(0.15):
                with admin.begin() as conn:
                    killed += sum(
                        1
                        for r in conn.execute(
                            sa.text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE application_name = :name AND pid <> pg_backend_pid()"
                            ),
                            {"name": application},
                        )
                        if r[0]
                    )
        finally:
            admin.dispose()

    options = DeliveryOptions(connections=4, rate=200, batch=100, lease=5, backoff=0.01)
    killer = threading.Thread(target=kill_connections)
    with RecordingSMTPServer() as server:
        killer.start()
        reports: list = []
        errors: list = []
        sending = send_in_thread(pg_url, issue_id, server, options, reports, errors)
        try:
            sending.join(timeout=120)
        finally:
            done.set()
            killer.join()
        sending.join(timeout=60)  # with the connections left alone, the send ends
        assert not sending.is_alive(), "the send did not end within a minute of the last killed connection"
        assert not errors, errors
        ledger = ledger_by_email(pg_url, issue_id)
        lost, duplicates, disagree = compare(server, emails, ledger)
    assert killed >= 3, "the test never killed a connection"
    assert (lost, duplicates, disagree) == ([], 0, 0)
    assert reports[0].complete
    report(
        "database connections killed mid-send",
        {
            "subscribers": subscribers,
            "connections killed": killed,
            "lost": len(lost),
            "duplicates": duplicates,
        },
    )


def test_claims_whose_lease_could_not_be_renewed_are_sent_later_in_the_same_run(store_url, monkeypatch):
    """The store refuses the first renewals (a connection dropped under the sender): the
    claims whose lease then ran short are not sent on it, but given back and claimed again,
    so the run still reaches every reader once instead of leaving the last ones owed."""
    subscribers = 30
    with Store(store_url) as store:
        emails = subscribe(store, subscribers)
        issue_id = save_issue(store).rendered.digest.issue_id
    refusals = refuse_renewals(monkeypatch, 3)
    # Every reader claimed at once; at 20 a second the send outlives its 0.8 s lease.
    options = DeliveryOptions(connections=2, rate=20, batch=40, lease=0.8, backoff=0.01)
    with RecordingSMTPServer() as server:
        report = send_alone(store_url, issue_id, server, options)
        ledger = ledger_by_email(store_url, issue_id)
        lost, duplicates, disagree = compare(server, emails, ledger)
    assert next(refusals, None) is None, "the renewals were never refused"
    assert (lost, duplicates, disagree) == ([], 0, 0)
    assert report.complete and report.released == 0


def test_a_skipped_claim_another_sender_took_meanwhile_is_counted_lost_and_not_sent(tmp_path, monkeypatch):
    """Renewals refused while another sender takes some of the claimed rows: when the
    skipped claims are given back, the taken ones stay the other sender's, unsent, and
    are counted lost; the rest are claimed again and sent."""
    url = f"sqlite:///{tmp_path / 'digest.db'}"
    with Store(url) as store:
        emails = subscribe(store, 30)
        issue_id = save_issue(store).rendered.digest.issue_id
    stolen = set(emails[25:])  # claimed at the start, not reached when taken
    # 2 s without a renewal: every claim left is skipped
    refuse_renewals(monkeypatch, 10, first=lambda: take_rows(url, issue_id, stolen))
    options = DeliveryOptions(connections=2, rate=20, batch=40, lease=0.8, backoff=0.01)
    with RecordingSMTPServer() as server:
        report = send_alone(url, issue_id, server, options)
        ledger = ledger_by_email(url, issue_id)
    assert [e for e in stolen if server.copies(e)] == []
    assert all(ledger[e] == "sending" for e in stolen)  # still the other sender's
    assert all(ledger[e] == "sent" and server.copies(e) == 1 for e in emails if e not in stolen)
    assert report.lost == len(stolen) and report.elsewhere == len(stolen)


def test_a_database_error_is_one_line_naming_the_store_and_operation(tmp_path):
    """A lock held past the busy timeout: a StoreError naming the store, not a traceback."""
    import sqlite3

    from digest.errors import StoreError

    db = tmp_path / "digest.db"
    with Store(f"sqlite:///{db}?timeout=0.2") as store:
        subscribe(store, 3)
        locker = sqlite3.connect(db)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(StoreError) as caught:
                store.claim("x", limit=1, lease=1, now=NOW, owner="me")
        finally:
            locker.rollback()
            locker.close()
    assert caught.value.transient
    assert str(db) in str(caught.value) and "database is locked" in str(caught.value)
    assert "\n" not in str(caught.value)


def _locked_mid_send(db, server, *, after: int, hold: float) -> threading.Thread:
    """Holds SQLite's write lock for `hold` seconds once the server has `after` messages."""
    import sqlite3

    def lock() -> None:
        deadline = time.monotonic() + 30
        while len(server.accepted) < after and time.monotonic() < deadline:
            time.sleep(0.005)
        locker = sqlite3.connect(db)
        locker.execute("BEGIN EXCLUSIVE")
        time.sleep(hold)
        locker.rollback()
        locker.close()

    thread = threading.Thread(target=lock)
    thread.start()
    return thread


@pytest.mark.parametrize("journal", [True, False], ids=["journal", "no-journal"])
def test_outcomes_a_lost_store_could_not_take_are_recorded_by_the_next_send(tmp_path, journal):
    """The store locked for longer than the sender's patience mid-send: the sender stops,
    and what it knew (messages the server accepted, claims it never sent) is kept in the
    journal; the next send, after the first one's leases ran out, records it first and
    sends only the rest. Without a journal those messages go out again."""
    from digest.errors import StoreError

    db = tmp_path / "digest.db"
    url = f"sqlite:///{db}?timeout=0.1"
    folder = tmp_path / "unrecorded"
    with Store(url) as store:
        emails = subscribe(store, 300)
        issue_id = save_issue(store).rendered.digest.issue_id
    options = DeliveryOptions(
        connections=4, rate=300, batch=40, lease=1.0, store_patience=0.3, journal=str(folder) if journal else ""
    )
    with RecordingSMTPServer() as server:
        locker = _locked_mid_send(db, server, after=60, hold=1.5)
        reports: list = []
        errors: list = []
        send_in_thread(url, issue_id, server, options, reports, errors).join(timeout=60)
        locker.join()
        assert len(errors) == 1 and isinstance(errors[0], StoreError), errors
        first = str(errors[0])
        assert "could not be recorded" in first and "\n" not in first
        time.sleep(options.lease + 0.5)  # the first sender's claims are free for anyone now
        send_in_thread(url, issue_id, server, options, reports, errors).join(timeout=60)
        ledger = ledger_by_email(url, issue_id)
        lost, duplicates, disagree = compare(server, emails, ledger)
    assert len(errors) == 1, errors[1:]
    assert lost == [] and disagree == 0
    if journal:
        assert f"kept in {folder}" in first
        assert duplicates == 0
        assert list(folder.glob("*.jsonl")) == []  # every journal recorded (the room kept for one stays)
        assert reports[0].complete
    else:
        assert "sent again" in first
        assert duplicates > 0


@pytest.mark.slow
def test_gather_with_the_store_locked_says_why_in_one_line(tmp_path):
    import sqlite3

    db = tmp_path / "digest.db"
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{db}?timeout=0.2"\n\n[sources.pages]\npath = "{REPO / "seeds" / "pages"}"\n'
        '\n[lists.daily]\ntitle = "Daily"\n',
        encoding="utf-8",
    )
    assert digest_cli("--config", str(config), "subscribers", "list").returncode == 0  # creates the store
    locker = sqlite3.connect(db)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        result = digest_cli("--config", str(config), "gather")
    finally:
        locker.rollback()
        locker.close()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert "database is locked" in result.stdout + result.stderr


@pytest.mark.parametrize("different_articles", [False, True], ids=["same-articles", "different-articles"])
def test_senders_composing_at_the_same_instant_share_one_issue(store_url, different_articles):
    """Eight composers at once: one issue for the list, each reader owed it once."""
    from digest.app import render_for_list
    from digest.mail.compose import compose
    from digest.models import Article, Summary

    with Store(store_url) as store:
        subscribe(store, 5)
    barrier = threading.Barrier(8)
    chosen: list[str] = []
    errors: list = []

    def compose_and_save(n: int) -> None:
        try:
            article = Article(
                url=f"https://news.example.org/{n if different_articles else 0}",
                title="Story",
                paragraphs=("Body. " * 30,),
                source="s",
            )
            digest = compose(
                [Summary(article=article, sentences=("Body.",), algorithm="lead")],
                list_name=LIST.name,
                title=LIST.title,
                day=DAY,
            )
            rendered = render_for_list(digest, LIST)
            with Store(store_url) as store:
                barrier.wait()
                saved = store.save_issue(rendered, article_urls=[article.url], at=NOW)
                issue = store.issue(digest.issue_id) if saved else store.open_issue(LIST.name)
                chosen.append(issue.rendered.digest.issue_id)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=compose_and_save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store(store_url) as store, store.engine.connect() as conn:
        issues = conn.execute(sa.select(issues_table.c.id)).scalars().all()
        owed = conn.execute(sa.select(sa.func.count()).select_from(deliveries_table)).scalar_one()
    assert len(issues) == 1 and set(chosen) == set(issues)
    assert owed == 5


def test_prepare_issue_takes_the_winners_issue(tmp_path, monkeypatch):
    """The composer that loses the race sends the issue that won, even when it had
    composed another one (more articles had arrived meanwhile)."""
    from digest.config import Settings, SummarySettings
    from digest.models import Article

    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:
        subscribe(store, 2)
        winner = save_issue(store)
        store.add_article(
            Article(
                url="https://news.example.org/late",
                title="Late story",
                paragraphs=("A late body sentence. " * 20,),
                source="s",
            ),
            gathered_at=NOW,
        )
        real = store.open_issue
        looks: list[str] = []

        def open_issue(name: str):
            looks.append(name)
            return None if len(looks) == 1 else real(name)  # the first look sees no issue yet, as in a race

        monkeypatch.setattr(store, "open_issue", open_issue)
        settings = Settings(lists=(LIST,), summary=SummarySettings(algorithm="lead"))
        got = prepare_issue(settings, LIST, store=store, day=DAY, now=NOW)
        with store.engine.connect() as conn:
            issues = conn.execute(sa.select(issues_table.c.id)).scalars().all()
    assert got is not None and got.rendered.digest.issue_id == winner.rendered.digest.issue_id
    assert issues == [winner.rendered.digest.issue_id]


def test_a_server_that_is_down_from_the_start_is_reported_once_and_nothing_is_claimed(store_url):
    """Nothing answers SMTP there (every connection is closed at once): one error naming
    the server and the cause, in seconds, and the ledger untouched (no deferral)."""
    from digest.errors import ServerUnavailable

    accepted_connections = 0

    async def scenario():
        nonlocal accepted_connections

        async def hang_up(reader, writer):
            nonlocal accepted_connections
            accepted_connections += 1
            writer.close()

        server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        try:
            with Store(store_url) as store:
                subscribe(store, 300)
                issue = save_issue(store)
                smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=2)
                options = DeliveryOptions(connections=4, batch=100, attempts=3, backoff=0.01, defer=600)
                started = time.monotonic()
                with pytest.raises(ServerUnavailable) as caught:
                    await deliver_issue(
                        issue,
                        store=store,
                        smtp=smtp,
                        sender=LIST.sender,
                        recipient_for=recipient_factory(LIST, secret=SECRET),
                        options=options,
                    )
                return (
                    caught.value,
                    port,
                    time.monotonic() - started,
                    store.ledger_totals(issue.rendered.digest.issue_id),
                )
        finally:
            server.close()
            await server.wait_closed()

    error, port, seconds, totals = asyncio.run(scenario())
    assert str(error).startswith(f"SMTP server 127.0.0.1:{port} unusable: ")
    assert "Unexpected EOF" in str(error) or "closed" in str(error)
    assert accepted_connections <= 2 and seconds < 10
    assert totals[DeliveryStatus.PENDING] == 300 and totals[DeliveryStatus.DEFERRED] == 0


@pytest.mark.slow
def test_a_server_that_goes_down_mid_run_opens_the_circuit(store_url):
    """The server stops after some messages: the run stops after a few failed
    connections and defers what it held, naming the server; nothing is lost."""
    server = RecordingSMTPServer().start()
    port = server.port
    stopped = threading.Event()

    def on_batch(_n: int) -> None:
        if len(server.accepted) >= 40 and not stopped.is_set():
            stopped.set()
            threading.Thread(target=server.stop).start()

    with Store(store_url) as store:
        subscribe(store, 300)
        issue = save_issue(store)
        smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=2)
        options = DeliveryOptions(connections=4, batch=20, attempts=3, backoff=0.01, defer=600, rate=200)
        result = asyncio.run(
            deliver_issue(
                issue,
                store=store,
                smtp=smtp,
                sender=LIST.sender,
                recipient_for=recipient_factory(LIST, secret=SECRET),
                options=options,
                on_batch=on_batch,
            )
        )
    sent = {a.recipient for a in server.accepted}
    assert f"127.0.0.1:{port}" in result.stopped and "unreachable" in result.stopped
    totals = result.totals
    # In flight when the server stopped: uncertain (it may have them), never lost or sent twice.
    assert totals[DeliveryStatus.SENT] <= len(sent) <= totals[DeliveryStatus.SENT] + totals[DeliveryStatus.UNCERTAIN]
    assert len(sent) >= 40 and totals[DeliveryStatus.SENDING] == 0 and not result.complete
    assert sum(totals.values()) == 300 and totals[DeliveryStatus.PENDING] + totals[DeliveryStatus.DEFERRED] > 200
    assert result.next_due is not None


def test_uncertain_rows_keep_the_issue_open_until_settled(tmp_path):
    url = f"sqlite:///{tmp_path / 'digest.db'}"
    with Store(url) as store:
        subscribe(store, 3)
        issue = save_issue(store)
        issue_id = issue.rendered.digest.issue_id
        from digest.models import DeliveryResult

        claims = store.claim(issue_id, limit=3, lease=60, now=NOW, owner="a")
        store.record(
            issue_id,
            [
                DeliveryResult(claims[0].subscriber.id, DeliveryStatus.UNCERTAIN, error="lost"),
                *(DeliveryResult(c.subscriber.id, DeliveryStatus.SENT, 250) for c in claims[1:]),
            ],
            now=NOW,
            owner="a",
        )
        assert not store.complete_issue(issue_id, at=NOW)
        assert store.open_issue(LIST.name) is not None
        assert store.unsent_articles(LIST.name)  # the articles are not marked sent yet
        assert store.reopen(issue_id, [DeliveryStatus.UNCERTAIN], at=NOW) == 1
        assert store.ledger_totals(issue_id)[DeliveryStatus.PENDING] == 1


def write_config(
    tmp_path, smtp_server, *, rate: float = 0, lease: float = 30, extra: str = "", pages=REPO / "seeds" / "pages"
) -> str:
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = "sqlite:///{tmp_path / "digest.db"}"

[web]
base_url = "https://news.example.org"
[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
security = "none"
timeout = 5

[unsubscribe]
secret = "{SECRET}"

[delivery]
connections = 4
batch = 500
lease = {lease}
rate = {rate}
{extra}

[sources.pages]
path = "{pages}"

[lists.daily]
title = "The Daily"
from = "The Daily <digest@example.org>"
postal_address = "1 Test Street, Testville"
""",
        encoding="utf-8",
    )
    return str(config)


def import_readers(tmp_path, config: str, count: int) -> list[str]:
    people = tmp_path / "people.csv"
    emails = [f"reader{i}@example.org" for i in range(count)]
    people.write_text("email\n" + "".join(f"{e}\n" for e in emails), encoding="utf-8")
    assert digest_cli("--config", config, "subscribers", "import", str(people)).returncode == 0
    assert digest_cli("--config", config, "gather").returncode == 0
    return emails


def start_send(config: str) -> subprocess.Popen:
    """`digest send` in a process of its own, with no DIGEST_* setting of ours."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    return subprocess.Popen(
        [sys.executable, "-m", "digest.cli", "--config", config, "send"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_stop_signal_before_the_send_loop_runs_still_stops_the_send(monkeypatch):
    """SIGTERM (or Ctrl-C) that comes once the send listens for it but before its event
    loop runs stops the send: uvloop keeps such a signal aside until another one comes,
    and the send used to go on to the end."""
    uvloop = pytest.importorskip("uvloop")
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are handled on the main thread only")

    class SignalledAtOnce(uvloop.Loop):
        def add_signal_handler(self, sig, callback, *args):
            super().add_signal_handler(sig, callback, *args)
            if sig == signal.SIGTERM:
                os.kill(os.getpid(), signal.SIGTERM)  # the operator's stop, just now

    monkeypatch.setattr(uvloop, "new_event_loop", SignalledAtOnce)
    stop = Stop()

    async def sending() -> str:
        for _ in range(500):
            if stop:
                return stop.reason
            await asyncio.sleep(0.01)
        return "sent to the end"

    assert run_delivery(sending(), stop=stop) == "stopped by SIGTERM"


@pytest.mark.slow
def test_sigterm_stops_gracefully_recording_every_outcome(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server, rate=40)
    emails = import_readers(tmp_path, config, 200)
    process = start_send(config)
    deadline = time.monotonic() + 60
    while len(smtp_server.accepted) < 40 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stdout + stderr
    assert "stopped by SIGTERM" in stdout and "Traceback" not in stdout + stderr
    issue_id = next(line.split("Issue ", 1)[1].split()[0] for line in stdout.splitlines() if line.startswith("Issue "))
    ledger = ledger_by_email(f"sqlite:///{tmp_path / 'digest.db'}", issue_id)
    accepted = {a.recipient for a in smtp_server.accepted}
    assert {e for e, status in ledger.items() if status == "sent"} == accepted  # every outcome recorded
    assert "sending" not in ledger.values()  # unsent claims released at once, not after the lease
    again = digest_cli("--config", config, "send")
    assert again.returncode == 0, again.stdout + again.stderr
    assert all(smtp_server.copies(e) == 1 for e in emails)
    report(
        "SIGTERM mid-send",
        {
            "accepted before the stop": len(accepted),
            "after the rerun": len(smtp_server.accepted),
            "duplicates": len(smtp_server.accepted) - len(emails),
        },
    )


@pytest.mark.slow
def test_a_sender_killed_while_its_store_is_away_loses_no_outcome(tmp_path, smtp_server):
    """SIGKILL while the store is locked: the sender had stopped starting messages at the
    first write that failed and kept the outcomes in its journal at once, so the next send
    (after the lease) records them and sends only the rest."""
    import sqlite3

    config = write_config(tmp_path, smtp_server, rate=100, lease=2)
    text = Path(config).read_text().replace('digest.db"', 'digest.db?timeout=0.2"')
    Path(config).write_text(text)
    emails = import_readers(tmp_path, config, 200)
    process = start_send(config)
    journal = tmp_path / "unrecorded"
    deadline = time.monotonic() + 60
    while len(smtp_server.accepted) < 40 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    locker = sqlite3.connect(tmp_path / "digest.db")
    locker.execute("BEGIN EXCLUSIVE")
    try:
        while not any(journal.glob("*.jsonl")) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        accepted = _settled(smtp_server, locker, journal, until=deadline)  # in-flight messages joined the journal
        process.kill()
        process.communicate(timeout=30)
    finally:
        locker.rollback()
        locker.close()
    assert any(journal.glob("*.jsonl")), "the sender kept no journal"
    assert len(smtp_server.accepted) == accepted  # nothing was sent while the store was away
    time.sleep(2)  # the killed sender's leases run out
    again = digest_cli("--config", config, "send")
    assert again.returncode == 0, again.stdout + again.stderr
    assert [e for e in emails if smtp_server.copies(e) != 1] == []
    assert not any(journal.glob("*.jsonl"))
    report(
        "SIGKILL while the store is locked",
        {"accepted before the kill": accepted, "after the rerun": len(smtp_server.accepted), "readers": len(emails)},
    )


def _settled(server: RecordingSMTPServer, locker, journal: Path, *, until: float) -> int:
    """How many messages the server accepted, once each of them is recorded sent in the
    ledger (read through `locker`, which holds the store) or kept in the journal, and no
    more arrive: the sender's messages in flight when its store went away have finished."""
    ids = dict(locker.execute("SELECT email, id FROM subscribers").fetchall())
    while True:
        count = len(server.accepted)
        recorded = {sid for (sid,) in locker.execute("SELECT subscriber_id FROM deliveries WHERE status = 'sent'")}
        for path in journal.glob("*.jsonl"):
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line still being written
                if entry.get("status") == "sent":
                    recorded.add(entry["subscriber"])
        if all(ids[a.recipient] in recorded for a in server.accepted[:count]) or time.monotonic() > until:
            time.sleep(0.3)
            if len(server.accepted) == count or time.monotonic() > until:
                return count
        time.sleep(0.02)


@pytest.mark.slow
def test_uncertain_deliveries_are_settled_by_the_operator(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server)
    emails = import_readers(tmp_path, config, 6)
    smtp_server.faults.drop_after_data = {emails[0]: 1, emails[1]: 1}
    first = digest_cli("--config", config, "send")
    assert first.returncode == 1
    assert "2 uncertain" in first.stdout and "--resend-uncertain" in first.stdout
    rerun = digest_cli("--config", config, "send")
    assert rerun.returncode == 1 and "nothing new" not in rerun.stdout and "2 uncertain" in rerun.stdout
    settled = digest_cli("--config", config, "send", "--resend-uncertain")
    assert settled.returncode == 0, settled.stdout + settled.stderr
    assert "2 uncertain deliveries will be sent again" in settled.stdout and "issue complete" in settled.stdout
    assert all(smtp_server.copies(e) == 1 for e in emails[2:])


@pytest.mark.slow
def test_one_full_mailbox_never_holds_back_the_next_issue(tmp_path, smtp_server):
    """A reader whose server keeps deferring (452, mailbox full) keeps the issue open for
    retries, until the next issue has news: the old deferral is then given up (failed,
    one soft bounce) and every reader gets the new issue."""
    pages = tmp_path / "pages"
    pages.mkdir()
    seed_pages = sorted((REPO / "seeds" / "pages").glob("*.txt"))
    shutil.copy(seed_pages[0], pages)
    config = write_config(tmp_path, smtp_server, extra="retry_delay = 0\nattempts = 1", pages=pages)
    full, *others = import_readers(tmp_path, config, 3)
    smtp_server.faults.reject = {full: 452}
    first = digest_cli("--config", config, "send")
    assert first.returncode == 1 and "1 deferred" in first.stdout, first.stdout + first.stderr
    retried = digest_cli("--config", config, "send")  # nothing new: the same issue, retried
    assert "1 deferred" in retried.stdout and "nothing new" not in retried.stdout, retried.stdout
    assert smtp_server.attempts[full] == 2
    shutil.copy(seed_pages[1], pages)
    assert digest_cli("--config", config, "gather").returncode == 0
    third = digest_cli("--config", config, "send")
    assert all(smtp_server.copies(e) == 2 for e in others), third.stdout + third.stderr
    history = digest_cli("--config", config, "subscribers", "history", full)
    assert "soft" in history.stdout and "given up" in history.stdout, history.stdout
    status = digest_cli("--config", config, "status", "--json")
    lists = json.loads(status.stdout)["lists"]
    assert lists[0]["last_issue"]["deliveries"]["failed"] == 1


@pytest.mark.slow
def test_accept_uncertain_closes_the_issue(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server)
    emails = import_readers(tmp_path, config, 4)
    smtp_server.faults.drop_after_data = {emails[0]: 1}
    assert digest_cli("--config", config, "send").returncode == 1
    accepted = digest_cli("--config", config, "send", "--accept-uncertain")
    assert accepted.returncode == 0 and "issue complete" in accepted.stdout, accepted.stdout + accepted.stderr


@pytest.mark.slow
def test_retry_delay_is_a_setting_and_the_due_time_is_shown(tmp_path, smtp_server):
    config = write_config(tmp_path, smtp_server, extra="retry_delay = 1800\nattempts = 1")
    emails = import_readers(tmp_path, config, 3)
    smtp_server.faults.transient_rcpt = {emails[0]: 5}
    result = digest_cli("--config", config, "send")
    assert result.returncode == 1
    assert "1 deferred (last reason: 451" in result.stdout and "the next try is due at" in result.stdout
    assert "(in 29 min" in result.stdout


def test_rows_in_flight_at_another_live_sender_are_not_a_failure(tmp_path, smtp_server):
    """A sender that finds the rest of the issue claimed by another live sender exits 0."""
    config = write_config(tmp_path, smtp_server)
    emails = import_readers(tmp_path, config, 4)
    url = f"sqlite:///{tmp_path / 'digest.db'}"
    first = digest_cli("--config", config, "send", "--dry-run")
    assert first.returncode == 0
    # Compose the issue and let "another sender" hold two of its rows with a live lease.
    from datetime import UTC, datetime

    from digest.config import load_settings

    settings = load_settings(config, environ={})
    with Store(url) as store:
        issue = prepare_issue(
            settings, settings.lists[0], store=store, day=datetime.now(UTC).date(), now=datetime.now(UTC)
        )
        issue_id = issue.rendered.digest.issue_id
        store.claim(issue_id, limit=2, lease=600, now=datetime.now(UTC), owner="another-sender")
    result = digest_cli("--config", config, "send")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 deliveries are being sent by another sender" in result.stdout
    assert sum(smtp_server.copies(e) for e in emails) == 2


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://digest:s3cr%40t@127.0.0.1:1/nodb",
        "postgresql+psycopg://digest:s3cr@t@127.0.0.1:1/nodb",
        "postgresql+psycopg://127.0.0.1:1/nodb?user=digest&password=s3cr@t",
        "postgresql+psycopg://digest:s3cr@t@[not a url",
    ],
)
def test_the_store_url_in_an_error_hides_its_password(url):
    from digest.errors import StoreError

    with pytest.raises(StoreError) as caught:
        Store(url)
    assert "s3cr" not in str(caught.value) and "\n" not in str(caught.value)


def test_extract_errors_hide_credentials_in_the_url(tmp_path):
    result = digest_cli("extract", "http://reader:hunter2@127.0.0.1:9/feed?token=abc123", cwd=tmp_path)
    assert result.returncode == 2
    assert "hunter2" not in result.stderr and "abc123" not in result.stderr
    assert "127.0.0.1:9" in result.stderr and result.stderr.count("\n") == 1
