"""Commands about sending: run (the whole job as the Prefect flow) and send."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, cast

import typer

from digest.cli import (
    Failed,
    ListOption,
    app,
    chosen_list,
    command,
    err,
    errors,
    open_store,
    out,
    report_error,
    state,
)
from digest.cli.show import print_delivery, print_run
from digest.text import one_line


@app.command()
def run(
    list_name: Annotated[str | None, typer.Option("--list", "-l", help="List to send (default: every list).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Gather and summarise; compose nothing, send nothing.")
    ] = False,
    spread: Annotated[
        int,
        typer.Option(
            "--spread",
            min=0,
            help="Hand the sending to N runs of the send-batch/pool deployment, for the work pool's workers "
            "(needs PREFECT_API_URL and a shared store).",
        ),
    ] = 0,
) -> None:
    """The whole job as the Prefect flow `daily-digest`, in-process: gather the sources,
    summarise, render and send each list's digest. It runs on the Prefect server at
    PREFECT_API_URL when that is set (its runs show there), else on Prefect's temporary
    local server (nothing to set up); it ends by saying how long Prefect itself took.

    A configured SMTP server and the store are checked first: one that cannot be used
    (refused, unknown host, TLS, login; a store that cannot be opened) is reported in one
    line naming it, with exit status 2, before any work. A run that fails (exit 1) says why in one line; -v shows the flow's log."""
    with errors():
        import os
        import time
        from datetime import UTC, datetime

        began, started = time.monotonic(), datetime.now(UTC)
        settings = state.settings
        _check_before_prefect(settings, list_name=list_name, dry_run=dry_run)
        # Before Prefect reads its settings. The temporary server's telemetry heartbeat races
        # its own start-up on SQLite, and on a busy machine the server takes longer to answer
        # than Prefect's 20 s.
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", str(TEMPORARY_SERVER_WAIT))
        from flows.schedule import server_for_run

        server = server_for_run(spread=spread)
        from flows.daily_digest import SIGNALLED, WORK, daily_digest, graceful_stop

        config = str(state.config.resolve()) if state.config else None
        _show_only_our_log_lines()
        work = WORK.seconds()
        try:
            with graceful_stop():
                final = daily_digest(
                    list_name=list_name, dry_run=dry_run, config=config, spread=spread, return_state=True
                )
        except RuntimeError as exc:  # Prefect itself, before or around the run: the run's own failures are its state
            if isinstance(exc, typer.Exit | typer.Abort):
                raise
            hint = (
                ""
                if os.environ.get("PREFECT_API_URL")
                else (
                    " Its temporary server must answer within PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS "
                    f"({os.environ['PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS']} s): raise it on a busy "
                    "machine, or set PREFECT_API_URL to a running server."
                )
            )
            raise Failed(f"Prefect: {_first_sentence(exc)}{hint}") from None
        elapsed = time.monotonic() - began
        prefect = f"Prefect: {max(elapsed - (WORK.seconds() - work), 0.0):.1f} s of {elapsed:.1f} s ({server})."
        if not final.is_completed():
            report_error(final.message or f"the flow run ended {final.name}")
            raise typer.Exit(1)
        results = cast(dict[str, dict], final.result())
        print_run(results)
        if not dry_run and not settings.smtp.host and any(r.get("sent") for r in results.values()):
            out.print(
                f"Captured in the Maildir {Path(settings.delivery.maildir).resolve()} "
                f"({command('preview --serve')} lists it; any mail reader opens it).",
                markup=False,
            )
        out.print(f"See the digest in a browser: {command('preview --serve')} (or --output digest.html)", markup=False)
        out.print(prefect, markup=False)
        if SIGNALLED:
            err.print(
                f"digest: {SIGNALLED.reason}: every outcome recorded, the rest left for the next run", markup=False
            )
            raise typer.Exit(130 if SIGNALLED.reason.endswith("SIGINT") else 143)
        from digest.app import sources_failed_since

        with open_store() as store:
            failed = sources_failed_since(settings, store=store, since=started)
        if failed:  # as `gather`: the rest was gathered and sent, and the status says so
            shown = "; ".join(f"{name} ({one_line(reason)})" for name, reason in failed)
            err.print(f"digest: {len(failed)} source(s) failed: {shown}", markup=False)
        if failed or any(r.get("failed") or r.get("uncertain") or r.get("deferred") for r in results.values()):
            raise typer.Exit(1)


def _check_before_prefect(settings, *, list_name: str | None, dry_run: bool) -> None:
    """What makes a run fail at once, found in seconds before Prefect starts (a minute on a
    busy machine): an unknown list, an SMTP server or a store that cannot be used. Each is
    one line naming it, exit 2."""
    if list_name:
        settings.list(list_name)
    if settings.smtp.host and not dry_run:
        from digest.app import check_smtp

        check_smtp(settings.smtp)  # ServerUnavailable
    with open_store():  # StoreError; opening it also brings its schema up to date
        pass


TEMPORARY_SERVER_WAIT = 90  # seconds Prefect's temporary server may take to answer


def _first_sentence(exc: Exception) -> str:
    """Prefect's error without the server's output it appends."""
    text = " ".join(str(exc).split())
    end = text.find(". ")
    return text[: end + 1] if end > 0 else text


def _show_only_our_log_lines() -> None:
    """Without -v, stderr shows what the flow itself warns about (a source that failed)
    and not Prefect's account of each task run; the run's log in Prefect keeps it all.
    A flow's warning that repeats one the library already wrote (the flow logs it again
    for the Prefect UI) is not shown twice. For the rest of the command: Prefect stops
    its temporary server at exit, and says so. With -v, everything."""
    if logging.getLogger().getEffectiveLevel() <= logging.INFO:
        return
    import flows

    ours = str(Path(flows.__file__).resolve().parent)
    shown: set[str] = set()

    def keep(record: logging.LogRecord) -> bool:
        if not record.name.startswith("prefect"):
            if record.levelno >= logging.WARNING:
                shown.add(record.getMessage())
            return True
        return (
            record.levelno >= logging.WARNING and record.pathname.startswith(ours) and record.getMessage() not in shown
        )

    for handler in logging.getLogger().handlers:
        handler.addFilter(keep)


@app.command()
def send(
    list_name: ListOption = None,
    issue: Annotated[str | None, typer.Option("--issue", help="Send (or resume) this issue id.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compose and count; send nothing, change nothing.")
    ] = False,
    test_to: Annotated[
        str | None,
        typer.Option(
            "--test-to", help="Send the digest (or the last one) to this one address only, outside the ledger."
        ),
    ] = None,
    resend_failed: Annotated[
        bool, typer.Option("--resend-failed", help="Retry the permanent failures of the issue too.")
    ] = False,
    resend_uncertain: Annotated[
        bool,
        typer.Option(
            "--resend-uncertain",
            help="Send again the deliveries whose outcome is uncertain (the server may have them: a reader may get two copies).",
        ),
    ] = False,
    accept_uncertain: Annotated[
        bool, typer.Option("--accept-uncertain", help="Take uncertain deliveries as delivered, so the issue can close.")
    ] = False,
) -> None:
    """Send the next digest (or an unfinished one) to every active subscriber, exactly once."""
    with errors():
        from digest import app as use

        if resend_uncertain and accept_uncertain:
            raise Failed("--resend-uncertain and --accept-uncertain exclude each other")
        settings, chosen = state.settings, chosen_list(list_name)
        with open_store() as store:
            if dry_run:
                draft = use.dry_run(settings, chosen, store=store, issue_id=issue)
                if draft.rendered is None:
                    out.print(f"{chosen.name}: nothing new to send")
                else:
                    out.print(
                        f"dry run: {draft.rendered.subject!r} ({draft.rendered.size / 1024:.1f} KB HTML) "
                        f"would go to {draft.active} active subscriber(s)",
                        markup=False,
                    )
                return
            if test_to:
                proof = use.send_proof(settings, chosen, test_to, store=store, issue_id=issue)
                if proof is None:
                    out.print(f"{chosen.name}: nothing has been composed yet")
                    return
                out.print(f"test message sent to {proof.address}: {proof.subject!r}", markup=False)
                if proof.where:
                    out.print(proof.where, markup=False)
                return
            result = _send_with_progress(
                use,
                settings,
                chosen,
                store=store,
                issue_id=issue,
                resend_failed=resend_failed,
                resend_uncertain=resend_uncertain,
                accept_uncertain=accept_uncertain,
            )
        if result.plan is None:
            out.print(f"{chosen.name}: nothing new to send")
            return
        print_delivery(result.report)
        if result.where:
            out.print(result.where, markup=False)
        if result.report.stopped.startswith("stopped by SIG"):
            raise typer.Exit(130 if result.report.stopped.endswith("SIGINT") else 143)
        if not result.ok:
            raise typer.Exit(1)


def _send_with_progress(use, settings, chosen, *, store, **options):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    # A bar only on a terminal: elsewhere (a log file, a pipe) rich would leave a blank line.
    columns = (TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("send", total=None)

        def on_plan(plan) -> None:
            if plan.reopened_failed:
                out.print(f"{plan.reopened_failed} permanent failure(s) will be retried")
            if plan.reopened_uncertain:
                out.print(
                    f"{plan.reopened_uncertain} uncertain deliveries will be sent again; a reader whose copy "
                    "did arrive gets a second one",
                    markup=False,
                )
            waiting = f" ({plan.deferred} of them deferred: each goes when its retry is due)" if plan.deferred else ""
            out.print(
                f"Sending {plan.issue.rendered.subject!r} (issue {plan.issue.rendered.digest.issue_id}) "
                f"to {plan.owed} subscriber(s){waiting}",
                markup=False,
            )
            progress.update(task, total=plan.owed)

        return use.send_list(
            settings, chosen, store=store, on_plan=on_plan, on_progress=lambda n: progress.advance(task, n), **options
        )
