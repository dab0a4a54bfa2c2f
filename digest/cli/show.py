"""How results look on a terminal: tables and lines, nothing decided here."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from rich.box import SIMPLE_HEAD
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from digest.cli import out
from digest.models import Article, DeliveryStatus
from digest.text import one_line, printable
from digest.urls import redact_url, redact_urls

if TYPE_CHECKING:
    from digest.app.overview import IssueState, ListState, Overview, SourceHealth
    from digest.delivery.send import DeliveryReport
    from digest.gather.sources import GatherReport

# The ledger's statuses as the status table shows them, left to right.
_LEDGER = (
    DeliveryStatus.SENT,
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.DEFERRED,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCERTAIN,
    DeliveryStatus.SKIPPED,
)
_COLUMNS = (
    DeliveryStatus.SENT,
    DeliveryStatus.DEFERRED,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCERTAIN,
    DeliveryStatus.SKIPPED,
)


def shown(text: str) -> str:
    """Text from outside (a page, a feed, a file name, the store) as one printable line,
    URLs redacted: no escape sequence reaches the terminal."""
    return one_line(redact_urls(text))


def print_article(article: Article, text: str) -> None:
    _print_heading(article)
    out.print(printable(text), markup=False)
    out.print()


def print_summary(article: Article, sentences: tuple[str, ...]) -> None:
    _print_heading(article)
    for sentence in sentences:
        out.print(f"  • {one_line(sentence)}", markup=False)
    out.print()


def _print_heading(article: Article) -> None:
    out.print(f"[bold]{escape(one_line(article.title or '(untitled)'))}[/]")
    meta = [", ".join(article.authors), article.published.date().isoformat() if article.published else "", article.url]
    out.print(escape(shown(" · ".join(m for m in meta if m))), style="dim")
    for warning in article.warnings:
        out.print(f"warning: {escape(shown(warning))}", style="yellow")


def print_gather(report: GatherReport) -> None:
    table = Table(title="Gathered", title_justify="left")
    table.add_column("source")
    table.add_column("new", justify="right")
    table.add_column("seen", justify="right")
    table.add_column("status")
    for item in report.sources:
        if item.error:
            status = f"[red]error: {escape(shown(item.error))}[/]"
        elif item.not_modified:
            status = "not modified"
        else:
            status = "ok"
        if item.failures:
            status += f" [yellow]({len(item.failures)} item(s) failed)[/]"
        if item.warnings:
            status += f" [yellow]({len(item.warnings)} warning(s))[/]"
        table.add_row(escape(one_line(item.source)), str(item.new), str(item.seen), status)
    out.print(table)
    for item in report.sources:
        for failure in (*item.warnings, *item.failures):
            where, why = redact_url(one_line(failure.item)), shown(failure.reason)
            out.print(f"  [yellow]{escape(one_line(item.source))}[/]: {escape(where)}: {escape(why)}")


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
        out.print(f"stopped: {shown(report.stopped)}{released}", markup=False)
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
        why = f" (last reason: {shown(report.last_deferral)})" if report.last_deferral else ""
        out.print(
            f"{totals[DeliveryStatus.DEFERRED]} deferred{why}: the next try is due at {when(report.next_due)}; "
            "run send again then",
            markup=False,
        )
    if totals[DeliveryStatus.FAILED] and report.last_failure:
        out.print(
            f"{totals[DeliveryStatus.FAILED]} failed for good (last reason: {shown(report.last_failure)}); "
            "send --resend-failed tries them again",
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
        if "unfinished" in totals:
            table.add_row(
                name, "", "", "", "", "", f"issue {totals['unfinished']} is unfinished: nothing sent (dry run)"
            )
        elif "new" in totals:
            note = f"{totals['new']} new article(s)" + (" (dry run)" if totals.get("dry_run") else ": nothing to send")
            table.add_row(name, "", "", "", "", "", note)
        else:
            table.add_row(name, *(str(totals.get(s.value, 0)) for s in _COLUMNS), "")
    out.print(table)


def print_status(view: Overview) -> None:
    """Per list: a line of facts, a table of its open and last issues, and notes on what
    is owed; then one table of the sources."""
    if view.journals:
        out.print(
            f"outcome journal: {len(view.journals)} stopped sender(s) left outcomes the store could not take"
            f" ({', '.join(shown(j) for j in view.journals)}); the next send records them",
            markup=False,
        )
        out.print()
    for entry in view.lists:
        _print_list(entry, now=view.at)
    if view.sources:
        _print_sources(view.sources, now=view.at)


def _print_list(entry: ListState, *, now: datetime) -> None:
    readers = ", ".join(f"{n} {s.value}" for s, n in entry.readers.items() if n) or "no readers"
    if not entry.schedule:
        schedule = "not scheduled"
    elif entry.next_run is None:
        schedule = f"schedule {entry.schedule!r} never runs"
    else:
        schedule = f"next run {when(entry.next_run, now=now, zone=entry.timezone)}"
    title = f" — {entry.title}" if entry.title and entry.title != entry.name else ""
    out.print(f"[bold]{escape(one_line(entry.name))}[/]{escape(one_line(title))}")
    out.print(f"  {readers} · {entry.unsent_articles} unsent article(s) · {schedule}", markup=False)
    b = entry.bounces
    if b.hard or b.soft or b.complaints:
        last = f" · last {b.last_at:%Y-%m-%d %H:%M} UTC" if b.last_at else ""
        out.print(
            f"  bounces: {b.hard} hard, {b.soft} soft · complaints: {b.complaints}{last}",
            markup=False,
        )
    issues = [(label, i) for label, i in (("open", entry.open_issue), ("last", entry.last_issue)) if i]
    if not issues:
        out.print("  no issue yet", markup=False)
        out.print()
        return
    for label, issue in issues:
        state = f"complete {issue.completed_at:%Y-%m-%d %H:%M} UTC" if issue.completed_at else "unfinished"
        composed = f"{issue.created_at:%Y-%m-%d %H:%M} UTC"
        out.print(f"  {label} issue {issue.issue_id}: composed {composed}, {state}", markup=False)
    table = Table(box=SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False)
    table.add_column("")
    for status in _LEDGER:
        table.add_column(status.value, justify="right")
    for label, issue in issues:
        table.add_row(label, *(str(issue.totals[s]) if issue.totals[s] else "·" for s in _LEDGER))
    out.print(Padding(table, (0, 0, 0, 2), expand=False))
    for label, issue in issues:
        for note in _issue_notes(issue, now=now):
            out.print(f"  {label} issue: {note}", markup=False)
    out.print()


def _issue_notes(issue: IssueState, *, now: datetime) -> list[str]:
    notes = []
    waiting = issue.owed - issue.in_flight
    if issue.owed:
        due = ""
        if waiting and issue.next_due is not None:
            due = ", due now" if issue.next_due <= now else f", next due {when(issue.next_due, now=now)}"
        notes.append(f"{issue.owed} owed{due}")
    if issue.in_flight:
        notes.append(f"{issue.in_flight} in flight, claimed by {issue.senders} live sender(s)")
    if issue.last_reason:
        notes.append(f"last deferred because: {shown(issue.last_reason)}")
    if issue.last_failure:
        notes.append(f"last failed because: {shown(issue.last_failure)}")
    if issue.totals[DeliveryStatus.UNCERTAIN] and not issue.complete:
        notes.append("uncertain deliveries keep it open: send --resend-uncertain or --accept-uncertain")
    return notes


def _print_sources(sources: tuple[SourceHealth, ...], *, now: datetime) -> None:
    table = Table(box=SIMPLE_HEAD, pad_edge=False, padding=(0, 1), show_edge=False)
    table.add_column("source", no_wrap=True)
    table.add_column("kind")
    table.add_column("state")
    table.add_column("last success")
    table.add_column("last error")
    for source in sources:
        if not source.gathered:
            state = Text("never gathered", style="dim")
        elif source.failing:
            state = Text("failing", style="red")
        else:
            state = Text("ok")
        table.add_row(
            Text(one_line(source.name)),
            Text(one_line(source.kind)),
            state,
            _ago(source.last_success, now=now),
            _ago(source.last_error_at, now=now),
        )
    out.print("[bold]sources[/]")
    out.print(Padding(table, (0, 0, 0, 2), expand=False))
    for source in sources:
        if source.last_error and source.last_error_at:
            at = f"{source.last_error_at:%Y-%m-%d %H:%M:%S} UTC"
            out.print(f"  {one_line(source.name)}: {shown(source.last_error)} ({at})", markup=False)


def _ago(moment: datetime | None, *, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = int((now - moment).total_seconds())
    if seconds < 0:
        return "just now"
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min ago"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h ago"


def when(moment: datetime, *, now: datetime | None = None, zone: str = "UTC") -> str:
    """`2026-11-24 07:00:00 UTC (in 29 min 59 s)`; in `zone` (an IANA name) when given."""
    from zoneinfo import ZoneInfo

    wait = int((moment - (now or datetime.now(UTC))).total_seconds())
    relative = f"in {_span(wait)}" if wait >= 0 else f"{_span(-wait)} ago"
    local = moment.astimezone(ZoneInfo(zone)) if zone != "UTC" else moment.astimezone(UTC)
    return f"{local:%Y-%m-%d %H:%M:%S} {zone} ({relative})"


def _span(seconds: int) -> str:
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60} min"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def status_document(view: Overview) -> dict:
    """The JSON document of `digest status --json` (its keys are documented in README)."""
    return {
        "generated_at": _iso(view.at),
        "lists": [
            {
                "name": entry.name,
                "title": entry.title,
                "subscribers": {s.value: n for s, n in entry.readers.items()},
                "unsent_articles": entry.unsent_articles,
                "schedule": entry.schedule or None,
                "timezone": entry.timezone,
                "next_run": _iso(entry.next_run),
                "bounces": {
                    "hard": entry.bounces.hard,
                    "soft": entry.bounces.soft,
                    "complaints": entry.bounces.complaints,
                    "last_at": _iso(entry.bounces.last_at),
                },
                "open_issue": _issue_document(entry.open_issue),
                "last_issue": _issue_document(entry.last_issue),
            }
            for entry in view.lists
        ],
        "sources": [
            {
                "name": s.name,
                "kind": s.kind,
                "last_success": _iso(s.last_success),
                "last_error": redact_urls(s.last_error) if s.last_error else None,
                "last_error_at": _iso(s.last_error_at),
                "failing": s.failing,
            }
            for s in view.sources
        ],
        "journals": list(view.journals),
    }


def _issue_document(issue: IssueState | None) -> dict | None:
    if issue is None:
        return None
    return {
        "id": issue.issue_id,
        "subject": issue.subject,
        "created_at": _iso(issue.created_at),
        "completed_at": _iso(issue.completed_at),
        "deliveries": {s.value: issue.totals[s] for s in DeliveryStatus},
        "owed": issue.owed,
        "in_flight": issue.in_flight,
        "senders": issue.senders,
        "next_due": _iso(issue.next_due),
        "last_reason": redact_urls(issue.last_reason) if issue.last_reason else None,
        "last_failure": redact_urls(issue.last_failure) if issue.last_failure else None,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None
