"""`digest bounces`: bounce and complaint intake, from message files or a Maildir
(`process`) or as a small SMTP receiver for the bounce domain (`listen`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from digest.cli import Failed, app, err, errors, open_store, out, state

if TYPE_CHECKING:
    from digest.app.bounces import Handled

bounces_app = typer.Typer(help="Bounce and complaint intake.", no_args_is_help=True)
app.add_typer(bounces_app, name="bounces")


@bounces_app.command("process")
def process(
    given: Annotated[list[str], typer.Argument(help="Message files, folders of them, or Maildirs.", metavar="PATH")],
) -> None:
    """Read bounces (DSNs and non-standard ones) and feedback-loop complaints: a permanent
    failure marks the reader bounced, temporary ones count towards [delivery]
    soft_bounce_limit, a complaint unsubscribes. A Maildir's messages are marked seen.
    Malformed, forged and unrelated messages are counted and change nobody. A message
    the store cannot record is named (failed, or deferred: read again next run), the
    others are read, and the exit status is 1."""
    with errors():
        from digest.app.bounces import IGNORED, NOT_RECORDED, process_paths
        from digest.text import one_line

        if any(not p.strip() for p in given):  # as a Path, "" would be ".": every file of the current folder
            raise Failed("an empty PATH: give a message file, a folder of them or a Maildir")
        paths = [Path(p) for p in given]
        missing = [p for p in paths if not p.exists()]
        if missing:
            raise Failed(f"{missing[0]}: no such file or folder")

        def tell(handled: Handled) -> None:
            # As each message is applied, so that a run cut short has told of what it changed.
            print_changes(handled)
            if handled.outcome in IGNORED or handled.outcome in NOT_RECORDED:
                err.print(
                    f"{one_line(handled.source)}: {handled.outcome.value}: {one_line(handled.detail)}",
                    markup=False,
                    style="dim" if handled.outcome in IGNORED else None,
                )

        with open_store() as store:
            report = process_paths(state.settings, paths, store=store, on_handled=tell)
        err.print(report.summary(), markup=False)
        if report.not_recorded:
            raise typer.Exit(1)


def print_changes(handled: Handled) -> None:
    """A message's changes to readers on stdout, one tab-separated line each, for scripts:
    list, email, what, status now, reason."""
    from digest.text import one_line

    for change in handled.changes:
        fields = (change.list_name, change.email, change.outcome.value, change.status.value, change.reason)
        print("\t".join(map(one_line, fields)), flush=True)


@bounces_app.command("listen")
def listen(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on (0: any free port).")] = 2526,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Receive bounces and complaints over SMTP for the bounce domain ([delivery]
    bounce_address, and the lists' From domains) and apply them as `bounces process` does.
    Route the bounce domain's mail here (its MX, or a transport in your mail server)."""
    with errors():
        from digest.app.bounces import Intake
        from digest.delivery.bounce_listener import BounceListener
        from digest.subscribers import mailbox_address

        settings = state.settings
        bounce = settings.delivery.bounce_address
        domains = [bounce.rpartition("@")[2]] if bounce else []
        domains += [mailbox_address(entry.sender).rpartition("@")[2] for entry in settings.lists]
        with open_store() as store:
            intake = Intake(settings, store=store)

            def handle(data: bytes, recipients: tuple[str, ...]) -> str:
                handled = intake.handle(data, envelope_to=recipients)
                print_changes(handled)  # as `process` does
                return handled.outcome.value

            def ready(where: str) -> None:
                shown = ", ".join(dict.fromkeys(d.lower() for d in domains if d)) or "any domain"
                out.print(f"Taking bounces and complaints on {where} for {shown} (Ctrl-C to stop)", markup=False)

            listener = BounceListener(handle, domains=domains, host=host, port=port)
            interrupted = listener.serve_until_stopped(on_ready=ready)
        counts = listener.counts
        shown = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
        err.print(
            f"bounce listener stopped: {sum(counts.values())} message(s)" + (f": {shown}" if shown else ""),
            markup=False,
        )
        if interrupted:
            raise typer.Exit(130)  # Ctrl-C; SIGTERM, a service manager's stop, is 0
