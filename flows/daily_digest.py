"""The Prefect flows: `daily-digest` (gather, summarise, compose, send, finalise) and
`gather` (sources into the store, to run more often than the digest).

Every task is a thin wrapper over one use case of `digest.app` and passes plain values
(paths, ids, ranges, summary sentences), never article bodies, so a task can run on
any worker that reaches the store. Settings and secrets are read once per flow run in
each process. Only the I/O tasks (gather, send) retry; a send batch is idempotent
through the ledger, so a retry or a second worker never sends a row twice.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run

from digest import app
from digest.config import Settings, load_settings
from digest.errors import DigestError
from digest.mail.render import personal_fields, personalise
from digest.models import DeliveryStatus
from digest.store import Store

SEND_BATCH = 1000
SUMMARY_BATCH = 50


def settings_for(config: str | None) -> Settings:
    """Settings from the flow's `config` parameter, else DIGEST_CONFIG, ./digest.toml or
    the demo; secrets may come from Prefect Secret blocks instead of the environment.
    Read once per flow run (and process): every task of the run sees the same."""
    return _settings(config, flow_run.get_id() or "")


@lru_cache(maxsize=8)
def _settings(config: str | None, _run_id: str) -> Settings:
    settings = load_settings(config, environ=os.environ)
    password = settings.smtp.password or _secret_block("digest-smtp-password")
    secret = settings.unsubscribe.secret or _secret_block("digest-unsubscribe-secret")
    return replace(
        settings,
        smtp=replace(settings.smtp, password=password),
        unsubscribe=replace(settings.unsubscribe, secret=secret),
    )


def _secret_block(name: str) -> str:
    from prefect.blocks.system import Secret

    try:
        block = cast(Secret, Secret.load(name))  # called from sync code: the block itself, not a coroutine
        return block.get()
    except (ValueError, RuntimeError):  # no such block: the setting stays as configured
        return ""


@task(name="gather", retries=2, retry_delay_seconds=[10, 60])
def gather_task(config: str | None) -> dict[str, dict]:
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        report = app.gather_sources(settings, store=store)
    logger = get_run_logger()
    for source in report.sources:
        if source.error:
            logger.warning("source %s failed: %s", source.source, source.error)
        else:
            logger.info("source %s: %d new, %d seen", source.source, source.new, source.seen)
    return {s.source: {"new": s.new, "seen": s.seen, "error": s.error} for s in report.sources}


@task(name="pending-articles")
def pending_task(config: str | None, list_name: str) -> list[int]:
    settings = settings_for(config)
    chosen = settings.list(list_name)
    with Store(settings.store.url) as store:
        app.seed_subscribers(chosen, store=store, now=datetime.now(UTC))
        return [s.id for s in app.pending_articles(settings, chosen, store=store)]


@task(name="summarise-batch")
def summarize_batch(config: str | None, list_name: str, article_ids: list[int]) -> list[app.SummaryNote]:
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        return app.summarize_pending(settings, settings.list(list_name), article_ids, store=store)


@task(name="compose-render")
def compose_task(config: str | None, list_name: str, notes: list[app.SummaryNote], max_items: int | None) -> str | None:
    settings = settings_for(config)
    chosen = settings.list(list_name)
    if max_items is not None:
        chosen = replace(chosen, max_items=max_items)
    with Store(settings.store.url) as store:
        issue = app.compose_issue(settings, chosen, notes, store=store, now=datetime.now(UTC))
    return issue.rendered.digest.issue_id if issue else None


@task(name="open-issue")
def open_issue_task(config: str | None, list_name: str) -> str | None:
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        issue = store.open_issue(list_name)
    return issue.rendered.digest.issue_id if issue else None


@task(name="send-ranges")
def ranges_task(config: str | None, issue_id: str, size: int) -> list[tuple[int, int]]:
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        return store.subscriber_id_ranges(issue_id, size=size)


@task(name="send-batch", retries=3, retry_delay_seconds=[5, 30, 120])
def send_batch(
    config: str | None, list_name: str, issue_id: str, subscribers: tuple[int, int], capture_port: int | None = None
) -> dict[str, int]:
    """Send one range of the issue's ledger. Raises while any of it is still owed, so
    Prefect's retry takes the deferred rows again (they are due at once)."""
    settings = settings_for(config)
    smtp = settings.smtp
    if not smtp.host:
        # The local capture server the flow started (or found) for this run.
        smtp = replace(
            smtp, host="127.0.0.1", port=capture_port or smtp.port, security="none", username="", password=""
        )
    with Store(settings.store.url) as store:
        report = app.send_range(
            settings, settings.list(list_name), issue_id, store=store, smtp=smtp, subscribers=subscribers
        )
        owed = store.count_owed(issue_id, subscribers=subscribers)
    counts = {status.value: n for status, n in report.this_run.items() if n}
    if report.stopped:
        get_run_logger().warning("send batch %s stopped: %s", subscribers, report.stopped)
    if owed:
        reason = f": {report.stopped}" if report.stopped else ""
        raise DigestError(f"{owed} deliveries in {subscribers} still owed after this attempt{reason}")
    return counts


@task(name="finalise")
def finalise_task(config: str | None, issue_id: str) -> dict[str, int]:
    """Close the issue (marking its articles sent to the list) once nothing is owed."""
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        complete, ledger = app.finish_issue(issue_id, store=store)
    totals = {status.value: n for status, n in ledger.items()}
    if not complete and ledger[DeliveryStatus.UNCERTAIN]:
        get_run_logger().warning(
            "issue %s stays open: %d uncertain deliveries (the server may have them); settle them with "
            "`digest send --issue %s --resend-uncertain` (a reader may get two copies) or `--accept-uncertain`",
            issue_id,
            ledger[DeliveryStatus.UNCERTAIN],
            issue_id,
        )
    return totals


@flow(name="gather", log_prints=True)
def gather_flow(config: str | None = None) -> dict[str, dict]:
    """Gather every configured source into the store; safe to run hourly."""
    return gather_task(config)


@flow(name="daily-digest", log_prints=True)
def daily_digest(
    list_name: str | None = None,
    max_items: int | None = None,
    dry_run: bool = False,
    min_new: int = 1,
    gather_first: bool = True,
    config: str | None = None,
) -> dict[str, dict]:
    """Gather, then for each list (or `list_name`): summarise the new articles in batches,
    compose and render once, send in subscriber batches, and finalise."""
    logger = get_run_logger()
    settings = settings_for(config)
    if gather_first:
        gather_task(config)
    lists = [settings.list(list_name)] if list_name else list(settings.lists)
    results: dict[str, dict] = {}
    for chosen in lists:
        issue_id = open_issue_task(config, chosen.name)
        if issue_id is None:
            ids = pending_task(config, chosen.name)
            if len(ids) < max(min_new, 1):
                logger.info(
                    "%s: %d new article(s), fewer than %d: nothing to send", chosen.name, len(ids), max(min_new, 1)
                )
                results[chosen.name] = {"sent": 0, "new": len(ids)}
                continue
            batches = [ids[i : i + SUMMARY_BATCH] for i in range(0, len(ids), SUMMARY_BATCH)]
            futures = summarize_batch.map(config, chosen.name, batches)
            notes = [n for batch in futures.result() for n in batch]
            if dry_run:
                logger.info(
                    "%s: dry run, %d article(s) would be composed; nothing saved or sent", chosen.name, len(notes)
                )
                results[chosen.name] = {"dry_run": True, "new": len(ids)}
                continue
            issue_id = compose_task(config, chosen.name, notes, max_items)
            if issue_id is None:
                results[chosen.name] = {"sent": 0, "new": len(ids)}
                continue
        elif dry_run:
            logger.info("%s: dry run, issue %s is unfinished; nothing sent", chosen.name, issue_id)
            continue
        ranges = ranges_task(config, issue_id, SEND_BATCH)
        with app.smtp_target(settings) as target:
            capture_port = None if settings.smtp.host else target.settings.port
            send_batch.map(config, chosen.name, issue_id, ranges, capture_port=capture_port).result()
        totals = finalise_task(config, issue_id)
        results[chosen.name] = totals
        _artifact(settings, chosen.name, issue_id, totals)
        logger.info("%s: issue %s: %s", chosen.name, issue_id, ", ".join(f"{k} {v}" for k, v in totals.items() if v))
    return results


def _artifact(settings: Settings, list_name: str, issue_id: str, totals: dict[str, int]) -> None:
    with Store(settings.store.url) as store:
        issue = store.issue(issue_id)
    if issue is None:
        raise DigestError(f"issue {issue_id} is not in the store")
    lines = [
        f"# {issue.rendered.subject}",
        "",
        f"Issue `{issue_id}` of list `{list_name}`.",
        "",
        "| delivery | count |",
        "|---|---|",
    ]
    lines += [f"| {status} | {count} |" for status, count in totals.items() if count]
    _, text = personalise(
        issue.rendered, personal_fields(name="", email="reader@example.org", unsubscribe_url="", view_url="")
    )
    lines += ["", "## The digest (text version)", "", "```", text.strip(), "```"]
    lines += ["", f"Preview in a browser: `digest preview --list {list_name} --serve`."]
    create_markdown_artifact(
        markdown="\n".join(lines), key=f"digest-{list_name}".lower(), description=issue.rendered.subject
    )
