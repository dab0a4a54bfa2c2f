"""How results look on a terminal: tables and lines, nothing decided here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from digest.cli import out
from digest.models import Article, DeliveryStatus

if TYPE_CHECKING:
    from digest.app import ListState
    from digest.delivery.send import DeliveryReport
    from digest.gather.sources import GatherReport

_COLUMNS = (
    DeliveryStatus.SENT,
    DeliveryStatus.DEFERRED,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCERTAIN,
    DeliveryStatus.SKIPPED,
)


def print_article(article: Article, text: str) -> None:
    _print_heading(article)
    out.print(text, markup=False)
    out.print()


def print_summary(article: Article, sentences: tuple[str, ...]) -> None:
    _print_heading(article)
    for sentence in sentences:
        out.print(f"  • {sentence}", markup=False)
    out.print()


def _print_heading(article: Article) -> None:
    out.print(f"[bold]{escape(article.title or '(untitled)')}[/]")
    meta = [", ".join(article.authors), article.published.date().isoformat() if article.published else "", article.url]
    out.print(escape(" · ".join(m for m in meta if m)), style="dim")
    for warning in article.warnings:
        out.print(f"warning: {escape(warning)}", style="yellow")


def print_gather(report: GatherReport) -> None:
    from digest.urls import redact_url, redact_urls

    table = Table(title="Gathered", title_justify="left")
    table.add_column("source")
    table.add_column("new", justify="right")
    table.add_column("seen", justify="right")
    table.add_column("status")
    for item in report.sources:
        if item.error:
            status = f"[red]error: {escape(redact_urls(item.error))}[/]"
        elif item.not_modified:
            status = "not modified"
        else:
            status = "ok"
        if item.failures:
            status += f" [yellow]({len(item.failures)} item(s) failed)[/]"
        table.add_row(item.source, str(item.new), str(item.seen), status)
    out.print(table)
    for item in report.sources:
        for failure in item.failures:
            where, why = redact_url(failure.item), redact_urls(failure.reason)
            out.print(f"  [yellow]{escape(item.source)}[/]: {escape(where)}: {escape(why)}")


def print_delivery(report: DeliveryReport) -> None:
    table = Table(title=f"Issue {report.issue_id}", title_justify="left")
    for column in ("", "sent", "deferred", "failed", "uncertain", "skipped", "pending"):
        table.add_column(column, justify="right" if column else "left")
    for label, counts in (("this run", report.this_run), ("issue total", report.totals)):
        pending = counts[DeliveryStatus.PENDING] + counts[DeliveryStatus.SENDING]
        table.add_row(label, *(str(counts[s]) for s in _COLUMNS), str(pending))
    out.print(table)
    totals = report.totals
    if report.stopped:
        released = f"; {report.released} unsent claim(s) released for the next run" if report.released else ""
        out.print(f"stopped: {report.stopped}{released}", markup=False)
    if report.lost:
        out.print(f"{report.lost} claim(s) passed to another sender before this one finished them", markup=False)
    if report.capped:
        out.print("stopped at the hourly cap; run again later to send the rest")
        return
    if report.complete:
        out.print("issue complete: its articles are marked sent to the list")
        return
    if report.elsewhere:
        out.print(f"{report.elsewhere} deliveries are being sent by another sender", markup=False)
    if totals[DeliveryStatus.DEFERRED] and report.next_due is not None:
        out.print(
            f"{totals[DeliveryStatus.DEFERRED]} deferred: the next try is due at {when(report.next_due)}; "
            "run send again then",
            markup=False,
        )
    if totals[DeliveryStatus.UNCERTAIN] and not report.owed:
        out.print(
            f"{totals[DeliveryStatus.UNCERTAIN]} uncertain: the server may have these messages. The issue "
            "stays open until you settle them: send --resend-uncertain (a reader may get two copies) or "
            "send --accept-uncertain (take them as delivered)",
            markup=False,
        )


def print_run(results: dict) -> None:
    table = Table(title="daily-digest", title_justify="left")
    for column in ("list", "sent", "deferred", "failed", "uncertain", "skipped", "note"):
        table.add_column(column, justify="left" if column in ("list", "note") else "right")
    for name, totals in results.items():
        if "new" in totals:
            note = f"{totals['new']} new article(s)" + (" (dry run)" if totals.get("dry_run") else ": nothing to send")
            table.add_row(name, "", "", "", "", "", note)
        else:
            table.add_row(name, *(str(totals.get(s.value, 0)) for s in _COLUMNS), "")
    out.print(table)


def print_status(states: list[ListState]) -> None:
    for state in states:
        readers = ", ".join(f"{n} {s.value}" for s, n in state.readers.items() if n) or "no readers"
        out.print(f"[bold]{escape(state.name)}[/]: {escape(readers)}; {state.unsent_articles} unsent article(s)")
        for label, issue in (("open issue", state.open_issue), ("last issue", state.last_issue)):
            if issue is None:
                continue
            counts = ", ".join(f"{n} {s.value}" for s, n in issue.totals.items() if n) or "no deliveries"
            closed = f"complete {when(issue.completed_at)}" if issue.completed_at else "unfinished"
            out.print(f"  {label} {issue.issue_id} ({closed}): {counts}", markup=False)
            if issue.next_due is not None and issue.totals[DeliveryStatus.DEFERRED]:
                out.print(f"    next try of the deferred ones due at {when(issue.next_due)}", markup=False)
            if issue.totals[DeliveryStatus.UNCERTAIN] and not issue.completed_at:
                out.print(
                    "    uncertain deliveries keep it open: send --resend-uncertain or --accept-uncertain", markup=False
                )


def when(moment: datetime) -> str:
    wait = int((moment - datetime.now(UTC)).total_seconds())
    relative = f"in {wait // 60} min {wait % 60} s" if wait >= 0 else f"{-wait // 60} min ago"
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC ({relative})"
