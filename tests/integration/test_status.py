"""`digest status` on a real store (SQLite and PostgreSQL): an issue with rows sent,
deferred (with a reason and a due time), failed, still owed and in flight; a list never
sent; a failing source, a healthy one and one never gathered."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from digest.config import ListSettings
from digest.models import DeliveryResult, DeliveryStatus, SubscriberStatus
from tests.helpers import digest_cli, save_issue, subscribe

SECRET_URL = "https://reader:hunter2@feeds.example.org/feed.xml?token=abc123"


@pytest.fixture
def busy_store(store, tmp_path):
    """The store with an issue half way through its send, and the config that reads it."""
    now = datetime.now(UTC)
    emails = subscribe(store, 8)
    store.set_subscriber_status("daily", emails[7], SubscriberStatus.UNSUBSCRIBED, at=now)
    issue = save_issue(store, list_settings=ListSettings(name="daily", title="The Daily"))
    issue_id = issue.rendered.digest.issue_id
    # Two claims held by a live sender, and three settled by another.
    store.claim(issue_id, limit=2, lease=600, now=now, owner="sender-a")
    done = store.claim(issue_id, limit=3, lease=600, now=now, owner="sender-b")
    ids = [c.subscriber.id for c in done]
    store.record(
        issue_id,
        [
            DeliveryResult(ids[0], DeliveryStatus.SENT, 250),
            DeliveryResult(ids[1], DeliveryStatus.DEFERRED, 421, "421 4.7.0 try again later", retry_after=1800),
            DeliveryResult(ids[2], DeliveryStatus.FAILED, 550, "550 5.1.1 no such user"),
        ],
        now=now,
        owner="sender-b",
    )
    store.record_source_success("good-feed", at=now - timedelta(hours=2))
    store.record_source_failure("bad-feed", f"HTTP 503 from {SECRET_URL}", at=now - timedelta(minutes=5))
    (tmp_path / "pages").mkdir()
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = {json.dumps(store.url)}

[sources.good-feed]
feed = "https://good.example.org/feed.xml"

[sources.bad-feed]
feed = "https://bad.example.org/feed.xml"

[sources.saved]
path = "pages"

[lists.daily]
title = "The Daily"
schedule = "0 7 * * *"
timezone = "Europe/London"

[lists.weekly]
title = "The Weekly"
sources = ["saved"]
"""
    )
    return config, issue_id


def test_status_json(busy_store, tmp_path):
    config, issue_id = busy_store
    before = datetime.now(UTC)
    result = digest_cli("--config", str(config), "status", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == {"generated_at", "lists", "sources", "journals"}
    assert document["journals"] == []
    daily, weekly = document["lists"]

    assert daily["name"] == "daily" and daily["title"] == "The Daily"
    assert daily["subscribers"] == {"active": 7, "unsubscribed": 1, "bounced": 0}
    assert daily["unsent_articles"] == 0  # the issue's two articles are not from configured sources
    assert daily["schedule"] == "0 7 * * *" and daily["timezone"] == "Europe/London"
    next_run = datetime.fromisoformat(daily["next_run"])
    assert next_run.utcoffset() == timedelta(0) and before < next_run <= before + timedelta(days=1, hours=1)
    assert next_run.astimezone(_london()).hour == 7

    assert daily["open_issue"]["id"] == issue_id and daily["last_issue"] is None
    issue = daily["open_issue"]
    assert issue["completed_at"] is None
    assert issue["deliveries"] == {
        "pending": 2,
        "sending": 2,
        "sent": 1,
        "deferred": 1,
        "failed": 1,
        "uncertain": 0,
        "skipped": 0,
    }
    assert issue["owed"] == 5 and issue["in_flight"] == 2 and issue["senders"] == 1
    assert datetime.fromisoformat(issue["next_due"]) <= datetime.fromisoformat(document["generated_at"])  # pending
    assert issue["last_reason"] == "421 4.7.0 try again later"
    assert issue["last_failure"] == "550 5.1.1 no such user"

    assert weekly["open_issue"] is None and weekly["last_issue"] is None
    assert weekly["schedule"] is None and weekly["next_run"] is None

    sources = {s["name"]: s for s in document["sources"]}
    assert list(sources) == ["good-feed", "bad-feed", "saved"]
    assert sources["good-feed"]["failing"] is False and sources["good-feed"]["last_error"] is None
    assert sources["bad-feed"]["failing"] is True and sources["bad-feed"]["last_success"] is None
    assert "hunter2" not in result.stdout and "abc123" not in result.stdout
    assert sources["bad-feed"]["last_error"].startswith("HTTP 503 from https://reader:***@feeds.example.org")
    assert sources["saved"] == {
        "name": "saved",
        "kind": "path",
        "last_success": None,
        "last_error": None,
        "last_error_at": None,
        "failing": False,
    }
    for moment in (document["generated_at"], issue["created_at"], sources["bad-feed"]["last_error_at"]):
        assert moment.endswith("Z")


def test_status_human(busy_store, tmp_path):
    config, issue_id = busy_store
    result = digest_cli("--config", str(config), "status", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert "7 active, 1 unsubscribed · 0 unsent article(s) · next run " in text
    assert "Europe/London" in text
    assert f"open issue {issue_id}: composed" in text and "unfinished" in text
    assert "open issue: 5 owed, due now" in text
    assert "open issue: 2 in flight, claimed by 1 live sender(s)" in text
    assert "open issue: last deferred because: 421 4.7.0 try again later" in text
    assert "open issue: last failed because: 550 5.1.1 no such user" in text
    assert "weekly — The Weekly" in text and "not scheduled" in text and "no issue yet" in text
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.strip() and ":" not in line}
    assert rows["open"][1:] == ["1", "2", "2", "1", "1", "·", "·"]  # sent pending sending deferred failed ...
    assert rows["good-feed"][1:3] == ["feed", "ok"] and "never" in rows["good-feed"]
    assert rows["bad-feed"][1:3] == ["feed", "failing"]
    assert "never gathered" in rows["saved"][2] + " " + rows["saved"][3]
    assert "hunter2" not in text and "abc123" not in text
    assert all(len(line) <= 80 for line in text.splitlines() if "─" in line)  # the tables fit a terminal


def test_status_of_one_list_and_a_deferred_issue(busy_store, store, tmp_path):
    config, issue_id = busy_store
    # Settle what was owed but the deferred row: the next due time is the deferral's.
    now = datetime.now(UTC)
    pending = store.claim(issue_id, limit=10, lease=600, now=now, owner="sender-c")
    store.record(issue_id, [DeliveryResult(c.subscriber.id, DeliveryStatus.SENT, 250) for c in pending], now=now)
    result = digest_cli("--config", str(config), "status", "--list", "daily", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    [daily] = document["lists"]
    issue = daily["open_issue"]
    assert issue["deliveries"]["deferred"] == 1 and issue["owed"] == 3 and issue["in_flight"] == 2
    due = datetime.fromisoformat(issue["next_due"])
    assert timedelta(minutes=25) < due - now <= timedelta(minutes=31)
    assert [s["name"] for s in document["sources"]] == ["good-feed", "bad-feed", "saved"]

    human = digest_cli("--config", str(config), "status", "-l", "daily", cwd=tmp_path)
    assert "open issue: 3 owed, next due " in human.stdout and "(in 29 min" in human.stdout


def test_status_unknown_list_is_one_line_and_exit_2(busy_store, tmp_path):
    config, _ = busy_store
    result = digest_cli("--config", str(config), "status", "--list", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == "digest: error: unknown list 'nope'; configured: daily, weekly"


def _london():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/London")


def test_status_names_the_outcome_journals_the_next_send_records(busy_store, tmp_path, store):
    from digest.delivery.journal import Journal, store_id

    config, issue_id = busy_store
    journal = Journal(tmp_path / "unrecorded", store_key=store_id(store), owner="stopped-sender")  # beside the config
    journal.keep(issue_id, [DeliveryResult(1, DeliveryStatus.SENT, 250)], at=datetime.now(UTC))
    kept = journal.path
    document = json.loads(digest_cli("--config", str(config), "status", "--json", cwd=tmp_path).stdout)
    assert document["journals"] == [str(kept)]
    text = digest_cli("--config", str(config), "status", cwd=tmp_path).stdout
    assert "outcome journal: 1 stopped sender(s)" in text and str(kept) in text
