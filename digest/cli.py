"""The `digest` command line.

Exit status: 0 on success, 1 when the work ran but some sources failed,
2 for bad input (missing file, unreachable URL, unknown algorithm, bad config).
Errors are one line on stderr, never a traceback. Heavy libraries are imported
inside the commands that need them, so `digest extract` starts quickly.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from email.utils import parseaddr
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from digest.config import Settings, load_settings
from digest.errors import DigestError
from digest.models import Article

app = typer.Typer(
    name="digest",
    help="Gather articles, extract and summarise them, and build a newsletter digest.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
log = logging.getLogger("digest")


@dataclass
class _State:
    config: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config, environ=os.environ)
        return self._settings


state = _State()


class _Failed(Exception):
    """Raised inside a command to leave with a one-line error and exit status 2."""


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except (DigestError, _Failed) as exc:
        err.print(f"digest: error: {exc}", markup=False)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("digest: interrupted", markup=False)
        raise typer.Exit(130) from None


@app.callback()
def _main(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Path to digest.toml (default: $DIGEST_CONFIG, ./digest.toml, the demo).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")] = False,
) -> None:
    _configure_logging(verbose=verbose)
    state.config = config


# What extraction calls; their records ("discarding data: ...") repeat what our own
# one-line errors and warnings say, so they show only under -v.
_LIBRARY_LOGGERS = ("trafilatura", "htmldate", "readability", "justext", "courlan", "lxml_html_clean")


def _configure_logging(*, verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name in _LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if verbose else logging.CRITICAL + 1)


@app.command()
def extract(
    sources: Annotated[list[str], typer.Argument(help="File paths (optionally .gz) or http(s) URLs.", metavar="SOURCE...")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Extract the article from each SOURCE: title, authors, date and body text."""
    with _errors():
        for source, article in _articles(sources, raw=False):
            record = _record(source, article)
            if as_json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                _print_article(article, record)


@app.command()
def summarize(
    sources: Annotated[list[str], typer.Argument(help="File paths (optionally .gz) or http(s) URLs.", metavar="SOURCE...")],
    sentences: Annotated[int | None, typer.Option("--sentences", "-n", min=1, max=50, help="Sentences per summary.")] = None,
    algorithm: Annotated[str | None, typer.Option("--algorithm", "-a", help="Summariser name (see --list-algorithms).")] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Take the whole input as the article body; skip extraction.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Extract and summarise each SOURCE."""
    with _errors():
        from digest.summarize.algorithms import resolve_algorithm, summarize as run_summary

        options = state.settings.summary
        name = resolve_algorithm(algorithm or options.algorithm)
        count = sentences or options.sentences
        for source, article in _articles(sources, raw=raw):
            summary = run_summary(article, sentences=count, algorithm=name, language=options.language)
            record = _record(source, article) | {"summary": list(summary.sentences)}
            if as_json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                _print_summary(article, summary.sentences)


@app.command()
def gather() -> None:
    """Gather the configured sources into the store; print new, seen and errors per source."""
    with _errors():
        report = _gather(state.settings)
        _print_gather(report)
        if report.failed_sources:
            raise typer.Exit(1)


@app.command()
def run(
    list_name: Annotated[str | None, typer.Option("--list", "-l", help="List to send (default: every list).")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Gather and summarise; compose nothing, send nothing.")] = False,
) -> None:
    """The whole job as the Prefect flow `daily-digest`, in-process (no server to set up):
    gather the sources, summarise, render and send each list's digest."""
    with _errors():
        import os

        settings = state.settings
        if list_name:
            settings.list(list_name)
        if state.config:
            os.environ["DIGEST_CONFIG"] = str(state.config.resolve())
        # The temporary server's telemetry heartbeat races its own start-up on SQLite.
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        with _smtp_target(settings) as (smtp, where):
            if not settings.smtp.host:
                # The flow's tasks read their settings themselves: point them at the capture server.
                os.environ["DIGEST_SMTP_HOST"], os.environ["DIGEST_SMTP_PORT"] = smtp.host, str(smtp.port)
            from flows.daily_digest import daily_digest

            results = daily_digest(list_name=list_name, dry_run=dry_run)
        _print_run(results)
        if where and not dry_run:
            out.print(where, markup=False)
        out.print("See the digest in a browser: digest preview --serve (or --output digest.html)")
        if any(r.get("failed") or r.get("uncertain") or r.get("deferred") for r in results.values()):
            raise typer.Exit(1)


def _print_run(results: dict) -> None:
    table = Table(title="daily-digest", title_justify="left")
    for column in ("list", "sent", "deferred", "failed", "uncertain", "skipped", "note"):
        table.add_column(column, justify="left" if column in ("list", "note") else "right")
    for name, totals in results.items():
        if "new" in totals:
            note = f"{totals['new']} new article(s)" + (" (dry run)" if totals.get("dry_run") else ": nothing to send")
            table.add_row(name, "", "", "", "", "", note)
        else:
            table.add_row(name, *(str(totals.get(k, 0)) for k in ("sent", "deferred", "failed", "uncertain", "skipped")), "")
    out.print(table)


@app.command()
def preview(
    list_name: Annotated[str | None, typer.Option("--list", "-l", help="List to preview (default: the first).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the final HTML email to this file.")] = None,
    serve: Annotated[bool, typer.Option("--serve", help="Serve the preview on a local web server.")] = False,
    host: Annotated[str, typer.Option(help="Address to bind with --serve.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port for --serve (0: any free port).")] = 8025,
    open_browser: Annotated[bool, typer.Option("--open", help="Open the preview in a browser.")] = False,
) -> None:
    """Preview the digest the next run would send: from the store, or the seeds if the store is empty."""
    with _errors():
        from datetime import UTC, datetime

        from digest.app import next_digest
        from digest.preview import PreviewServer, build_preview

        settings = state.settings
        chosen = settings.list(list_name) if list_name else _first_list(settings)
        stored = None
        with _preview_store(settings) as (store, source_settings):
            digest = next_digest(source_settings, chosen, store=store, day=datetime.now(UTC).date())
            if digest.empty:
                # Nothing new: show what went out last (or is still going out).
                stored = store.open_issue(chosen.name) or store.last_issue(chosen.name)
        if stored is not None:
            digest = stored.rendered.digest
            err.print(f"nothing new: previewing the last issue, {digest.issue_id}", markup=False, style="dim")
        rendered_issue = stored.rendered if stored else None
        result = build_preview(digest, chosen, rendered=rendered_issue)
        rendered = result.rendered
        for warning in rendered.warnings:
            err.print(f"warning: {warning}", markup=False)
        if output:
            try:
                output.write_text(result.html, encoding="utf-8")
            except OSError as exc:
                raise _Failed(f"{output}: cannot write: {exc.strerror or exc}") from None
            out.print(f"wrote {output} ({rendered.size / 1024:.1f} KB HTML, {len(result.message) / 1024:.1f} KB message): {rendered.subject}", markup=False)
        if serve:
            try:
                server = PreviewServer(
                    digest, chosen, host=host, port=port, maildir=Path(settings.delivery.maildir), rendered=rendered_issue
                )
            except OSError as exc:
                raise _Failed(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
            if host not in ("127.0.0.1", "localhost", "::1"):
                err.print(f"warning: the preview is reachable from other machines on {host}", markup=False)
            out.print(f"Previewing {rendered.subject!r} at {server.url} (Ctrl-C to stop)", markup=False)
            if open_browser:
                import webbrowser

                webbrowser.open(server.url)
            try:
                server.serve_forever()
            finally:
                server.close()
        elif open_browser and output:
            import webbrowser

            webbrowser.open(output.resolve().as_uri())
        if not output and not serve:
            out.print(f"[bold]Subject:[/] {_escape(rendered.subject)}")
            count = len(stored.article_urls) if stored else len(digest.items)
            out.print(f"{count} item(s), {digest.more} more · HTML {rendered.size / 1024:.1f} KB · message {len(result.message) / 1024:.1f} KB\n")
            out.print(result.text, markup=False)


@contextmanager
def _preview_store(settings: Settings):
    """The configured store, or, when it holds no articles, the seeds gathered into memory."""
    from digest.config import DEMO_CONFIG
    from digest.store import Store

    with Store(settings.store.url) as store:
        if store.count_articles():
            yield store, settings
            return
    demo = load_settings(DEMO_CONFIG, environ={})
    err.print("the store is empty: previewing the seeds", markup=False, style="dim")
    with Store("sqlite://") as memory:
        from digest.gather.fetch import make_client
        from digest.gather.sources import gather as run_gather

        async def go():
            async with make_client(demo.fetch) as client:
                await run_gather(demo.sources, client=client, store=memory, settings=demo.fetch)

        asyncio.run(go())
        yield memory, demo


subscribers_app = typer.Typer(help="Manage a list's subscribers.", no_args_is_help=True)
app.add_typer(subscribers_app, name="subscribers")
ListOption = Annotated[str | None, typer.Option("--list", "-l", help="The list (default: the first configured).")]


@subscribers_app.command("import")
def subscribers_import(
    file: Annotated[Path, typer.Argument(help="CSV with an 'email' column, optionally 'name' and more.")],
    list_name: ListOption = None,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Import the good rows even if some are bad.")] = False,
) -> None:
    """Import subscribers from a CSV file: all or nothing unless --skip-invalid."""
    with _errors():
        from digest.subscribers import parse_subscriber_csv

        chosen = _chosen_list(list_name)
        try:
            text = file.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise _Failed(f"{file}: no such file") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise _Failed(f"{file}: cannot read as UTF-8 text: {exc}") from None
        result = parse_subscriber_csv(text)
        for error in result.errors:
            err.print(f"{file}:{error.line}: {error.reason}", markup=False)
        if result.errors and not skip_invalid:
            raise _Failed(f"{len(result.errors)} bad row(s); nothing imported (use --skip-invalid to import the rest)")
        with _store() as store:
            added, present = store.add_subscribers(chosen.name, result.subscribers, at=_now())
        out.print(f"{chosen.name}: {added} added, {present} already subscribed, {len(result.errors)} skipped")


@subscribers_app.command("add")
def subscribers_add(
    email: Annotated[str, typer.Argument(help="The address.")],
    list_name: ListOption = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Add a subscriber, or make an unsubscribed one active again."""
    with _errors():
        from digest.subscribers import new_subscriber

        chosen = _chosen_list(list_name)
        subscriber = new_subscriber(email, name=name)
        with _store() as store:
            added, _ = store.add_subscribers(chosen.name, [subscriber], at=_now(), resubscribe=True)
        out.print(f"{subscriber.email}: {'added to' if added else 'active on'} {chosen.name}", markup=False)


@subscribers_app.command("remove")
def subscribers_remove(email: Annotated[str, typer.Argument()], list_name: ListOption = None) -> None:
    """Delete a subscriber and their delivery history."""
    with _errors():
        chosen, key = _chosen_list(list_name), _key(email)
        with _store() as store:
            if not store.remove_subscriber(chosen.name, key):
                raise _Failed(f"{email}: not on {chosen.name}")
        out.print(f"{email}: removed from {chosen.name}", markup=False)


@subscribers_app.command("unsubscribe")
def subscribers_unsubscribe(email: Annotated[str, typer.Argument()], list_name: ListOption = None) -> None:
    """Mark a subscriber unsubscribed (they keep their history and get nothing more)."""
    with _errors():
        from digest.models import SubscriberStatus

        chosen, key = _chosen_list(list_name), _key(email)
        with _store() as store:
            if not store.set_subscriber_status(chosen.name, key, SubscriberStatus.UNSUBSCRIBED, at=_now()):
                raise _Failed(f"{email}: not on {chosen.name}")
        out.print(f"{email}: unsubscribed from {chosen.name}", markup=False)


@subscribers_app.command("list")
def subscribers_list(
    list_name: ListOption = None,
    status: Annotated[str | None, typer.Option(help="active, unsubscribed or bounced.")] = None,
) -> None:
    """List subscribers with their status."""
    with _errors():
        from digest.models import SubscriberStatus

        chosen = _chosen_list(list_name)
        try:
            wanted = SubscriberStatus(status) if status else None
        except ValueError:
            raise _Failed(f"unknown status {status!r}; use active, unsubscribed or bounced") from None
        with _store() as store:
            count = 0
            for subscriber in store.iter_subscribers(chosen.name, status=wanted):
                print(f"{subscriber.email}\t{subscriber.name}\t{subscriber.status.value}")
                count += 1
        err.print(f"{count} subscriber(s)", markup=False, style="dim")


@app.command()
def unsubscribe(token: Annotated[str, typer.Argument(help="The token from an unsubscribe link.")]) -> None:
    """Apply an unsubscribe token (as the unsubscribe link would)."""
    with _errors():
        from digest.models import SubscriberStatus
        from digest.app import signing_secret
        from digest.subscribers import read_token

        settings = state.settings
        with _store() as store:
            claims = read_token(token.strip(), secret=signing_secret(settings, store=store))
            subscriber = store.subscriber(claims.list_name, claims.key)
            if subscriber is None or subscriber.version != claims.version:
                raise _Failed("this unsubscribe link is no longer valid")
            store.set_subscriber_status(claims.list_name, claims.key, SubscriberStatus.UNSUBSCRIBED, at=_now())
        out.print(f"{subscriber.email}: unsubscribed from {claims.list_name}", markup=False)


@app.command()
def send(
    list_name: ListOption = None,
    issue: Annotated[str | None, typer.Option("--issue", help="Send (or resume) this issue id.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Compose and count; send nothing, change nothing.")] = False,
    test_to: Annotated[str | None, typer.Option("--test-to", help="Send the digest to this one address only, outside the ledger.")] = None,
    resend_failed: Annotated[bool, typer.Option("--resend-failed", help="Retry the permanent failures of the issue too.")] = False,
    resend_uncertain: Annotated[bool, typer.Option(
        "--resend-uncertain",
        help="Send again the deliveries whose outcome is uncertain (the server may have them: a reader may get two copies).",
    )] = False,
    accept_uncertain: Annotated[bool, typer.Option(
        "--accept-uncertain", help="Take uncertain deliveries as delivered, so the issue can close.")] = False,
) -> None:
    """Send the next digest (or an unfinished one) to every active subscriber, exactly once."""
    if resend_uncertain and accept_uncertain:
        err.print("digest: error: --resend-uncertain and --accept-uncertain exclude each other", markup=False)
        raise typer.Exit(2)
    with _errors():
        settings = state.settings
        chosen = _chosen_list(list_name)
        with _store() as store:
            report = _send(settings, chosen, store=store, issue_id=issue, dry_run=dry_run, test_to=test_to,
                           resend_failed=resend_failed, resend_uncertain=resend_uncertain,
                           accept_uncertain=accept_uncertain)
        if report is not None and report.stopped.startswith("stopped by SIG"):
            raise typer.Exit(130 if report.stopped.endswith("SIGINT") else 143)
        if report is not None and (report.failed or (not report.complete and report.owed > 0)):
            raise typer.Exit(1)


def _send(settings, chosen, *, store, issue_id=None, dry_run=False, test_to=None, resend_failed=False,
          resend_uncertain=False, accept_uncertain=False):
    from digest.models import DeliveryStatus, SubscriberStatus
    from digest.app import next_digest, prepare_issue, recipient_factory, render_for_list, signing_secret, view_url

    now = _now()
    if dry_run or test_to:
        found = store.issue(issue_id) if issue_id else store.open_issue(chosen.name)
        if found is None:
            digest = next_digest(settings, chosen, store=store, day=now.date())
            if digest.empty:
                out.print(f"{chosen.name}: nothing new to send")
                return None
            rendered = render_for_list(digest, chosen)
        else:
            rendered = found.rendered
        if dry_run:
            active = store.count_subscribers(chosen.name, status=SubscriberStatus.ACTIVE)
            out.print(f"dry run: {rendered.subject!r} ({rendered.size / 1024:.1f} KB HTML) would go to {active} active subscriber(s)", markup=False)
            return None
        return _send_test(settings, chosen, rendered, test_to, store=store)
    if issue_id:
        stored = store.issue(issue_id)
        if stored is None or stored.rendered.digest.list_name != chosen.name:
            raise _Failed(f"no issue {issue_id!r} for list {chosen.name}")
    else:
        stored = prepare_issue(settings, chosen, store=store, day=now.date(), now=now)
        if stored is None:
            out.print(f"{chosen.name}: nothing new to send")
            return None
    current = stored.rendered.digest.issue_id
    if resend_failed:
        reopened = store.reopen(current, [DeliveryStatus.FAILED], at=now)
        out.print(f"{reopened} permanent failure(s) will be retried")
    if resend_uncertain:
        reopened = store.reopen(current, [DeliveryStatus.UNCERTAIN], at=now)
        out.print(f"{reopened} uncertain deliveries will be sent again; a reader whose copy did arrive gets a second one")
    return _deliver(settings, chosen, stored, store=store, recipient_for=recipient_factory(chosen, secret=signing_secret(settings, store=store)),
                    view=view_url(chosen, current), accept_uncertain=accept_uncertain)


def _deliver(settings, chosen, stored, *, store, recipient_for, view, accept_uncertain=False):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from digest.delivery.send import Stop, deliver_issue, delivery_options, run
    from digest.models import DeliveryStatus

    issue_id = stored.rendered.digest.issue_id
    owed = sum(n for s, n in store.ledger_totals(issue_id).items() if s in (DeliveryStatus.PENDING, DeliveryStatus.DEFERRED, DeliveryStatus.SENDING))
    options = delivery_options(settings.delivery)
    out.print(f"Sending {stored.rendered.subject!r} (issue {issue_id}) to {owed} subscriber(s)", markup=False)
    stop = Stop()
    with _smtp_target(settings) as (smtp, where):
        with Progress(TextColumn("sending"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err, transient=True) as progress:
            task = progress.add_task("send", total=owed)
            report = run(
                deliver_issue(stored, store=store, smtp=smtp, sender=chosen.sender, reply_to=chosen.reply_to,
                              recipient_for=recipient_for, view_url=view, options=options,
                              on_batch=lambda n: progress.advance(task, n), stop=stop,
                              accept_uncertain=accept_uncertain),
                stop=stop,
            )
    _print_delivery(report)
    if where:
        out.print(where, markup=False)
    return report


def _send_test(settings, chosen, rendered, address, *, store):
    from digest.delivery.connection import Connection
    from digest.mail.message import MessageFactory, Recipient
    from digest.models import DeliveryStatus
    from digest.app import view_url
    from digest.subscribers import new_subscriber

    target = new_subscriber(address)
    factory = MessageFactory(rendered, sender=chosen.sender, reply_to=chosen.reply_to, view_url=view_url(chosen, rendered.digest.issue_id))
    message = factory.build(Recipient(email=target.email, unsubscribe_url=chosen.unsubscribe_url.replace("{token}", "test")))

    async def go():
        connection = Connection(smtp)
        try:
            return await connection.send(parseaddr(chosen.sender)[1], target.email, message)
        finally:
            await connection.close()

    with _smtp_target(settings) as (smtp, where):
        outcome = asyncio.run(go())
    if outcome.status is not DeliveryStatus.SENT:
        raise _Failed(f"test message to {target.email} not sent: {outcome.error}")
    out.print(f"test message sent to {target.email}: {rendered.subject!r}", markup=False)
    if where:
        out.print(where, markup=False)
    return None


@contextmanager
def _smtp_target(settings: Settings):
    """The configured SMTP server; with no host, the local capture server (one already
    listening on the port, or one started here for the run)."""
    import socket
    from dataclasses import replace

    smtp = settings.smtp
    if smtp.host:
        yield smtp, ""
        return
    local = replace(smtp, host="127.0.0.1", security="none", username="", password="")
    try:
        with socket.create_connection(("127.0.0.1", smtp.port), timeout=0.5):
            pass
    except OSError:
        from digest.delivery.sink import CaptureSink

        maildir = Path(settings.delivery.maildir)
        with CaptureSink(maildir=maildir, port=smtp.port) as sink:
            yield replace(local, port=sink.port), f"Captured in the Maildir {maildir.resolve()} (digest preview --serve lists it; any mail reader opens it)."
        return
    yield local, f"Delivered to the capture server on 127.0.0.1:{smtp.port}."


def _print_delivery(report) -> None:
    from digest.models import DeliveryStatus

    table = Table(title=f"Issue {report.issue_id}", title_justify="left")
    for column in ("", "sent", "deferred", "failed", "uncertain", "skipped", "pending"):
        table.add_column(column, justify="right" if column else "left")
    rows = (("this run", report.this_run), ("issue total", report.totals))
    for label, counts in rows:
        pending = counts[DeliveryStatus.PENDING] + counts[DeliveryStatus.SENDING]
        table.add_row(label, *(str(counts[s]) for s in (DeliveryStatus.SENT, DeliveryStatus.DEFERRED, DeliveryStatus.FAILED, DeliveryStatus.UNCERTAIN, DeliveryStatus.SKIPPED)), str(pending))
    out.print(table)
    totals = report.totals
    if report.stopped:
        released = f"; {report.released} unsent claim(s) released for the next run" if report.released else ""
        out.print(f"stopped: {report.stopped}{released}", markup=False)
    if report.lost:
        out.print(f"{report.lost} claim(s) passed to another sender before this one finished them", markup=False)
    if report.capped:
        out.print("stopped at the hourly cap; run again later to send the rest")
    elif report.complete:
        out.print("issue complete: its articles are marked sent to the list")
    else:
        if report.elsewhere:
            out.print(f"{report.elsewhere} deliveries are being sent by another sender", markup=False)
        if totals[DeliveryStatus.DEFERRED] and report.next_due is not None:
            wait = max(0, int((report.next_due - _now()).total_seconds()))
            out.print(f"{totals[DeliveryStatus.DEFERRED]} deferred: the next try is due at "
                      f"{report.next_due:%Y-%m-%d %H:%M:%S} UTC (in {wait // 60} min {wait % 60} s); run send again then",
                      markup=False)
        if totals[DeliveryStatus.UNCERTAIN] and not report.owed:
            out.print(f"{totals[DeliveryStatus.UNCERTAIN]} uncertain: the server may have these messages. The issue "
                      "stays open until you settle them: send --resend-uncertain (a reader may get two copies) or "
                      "send --accept-uncertain (take them as delivered)", markup=False)


@app.command()
def sink(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 2525,
    maildir: Annotated[Path | None, typer.Option(help="Maildir for captured messages (default: [delivery] maildir).")] = None,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Run a local capture SMTP server that keeps every message in a Maildir."""
    with _errors():
        from digest.delivery.sink import serve_sink

        folder = maildir or Path(state.settings.delivery.maildir)
        out.print(f"Capturing SMTP on {host}:{port} into {folder.resolve()} (Ctrl-C to stop)", markup=False)
        serve_sink(maildir=folder, host=host, port=port)


def _chosen_list(list_name: str | None):
    settings = state.settings
    return settings.list(list_name) if list_name else _first_list(settings)


def _key(email: str) -> str:
    from digest.subscribers import normalise_email

    return normalise_email(email)[1]


@contextmanager
def _store():
    from digest.store import Store

    with Store(state.settings.store.url) as store:
        yield store


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def _first_list(settings: Settings):
    if not settings.lists:
        raise _Failed("no [lists.NAME] section in the config")
    return settings.lists[0]


def _gather(settings: Settings):
    from digest.gather.fetch import make_client
    from digest.gather.sources import gather as run_gather
    from digest.store import Store

    async def go():
        async with make_client(settings.fetch) as client:
            return await run_gather(settings.sources, client=client, store=store, settings=settings.fetch)

    with Store(settings.store.url) as store:
        return asyncio.run(go())


def _articles(sources: list[str], *, raw: bool) -> Iterator[tuple[str, Article]]:
    """Each source's article; a source that fails is reported on stderr and the rest
    go on, and the command then exits with status 2."""
    failed = False
    for source in sources:
        try:
            page = _read_source(source)
            if raw:
                article = _raw_article(page)
            else:
                from digest.extract.article import extract_article

                article = extract_article(page)
            if article is None:
                raise _Failed("no article body found")
        except (DigestError, _Failed) as exc:
            from digest.urls import redact_url, redact_urls

            message = str(exc).removeprefix(source).removeprefix(": ")
            err.print(f"digest: error: {redact_url(source)}: {redact_urls(message)}", markup=False)
            failed = True
            continue
        yield source, article
    if failed:
        raise typer.Exit(2)


def _read_source(source: str):
    from digest.urls import is_http_url

    if is_http_url(source):
        from digest.gather.fetch import Fetcher, make_client

        settings = state.settings.fetch

        async def go():
            async with make_client(settings) as client:
                return await Fetcher(client, settings=settings).fetch(source)

        return asyncio.run(go()).page
    from digest.gather.files import read_page

    path = Path(source)
    if not path.exists():
        raise _Failed("no such file")
    return read_page(path)


def _raw_article(page) -> Article | None:
    from digest.extract.article import decode_text

    text = decode_text(page)
    paragraphs = tuple(" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())
    return Article(url=page.url, title="", paragraphs=paragraphs) if paragraphs else None


def _record(source: str, article: Article) -> dict:
    return {
        "source": source,
        "url": article.url,
        "title": article.title,
        "authors": list(article.authors),
        "published": article.published.isoformat() if article.published else None,
        "text": article.text,
    }


def _print_article(article: Article, record: dict) -> None:
    _print_heading(article)
    out.print(record["text"], markup=False)
    out.print()


def _print_summary(article: Article, sentences: tuple[str, ...]) -> None:
    _print_heading(article)
    for sentence in sentences:
        out.print(f"  • {sentence}", markup=False)
    out.print()


def _print_heading(article: Article) -> None:
    out.print(f"[bold]{_escape(article.title or '(untitled)')}[/]")
    meta = [", ".join(article.authors), article.published.date().isoformat() if article.published else "", article.url]
    out.print(_escape(" · ".join(m for m in meta if m)), style="dim")
    for warning in article.warnings:
        out.print(f"warning: {_escape(warning)}", style="yellow")


def _print_gather(report) -> None:
    from digest.urls import redact_url, redact_urls

    table = Table(title="Gathered", title_justify="left")
    table.add_column("source")
    table.add_column("new", justify="right")
    table.add_column("seen", justify="right")
    table.add_column("status")
    for item in report.sources:
        if item.error:
            status = f"[red]error: {_escape(redact_urls(item.error))}[/]"
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
            out.print(f"  [yellow]{_escape(item.source)}[/]: {_escape(where)}: {_escape(why)}")


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
