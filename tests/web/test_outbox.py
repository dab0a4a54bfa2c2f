"""The web service's confirmation outbox: its connections, what it does at shutdown, and
with no SMTP host."""

from __future__ import annotations

import logging
import socket
import time
from dataclasses import replace
from datetime import UTC, datetime

from digest.app.subscribing import ConfirmationMail
from digest.config import DeliverySettings, Settings, SmtpSettings
from digest.web.outbox import Outbox
from tests.helpers import LIST, subscribe
from tests.smtp_server import Faults, RecordingSMTPServer

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def mail(email: str) -> ConfirmationMail:
    data = f"From: digest@example.org\r\nTo: {email}\r\nSubject: Confirm\r\n\r\nConfirm.\r\n".encode()
    return ConfirmationMail(
        list_name="daily", key=email, recipient=email, envelope_from="digest@example.org", data=data, at=NOW
    )


def settings_for(server: RecordingSMTPServer) -> Settings:
    return Settings(lists=(LIST,), smtp=SmtpSettings(host=server.host, port=server.port, security="none", timeout=5))


def test_confirmations_in_a_row_share_one_connection_which_stopping_closes(sqlite_store):
    """A burst of sign-ups costs one connection (greeting, TLS, login) a mail thread, not one
    a message; stopping the service says QUIT on it."""
    emails = subscribe(sqlite_store, 6)
    with RecordingSMTPServer() as server:
        outbox = Outbox(settings_for(server), sqlite_store, threads=1)
        for email in emails:
            outbox.post(mail(email))
        assert outbox.wait(timeout=30)
        outbox.close()
        assert sorted(a.recipient for a in server.accepted) == sorted(emails)
        assert (server.greetings, server.quits) == (1, 1)


def test_a_connection_left_idle_is_closed_and_the_next_confirmation_opens_one(sqlite_store):
    first, second = subscribe(sqlite_store, 2)
    with RecordingSMTPServer() as server:
        outbox = Outbox(settings_for(server), sqlite_store, threads=1, idle=0.2)
        outbox.post(mail(first))
        assert outbox.wait(timeout=30)
        deadline = time.monotonic() + 10
        while server.quits < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.quits == 1
        outbox.post(mail(second))
        outbox.close()
        assert [a.recipient for a in server.accepted] == [first, second]
        assert (server.greetings, server.quits) == (2, 2)


def test_a_connection_the_server_closed_between_confirmations_is_opened_again(sqlite_store, caplog):
    """A server that ends the connection after a message (or after its own idle timeout):
    the next confirmation goes out on a new one, with no failure."""
    emails = subscribe(sqlite_store, 3)
    with RecordingSMTPServer(Faults(close_after_reply=dict.fromkeys(emails[:2], 1))) as server:
        outbox = Outbox(settings_for(server), sqlite_store, threads=1)
        with caplog.at_level(logging.WARNING, logger="digest"):
            for email in emails:
                outbox.post(mail(email))
                assert outbox.wait(timeout=30)
            outbox.close()
        assert [a.recipient for a in server.accepted] == emails
        assert server.greetings == 3
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


def test_a_stopping_service_sends_the_confirmations_it_queued(sqlite_store):
    """Twelve confirmations queued behind four mail threads on a slow server: stopping the
    service sends them all (before, those still waiting for a thread were dropped)."""
    emails = subscribe(sqlite_store, 12)
    with RecordingSMTPServer(Faults(delay=0.2)) as server:
        smtp = SmtpSettings(host=server.host, port=server.port, security="none", timeout=5)
        outbox = Outbox(Settings(lists=(LIST,), smtp=smtp), sqlite_store)
        for email in emails:
            outbox.post(mail(email))
        outbox.close()
        assert sorted(a.recipient for a in server.accepted) == sorted(emails)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listens(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def test_with_no_smtp_host_the_capture_server_lives_as_long_as_the_service(sqlite_store, tmp_path):
    """Started for the first confirmation, the local capture server stays up until the
    service stops: a `digest send` of another process that found it listening keeps it."""
    (email,) = subscribe(sqlite_store, 1)
    port = free_port()
    settings = Settings(
        lists=(LIST,),
        smtp=replace(SmtpSettings(), host="", port=port),
        delivery=DeliverySettings(maildir=str(tmp_path / "mail")),
    )
    outbox = Outbox(settings, sqlite_store)
    outbox.post(mail(email))
    assert outbox.wait(timeout=30)
    assert listens(port)
    outbox.close()
    assert not listens(port)
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 1
