"""The capture sink files one Maildir copy per envelope recipient."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from digest.delivery.sink import CaptureSink, captured
from digest.errors import DeliveryError


def email(subject: str, message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "digest@example.org"
    msg["To"] = "list@example.org"
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = "Mon, 06 May 2024 07:30:00 +0000"
    msg.set_content("Today's stories.\n")
    return msg


@pytest.fixture
def sink(tmp_path: Path):
    with CaptureSink(maildir=tmp_path / "mail", port=0) as running:
        yield running


async def send(sink: CaptureSink, msg: EmailMessage, *rcpts: str) -> None:
    await aiosmtplib.send(msg, hostname="127.0.0.1", port=sink.port, recipients=list(rcpts), timeout=5)


async def test_captures_one_copy_per_recipient(sink: CaptureSink):
    await send(sink, email("First", "<1@example.org>"), "ann@example.org")
    await send(sink, email("Second", "<2@example.org>"), "bob@example.org", "cy@example.org")
    await send(sink, email("Third ☕", "<3@example.org>"), "ann@example.org")

    copies = captured(sink.maildir)

    assert [(c.envelope_to, c.subject) for c in copies] == [
        ("ann@example.org", "First"),
        ("bob@example.org", "Second"),
        ("cy@example.org", "Second"),
        ("ann@example.org", "Third ☕"),
    ]
    assert [c.message_id for c in copies] == [
        "<1@example.org>",
        "<2@example.org>",
        "<2@example.org>",
        "<3@example.org>",
    ]
    assert copies[0].date is not None and copies[0].date.year == 2024
    assert all(c.size > 0 for c in copies)
    assert len({c.key for c in copies}) == 4


async def test_pipelined_sends_are_captured(sink: CaptureSink):
    from digest.config import SmtpSettings
    from digest.delivery.connection import Connection

    connection = Connection(SmtpSettings(host="127.0.0.1", port=sink.port, timeout=5))
    message = email("Pipelined", "<p@example.org>").as_bytes().replace(b"\n", b"\r\n")
    outcomes = [await connection.send("digest@example.org", f"r{i}@example.org", message) for i in range(3)]
    await connection.close()
    assert connection.pipelining
    assert [o.status.value for o in outcomes] == ["sent"] * 3
    assert [c.envelope_to for c in captured(sink.maildir)] == ["r0@example.org", "r1@example.org", "r2@example.org"]


async def test_stored_copy_starts_with_envelope_header(sink: CaptureSink):
    await send(sink, email("Hello", "<h@example.org>"), "ann@example.org")

    [copy] = captured(sink.maildir)
    stored = next((sink.maildir / "new").iterdir()).read_bytes()

    assert copy.envelope_to == "ann@example.org"
    assert stored.startswith(b"X-Digest-Envelope-To: ann@example.org\nReturn-Path: <digest@example.org>\n")
    assert b"\r\n" not in stored
    assert b"Today's stories." in stored


def test_binds_loopback_and_reports_real_port(sink: CaptureSink):
    assert sink.host == "127.0.0.1"
    assert sink.port > 0
    with socket.create_connection(("127.0.0.1", sink.port), timeout=2) as conn:
        assert conn.recv(100).startswith(b"220 ")


def test_port_in_use_is_a_delivery_error(sink: CaptureSink, tmp_path: Path):
    with pytest.raises(DeliveryError, match=f"127.0.0.1:{sink.port}") as err:
        CaptureSink(maildir=tmp_path / "other", port=sink.port).start()
    assert "\n" not in str(err.value)


def test_unwritable_maildir_is_a_delivery_error(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    with pytest.raises(DeliveryError, match="Maildir"):
        CaptureSink(maildir=blocker / "mail", port=0).start()


def test_captured_on_missing_maildir_is_empty(tmp_path: Path):
    assert captured(tmp_path / "nowhere") == []


def test_stop_frees_the_port(tmp_path: Path):
    first = CaptureSink(maildir=tmp_path / "mail", port=0).start()
    port = first.port
    first.stop()

    with CaptureSink(maildir=tmp_path / "mail", port=port) as again:
        assert again.port == port


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_sink_runs_until_sigterm(tmp_path: Path):
    port = free_port()
    code = f"from pathlib import Path; from digest.delivery.sink import serve_sink; serve_sink(maildir=Path({str(tmp_path / 'mail')!r}), port={port})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2])
    try:
        deadline = time.monotonic() + 5
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    assert conn.recv(100).startswith(b"220 ")
                break
            except ConnectionRefusedError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def _demo_settings(tmp_path: Path, port: int):
    import tomllib

    from digest.config import parse_settings

    text = f'[smtp]\nport = {port}\n[delivery]\nmaildir = "{tmp_path / "mail"}"\n'
    return parse_settings(tomllib.loads(text), base_dir=tmp_path)


def test_messages_sent_at_once_by_threads_of_one_process_share_one_capture_server(tmp_path: Path):
    """The web service's confirmation messages, say, with no [smtp] host: each thread used
    to start its own capture server on the port, and all but one failed to listen."""
    from concurrent.futures import ThreadPoolExecutor

    from digest.app.mailing import send_one

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = _demo_settings(tmp_path, port)
    data = b"From: d@example.org\r\nTo: r@example.org\r\nSubject: hi\r\n\r\nbody\r\n"

    def send(n: int) -> str:
        return send_one(settings, envelope_from="d@example.org", recipient=f"r{n}@example.org", data=data)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, range(24)))
    assert len(captured(tmp_path / "mail")) == 24


def test_a_capture_port_taken_by_a_program_that_is_not_smtp_says_so_at_once(tmp_path: Path):
    from digest.app.sending import smtp_target

    with socket.socket() as other:  # accepts, and never greets
        other.bind(("127.0.0.1", 0))
        other.listen()
        settings = _demo_settings(tmp_path, other.getsockname()[1])
        started = time.monotonic()
        with (
            pytest.raises(DeliveryError, match=r"the port is taken by a program that does not speak SMTP"),
            smtp_target(settings),
        ):
            pass
    assert time.monotonic() - started < 15


def test_a_capture_maildir_that_cannot_be_made_is_said_as_such(tmp_path: Path):
    from digest.app.sending import smtp_target

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "afile").write_text("a file where the Maildir's folder should go")
    settings = _demo_settings(tmp_path, port)
    settings = replace(settings, delivery=replace(settings.delivery, maildir=str(tmp_path / "afile" / "mail")))
    with pytest.raises(DeliveryError, match=r"Maildir") as caught, smtp_target(settings):
        pass
    assert "does not speak SMTP" not in str(caught.value)


def test_the_listing_reads_only_the_maildirs_own_files_and_passes_over_broken_ones(tmp_path: Path):
    box = tmp_path / "mail"
    for folder in ("new", "cur", "tmp"):
        (box / folder).mkdir(parents=True)
    good = b"X-Digest-Envelope-To: ann@example.org\nSubject: Good\nMessage-ID: <g@example.org>\n\nbody\n"
    (box / "new" / "1700000000.M1P1Q1.host").write_bytes(good)
    (box / "new" / "1700000001.M1P1Q2.host").write_bytes(b"Subject: Bad\nMessage-ID: <<<>>>\n\nbody\n")
    secret = tmp_path / "outside.txt"
    secret.write_text("Subject: SECRET-OUTSIDE-FILE\n\n")
    (box / "new" / "1700000002.M1P1Q3.host").symlink_to(secret)
    (box / "new" / "1700000003.M1P1Q4.host").symlink_to("/dev/zero")
    (box / "cur" / "1700000004.M1P1Q5.host:2,S").write_bytes(b"a" * 1_000_000)  # one endless line
    listed = captured(box)
    assert [m.subject for m in listed if m.subject] == ["Good", "Bad"]
    assert "SECRET-OUTSIDE-FILE" not in {m.subject for m in listed}
    assert [m.key for m in captured(box, newest=1)] == ["1700000004.M1P1Q5.host"]


def test_a_copy_whose_message_id_or_date_is_malformed_is_listed_without_it(tmp_path: Path):
    """Python's email package raises for some malformed Message-IDs and records a defect for
    others, and which ones changed in Python 3.13: the listing reads every one as none."""
    box = tmp_path / "mail"
    for folder in ("new", "cur", "tmp"):
        (box / folder).mkdir(parents=True)
    heads = [
        b"Subject: Brackets\nMessage-ID: <<<>>>\nDate: yesterday\n",
        b"Subject: Empty\nMessage-ID: <>\nDate: Mon, 06 May 2024 07:30:00 +0000\n",
        b"Subject: Bare\nMessage-ID: bare@example.org\n",
        b"Subject: Good\nMessage-ID: <g@example.org>\n",
    ]
    for n, head in enumerate(heads):
        (box / "new" / f"170000000{n}.M1P1Q{n}.host").write_bytes(head + b"\nbody\n")
    listed = captured(box)
    assert [(m.subject, m.message_id) for m in listed] == [
        ("Brackets", None),
        ("Empty", None),
        ("Bare", None),
        ("Good", "<g@example.org>"),
    ]
    assert [m.date.isoformat() if m.date else None for m in listed] == [None, "2024-05-06T07:30:00+00:00", None, None]


async def test_a_maildir_that_cannot_be_written_is_one_error_line_until_it_can(sink: CaptureSink, caplog):
    """A full disk refuses every copy the same way: each gets 451 (the sender defers it),
    and the log says so once, not once per message and try; once a copy is written
    again, a new failure is logged again."""
    import shutil

    caplog.set_level("INFO", logger="digest.delivery.sink")
    await send(sink, email("warm", "<0@example.org>"), "ann@example.org")
    shutil.rmtree(sink.maildir / "tmp")
    (sink.maildir / "tmp").write_text("")  # every write now fails with an OSError, as on a full disk
    for n in range(3):
        with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
            await send(sink, email(f"Story {n}", f"<{n + 1}@example.org>"), "ann@example.org")
        assert refused.value.code == 451
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and str(sink.maildir) in errors[0].getMessage()
    (sink.maildir / "tmp").unlink()
    (sink.maildir / "tmp").mkdir()
    await send(sink, email("Again", "<5@example.org>"), "ann@example.org")
    shutil.rmtree(sink.maildir / "tmp")
    (sink.maildir / "tmp").write_text("")
    with pytest.raises(aiosmtplib.SMTPResponseException):
        await send(sink, email("Once more", "<6@example.org>"), "ann@example.org")
    assert len([r for r in caplog.records if r.levelname == "ERROR"]) == 2
