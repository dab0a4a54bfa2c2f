"""Commands about readers: the `subscribers` group and `unsubscribe TOKEN`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli import Failed, ListOption, app, chosen_list, err, errors, open_store, out, state
from digest.errors import SubscriberError
from digest.models import ChangeSource, Subscriber, SubscriberEvent, SubscriberStatus
from digest.subscribers import first_line_not_utf8
from digest.text import one_line

if TYPE_CHECKING:
    from digest.app.readers import Added

EmailArgument = Annotated[str, typer.Argument(help="The subscriber's address.", metavar="EMAIL")]

subscribers_app = typer.Typer(help="Manage a list's subscribers.", no_args_is_help=True)
app.add_typer(subscribers_app, name="subscribers")


@subscribers_app.command("import")
def subscribers_import(
    file: Annotated[
        Path, typer.Argument(help="CSV with an 'email' column, optionally 'name' and more.", metavar="FILE")
    ],
    list_name: ListOption = None,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Import the good rows even if some are bad.")
    ] = False,
) -> None:
    """Import subscribers from a CSV file: all or nothing unless --skip-invalid. The file
    is read a chunk at a time, so a large one takes no more memory than a small one."""
    with errors():
        from digest.app import import_subscribers

        chosen = chosen_list(list_name)

        def report(error) -> None:
            err.print(f"{one_line(str(file))}:{error.line}: {one_line(error.reason)}", markup=False)

        try:
            with file.open(encoding="utf-8-sig", newline="") as lines, open_store() as store:
                result = import_subscribers(chosen, lines, store=store, skip_invalid=skip_invalid, on_error=report)
        except FileNotFoundError:
            raise Failed(f"{file}: no such file") from None
        except UnicodeDecodeError:
            raise Failed(
                f"{file}:{first_line_not_utf8(file)}: not UTF-8 text (save the file as UTF-8); nothing imported"
            ) from None
        except OSError as exc:
            raise Failed(f"{file}: cannot read: {exc.strerror or exc}; nothing imported") from None
        except SubscriberError as exc:  # the header: the file is named, as for its rows
            raise Failed(f"{file}: {exc}") from None
        if not result.imported:
            raise Failed(f"{result.bad} bad row(s); nothing imported (use --skip-invalid to import the rest)")
        stopped = (
            f", {result.stopped} not re-added (bounced, complained or unsubscribed; "
            "`digest subscribers reactivate EMAIL` restarts one)"
            if result.stopped
            else ""
        )
        dead = (
            f", {result.bounced_elsewhere} not added (their mail bounced on another list; "
            "`digest subscribers reactivate EMAIL --list LIST` there restarts one)"
            if result.bounced_elsewhere
            else ""
        )
        out.print(
            f"{chosen.name}: {result.added} added, {result.present - result.stopped} already subscribed{stopped}"
            f"{dead}, {result.bad} skipped",
            markup=False,
        )


@subscribers_app.command("add")
def subscribers_add(
    email: EmailArgument,
    list_name: ListOption = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "",
) -> None:
    """Add a subscriber. One who bounced, complained or unsubscribed is not re-added, nor
    one whose mail bounced on another list added: `subscribers reactivate` restarts them."""
    with errors():
        from digest.app import add_subscriber

        chosen = chosen_list(list_name)
        with open_store() as store:
            done = add_subscriber(chosen, email, store=store, name=name)
        if done.status is SubscriberStatus.ACTIVE:
            out.print(f"{done.email}: {'added to' if done.added else 'active on'} {chosen.name}", markup=False)
        elif done.stopped_on:
            reactivate = f"digest subscribers reactivate {done.email} --list {done.stopped_on}"
            out.print(
                f"{done.email}: {_stopped(done)}, not added to {chosen.name}; `{reactivate}` restarts them",
                markup=False,
            )
        else:
            reactivate = f"digest subscribers reactivate {done.email}" + (f" --list {chosen.name}" if list_name else "")
            out.print(f"{done.email}: {_stopped(done)}, not re-added; `{reactivate}` restarts them", markup=False)


def _stopped(done: Added) -> str:
    """How a reader who is not active left the list, and when: "bounced on daily (2026-11-30)",
    "unsubscribed from daily (2026-11-30, one-click)"."""
    if done.status is SubscriberStatus.BOUNCED:
        what = f"bounced on {done.stopped_on or done.list_name}"
    elif done.stopped_by is ChangeSource.COMPLAINT:
        what = f"complained about {done.list_name}"
    else:
        what = f"unsubscribed from {done.list_name}"
    details = [f"{done.stopped_at.astimezone(UTC):%Y-%m-%d}"] if done.stopped_at else []
    if done.stopped_by is not None and done.stopped_by not in (ChangeSource.BOUNCE, ChangeSource.COMPLAINT):
        details.append(done.stopped_by.value)
    return f"{what} ({', '.join(details)})" if details else what


@subscribers_app.command("remove")
def subscribers_remove(email: EmailArgument, list_name: ListOption = None) -> None:
    """Delete a subscriber and their delivery history."""
    with errors():
        from digest.app import remove_subscriber

        chosen = chosen_list(list_name)
        with open_store() as store:
            remove_subscriber(chosen, email, store=store)
        out.print(f"{email}: removed from {chosen.name}", markup=False)


@subscribers_app.command("unsubscribe")
def subscribers_unsubscribe(email: EmailArgument, list_name: ListOption = None) -> None:
    """Mark a subscriber unsubscribed (they keep their history and get nothing more)."""
    with errors():
        from digest.app import unsubscribe_subscriber

        chosen = chosen_list(list_name)
        with open_store() as store:
            unsubscribe_subscriber(chosen, email, store=store)
        out.print(f"{email}: unsubscribed from {chosen.name}", markup=False)


@subscribers_app.command("reactivate")
def subscribers_reactivate(email: EmailArgument, list_name: ListOption = None) -> None:
    """Make a bounced, complaining or unsubscribed reader active again: they get the next
    issue. Recorded in their history as the operator's decision."""
    with errors():
        from digest.app.bounces import reactivate_subscriber

        chosen = chosen_list(list_name)
        with open_store() as store:
            before = reactivate_subscriber(chosen, email, store=store)
        if before is SubscriberStatus.ACTIVE:
            out.print(f"{email}: already active on {chosen.name}", markup=False)
        else:
            out.print(f"{email}: active again on {chosen.name} (was {before.value})", markup=False)


@subscribers_app.command("list")
def subscribers_list(
    list_name: ListOption = None,
    status: Annotated[SubscriberStatus | None, typer.Option(help="Only the subscribers with this status.")] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="One JSON object per line: email, name, status, changed_at (ISO 8601, UTC)."),
    ] = False,
) -> None:
    """List subscribers with their status; a reader a bounce or a complaint stopped also
    shows when and why (in JSON, `source` and `reason`)."""
    with errors():
        from digest.app import subscribers
        from digest.store.base import chunks

        chosen = chosen_list(list_name)
        count = 0
        with open_store() as store:
            for page in chunks(subscribers(chosen, store=store, status=status.value if status else None), 1000):
                # Readers a bounce or a complaint stopped: why, and when.
                stopped_keys = [s.key for s in page if s.status is not SubscriberStatus.ACTIVE]
                stopped = store.stop_reasons(chosen.name, stopped_keys) if stopped_keys else {}
                for subscriber in page:
                    print(_subscriber_line(subscriber, stopped.get(subscriber.key), as_json=as_json))
                count += len(page)
        err.print(f"{count} subscriber(s)", markup=False, style="dim")


def _subscriber_line(subscriber: Subscriber, why: SubscriberEvent | None, *, as_json: bool) -> str:
    if as_json:
        document = {
            "email": subscriber.email,
            "name": subscriber.name,
            "status": subscriber.status.value,
            "changed_at": _iso(subscriber.changed_at),
        }
        if why is not None:
            document |= {"source": why.source.value, "reason": why.detail}
        return json.dumps(document, ensure_ascii=False)
    line = f"{one_line(subscriber.email)}\t{one_line(subscriber.name)}\t{subscriber.status.value}"
    if why is not None:
        line += f"\t{_iso(why.at)}\t{why.source.value}: {one_line(why.detail)}"
    return line


@subscribers_app.command("history")
def subscribers_history(
    email: EmailArgument,
    list_name: Annotated[
        str | None, typer.Option("--list", "-l", help="Only this list's changes (default: every list).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line: at, list, change, source, detail.")
    ] = False,
) -> None:
    """Every recorded change to a reader, oldest first, with its time and source (one-click,
    page, email confirmation, operator, import): why did this person stop getting mail?"""
    with errors():
        from digest.app.readers import subscriber_history

        chosen = state.settings.list(list_name) if list_name else None
        with open_store() as store:
            events = subscriber_history(chosen, email, store=store)
        for event in events:
            if as_json:
                document = {
                    "at": _iso(event.at),
                    "list": event.list_name,
                    "change": event.change.value,
                    "source": event.source.value,
                    "detail": event.detail,
                }
                print(json.dumps(document, ensure_ascii=False))
            else:
                detail = f"\t{one_line(event.detail)}" if event.detail else ""
                print(f"{_iso(event.at)}\t{event.list_name}\t{event.change.value}\t{event.source.value}{detail}")
        err.print(f"{len(events)} change(s) recorded", markup=False, style="dim")


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None


@app.command()
def unsubscribe(
    token: Annotated[str, typer.Argument(help="The token from an unsubscribe link.", metavar="TOKEN")],
) -> None:
    """Apply an unsubscribe token (as the unsubscribe link would)."""
    with errors():
        from digest.app import unsubscribe_by_token

        with open_store() as store:
            done = unsubscribe_by_token(state.settings, token, store=store)
        out.print(f"{done.email}: unsubscribed from {done.list_name}", markup=False)
