"""The daily-digest flow under Prefect's test harness, with a real SMTP server."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from digest.config import SEEDS_DIR
from tests.helpers import digest_cli
from tests.smtp_server import RecordingSMTPServer

SUBSCRIBERS = 12  # rows in seeds/subscribers.csv


def write_config(tmp_path: Path, server: RecordingSMTPServer) -> str:
    config = tmp_path / "digest.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{tmp_path / "digest.db"}"
[web]
base_url = "https://news.example.org"
[smtp]
host = "127.0.0.1"
port = {server.port}
[unsubscribe]
secret = "flow-test-secret"
[delivery]
attempts = 2
[sources.scrapes]
path = "{SEEDS_DIR / "pages"}"
[sources.feed]
feed = "{SEEDS_DIR / "feeds" / "river-valley-news.xml"}"
[lists.daily]
title = "Flow Digest"
from = "Flow Digest <digest@example.org>"
postal_address = "1 Test Street, Testville"
subscribers = "{SEEDS_DIR / "subscribers.csv"}"
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


def test_signing_key_from_a_secret_block_and_the_artifact(tmp_path, server):
    import asyncio

    from prefect.blocks.system import Secret
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    from digest.subscribers import read_token
    from flows.daily_digest import daily_digest

    config = Path(write_config(tmp_path, server))
    config.write_text(config.read_text().replace('secret = "flow-test-secret"', 'secret = ""'))
    Secret(value="key-from-a-prefect-block").save("digest-unsubscribe-secret", overwrite=True)
    try:
        daily_digest(config=str(config))
        message = email.message_from_bytes(server.accepted[0].data, policy=email.policy.default)
        token = message["List-Unsubscribe"].split("token=")[1].split(">")[0]
        assert read_token(token, secret="key-from-a-prefect-block").list_name == "daily"
        # The commands that check links read the same block when they talk to the server.
        from prefect.settings import PREFECT_API_URL

        unsubscribed = digest_cli(
            "--config", str(config), "unsubscribe", token, env={"PREFECT_API_URL": PREFECT_API_URL.value()}
        )
        assert unsubscribed.returncode == 0, unsubscribed.stderr
    finally:
        asyncio.run(_delete_block("secret", "digest-unsubscribe-secret"))

    async def artifacts():
        async with get_client() as client:  # every run leaves one: the newest is this run's
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["digest-daily"])),
                sort=ArtifactSort.CREATED_DESC,
            )

    [artifact, *_] = asyncio.run(artifacts())
    assert "| sent | 12 |" in artifact.data and "Flow Digest" in artifact.data
    assert "key-from-a-prefect-block" not in artifact.data


async def _delete_block(block_type: str, name: str) -> None:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        block = await client.read_block_document_by_name(name=name, block_type_slug=block_type)
        await client.delete_block_document(block.id)


def test_a_batch_whose_rows_another_sender_holds_says_so_and_blames_no_server(tmp_path, server):
    from datetime import UTC, datetime

    from digest.config import load_settings
    from digest.store import Store
    from flows.daily_digest import StillOwed, send_batch
    from tests.helpers import save_issue, subscribe

    config = write_config(tmp_path, server)
    with Store(load_settings(config).store.url) as store:
        subscribe(store, 5)
        issue_id = save_issue(store).rendered.digest.issue_id
        [(first, last)] = store.subscriber_id_ranges(issue_id, size=1000)
        store.claim(issue_id, limit=5, lease=300, now=datetime.now(UTC), owner="a-send-killed-a-moment-ago")
    with pytest.raises(StillOwed, match=r"5 deliveries of subscribers .* held by another sender's claims until "):
        send_batch.fn(config, "daily", issue_id, (first, last))
    assert not server.accepted


def test_sigterm_to_digest_run_stops_the_send_gracefully(tmp_path):
    """A service manager's stop: the sends record what went out and release the rest, the
    run ends with 143, and nothing is left claimed by a run that is gone."""
    import os
    import signal
    import subprocess
    import sys
    import time

    import sqlalchemy as sa
    from prefect.settings import PREFECT_API_URL

    from digest.config import load_settings
    from digest.store import Store, deliveries_table, subscribers_table
    from tests.helpers import REPO
    from tests.smtp_server import Faults

    readers = tmp_path / "readers.csv"
    readers.write_text("email\n" + "".join(f"reader{i}@example.org\n" for i in range(400)))
    slow = RecordingSMTPServer(Faults(delay=0.05)).start()
    try:
        config = write_config(tmp_path, slow)
        Path(config).write_text(Path(config).read_text().replace(str(SEEDS_DIR / "subscribers.csv"), str(readers)))
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
        environment["PREFECT_API_URL"] = PREFECT_API_URL.value()
        process = subprocess.Popen(
            [sys.executable, "-m", "digest.cli", "--config", config, "run"],
            cwd=REPO, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while len(slow.accepted) < 20 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        _, err = process.communicate(timeout=60)
        took = time.monotonic() - stopped_at
    finally:
        slow.stop()
    assert process.returncode == 143, err
    assert "stopped by SIGTERM" in err and "Traceback" not in err
    assert took < 20, f"the run took {took:.1f} s to stop"
    accepted = {a.recipient for a in slow.accepted}
    assert 20 <= len(accepted) < 400
    with Store(load_settings(config).store.url) as store, store.engine.connect() as conn:
        d, s = deliveries_table, subscribers_table
        rows = conn.execute(sa.select(s.c.email, d.c.status).join(s, s.c.id == d.c.subscriber_id)).all()
    assert {email for email, status in rows if status == "sent"} == accepted
    assert not [email for email, status in rows if status == "sending"]  # released, not left to a lease


def test_a_dry_run_leaves_the_open_issue_and_its_deferrals_alone(tmp_path, server):
    """The dry run's look at the open issue writes nothing: deferrals the next issue would
    replace stay deferred (the run that sends gives them up)."""
    from datetime import UTC, datetime, timedelta

    from digest.models import Article, DeliveryResult, DeliveryStatus
    from digest.store import Store
    from flows.daily_digest import open_issue_task
    from tests.helpers import LIST, save_issue, subscribe

    config = write_config(tmp_path, server)
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:
        subscribe(store, 2)
        issue_id = save_issue(store, list_settings=LIST).rendered.digest.issue_id
        first, second = store.claim(issue_id, limit=2, lease=60, now=datetime.now(UTC), owner="a")
        results = [
            DeliveryResult(first.subscriber.id, DeliveryStatus.SENT, 250, ""),
            DeliveryResult(second.subscriber.id, DeliveryStatus.DEFERRED, 452, "452 4.2.2 Mailbox full"),
        ]
        store.record(issue_id, results, now=datetime.now(UTC))
        news = Article(url="https://news.example.org/new", title="New", paragraphs=("New. " * 40,), source="feed")
        store.add_article(news, gathered_at=datetime.now(UTC) + timedelta(seconds=1))
    assert open_issue_task.fn(config, "daily", settle=False) == issue_id
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:
        assert store.ledger_totals(issue_id)[DeliveryStatus.DEFERRED] == 1
    assert open_issue_task.fn(config, "daily") is None  # a run that sends gives the deferral up


def test_the_artifact_shows_a_sources_text_as_text_never_as_markdown():
    """Prefect's UI renders an artifact's markdown: a headline's link to javascript: or a
    line of backticks closing the text version's fence would be markup in the operator's
    browser, not the digest's text."""
    from markdown_it import MarkdownIt

    from flows.daily_digest import issue_markdown

    subject = "Flow Digest — 24 Nov 2026: [Verify your account](javascript:alert(1)) <img src=x onerror=alert(1)>"
    text = "TOP STORY\n\n```\n\n- [click me](javascript:alert(1)) <b>bold</b> ````\n\n~~~\n| a | b |"
    lines = issue_markdown(subject=subject, issue_id="daily-1", list_name="daily", totals={"sent": 3}, text=text)
    parser = MarkdownIt("commonmark").enable("table")
    parser.validateLink = lambda url: True  # as permissive as any renderer: nothing may be a link at all

    def tokens(items):
        for token in items:
            yield token
            yield from tokens(token.children or [])

    parsed = list(tokens(parser.parse("\n".join(lines))))
    assert not [t for t in parsed if t.type in ("link_open", "image", "html_inline", "html_block")]
    assert [t.content for t in parsed if t.type == "fence"] == [text + "\n"]
    heading = parsed[[t.type for t in parsed].index("heading_open") + 1]
    assert "".join(c.content for c in heading.children if c.type == "text") == subject
    assert "| sent | 3 |" in lines


@pytest.mark.parametrize("subject", ["Weekly picks: ranked #", "###", "Tabs or spaces? #"])
def test_the_artifact_heading_is_the_whole_subject(subject):
    """A heading's closing run of `#` is markup in the UI: a subject's own is text."""
    from markdown_it import MarkdownIt

    from flows.daily_digest import issue_markdown

    lines = issue_markdown(subject=subject, issue_id="daily-1", list_name="daily", totals={}, text="Text.")
    parsed = MarkdownIt("commonmark").parse("\n".join(lines))
    heading = parsed[[t.type for t in parsed].index("heading_open") + 1]
    assert "".join(c.content for c in heading.children if c.type == "text") == subject
