"""Helpers the tests share: constants, a subscribed list and a saved issue, a send
against a real SMTP server, the CLI as a user runs it, and SQLite checks."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from digest.app import recipient_factory, render_for_list
from digest.config import ListSettings, SmtpSettings
from digest.delivery.send import DeliveryOptions, deliver_issue
from digest.mail.compose import compose
from digest.models import Article, Summary
from digest.store import Store, deliveries_table, subscribers_table
from digest.subscribers import new_subscriber
from tests.cli_process import fresh_interpreter, run_forked
from tests.smtp_server import RecordingSMTPServer

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
DAY = date(2026, 11, 24)
SECRET = "test-signing-secret"
LIST = ListSettings(name="daily", title="The Daily", sender="The Daily <digest@example.org>")


FAST = DeliveryOptions(connections=4, batch=50, attempts=3, backoff=0.01, defer=0.0)


def subscribe(store: Store, count: int, *, prefix: str = "reader", list_name: str = "daily") -> list[str]:
    people = [new_subscriber(f"{prefix}{i}@example.org", name=f"Reader {i}") for i in range(count)]
    store.add_subscribers(list_name, people, at=NOW)
    return [p.email for p in people]


def save_issue(store: Store, *, n_articles: int = 2, list_settings: ListSettings = LIST):
    summaries = []
    for i in range(n_articles):
        article = Article(
            url=f"https://news.example.org/{i}", title=f"Story {i}", paragraphs=(f"Body {i}. " * 50,), source="s"
        )
        store.add_article(article, gathered_at=NOW)
        summaries.append(Summary(article=article, sentences=(f"Body {i}.",), algorithm="lead"))
    digest = compose(summaries, list_name=list_settings.name, title=list_settings.title, day=DAY)
    rendered = render_for_list(digest, list_settings)
    store.save_issue(rendered, article_urls=[i.article.url for i in digest.items], at=NOW)
    return store.issue(digest.issue_id)


async def send(
    store: Store,
    issue,
    server: RecordingSMTPServer,
    options: DeliveryOptions = FAST,
    *,
    timeout: float = 5,
    **extra: Any,
):
    """`deliver_issue` of LIST's issue through `server`; `extra` (stop, verp, id_secret...) passed on."""
    smtp = SmtpSettings(host=server.host, port=server.port, security="none", timeout=timeout)
    return await deliver_issue(
        issue,
        store=store,
        smtp=smtp,
        sender=LIST.sender,
        recipient_for=recipient_factory(LIST, secret=SECRET),
        options=options,
        **extra,
    )


def digest_cli(
    *args: str, cwd: Path | None = None, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    """`digest ARGS...` as a user runs it, with no DIGEST_* variables but those given: in a
    process forked from one with the library loaded (tests/cli_process.py), or a fresh
    interpreter where `env` changes how Python itself starts (the locale)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")} | (env or {})
    if not fresh_interpreter(environment):
        return run_forked(list(args), cwd=cwd or REPO, env=environment, timeout=timeout)
    return subprocess.run(
        [sys.executable, "-m", "digest.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        env=environment,
        timeout=timeout,
    )


def report(title: str, rows: dict[str, object]) -> None:
    """Print a test's figures (shown with `pytest -s`, or in the summary with -rP)."""
    print(f"\n{title}")
    for key, value in rows.items():
        print(f"  {key:<28} {value}")


def integrity(db: str) -> str:
    """SQLite's own check of the store file: "ok" when it is sound."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def sent_in_ledger(db: str) -> set[str]:
    """The addresses the store's ledger says were sent."""
    with Store(f"sqlite:///{db}") as store, store.engine.connect() as conn:
        d, s = deliveries_table, subscribers_table
        rows = conn.execute(sa.select(s.c.email).join(d, d.c.subscriber_id == s.c.id).where(d.c.status == "sent"))
        return {r.email for r in rows}
