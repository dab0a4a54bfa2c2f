"""The daily-digest flow under Prefect's test harness, with a real SMTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import SEEDS_DIR
from tests.smtp_server import RecordingSMTPServer

SUBSCRIBERS = 12  # rows in seeds/subscribers.csv


def write_config(tmp_path: Path, server: RecordingSMTPServer) -> str:
    config = tmp_path / "digest.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{tmp_path / 'digest.db'}"
[smtp]
host = "127.0.0.1"
port = {server.port}
[unsubscribe]
secret = "flow-test-secret"
[delivery]
attempts = 2
[sources.scrapes]
path = "{SEEDS_DIR / 'pages'}"
[sources.feed]
feed = "{SEEDS_DIR / 'feeds' / 'river-valley-news.xml'}"
[lists.daily]
title = "Flow Digest"
from = "Flow Digest <digest@example.org>"
subscribers = "{SEEDS_DIR / 'subscribers.csv'}"
""")
    return str(config)


@pytest.fixture
def server():
    running = RecordingSMTPServer().start()
    yield running
    running.stop()


def test_one_message_per_subscriber_then_nothing_when_nothing_is_new(tmp_path, server):
    from flows.daily_digest import daily_digest

    config = write_config(tmp_path, server)
    first = daily_digest(config=config)
    assert first["daily"]["sent"] == SUBSCRIBERS
    assert len(server.accepted) == SUBSCRIBERS
    assert all(len(copies) == 1 for copies in server.by_recipient().values())

    second = daily_digest(config=config)
    assert second["daily"] == {"sent": 0, "new": 0}
    assert len(server.accepted) == SUBSCRIBERS


def test_dry_run_sends_nothing(tmp_path, server):
    from flows.daily_digest import daily_digest

    result = daily_digest(config=write_config(tmp_path, server), dry_run=True)
    assert result["daily"]["dry_run"] and result["daily"]["new"] == 7
    assert server.accepted == []


def test_a_failed_batch_is_retried_by_the_task_without_duplicates(tmp_path, server):
    from flows.daily_digest import daily_digest

    config = write_config(tmp_path, server)
    # The first attempt of the batch fails for one reader (2 tries in the run, both 451);
    # the task raises, Prefect retries it, and the retry sends only what is owed.
    server.faults.transient_rcpt = {"ana.moreau@example.org": 2}
    result = daily_digest(config=config)
    assert result["daily"]["sent"] == SUBSCRIBERS
    assert server.attempts["ana.moreau@example.org"] == 3
    assert len(server.accepted) == SUBSCRIBERS
    assert all(len(copies) == 1 for copies in server.by_recipient().values())
