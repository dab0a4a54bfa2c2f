"""What a bounce domain really receives, and what a Maildir really holds, thrown at the
bounce and complaint intake: paths that are no message files (a FIFO, a device), messages
built to make the parsers work without end, reports that name many recipients. Each is
counted and changes nobody, and a real bounce beside it is still applied."""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import socket
from pathlib import Path

import pytest

from digest.app.bounces import Intake, Outcome
from digest.mail.bounces import Kind, Problem, read_report
from digest.mail.verp import Verp
from digest.models import SubscriberStatus
from tests.helpers import SECRET, digest_cli, subscribe
from tests.integration.test_bounces import SAMPLES, arf, dsn, send_issue, sent  # noqa: F401 - sent: the fixture


@pytest.fixture
def store(each_store):
    """The readers' store, a SQLite file and again PostgreSQL: where a message changes
    someone, both must."""
    return each_store


def config_for(store, folder: Path) -> Path:
    config = folder / "digest.toml"
    config.write_text(
        f'[store]\nurl = {json.dumps(store.url)}\n[unsubscribe]\nsecret = "{SECRET}"\n'
        '[delivery]\nbounce_address = "bounces@example.org"\n'
        '[lists.daily]\ntitle = "The Daily"\nfrom = "The Daily <digest@example.org>"\n'
    )
    return config


def test_a_path_that_is_no_regular_file_is_one_malformed_message_and_never_blocks(sqlite_store, tmp_path):
    """A FIFO would block the read until someone writes to it, and a device like /dev/zero
    never ends: both are named and counted, and the run goes on to the real bounce."""
    store = sqlite_store
    subscribe(store, 2)
    _, _, senders = asyncio.run(send_issue(store, Verp("bounces@example.org", secret=SECRET)))
    reader = "reader0@example.org"
    fifo = tmp_path / "pipe.eml"
    os.mkfifo(fifo)
    bounce = tmp_path / "bounce.eml"
    bounce.write_bytes(dsn(senders[reader], reader))
    result = digest_cli(
        "--config", str(config_for(store, tmp_path)), "bounces", "process", str(fifo), "/dev/zero", str(bounce),
        cwd=tmp_path,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert f"{fifo}: malformed: not a regular file" in lines
    assert "/dev/zero: malformed: not a regular file" in lines
    assert lines[-1] == "3 message(s): 1 bounced, 2 malformed"
    assert result.stdout.startswith(f"daily\t{reader}\tbounced\tbounced\t5.1.1 ")
    assert store.subscriber("daily", reader).status is SubscriberStatus.BOUNCED
    assert store.subscriber("daily", "reader1@example.org").status is SubscriberStatus.ACTIVE


# ---------------------------------------------------------------- messages built to make the parsers work


def lines_of(message) -> tuple[int, int]:
    """How many lines a message's body has, and the longest's length."""
    from email.iterators import body_line_iterator

    lengths = [len(line) for line in body_line_iterator(message)]
    return len(lengths), max(lengths, default=0)


def test_the_detectors_of_non_standard_bounces_read_the_head_of_a_message_only(monkeypatch):
    """flufl.bounce's detectors try dozens of patterns on every line: on the 5 million short
    lines that fit under the size cap they would take hours, and some patterns take time
    that grows with the square of a line's length (a minute for 64 KiB of commas). What a
    non-standard bounce says is at its top, in lines of mail's length, so that is all they
    are given, and a real one is still read."""
    import flufl.bounce

    from digest.mail import bounces

    seen: list[tuple[int, int]] = []
    real = flufl.bounce.all_failures

    def spy(message):
        seen.append(lines_of(message))
        return real(message)

    monkeypatch.setattr(flufl.bounce, "all_failures", spy)
    qmail = SAMPLES.joinpath("qmail_01.txt").read_bytes()
    padded = qmail + b"x\n" * ((bounces.MAX_MESSAGE - len(qmail)) // 2)
    report = bounces.read_report(padded)
    assert [(f.kind, f.address) for f in report.failures] == [(Kind.PERMANENT, "userx@example.de")]
    head = b"From: MAILER-DAEMON@example.net\r\nSubject: Undelivered\r\n\r\n"
    assert bounces.read_report(head + b"y" * (9 * 1024 * 1024)).problem is Problem.UNRELATED
    assert bounces.read_report(head + b"," * 60_000 + b"\n").problem is Problem.UNRELATED
    assert len(seen) == 3, seen
    assert all(lines <= 2000 and longest <= 1000 for lines, longest in seen), seen


def test_a_dsn_followed_by_megabytes_is_read_from_its_head():
    """A report's parts and the headers it quotes come first; what follows them (the rest
    of a returned message, or megabytes of junk) is not parsed, and changes nothing of
    what the report says."""
    from digest.mail import bounces

    verp = "bounces+1-0123abcd-aaaaaaaaaaaaaaaa@example.org"
    report = dsn(verp, "reader0@example.org")
    padded = report + b"z\r\n" * ((bounces.MAX_MESSAGE - len(report)) // 3)
    read = bounces.read_report(padded)
    assert read.form == "dsn" and read.problem is None
    assert [(f.kind, f.address) for f in read.failures] == [(Kind.PERMANENT, "reader0@example.org")]
    assert verp in read.verp_candidates
    assert bounces.READ_LIMIT <= 1024 * 1024


def test_address_fields_are_read_no_further_than_their_head():
    """The address parser takes seconds for a field of ten thousand addresses; a field of
    ours holds one. A header section longer than all that is read of a message is no
    report's."""
    from digest.mail import bounces

    verp = "bounces+1-0123abcd-aaaaaaaaaaaaaaaa@example.org"
    report = dsn(verp, "reader0@example.org")
    crowd = ", ".join(f"u{i}@crowd.example" for i in range(10_000))
    read = bounces.read_report(report.replace(b"\r\nTo: ", f"\r\nTo: {crowd}\r\nX-To: ".encode(), 1))
    assert read.form == "dsn" and verp in read.verp_candidates
    assert len(read.verp_candidates) < 1000, len(read.verp_candidates)
    many = b"".join(f"Delivered-To: u{i}@crowd.example\r\n".encode() for i in range(5000))
    read = bounces.read_report(report.replace(b"Return-Path: <>\r\n", b"Return-Path: <>\r\n" + many, 1))
    assert read.form == "dsn" and len(read.verp_candidates) < 1000, len(read.verp_candidates)
    crowd = ", ".join(f"u{i}@crowd.example" for i in range(100_000))
    read = bounces.read_report(report.replace(b"\r\nTo: ", f"\r\nTo: {crowd}\r\nX-To: ".encode(), 1))
    assert (read.problem, read.detail) == (Problem.MALFORMED, "header section over 256 KiB")


def test_multiparts_nested_deeper_than_any_report_are_malformed():
    """A report is a multipart holding a few parts, one of them maybe the returned message
    with its own: a hundred multiparts inside each other (each one making the parser
    check every line against every boundary above it) is no report."""
    from digest.mail import bounces

    body = dsn("bounces+1-0123abcd-aaaaaaaaaaaaaaaa@example.org", "reader0@example.org")
    for level in range(100):
        mark = f"level{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary=" + mark + b"\r\n\r\n--" + mark + b"\r\n" + body
            + b"\r\n--" + mark + b"--\r\n"
        )  # fmt: skip
    read = bounces.read_report(b"From: MAILER-DAEMON@example.net\r\nSubject: failed\r\nMIME-Version: 1.0\r\n" + body)
    assert read.problem is Problem.MALFORMED and read.failures == ()
    assert read.detail == f"over {bounces.MAX_MULTIPARTS} multiparts"


async def test_a_dsn_naming_hundreds_of_recipients_is_about_no_copy_of_ours(sent):  # noqa: F811 - the fixture
    """Each copy we send has one recipient: a DSN to one of our VERP addresses that lists
    hundreds of failed recipients (so many store look-ups, one each) is no bounce of it."""
    store, settings, _, messages, senders = sent
    reader = "reader0@example.org"
    report = dsn(senders[reader], reader, original=messages[reader])
    block = b"Final-Recipient: rfc822; {0}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
    crowd = b"".join(block.replace(b"{0}", f"u{i}@crowd.example".encode()) for i in range(300))
    report = report.replace(b"Final-Recipient:", crowd + b"Final-Recipient:", 1)
    assert len(read_report(report).failures) == 0
    handled = Intake(settings, store=store).handle(report)
    assert handled.outcome is Outcome.UNRELATED and "recipients" in handled.detail
    assert store.subscriber("daily", reader).status is SubscriberStatus.ACTIVE


# ---------------------------------------------------------------- the listener


def greeted(port: int) -> tuple[socket.socket, bytes]:
    """A connection to the listener, and its first reply line."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    return conn, conn.makefile("rb").readline()


def test_the_listener_takes_so_many_sessions_at_once_and_tells_the_next_to_come_back(sqlite_store):
    """Each session may hold a message of up to 10 MiB while it comes in: forty clients
    sending one slowly each held 400 MB. Beyond MAX_SESSIONS at once, a client is told to
    try again later (421, as a busy mail server does), and a slot freed serves the next."""
    from digest.delivery.bounce_listener import MAX_SESSIONS, BounceListener

    handled: list[bytes] = []

    def handle(data: bytes, recipients: tuple[str, ...]) -> str:
        handled.append(data)
        return "unrelated"

    with BounceListener(handle, domains=["example.org"], port=0) as listener:
        held = [greeted(listener.port) for _ in range(MAX_SESSIONS)]
        assert all(line.startswith(b"220 ") for _, line in held)
        extra, line = greeted(listener.port)
        assert line.startswith(b"421 4.3.2 "), line
        assert extra.recv(100) == b""  # and closed
        extra.close()
        held.pop()[0].close()
        for _ in range(100):  # the server hears of the close in its own time
            conn, line = greeted(listener.port)
            if line.startswith(b"220 "):
                break
            conn.close()
        assert line.startswith(b"220 "), line
        with smtplib.SMTP() as client:
            client.sock = conn
            client.file = None
            client.ehlo("client.example.net")
            assert client.sendmail("", ["bounces@example.org"], b"Subject: x\r\n\r\nx\r\n") == {}
        for conn, _ in held:
            conn.close()
    assert handled == [b"Subject: x\r\n\r\nx\r\n"]


def test_the_listener_takes_recipients_of_its_domains_only(sqlite_store):
    """An address with no domain is of none of them; only the bare `postmaster`, which
    every SMTP server must take (RFC 5321 4.5.1), is taken."""
    from digest.delivery.bounce_listener import BounceListener

    listener = BounceListener(lambda data, recipients: "unrelated", domains=["example.org"], port=0)
    with listener, smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo("client.example.net")
        client.mail("")
        answers = {
            rcpt: client.rcpt(rcpt)[0]
            for rcpt in ("example.org", "bounces", "bounces@example.org", "Postmaster", "a@evil.example")
        }
    assert answers == {
        "example.org": 550,
        "bounces": 550,
        "bounces@example.org": 250,
        "Postmaster": 250,
        "a@evil.example": 550,
    }


# ---------------------------------------------------------------- what comes back that is no bounce


async def test_an_auto_reply_whose_words_look_like_a_bounce_stops_nobody(sent):  # noqa: F811 - the fixture
    """Vacation messages go to the envelope sender, our VERP address, with the token of a
    live reader. flufl.bounce's patterns find "failed" addresses in any text that reads like
    a bounce; when none of them is the reader's, it is not a bounce of their copy. A
    non-standard bounce that does name the reader still stops them."""
    store, settings, _, _, senders = sent
    reader = "reader0@example.org"
    away = (
        f"From: {reader}\r\nTo: {senders[reader]}\r\nSubject: Out of Office: Undeliverable: The Daily\r\n"
        "Auto-Submitted: auto-replied\r\n\r\n"
        "I'm away. Messages to me may fail to be delivered.\r\n"
        "The following addresses had permanent fatal errors:\r\n  boss@example.com\r\n"
    ).encode()
    assert read_report(away).form == "other"  # what the patterns make of it
    intake = Intake(settings, store=store)
    handled = intake.handle(away, envelope_to=(senders[reader],))
    assert handled.outcome is Outcome.UNRELATED and handled.changes == ()
    assert store.subscriber("daily", reader).status is SubscriberStatus.ACTIVE

    other = "reader1@example.org"
    qmail = SAMPLES.joinpath("qmail_01.txt").read_bytes().replace(b"userx@example.de", other.encode())
    handled = intake.handle(qmail, envelope_to=(senders[other],))
    assert handled.outcome is Outcome.BOUNCED
    assert store.subscriber("daily", other).status is SubscriberStatus.BOUNCED


async def test_a_bounce_of_a_copy_sent_before_the_reader_came_back_stops_them_no_more(sent):  # noqa: F811
    """The operator reactivated a reader whose mailbox works again; a DSN about the copy
    that bounced before, replayed or arriving late, says nothing of it now, on any list,
    and a complaint about that copy is not one about what they get now. A bounce of a copy
    sent since still stops them."""
    from digest.app.bounces import reactivate_subscriber
    from digest.config import ListSettings
    from digest.subscribers import new_subscriber
    from tests.helpers import LIST, NOW, save_issue

    store, settings, _, messages, senders = sent
    reader = "reader0@example.org"
    store.add_subscribers("weekly", [new_subscriber(reader)], at=NOW)
    intake = Intake(settings, store=store)
    old = dsn(senders[reader], reader)
    assert intake.handle(old).outcome is Outcome.BOUNCED
    complaint = arf(messages[reader], rcpt=reader)  # no token: known by the Message-ID it quotes
    daily = ListSettings(name="daily", title="The Daily", sender=LIST.sender)
    weekly = ListSettings(name="weekly", title="The Weekly", sender=LIST.sender)
    reactivate_subscriber(daily, reader, store=store)
    reactivate_subscriber(weekly, reader, store=store)

    for replay in (old, dsn(senders[reader], reader, status="4.2.2", action="delayed"), complaint):
        handled = intake.handle(replay)
        assert handled.outcome is Outcome.UNRELATED and "before" in handled.detail, handled
    assert store.subscriber("daily", reader).status is SubscriberStatus.ACTIVE
    assert store.subscriber("weekly", reader).status is SubscriberStatus.ACTIVE

    _, _, later = await send_issue(store, Verp("bounces@example.org", secret=SECRET), save_issue(store, n_articles=3))
    assert intake.handle(dsn(later[reader], reader)).outcome is Outcome.BOUNCED
    assert store.subscriber("weekly", reader).status is SubscriberStatus.BOUNCED


def test_the_listeners_log_names_no_mailbox(sqlite_store, caplog):
    """An auto-reply or a complaint comes from a person's address, and what the store says
    when it refuses a message may name one: the log keeps their domains, never whose."""
    import logging

    from digest.delivery.bounce_listener import BounceListener
    from digest.errors import StoreError

    named = {b"refused": "ann" + ".private@example.net", b"broken": "bo" + ".private@example.net"}

    def handle(data: bytes, recipients: tuple[str, ...]) -> str:
        # (The source lines of a traceback are in the log with -v: the addresses are not in them.)
        if b"refused" in data:
            raise StoreError(f"cannot record a change for {named[b'refused']}: constraint failed")
        if b"broken" in data:
            raise ValueError(f"no such reader: {named[b'broken']}")
        return "unrelated"

    caplog.set_level(logging.DEBUG, logger="digest")
    listener = BounceListener(handle, domains=["example.org"], port=0)
    with listener, smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        for body in (b"Subject: away\r\n\r\nx\r\n", b"Subject: refused\r\n\r\nx\r\n", b"Subject: broken\r\n\r\nx\r\n"):
            client.sendmail("cy.private@example.net", ["bounces@example.org"], body)
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("digest"))
    assert "example.net" in logged
    assert "private" not in logged, logged


async def test_a_complaint_without_the_original_message_is_known_by_its_original_mail_from(sent):  # noqa: F811
    """Some feedback loops send the report part alone (the message withheld for privacy):
    its Original-Mail-From is the envelope sender of our copy, the reader's signed VERP
    address. One whose token does not hold is forged and changes nobody."""
    store, settings, _, _, senders = sent
    reader = "reader2@example.org"
    report = arf(b"", return_path="")
    report = report.split(b"--part1_13d.2e68ed54_boundary\r\nContent-Type: message/rfc822")[0]
    report += b"--part1_13d.2e68ed54_boundary--\r\n"
    withheld = report.replace(
        b"Original-Mail-From: <digest@example.org>", f"Original-Mail-From: <{senders[reader]}>".encode()
    )
    assert b"message/rfc822" not in withheld and senders[reader].encode() in withheld
    intake = Intake(settings, store=store)
    forged = withheld.replace(senders[reader].encode(), senders[reader].replace("bounces+", "bounces+9").encode())
    assert intake.handle(forged).outcome is Outcome.FORGED
    handled = intake.handle(withheld)
    assert handled.outcome is Outcome.COMPLAINT, handled
    assert store.subscriber("daily", reader).status is SubscriberStatus.UNSUBSCRIBED
    assert store.subscriber("daily", "reader1@example.org").status is SubscriberStatus.ACTIVE


def test_a_folder_of_hostile_messages_through_the_cli_counts_each_and_stops_only_the_bounced(sqlite_store, tmp_path):
    store = sqlite_store
    subscribe(store, 3)
    _, _, senders = asyncio.run(send_issue(store, Verp("bounces@example.org", secret=SECRET)))
    folder = tmp_path / "in"
    folder.mkdir()
    reader, away, other = "reader0@example.org", "reader1@example.org", "reader2@example.org"
    (folder / "1-bounce.eml").write_bytes(dsn(senders[reader], reader) + b"z\r\n" * 3_000_000)
    (folder / "2-away.eml").write_bytes(
        f"From: {away}\r\nTo: {senders[away]}\r\nSubject: Out of Office\r\nAuto-Submitted: auto-replied\r\n\r\n"
        "The following addresses had permanent fatal errors:\r\n  boss@example.com\r\n".encode()
    )
    crowd = b"".join(f"Final-Recipient: rfc822; u{i}@x.example\r\nAction: failed\r\n\r\n".encode() for i in range(200))
    (folder / "3-crowd.eml").write_bytes(
        dsn(senders[other], other).replace(b"Final-Recipient:", crowd + b"Final-Recipient:", 1)
    )
    nested = b"".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n".encode() for i in range(60))
    (folder / "4-nested.eml").write_bytes(b"From: MAILER-DAEMON@x.example\r\nSubject: failed\r\n" + nested)
    (folder / "5-lines.eml").write_bytes(
        b"From: MAILER-DAEMON@x.example\r\nSubject: failed\r\n\r\n" + b",\n" * 4_000_000
    )
    config = config_for(store, tmp_path)
    result = digest_cli("--config", str(config), "bounces", "process", str(folder), cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "5 message(s): 1 bounced, 1 malformed, 3 unrelated", result.stderr
    assert [line.split("\t")[:4] for line in result.stdout.splitlines()] == [["daily", reader, "bounced", "bounced"]]
    listed = digest_cli("--config", str(config), "subscribers", "list", "--json", cwd=tmp_path)
    statuses = {row["email"]: row["status"] for row in map(json.loads, listed.stdout.splitlines())}
    assert statuses == {reader: "bounced", away: "active", other: "active"}


def test_the_listener_takes_a_hundred_recipients_a_message(sqlite_store):
    """RFC 5321 has a server take at least 100; a client naming a million would have each
    kept in memory and read as a place a VERP token may be."""
    from digest.delivery.bounce_listener import BounceListener

    got: list[tuple[str, ...]] = []
    listener = BounceListener(lambda data, rcpts: got.append(rcpts) or "unrelated", domains=["example.org"], port=0)
    with listener, smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        client.ehlo("client.example.net")
        client.mail("")
        answers = [client.rcpt(f"b{i}@example.org")[0] for i in range(102)]
        assert client.data(b"Subject: x\r\n\r\nx\r\n")[0] == 250
    assert answers == [250] * 100 + [452, 452]
    assert [len(r) for r in got] == [100]
