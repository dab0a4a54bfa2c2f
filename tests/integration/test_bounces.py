"""Bounce and complaint intake on a real store (SQLite and PostgreSQL): DSNs (RFC 3464) to
the VERP address of a message really sent, permanent and temporary; ARF complaints (RFC
5965) quoting it; real-world non-standard bounces (flufl.bounce's samples); forged,
malformed and unrelated messages; a Maildir through `digest bounces process`; the
listener over SMTP on loopback; and the next send, which skips whoever was stopped."""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.app import recipient_factory, render_for_list
from digest.app.bounces import Intake, Outcome, process_paths, reactivate_subscriber
from digest.config import ListSettings, Settings, SmtpSettings, parse_settings
from digest.delivery.bounce_listener import BounceListener
from digest.delivery.send import deliver_issue
from digest.mail.bounces import read_report
from digest.mail.compose import compose
from digest.mail.verp import Verp
from digest.models import Article, ChangeSource, DeliveryStatus, SubscriberChange, SubscriberStatus, Summary
from digest.store import Store
from digest.subscribers import new_subscriber
from tests.helpers import DAY, FAST, LIST, NOW, REPO, SECRET, digest_cli, save_issue, send, subscribe
from tests.smtp_server import RecordingSMTPServer

SAMPLES = REPO / "tests" / "data" / "bounces"


def settings_for(store: Store, **delivery: object) -> Settings:
    table = {"bounce_address": "bounces@example.org", "soft_bounce_limit": 2, "soft_bounce_days": 7, **delivery}
    return parse_settings(
        {
            "store": {"url": store.url},
            "unsubscribe": {"secret": SECRET},
            "delivery": table,
            "lists": {"daily": {"title": "The Daily", "from": LIST.sender}},
        },
        base_dir=REPO,
    )


def by_address(store: Store, **delivery: object) -> Settings:
    """Settings without VERP (no bounce address): a bounce names its reader by the address
    that failed, as the older servers' bounces and one to the list's sender do."""
    return settings_for(store, bounce_address="", **delivery)


async def send_issue(store: Store, verp: Verp | None, issue=None) -> tuple[str, dict[str, bytes], dict[str, str]]:
    """Send the open issue (or a new one) to the list's active readers through a real SMTP
    server; (issue id, each reader's message, each reader's envelope sender)."""
    issue = issue or save_issue(store)
    with RecordingSMTPServer() as server:
        await send(store, issue, server, verp=verp, id_secret=SECRET)  # the secret of settings_for, as sent
        copies = {a.recipient: a for a in server.accepted}
    return (
        issue.rendered.digest.issue_id,
        {r: a.data for r, a in copies.items()},
        {r: a.mail_from for r, a in copies.items()},
    )


def dsn(to: str, recipient: str, *, status: str = "5.1.1", action: str = "failed", original: bytes = b"") -> bytes:
    """A DSN as Postfix writes it, delivered to `to` (the VERP address, or another)."""
    diagnostic = {
        "5": f"smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in virtual mailbox table",
        "4": f"smtp; 452 4.2.2 <{recipient}>: Mailbox full",
        "2": "smtp; 250 2.0.0 Ok: queued as 9A1B2C",
    }[status[0]]
    # The quoted headers' line ends become CRLF with the rest of the report below.
    quoted = original.split(b"\r\n\r\n")[0].decode("utf-8", "replace").replace("\r\n", "\n")
    headers = quoted if original else f"To: {recipient}"
    return f"""Return-Path: <>
Delivered-To: {to}
Received: by mx.example.org (Postfix) id 4XyZ12; Tue, 24 Nov 2026 07:05:00 +0000 (UTC)
Date: Tue, 24 Nov 2026 07:05:00 +0000 (UTC)
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: {"Undelivered Mail Returned to Sender" if action == "failed" else "Delayed Mail (still being retried)"}
To: {to}
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4XyZ12.1795590300/mx.example.net"
Message-Id: <20261124070500.4XyZ12@mx.example.net>

This is a MIME-encapsulated message.

--4XyZ12.1795590300/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.net.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--4XyZ12.1795590300/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
X-Postfix-Queue-ID: 4XyZ12
X-Postfix-Sender: rfc822; {to}
Arrival-Date: Tue, 24 Nov 2026 07:00:01 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.example.com
Diagnostic-Code: {diagnostic}

--4XyZ12.1795590300/mx.example.net
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

{headers}

--4XyZ12.1795590300/mx.example.net--
""".replace("\n", "\r\n").encode()


def arf(original: bytes, *, return_path: str = "", feedback: str = "abuse", rcpt: str = "") -> bytes:
    """A feedback-loop report as RFC 5965 (appendix B) shows one, quoting `original` as the
    receiving provider stored it (with its Return-Path when given)."""
    quoted = (f"Return-Path: <{return_path}>\r\n".encode() if return_path else b"") + original
    head = f"""From: <feedback@fbl.example.net>
Date: Tue, 24 Nov 2026 09:40:36 +0000
Subject: FW: The Daily
To: <fbl@example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
\tboundary="part1_13d.2e68ed54_boundary"

--part1_13d.2e68ed54_boundary
Content-Type: text/plain; charset="US-ASCII"
Content-Transfer-Encoding: 7bit

This is an email abuse report for an email message received from IP 192.0.2.1 on
Tue, 24 Nov 2026 07:00:00 +0000.

--part1_13d.2e68ed54_boundary
Content-Type: message/feedback-report

Feedback-Type: {feedback}
User-Agent: SomeGenerator/1.0
Version: 1
Original-Mail-From: <{return_path or "digest@example.org"}>
{f"Original-Rcpt-To: <{rcpt}>" if rcpt else "X-Note: recipient redacted"}
Arrival-Date: Tue, 24 Nov 2026 07:00:00 +0000
Reporting-MTA: dns; mail.example.net
Source-IP: 192.0.2.1

--part1_13d.2e68ed54_boundary
Content-Type: message/rfc822
Content-Disposition: inline

""".replace("\n", "\r\n").encode()
    return head + quoted + b"\r\n--part1_13d.2e68ed54_boundary--\r\n"


def status_of(store: Store, email: str) -> SubscriberStatus:
    subscriber = store.subscriber("daily", email)
    assert subscriber is not None
    return subscriber.status


def history(store: Store, email: str):
    return store.subscriber_history(email, list_name="daily")


@pytest.fixture
async def sent(store):
    """Five readers sent one issue with VERP senders: (store, settings, issue id, messages, senders)."""
    settings = settings_for(store)
    emails = subscribe(store, 5)
    verp = Verp("bounces@example.org", secret=SECRET)
    issue_id, messages, senders = await send_issue(store, verp)
    assert sorted(messages) == sorted(emails)
    return store, settings, issue_id, messages, senders


async def test_a_permanent_failure_bounces_the_reader_at_once(sent):
    store, settings, issue_id, messages, senders = sent
    reader = "reader0@example.org"
    handled = Intake(settings, store=store).handle(dsn(senders[reader], reader, original=messages[reader]))
    assert handled.outcome is Outcome.BOUNCED
    assert status_of(store, reader) is SubscriberStatus.BOUNCED
    last = history(store, reader)[-1]
    assert (last.change, last.source) == (SubscriberChange.BOUNCED, ChangeSource.BOUNCE)
    assert last.detail.startswith("5.1.1 smtp; 550 5.1.1 <reader0@example.org>: Recipient address rejected")
    assert last.detail.endswith(f"(issue {issue_id})")
    assert datetime.now(UTC) - last.at < timedelta(minutes=1)
    # The same DSN again changes nothing more.
    again = Intake(settings, store=store).handle(dsn(senders[reader], reader))
    assert again.outcome is Outcome.UNCHANGED and len(history(store, reader)) == 2
    assert all(status_of(store, f"reader{i}@example.org") is SubscriberStatus.ACTIVE for i in range(1, 5))


async def test_a_bounce_that_loses_a_race_with_the_reader_reports_no_change(sent, monkeypatch):
    """The reader leaves and comes back between the intake reading them and stopping them:
    their row is at a new version, the stop is not made, and the intake does not say it was."""
    store, settings, _, messages, senders = sent
    reader = "reader0@example.org"
    real = Store.set_subscriber_status
    raced = []

    def racing(self, list_name, key, status, **kwargs):
        if not raced:
            raced.append(key)
            real(self, list_name, key, SubscriberStatus.UNSUBSCRIBED, at=datetime.now(UTC))
            real(self, list_name, key, SubscriberStatus.ACTIVE, at=datetime.now(UTC))
        return real(self, list_name, key, status, **kwargs)

    monkeypatch.setattr(Store, "set_subscriber_status", racing)
    handled = Intake(settings, store=store).handle(dsn(senders[reader], reader, original=messages[reader]))
    assert raced
    assert status_of(store, reader) is SubscriberStatus.ACTIVE
    assert handled.outcome is Outcome.UNCHANGED and handled.changes == ()


def next_issue(store: Store, *, days: int = 1):
    """An issue of the list `days` after the helpers' one, with articles of its own."""
    summaries = []
    for i in range(2):
        article = Article(
            url=f"https://news.example.org/{days}/{i}",
            title=f"Later {i}",
            paragraphs=(f"Later {i}. " * 50,),
            source="s",
        )
        store.add_article(article, gathered_at=NOW + timedelta(days=days))
        summaries.append(Summary(article=article, sentences=(f"Later {i}.",), algorithm="lead"))
    digest = compose(summaries, list_name=LIST.name, title=LIST.title, day=DAY + timedelta(days=days))
    store.save_issue(
        render_for_list(digest, LIST), article_urls=[i.article.url for i in digest.items], at=NOW + timedelta(days=days)
    )
    return store.issue(digest.issue_id)


async def test_temporary_failures_count_until_the_limit(sent):
    store, settings, _, _, senders = sent
    intake = Intake(settings, store=store)
    reader, other = "reader1@example.org", "reader2@example.org"
    first = intake.handle(dsn(senders[reader], reader, status="4.2.2", action="delayed"))
    assert first.outcome is Outcome.SOFT and first.changes[0].status is SubscriberStatus.ACTIVE
    assert status_of(store, reader) is SubscriberStatus.ACTIVE
    assert intake.handle(dsn(senders[other], other, status="4.2.2", action="delayed")).outcome is Outcome.SOFT
    # A failure of the next issue is the second within soft_bounce_days (limit 2): bounced.
    _, _, later = await send_issue(store, Verp("bounces@example.org", secret=SECRET), issue=next_issue(store))
    second = intake.handle(dsn(later[reader], reader, status="4.4.7", action="failed"))
    assert second.outcome is Outcome.SOFT and second.changes[0].status is SubscriberStatus.BOUNCED
    assert status_of(store, reader) is SubscriberStatus.BOUNCED
    assert status_of(store, other) is SubscriberStatus.ACTIVE
    changes = [(e.change, e.source) for e in history(store, reader)]
    assert changes[1:] == [
        (SubscriberChange.SOFT_BOUNCE, ChangeSource.BOUNCE),
        (SubscriberChange.SOFT_BOUNCE, ChangeSource.BOUNCE),
        (SubscriberChange.BOUNCED, ChangeSource.BOUNCE),
    ]
    assert history(store, reader)[-1].detail.startswith("2 temporary failures within 7 days; the last: 4.4.7")
    # Older ones do not count: a temporary failure 8 days later starts again.
    later_on = intake.handle(dsn(senders[other], other, status="4.2.2"), now=datetime.now(UTC) + timedelta(days=8))
    assert later_on.changes[0].status is SubscriberStatus.ACTIVE


async def test_the_reports_of_one_message_count_once(sent):
    """Delay warnings, then the final failure of the same message, and the same report
    read twice, are one temporary failure: only another message's counts again."""
    store, settings, issue_id, _, senders = sent
    intake = Intake(settings, store=store)
    reader = "reader1@example.org"
    reports = [("delayed", "4.2.2"), ("delayed", "4.2.2"), ("failed", "4.4.7"), ("failed", "4.4.7")]
    for action, status in reports:
        handled = intake.handle(dsn(senders[reader], reader, status=status, action=action))
        assert handled.outcome is Outcome.SOFT and handled.changes[0].status is SubscriberStatus.ACTIVE
    soft = [e for e in history(store, reader) if e.change is SubscriberChange.SOFT_BOUNCE]
    assert len(soft) == len(reports) and all(e.detail.endswith(f"(issue {issue_id})") for e in soft)
    _, _, later = await send_issue(store, Verp("bounces@example.org", secret=SECRET), issue=next_issue(store))
    handled = intake.handle(dsn(later[reader], reader, status="4.2.2", action="delayed"))
    assert handled.changes[0].status is SubscriberStatus.BOUNCED
    assert history(store, reader)[-1].detail.startswith("2 temporary failures within 7 days")


async def test_a_complaint_unsubscribes_the_reader(sent):
    store, settings, issue_id, messages, senders = sent
    reader = "reader3@example.org"
    report = arf(messages[reader], return_path=senders[reader], rcpt=reader)
    handled = Intake(settings, store=store).handle(report)
    assert handled.outcome is Outcome.COMPLAINT
    assert status_of(store, reader) is SubscriberStatus.UNSUBSCRIBED
    last = history(store, reader)[-1]
    assert (last.change, last.source) == (SubscriberChange.UNSUBSCRIBED, ChangeSource.COMPLAINT)
    assert last.detail == (
        f"abuse report from SomeGenerator/1.0, message arrived Tue, 24 Nov 2026 07:00:00 +0000 (issue {issue_id})"
    )
    counts = store.bounce_counts(["daily"])["daily"]
    assert (counts.hard, counts.soft, counts.complaints) == (0, 0, 1) and counts.last_at is not None


async def test_a_complaint_without_verp_must_quote_our_message_for_that_reader(sent):
    store, settings, _, messages, _ = sent
    intake = Intake(settings, store=store)
    reader = "reader4@example.org"
    # The provider kept no Return-Path: the reader's To and our Message-ID for them identify it.
    assert intake.handle(arf(messages["reader2@example.org"], rcpt=reader)).outcome is Outcome.UNRELATED
    assert intake.handle(arf(messages[reader], feedback="not-spam")).outcome is Outcome.UNRELATED
    assert status_of(store, reader) is SubscriberStatus.ACTIVE
    assert intake.handle(arf(messages[reader])).outcome is Outcome.COMPLAINT
    assert status_of(store, reader) is SubscriberStatus.UNSUBSCRIBED


def test_a_report_naming_more_than_one_reader_changes_nobody(store):
    """Each copy we send has one recipient, so a report about one of them names one reader:
    one naming several (anyone can write one, to a list's sender without VERP) is about no
    message of ours, whatever else it names."""
    readers = subscribe(store, 3)
    intake = Intake(by_address(store), store=store)
    one = dsn("digest@example.org", readers[0])
    more = "".join(f"Final-Recipient: rfc822; {r}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" for r in readers[1:])
    many = one.replace(b"Final-Recipient:", more.encode() + b"Final-Recipient:", 1)
    handled = intake.handle(many)
    assert (handled.outcome, handled.changes) == (Outcome.UNRELATED, ())
    assert "more than one of our readers" in handled.detail
    assert all(status_of(store, r) is SubscriberStatus.ACTIVE for r in readers)
    # The reader named twice (Final- and Original-Recipient), beside an address not ours: one reader.
    stranger = "Final-Recipient: rfc822; stranger@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
    mixed = one.replace(b"Final-Recipient:", stranger.encode() + b"Final-Recipient:", 1)
    assert intake.handle(mixed).outcome is Outcome.BOUNCED
    assert status_of(store, readers[0]) is SubscriberStatus.BOUNCED


def test_a_report_naming_every_reader_is_given_up_at_the_second(store, monkeypatch):
    """A forged report may list every reader (a 10 MB one, over a hundred thousand): it is
    about no copy of ours from the second reader on, and the rest is not looked up."""
    readers = subscribe(store, 50)
    intake = Intake(by_address(store), store=store)
    looked_up = []
    subscriptions = store.subscriptions
    monkeypatch.setattr(store, "subscriptions", lambda key: looked_up.append(key) or subscriptions(key))
    one = dsn("digest@example.org", readers[0])
    more = "".join(f"Final-Recipient: rfc822; {r}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" for r in readers[1:])
    handled = intake.handle(one.replace(b"Final-Recipient:", more.encode() + b"Final-Recipient:", 1))
    assert (handled.outcome, handled.changes, len(looked_up)) == (Outcome.UNRELATED, (), 2)


async def test_a_bounce_without_verp_must_quote_our_message_for_that_reader(sent):
    """With VERP every copy's bounce comes back to its own token: a DSN to the plain bounce
    address, which anyone may write, names readers only by text anyone can make up."""
    store, settings, issue_id, messages, _ = sent
    intake = Intake(settings, store=store)
    readers = [f"reader{i}@example.org" for i in range(5)]
    one = dsn("bounces@example.org", readers[0])
    more = "".join(f"Final-Recipient: rfc822; {r}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" for r in readers[1:])
    everyone = one.replace(b"Final-Recipient:", more.encode() + b"Final-Recipient:", 1)
    assert len(read_report(everyone).failures) == 5
    for forged in (everyone, dsn("bounces@example.org", readers[1], status="4.2.2", action="delayed")):
        handled = intake.handle(forged)
        assert (handled.outcome, handled.changes) == (Outcome.UNRELATED, ())
    assert intake.handle(dsn("bounces@example.org", readers[2], original=messages[readers[3]])).changes == ()
    assert all(status_of(store, r) is SubscriberStatus.ACTIVE and len(history(store, r)) == 1 for r in readers)
    # A report quoting the copy we sent that reader (with its MAC'd Message-ID) names them.
    store.add_subscribers("weekly", [new_subscriber(readers[4])], at=datetime.now(UTC))
    handled = intake.handle(dsn("bounces@example.org", readers[4], original=messages[readers[4]]))
    assert handled.outcome is Outcome.BOUNCED
    assert {(c.list_name, c.email) for c in handled.changes} == {("daily", readers[4]), ("weekly", readers[4])}
    assert history(store, readers[4])[-1].detail.endswith(f"(issue {issue_id})")


async def test_a_complaint_quoting_a_message_id_made_without_our_secret_changes_nobody(sent):
    store, settings, issue_id, messages, _ = sent
    reader = "reader1@example.org"
    ours = messages[reader]
    # Everything in a Message-ID but its MAC is public (the issue id is in every copy and
    # the archive): one made the way anyone could make it must not stop someone's mail.
    made_up = hashlib.sha256(f"{issue_id}\n{reader}".encode()).hexdigest()[:24]
    guessed = re.sub(rb"Message-ID: <([^.>]+)\.[0-9a-f]{24}@", rb"Message-ID: <\1." + made_up.encode() + b"@", ours)
    assert guessed != ours
    intake = Intake(settings, store=store)
    assert intake.handle(arf(guessed)).outcome is Outcome.UNRELATED
    assert status_of(store, reader) is SubscriberStatus.ACTIVE
    assert intake.handle(arf(ours)).outcome is Outcome.COMPLAINT


async def test_forged_malformed_and_unrelated_messages_change_nobody(sent, tmp_path):
    store, settings, issue_id, _, senders = sent
    reader = "reader0@example.org"
    verp = senders[reader]
    other_secret = Verp("bounces@example.org", secret="not-ours").address(
        store.subscriber("daily", reader).id, issue_id
    )
    local, _, domain = verp.partition("@")
    cases = {
        "forged": dsn(other_secret, reader),
        "altered": dsn(local[:-1] + ("a" if local[-1] != "a" else "b") + "@" + domain, reader),
        "malformed token": dsn("bounces+1-zz-zz@example.org", reader),
        "empty": b"",
        "binary": bytes(range(256)) * 40,
        "no headers": b"\r\n\r\njust a body\r\n",
        "truncated": dsn(verp, reader)[:300],
        "a letter": b"From: friend@example.net\r\nTo: bounces@example.org\r\nSubject: hi\r\n\r\nHow are you?\r\n",
        "auto-reply": (
            f"From: {reader}\r\nTo: {verp}\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\n"
            "I am away until Monday.\r\n"
        ).encode(),
        "delivered notice": dsn(verp, reader, status="2.0.0", action="delivered"),
        "not our reader": dsn("bounces@example.org", "stranger@example.net"),
        "broken mime": b'Content-Type: multipart/report; report-type=delivery-status; boundary="x"\r\n\r\n--x\r\n'
        b"Content-Type: message/delivery-status\r\n\r\nAction: failed\r\nStatus: 5.1.1\r\n",
    }
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name, data in cases.items():
        (folder / f"{name}.eml").write_bytes(data)
    (folder / "huge.eml").write_bytes(b"x" * (10 * 1024 * 1024 + 1))
    report = process_paths(settings, [folder], store=store)
    outcomes = {Path(h.source).stem: h.outcome for h in report.ignored}
    assert outcomes == {
        "a letter": Outcome.UNRELATED,
        "altered": Outcome.FORGED,
        "auto-reply": Outcome.UNRELATED,
        "binary": Outcome.MALFORMED,
        "broken mime": Outcome.UNRELATED,
        "delivered notice": Outcome.UNRELATED,
        "empty": Outcome.MALFORMED,
        "forged": Outcome.FORGED,
        "huge": Outcome.MALFORMED,
        "malformed token": Outcome.FORGED,
        "no headers": Outcome.MALFORMED,
        "not our reader": Outcome.UNRELATED,
        "truncated": Outcome.UNRELATED,  # its headers name our reader, but it says nothing more
    }
    assert report.changes == [] and report.messages == len(cases) + 1
    assert all(status_of(store, f"reader{i}@example.org") is SubscriberStatus.ACTIVE for i in range(5))
    assert all(len(history(store, f"reader{i}@example.org")) == 1 for i in range(5))


@pytest.mark.parametrize(
    ("sample", "address", "outcome"),
    [
        ("dsn_13.txt", "userx@example.com", Outcome.BOUNCED),  # a DSN wrapped by a list manager
        ("dsn_05.txt", "userx@example.cz", Outcome.SOFT),  # delayed, 4.4.1
        ("dsn_17.txt", "userx@example.fi", Outcome.SOFT),  # a mangled DSN: flufl.bounce reads it
        ("postfix_01.txt", "xxxxx@local.ie", Outcome.BOUNCED),  # Postfix before DSNs
        ("qmail_01.txt", "userx@example.de", Outcome.BOUNCED),
        ("exim_01.txt", "userx@its.example.nl", Outcome.BOUNCED),
        ("yahoo_01.txt", "userx@example.com", Outcome.BOUNCED),
        ("microsoft_01.txt", "userx@example.COM", Outcome.BOUNCED),
        ("simple_03.txt", "userx@example.za", Outcome.SOFT),  # a delay warning
    ],
)
def test_real_world_bounces_without_verp_are_matched_by_address(sqlite_store, sample, address, outcome):
    from digest.subscribers import new_subscriber

    store = sqlite_store
    store.add_subscribers(
        "daily", [new_subscriber(address), new_subscriber("bystander@example.org")], at=datetime.now(UTC)
    )
    store.add_subscribers("weekly", [new_subscriber(address)], at=datetime.now(UTC))
    # With VERP on, a bounce of ours comes back to its token: one without names nobody.
    unproven = process_paths(settings_for(store, soft_bounce_limit=3), [SAMPLES / sample], store=store)
    assert unproven.outcomes[Outcome.UNRELATED] == 1 and unproven.changes == []
    report = process_paths(by_address(store, soft_bounce_limit=3), [SAMPLES / sample], store=store)
    assert report.outcomes[outcome] == 1, report
    changed = {(c.list_name, c.email.lower()) for c in report.changes}
    assert changed == {("daily", address.lower()), ("weekly", address.lower())}  # the address is dead everywhere
    expected = SubscriberStatus.BOUNCED if outcome is Outcome.BOUNCED else SubscriberStatus.ACTIVE
    assert store.subscriber("daily", address.lower()).status is expected
    assert store.subscriber("daily", "bystander@example.org").status is SubscriberStatus.ACTIVE


async def test_the_next_send_skips_whoever_was_stopped_until_the_operator_reactivates(sent):
    store, settings, issue_id, messages, senders = sent
    intake = Intake(settings, store=store)
    intake.handle(dsn(senders["reader0@example.org"], "reader0@example.org"))
    intake.handle(arf(messages["reader1@example.org"], return_path=senders["reader1@example.org"]))
    verp = Verp("bounces@example.org", secret=SECRET)
    daily = ListSettings(name="daily", title="The Daily", sender=LIST.sender)
    issue = save_issue(store, n_articles=3, list_settings=daily)  # another day's articles, same list
    next_id, received, _ = await send_issue(store, verp, issue)
    assert next_id != issue_id
    assert sorted(received) == [f"reader{i}@example.org" for i in (2, 3, 4)]
    assert store.ledger_totals(next_id)[DeliveryStatus.SENT] == 3

    assert reactivate_subscriber(daily, "reader0@example.org", store=store) is SubscriberStatus.BOUNCED
    last = history(store, "reader0@example.org")[-1]
    assert (last.change, last.source, last.detail) == (
        SubscriberChange.RESUBSCRIBED,
        ChangeSource.OPERATOR,
        "reactivated (was bounced)",
    )
    assert status_of(store, "reader0@example.org") is SubscriberStatus.ACTIVE
    readers = [f"reader{i}@example.org" for i in range(5)]
    assert store.stop_reasons("daily", readers).keys() == {"reader1@example.org"}
    assert store.stop_reasons("daily", ["reader0@example.org", "reader2@example.org"]) == {}


def test_a_maildir_through_the_cli_then_status_and_the_list_show_it(sqlite_store, tmp_path):
    import asyncio

    store = sqlite_store
    subscribe(store, 3)
    verp = Verp("bounces@example.org", secret=SECRET)
    _, messages, senders = asyncio.run(send_issue(store, verp))
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "new" / "1.M1P1Q1.mx").write_bytes(dsn(senders["reader0@example.org"], "reader0@example.org"))
    (maildir / "new" / "2.M2P1Q2.mx").write_bytes(
        arf(messages["reader1@example.org"], return_path=senders["reader1@example.org"])
    )
    (maildir / "new" / "3.M3P1Q3.mx").write_bytes(b"\x00\xff garbage")
    (maildir / "cur" / "0.M0P1Q0.mx:2,S").write_bytes(dsn(senders["reader2@example.org"], "reader2@example.org"))
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = {json.dumps(store.url)}

[unsubscribe]
secret = "{SECRET}"

[delivery]
bounce_address = "bounces@example.org"

[lists.daily]
title = "The Daily"
from = "The Daily <digest@example.org>"
"""
    )
    result = digest_cli("--config", str(config), "bounces", "process", str(maildir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("daily\treader0@example.org\tbounced\tbounced\t5.1.1 smtp; 550 5.1.1")
    assert lines[1].startswith("daily\treader1@example.org\tcomplaint\tunsubscribed\tabuse report")
    assert "3 message(s): 1 bounced, 1 complaint, 1 malformed" in result.stderr
    assert sorted(p.name for p in (maildir / "cur").iterdir()) == [
        "0.M0P1Q0.mx:2,S",
        "1.M1P1Q1.mx:2,S",
        "2.M2P1Q2.mx:2,S",
        "3.M3P1Q3.mx:2,S",
    ]
    again = digest_cli("--config", str(config), "bounces", "process", str(maildir), cwd=tmp_path)
    assert again.returncode == 0 and again.stderr.strip() == "0 message(s)"
    # An empty PATH (a shell variable left unset) is not the current folder.
    empty = digest_cli("--config", str(config), "bounces", "process", "", cwd=tmp_path)
    assert (
        empty.returncode == 2
        and empty.stderr.strip() == "digest: error: an empty PATH: give a message file, a folder of them or a Maildir"
    )
    assert status_of(store, "reader2@example.org") is SubscriberStatus.ACTIVE  # it was read before

    status = digest_cli("--config", str(config), "status", "--json", cwd=tmp_path)
    [daily] = json.loads(status.stdout)["lists"]
    assert daily["subscribers"] == {"active": 1, "unsubscribed": 1, "bounced": 1}
    assert daily["bounces"]["hard"] == 1 and daily["bounces"]["complaints"] == 1 and daily["bounces"]["soft"] == 0
    assert daily["bounces"]["last_at"].endswith("Z")
    human = digest_cli("--config", str(config), "status", cwd=tmp_path)
    assert "  bounces: 1 hard, 0 soft · complaints: 1 · last " in human.stdout

    listed = digest_cli("--config", str(config), "subscribers", "list", "--json", cwd=tmp_path)
    rows = {r["email"]: r for r in map(json.loads, listed.stdout.splitlines())}
    assert rows["reader0@example.org"]["source"] == "bounce"
    assert rows["reader0@example.org"]["reason"].startswith("5.1.1 smtp; 550")
    assert rows["reader1@example.org"]["source"] == "complaint"
    assert set(rows["reader2@example.org"]) == {"email", "name", "status", "changed_at"}
    plain = digest_cli("--config", str(config), "subscribers", "list", cwd=tmp_path).stdout
    assert "reader0@example.org\tReader 0\tbounced\t20" in plain and "\tbounce: 5.1.1 smtp; 550" in plain


async def test_the_listener_takes_bounces_over_smtp_and_survives_anything(sent):
    store, settings, _, messages, senders = sent
    intake = Intake(settings, store=store)

    def handle(data: bytes, recipients: tuple[str, ...]) -> str:
        return intake.handle(data, envelope_to=recipients).outcome.value

    reader, complainer = "reader0@example.org", "reader1@example.org"
    with BounceListener(handle, domains=["example.org"], port=0) as listener:
        with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
            # The VERP address is the envelope recipient; the DSN's own To says nothing useful.
            report = dsn("postmaster@example.org", reader).replace(b"Delivered-To: postmaster@example.org\r\n", b"")
            client.sendmail("", [senders[reader]], report)
            client.sendmail("", ["fbl@example.org"], arf(messages[complainer], return_path=senders[complainer]))
            client.sendmail("", ["bounces@example.org"], b"\x00\x01\x02 not a message")
            client.sendmail("", ["bounces@example.org"], dsn(senders[reader].replace("bounces+", "bounces+9"), reader))
            refused = client.sendmail("", ["bounces@example.org", "victim@example.net"], b"Subject: x\r\n\r\nx\r\n")
            assert refused == {
                "victim@example.net": (550, b"5.7.1 Relaying denied: this server takes mail for its bounce domain only")
            }
        counts = listener.counts
    assert counts == {"bounced": 1, "complaint": 1, "malformed": 1, "forged": 1, "unrelated": 1}
    assert status_of(store, reader) is SubscriberStatus.BOUNCED
    assert status_of(store, complainer) is SubscriberStatus.UNSUBSCRIBED
    assert all(status_of(store, f"reader{i}@example.org") is SubscriberStatus.ACTIVE for i in (2, 3, 4))


def test_digest_bounces_listen_end_to_end(sqlite_store, tmp_path):
    import asyncio

    store = sqlite_store
    subscribe(store, 2)
    _, _, senders = asyncio.run(send_issue(store, Verp("bounces@example.org", secret=SECRET)))
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = {json.dumps(store.url)}\n[unsubscribe]\nsecret = "{SECRET}"\n'
        '[lists.daily]\nfrom = "The Daily <digest@example.org>"\n'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "digest.cli", "--config", str(config), "bounces", "listen", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("Taking bounces and complaints on 127.0.0.1:"), line + process.stderr.read()
        port = int(line.split("127.0.0.1:")[1].split()[0])
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail(
                "", [senders["reader1@example.org"]], dsn(senders["reader1@example.org"], "reader1@example.org")
            )
            client.sendmail("", ["bounces@example.org"], b"garbage")
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "bounce listener stopped: 2 message(s): 1 bounced, 1 malformed" in err
    # As `bounces process` prints it: one tab-separated line per change, as it is made.
    assert out.startswith("daily\treader1@example.org\tbounced\tbounced\t5.1.1 "), out
    assert len(out.splitlines()) == 1 and "malformed" in err
    assert status_of(store, "reader1@example.org") is SubscriberStatus.BOUNCED
    assert status_of(store, "reader0@example.org") is SubscriberStatus.ACTIVE


async def test_a_real_postfix_bounces_to_the_listener_and_the_readers_are_stopped(sqlite_store):
    """Our sender hands the issue to a real Postfix, whose remote server refuses one
    reader for good (550) and another for now (452); Postfix's own DSNs go to the VERP
    addresses, which it routes to the bounce listener, and the intake acts on them."""
    import asyncio
    import threading

    from digest.subscribers import new_subscriber
    from tests.postfix import postfix
    from tests.smtp_server import Faults

    store = sqlite_store
    readers = ["ann@ok.example", "gone@dead.example", "full@busy.example"]
    store.add_subscribers("daily", [new_subscriber(a) for a in readers], at=NOW)
    issue = save_issue(store)
    intake = Intake(settings_for(store, soft_bounce_limit=2), store=store)
    handled: list[str] = []
    both = threading.Event()

    def handle(data: bytes, recipients: tuple[str, ...]) -> str:
        handled.append(intake.handle(data, envelope_to=recipients).outcome.value)
        if len(handled) >= 2:
            both.set()
        return handled[-1]

    faults = Faults(reject={"gone@dead.example": 550, "full@busy.example": 452})
    with (
        RecordingSMTPServer(faults) as internet,
        BounceListener(handle, domains=["example.org"], port=0) as listener,
        postfix(relay_port=internet.port, bounce_domain="example.org", bounce_port=listener.port) as mta,
    ):
        report = await deliver_issue(
            issue,
            store=store,
            smtp=SmtpSettings(host="127.0.0.1", port=mta.port, security="none", timeout=10),
            sender=LIST.sender,
            recipient_for=recipient_factory(LIST, secret=SECRET),
            options=FAST,
            verp=Verp("bounces@example.org", secret=SECRET),
        )
        assert report.totals[DeliveryStatus.SENT] == 3  # Postfix took all three
        await asyncio.to_thread(both.wait, 30)
        log = mta.log()
    assert sorted(handled) == ["bounced", "soft bounce"], log[-2000:]
    assert [a.recipient for a in internet.accepted] == ["ann@ok.example"]
    assert store.subscriber("daily", "gone@dead.example").status is SubscriberStatus.BOUNCED
    assert store.subscriber("daily", "full@busy.example").status is SubscriberStatus.ACTIVE
    assert store.subscriber("daily", "ann@ok.example").status is SubscriberStatus.ACTIVE
    gone = store.subscriber_history("gone@dead.example", list_name="daily")[-1]
    assert (
        gone.source is ChangeSource.BOUNCE
        and gone.detail.startswith("5.1.1")
        and issue.rendered.digest.issue_id in gone.detail
    )
    full = store.subscriber_history("full@busy.example", list_name="daily")[-1]
    assert full.change is SubscriberChange.SOFT_BOUNCE and full.detail.startswith("4.")


def test_a_folder_that_cannot_be_listed_is_counted_and_the_changes_before_it_are_told(
    sqlite_store, tmp_path, monkeypatch
):
    from digest.subscribers import new_subscriber

    store = sqlite_store
    store.add_subscribers("daily", [new_subscriber("userx@example.com")], at=datetime.now(UTC))
    maildir = tmp_path / "bounces"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    real_iterdir = Path.iterdir

    def iterdir(self):
        # As for a folder its owner made unreadable (the tests run as root, which reads all).
        if self == maildir / "new":
            raise PermissionError(13, "Permission denied", str(self))
        return real_iterdir(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    told = []
    report = process_paths(by_address(store), [SAMPLES / "dsn_13.txt", maildir], store=store, on_handled=told.append)
    assert [h.outcome for h in told] == [Outcome.BOUNCED, Outcome.MALFORMED]
    assert told[0].changes and told[0].changes[0].email.lower() == "userx@example.com"
    assert told[1].source == str(maildir / "new") and "cannot list the folder: Permission denied" in told[1].detail
    assert report.messages == 2 and len(report.changes) == 1


async def test_a_permanent_failure_with_a_verp_token_stops_the_address_on_every_list(sent):
    """The token names the list of the copy that bounced, but the mailbox is gone for every list."""
    store, settings, _, messages, senders = sent
    reader = "reader1@example.org"
    store.add_subscribers("weekly", [new_subscriber(reader.upper())], at=NOW)
    store.add_subscribers("weekly", [new_subscriber("reader2@example.org")], at=NOW)
    handled = Intake(settings, store=store).handle(dsn(senders[reader], reader, original=messages[reader]))
    assert handled.outcome is Outcome.BOUNCED
    assert {(c.list_name, c.status) for c in handled.changes} == {
        ("daily", SubscriberStatus.BOUNCED),
        ("weekly", SubscriberStatus.BOUNCED),
    }
    assert store.subscriber("weekly", reader).status is SubscriberStatus.BOUNCED
    assert store.subscriber("weekly", "reader2@example.org").status is SubscriberStatus.ACTIVE


async def test_a_request_to_the_list_unsubscribe_mailto_address_unsubscribes_its_reader(sent):
    """What Apple Mail or Outlook sends for the mailto in List-Unsubscribe: a message to that
    address with its subject, which carries the reader's token."""
    import email
    import re
    from email import policy
    from urllib.parse import unquote

    store, settings, _, messages, _ = sent
    reader = "reader3@example.org"
    header = str(email.message_from_bytes(messages[reader], policy=policy.default)["List-Unsubscribe"])
    mailto = re.search(r"<mailto:([^>]+)>", header)[1]
    address, _, query = mailto.partition("?")
    subject = unquote(query.removeprefix("subject="))
    request = f"From: {reader}\r\nTo: {address}\r\nSubject: {subject}\r\n\r\n\r\n".encode()
    handled = Intake(settings, store=store).handle(request, envelope_to=(address,))
    assert handled.outcome is Outcome.UNSUBSCRIBED
    assert status_of(store, reader) is SubscriberStatus.UNSUBSCRIBED
    assert (history(store, reader)[-1].change, history(store, reader)[-1].source) == (
        SubscriberChange.UNSUBSCRIBED,
        ChangeSource.MAIL,
    )
    forged = request.replace(
        subject.encode(), b"unsubscribe WyJkYWlseSIsInJlYWRlcjRAZXhhbXBsZS5vcmciLDFd.AAAAAAAAAAAAAAAAAAAAAA"
    )
    assert Intake(settings, store=store).handle(forged).outcome is Outcome.FORGED
    assert status_of(store, "reader4@example.org") is SubscriberStatus.ACTIVE


def test_runs_over_one_maildir_at_once_count_each_soft_bounce_once(sqlite_store, tmp_path):
    """Three `bounces process` runs over one Maildir at the same time (a cron tick while the
    last run still reads): each delay warning counts once, so nobody reaches the limit."""
    import threading

    from digest.app.bounces import process_paths

    emails = subscribe(sqlite_store, 60)
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for n, email_address in enumerate(emails):
        (maildir / "new" / f"{n}.M{n}P1Q{n}.mx").write_bytes(
            dsn("bounces@example.org", email_address, status="4.2.2", action="delayed")
        )
    settings = by_address(sqlite_store)  # soft_bounce_limit 2
    reports, errors = [], []

    def run() -> None:
        try:
            with Store(sqlite_store.url) as store:
                reports.append(process_paths(settings, [maildir], store=store))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(r.messages for r in reports) == 60
    assert all(status_of(sqlite_store, e) is SubscriberStatus.ACTIVE for e in emails)
    assert all(
        sum(1 for ev in history(sqlite_store, e) if ev.change is SubscriberChange.SOFT_BOUNCE) == 1 for e in emails
    )


# ---------------------------------------------------------------- hostile text and a store that refuses

# What no terminal, log or store should get from a message: NUL, escape sequences (clear
# the screen, set the window title, colour), BEL, a C1 control and a bidi override.
HOSTILE = "550 5.1.1 bad\x00user \x1b[2J\x1b]0;pwned\x07\x1b[31mRED\x9b1m \u202eevil"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # tab and LF are fine on output


def with_diagnostic(message: bytes, diagnostic: str) -> bytes:
    """`message` (a `dsn()`) with another Diagnostic-Code."""
    line = b"Diagnostic-Code: smtp; " + diagnostic.encode("utf-8")
    return re.sub(rb"Diagnostic-Code: [^\r\n]*", lambda _: line, message)


def a_maildir(tmp_path: Path, messages: dict[str, bytes]) -> Path:
    maildir = tmp_path / "Maildir"
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for name, data in messages.items():
        (maildir / "new" / name).write_bytes(data)
    return maildir


def a_config(store: Store, tmp_path: Path) -> Path:
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = {json.dumps(store.url)}\n[unsubscribe]\nsecret = "{SECRET}"\n'
        '[lists.daily]\nfrom = "The Daily <digest@example.org>"\n'
    )
    return config


def refuse_details_holding(store: Store, word: str) -> None:
    """Make the store refuse, for good, any history line whose detail holds `word`."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON subscriber_events "
                f"WHEN NEW.detail LIKE '%{word}%' BEGIN SELECT RAISE(ABORT, 'this detail is refused'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF position('{word}' in NEW.detail) > 0 THEN RAISE EXCEPTION 'this detail is refused'; END IF; "
                "RETURN NEW; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse BEFORE INSERT ON subscriber_events FOR EACH ROW EXECUTE FUNCTION refuse()"
            )


def test_a_report_gives_its_reasons_as_one_printable_line():
    from digest.mail.bounces import read_report

    bounce = with_diagnostic(dsn("bounces@example.org", "reader0@example.org"), HOSTILE)
    complaint = arf(b"To: reader0@example.org\r\nSubject: x\r\n\r\nx\r\n", rcpt="reader0@example.org").replace(
        b"User-Agent: SomeGenerator/1.0", "User-Agent: Gen\x1b]0;pwned\x07/1.0 \x00\u202e".encode()
    )
    other = SAMPLES.joinpath("qmail_01.txt").read_bytes().replace(b"Subject: ", "Subject: \x1b[2J\x00\x85".encode(), 1)
    reasons = [f.reason for message in (bounce, complaint, other) for f in read_report(message).failures]
    assert len(reasons) == 3
    # Raw 8-bit bytes in a header are read as U+FFFD; escape sequences lose their ESC.
    assert reasons[0].startswith("5.1.1 smtp; 550 5.1.1 baduser [2J]0;pwned[31mRED") and reasons[0].endswith("evil")
    assert not any(CONTROL.search(r) or "\t" in r or "\n" in r for r in reasons), reasons


def test_control_characters_in_a_forged_bounce_reach_neither_the_store_nor_the_terminal(store, tmp_path):
    """A DSN matched by its address (anyone can send one) whose diagnostic holds NUL
    (which PostgreSQL refuses in text) and terminal escapes, ahead of a plain bounce."""
    subscribe(store, 2)
    maildir = a_maildir(
        tmp_path,
        {
            "1.M1P1Q1.mx": with_diagnostic(dsn("bounces@example.org", "reader0@example.org"), HOSTILE),
            "2.M2P1Q2.mx": dsn("bounces@example.org", "reader1@example.org"),
        },
    )
    config = a_config(store, tmp_path)
    result = digest_cli("--config", str(config), "bounces", "process", str(maildir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 message(s): 2 bounced" in result.stderr
    assert not CONTROL.search(result.stdout + result.stderr), repr(result.stdout + result.stderr)
    assert result.stdout.splitlines()[0].startswith(
        "daily\treader0@example.org\tbounced\tbounced\t5.1.1 smtp; 550 5.1.1 baduser [2J]0;pwned[31mRED"
    )
    assert (
        status_of(store, "reader0@example.org") is status_of(store, "reader1@example.org") is SubscriberStatus.BOUNCED
    )
    assert history(store, "reader0@example.org")[-1].detail.startswith("5.1.1 smtp; 550 5.1.1 baduser [2J]")
    for command in (("subscribers", "history", "reader0@example.org"), ("subscribers", "list")):
        for form in ((), ("--json",)):
            shown = digest_cli("--config", str(config), *command, *form, cwd=tmp_path)
            assert shown.returncode == 0 and "RED" in shown.stdout, shown.stderr
            assert not CONTROL.search(shown.stdout + shown.stderr), repr(shown.stdout)


def test_a_message_the_store_refuses_is_one_failure_and_the_rest_are_applied(store, tmp_path):
    subscribe(store, 3)
    refuse_details_holding(store, "refused-here")
    refused = with_diagnostic(dsn("bounces@example.org", "reader0@example.org"), "550 5.1.1 refused-here")
    maildir = a_maildir(
        tmp_path,
        {
            "1.M1P1Q1.mx": dsn("bounces@example.org", "reader1@example.org"),
            "2.M2P1Q2.mx": refused,
            "3.M3P1Q3.mx": dsn("bounces@example.org", "reader2@example.org"),
        },
    )
    config = a_config(store, tmp_path)
    result = digest_cli("--config", str(config), "bounces", "process", str(maildir), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert [line.split("\t")[1] for line in result.stdout.splitlines()] == [
        "reader1@example.org",
        "reader2@example.org",
    ]
    failed = [line for line in result.stderr.splitlines() if "2.M2P1Q2.mx" in line]
    assert len(failed) == 1 and failed[0].startswith(f"{maildir / 'new' / '2.M2P1Q2.mx'}: failed: ")
    assert "set subscriber status failed: " in failed[0] and "this detail is refused" in failed[0]
    assert "3 message(s): 2 bounced, 1 failed" in result.stderr
    assert "Traceback" not in result.stderr
    assert status_of(store, "reader0@example.org") is SubscriberStatus.ACTIVE
    # Refused for good: marked seen with the others, so it does not stop the next runs.
    assert sorted(p.name for p in (maildir / "cur").iterdir()) == [
        "1.M1P1Q1.mx:2,S",
        "2.M2P1Q2.mx:2,S",
        "3.M3P1Q3.mx:2,S",
    ]
    again = digest_cli("--config", str(config), "bounces", "process", str(maildir), cwd=tmp_path)
    assert again.returncode == 0 and again.stderr.strip() == "0 message(s)"


def held_write_lock(path: str):
    """Another process's write transaction on a SQLite store (readers go on, as in WAL)."""
    import sqlite3

    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def test_a_message_the_store_cannot_take_now_stays_unseen_for_the_next_run(sqlite_store, tmp_path):
    subscribe(sqlite_store, 2)
    maildir = a_maildir(
        tmp_path,
        {
            "1.M1P1Q1.mx": dsn("bounces@example.org", "reader0@example.org"),
            "2.M2P1Q2.mx": dsn("bounces@example.org", "reader1@example.org"),
        },
    )
    settings = by_address(sqlite_store)
    process_paths(settings, [tmp_path / "nothing"], store=sqlite_store)  # its settings stored before the lock
    told = []
    lock = held_write_lock(sqlite_store.url.removeprefix("sqlite:///"))
    try:
        with Store(sqlite_store.url + "?timeout=0.2") as impatient:
            report = process_paths(settings, [maildir], store=impatient, on_handled=told.append)
    finally:
        lock.close()
    assert report.outcomes == {Outcome.DEFERRED: 2} and report.messages == 2
    assert [Path(h.source).name for h in told] == ["1.M1P1Q1.mx", "2.M2P1Q2.mx"]
    assert all("database is locked" in h.detail and "next run" in h.detail for h in told), told
    assert sorted(p.name for p in (maildir / "new").iterdir()) == ["1.M1P1Q1.mx", "2.M2P1Q2.mx"]
    assert status_of(sqlite_store, "reader0@example.org") is SubscriberStatus.ACTIVE
    # The lock gone, the next run applies them.
    again = process_paths(settings, [maildir], store=sqlite_store)
    assert again.outcomes == {Outcome.BOUNCED: 2}
    assert not list((maildir / "new").iterdir())


def test_the_listener_drops_a_message_the_store_refuses_and_defers_one_it_cannot_take_now(
    sqlite_store, tmp_path, caplog
):
    subscribe(sqlite_store, 3)
    refuse_details_holding(sqlite_store, "refused-here")
    refused = with_diagnostic(dsn("bounces@example.org", "reader0@example.org"), "550 5.1.1 refused-here")
    with Store(sqlite_store.url + "?timeout=0.2") as impatient:
        intake = Intake(by_address(impatient), store=impatient)

        def handle(data: bytes, recipients: tuple[str, ...]) -> str:
            return intake.handle(data, envelope_to=recipients).outcome.value

        with BounceListener(handle, domains=["example.org"], port=0) as listener:
            with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
                client.sendmail("", ["bounces@example.org"], refused)  # 250: taken, not to be sent again
                client.sendmail("", ["bounces@example.org"], dsn("bounces@example.org", "reader1@example.org"))
                lock = held_write_lock(sqlite_store.url.removeprefix("sqlite:///"))
                try:
                    with pytest.raises(smtplib.SMTPDataError) as deferred:
                        client.sendmail("", ["bounces@example.org"], dsn("bounces@example.org", "reader2@example.org"))
                finally:
                    lock.close()
            counts = listener.counts
    assert deferred.value.smtp_code == 451
    assert counts == {"failed": 1, "bounced": 1, "deferred": 1}
    assert status_of(sqlite_store, "reader0@example.org") is SubscriberStatus.ACTIVE
    assert status_of(sqlite_store, "reader1@example.org") is SubscriberStatus.BOUNCED
    assert status_of(sqlite_store, "reader2@example.org") is SubscriberStatus.ACTIVE
    dropped = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(dropped) == 1 and "this detail is refused" in dropped[0] and "dropped" in dropped[0]


def test_an_address_that_bounced_on_one_list_is_not_added_to_another(store, tmp_path):
    store.add_subscribers("daily", [new_subscriber("r002@example.org"), new_subscriber("ok@example.org")], at=NOW)
    store.set_subscriber_status(
        "daily", "r002@example.org", SubscriberStatus.BOUNCED, at=NOW, source=ChangeSource.BOUNCE, detail="5.1.1"
    )
    store.add_subscribers("weekly", [new_subscriber("back@example.org")], at=NOW)
    store.set_subscriber_status("daily", "ok@example.org", SubscriberStatus.BOUNCED, at=NOW, source=ChangeSource.BOUNCE)
    store.set_subscriber_status("weekly", "back@example.org", SubscriberStatus.ACTIVE, at=NOW)
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = {json.dumps(store.url)}

[lists.daily]
from = "The Daily <digest@example.org>"

[lists.weekly]
from = "The Weekly <weekly@example.org>"
"""
    )
    added = digest_cli("--config", str(config), "subscribers", "add", "R002@example.org", "--list", "weekly")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == (
        f"r002@example.org: bounced on daily ({NOW:%Y-%m-%d}), not added to weekly; "
        "`digest subscribers reactivate r002@example.org --list daily` restarts them"
    )
    csv = tmp_path / "people.csv"
    csv.write_text("email\nr002@example.org\nok@example.org\nnew@example.org\n")
    imported = digest_cli("--config", str(config), "subscribers", "import", str(csv), "--list", "weekly")
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.startswith(
        "weekly: 1 added, 0 already subscribed, 2 not added (their mail bounced on another"
    )
    on_weekly = {s.email: s.status for s in store.iter_subscribers("weekly")}
    assert on_weekly == {"back@example.org": SubscriberStatus.ACTIVE, "new@example.org": SubscriberStatus.ACTIVE}
    # Restarted on the list it bounced on, the address may join another.
    reactivate_subscriber(ListSettings(name="daily", sender="d@example.org"), "r002@example.org", store=store)
    again = digest_cli("--config", str(config), "subscribers", "add", "r002@example.org", "--list", "weekly")
    assert again.returncode == 0 and again.stdout.strip() == "r002@example.org: added to weekly", again.stdout


@pytest.mark.parametrize(
    "mailto",
    [
        "mailto:unsub@example.org?subject=Unsubscribe%20{token}",
        "mailto:unsub@example.org?body=bye&subject=unsubscribe%20{token}",
        "mailto:unsub@example.org?subject=unsubscribe",
        "mailto:unsub@example.org?body={token}",
        "mailto:unsub+{token}@example.org",
        "mailto:unsub@example.org?subject=unsubscribe+{token}",
        "mailto:unsub@example.org?subject={token}",
    ],
)
def test_an_unsubscribe_mailto_the_config_takes_is_one_the_intake_knows_its_reader_by(sqlite_store, mailto):
    """What a mail client sends for the configured mailto: a message to its address with its
    subject (RFC 6068: %-escapes decoded, '+' kept). The config takes only a mailto whose
    message unsubscribes the reader it was sent to."""
    from urllib.parse import unquote

    from digest.app import recipient_factory
    from digest.errors import ConfigError

    store = sqlite_store
    raw = {
        "store": {"url": store.url},
        "unsubscribe": {"secret": SECRET},
        "lists": {"daily": {"from": LIST.sender, "unsubscribe_mailto": mailto}},
    }
    try:
        settings = parse_settings(raw, base_dir=REPO)
    except ConfigError as exc:
        assert str(exc).startswith("lists.daily.unsubscribe_mailto: expected the subject 'unsubscribe {token}'")
        return
    [reader] = subscribe(store, 1)
    recipient = recipient_factory(settings.list("daily"), secret=SECRET)(store.subscriber("daily", reader))
    address, _, query = recipient.unsubscribe_mailto.removeprefix("mailto:").partition("?")
    fields = {k.lower(): unquote(v) for k, _, v in (p.partition("=") for p in query.split("&"))}
    request = f"From: {reader}\r\nTo: {unquote(address)}\r\nSubject: {fields.get('subject', '')}\r\n\r\n".encode()
    handled = Intake(settings, store=store).handle(request, envelope_to=(unquote(address),))
    assert handled.outcome is Outcome.UNSUBSCRIBED, handled
    assert status_of(store, reader) is SubscriberStatus.UNSUBSCRIBED


def test_a_lists_configured_readers_leave_out_an_address_that_bounced_on_another_list(store, tmp_path):
    from digest.app import seed_subscribers

    store.add_subscribers("daily", [new_subscriber("dead@example.org")], at=NOW)
    store.set_subscriber_status(
        "daily", "dead@example.org", SubscriberStatus.BOUNCED, at=NOW, source=ChangeSource.BOUNCE
    )
    csv = tmp_path / "readers.csv"
    csv.write_text("email,name\nDead@example.org,Dead\nlive@example.org,Live\n")
    weekly = ListSettings(name="weekly", sender="w@example.org", subscribers=str(csv))
    assert seed_subscribers(weekly, store=store, now=NOW) == 1
    assert {s.email for s in store.iter_subscribers("weekly")} == {"live@example.org"}
