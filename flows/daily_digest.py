"""The Prefect flows: `daily-digest` (gather, summarise, compose, send, finalise),
`gather` (sources into the store, to run more often than the digest) and `send-batch`
(one share of a digest's sending, for any worker of the pool, when a `daily-digest` run
is spread over workers).

Every task is a thin wrapper over one use case of `digest.app` and passes plain values
(paths, ids, ranges, summary sentences), never article bodies, so a task can run on
any worker that reaches the store. Settings and secrets are read once per flow run in
each process. Only the I/O tasks (gather, send) retry; a send batch is idempotent
through the ledger, so a retry or a second worker never sends a row twice.

Failures say why, once: an expected failure (a `DigestError`: a missing config, an SMTP
server that cannot be used, a store that is down) ends the flow run in a Failed state
whose message is its one-line reason, and is logged without a traceback. A server
that cannot be used at all is not retried: it is checked once before the send batches,
and a batch that finds it gone stops the batches of the run still waiting. Only
deliveries the server deferred one by one make a batch try again. Every run leaves a
markdown artifact per list (key `digest-<list>`) saying what it did, or why not.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.exceptions import FailedRun
from prefect.runtime import flow_run
from prefect.states import Failed, State

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

from digest import app
from digest.app.sending import send_share
from digest.config import ListSettings, Settings, SmtpSettings, find_config, load_settings
from digest.delivery.options import Stop
from digest.errors import ConfigError, DeliveryError, DigestError
from digest.mail.render import personal_fields, personalise
from digest.models import DeliveryStatus
from digest.store import Store
from digest.text import one_line
from digest.urls import redact_url
from flows.secrets import with_secret_blocks

SEND_BATCH = 1000
SUMMARY_BATCH = 50
# A spread run (`spread` > 0) hands its sending to runs of this deployment (prefect.yaml),
# which any worker of the pool picks up.
SEND_DEPLOYMENT = "send-batch/pool"
# Seconds a send-batch run still running once nothing is owed has to end before it is taken for dead.
SPREAD_GRACE = 10.0
SPREAD_STALL = 60.0  # seconds with no live claim and no change in the ledger: the run sends what is left itself

P = ParamSpec("P")
R = TypeVar("R")


class _WorkClock:
    """The time this process spends on the digest's own work (the tasks' bodies, and a
    spread run's wait for its send batches): the rest of a run's time is Prefect's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy = 0
        self._since = 0.0
        self._total = 0.0

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        with self._lock:
            if not self._busy:
                self._since = time.monotonic()
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
                if not self._busy:
                    self._total += time.monotonic() - self._since

    def seconds(self) -> float:
        """The work so far, overlapping tasks counted once."""
        with self._lock:
            return self._total + (time.monotonic() - self._since if self._busy else 0.0)


WORK = _WorkClock()


def _timed(fn: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(fn)
    def timed(*args: P.args, **kwargs: P.kwargs) -> R:
        with WORK.busy():
            return fn(*args, **kwargs)

    return timed


class StillOwed(DigestError):
    """A send batch ended with deliveries the server deferred one by one: trying the
    batch again later may send them (the only failure a send batch retries)."""


class _ExpectedErrorsWithoutTraceback(logging.Filter):
    """An expected failure's message says everything (`DigestError`s are one line by
    design); Prefect logs a failed task with its traceback, which here is noise, on the
    console and in the run's log alike. Unexpected errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, FailedRun):
            # The engine of a deployment's run raises this when the flow returns Failed (our
            # one-line reason) and logs it as an "unexpected exception", with a traceback.
            record.msg, record.args = "the run ended Failed: %s", (error,)
        if isinstance(error, (DigestError, FailedRun)):
            record.exc_info = None
            record.exc_text = None
        return True


def _quiet_expected_errors() -> None:
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ExpectedErrorsWithoutTraceback) for f in logger.filters):
            logger.addFilter(_ExpectedErrorsWithoutTraceback())


_quiet_expected_errors()  # in every process that runs these flows: the CLI, `digest schedule`, a worker


def settings_for(config: str | None) -> Settings:
    """Settings from the flow's `config` parameter, else DIGEST_CONFIG, ./digest.toml or
    the demo; secrets may come from Prefect Secret blocks instead of the environment.
    Read once per flow run (and process): every task of the run sees the same."""
    if config:
        find_config(config, explicit_origin="the flow's config parameter")
    return _settings(config, flow_run.get_id() or "")


@lru_cache(maxsize=8)
def _settings(config: str | None, _run_id: str) -> Settings:
    return with_secret_blocks(load_settings(config, environ=os.environ))


def _retry_unless_expected(_task: Any, _task_run: Any, state: State) -> bool:
    """Try a task again unless it failed for an expected reason that another try in a
    few seconds would not change: a missing file, a bad setting, a server that cannot be
    used. A store that lost its connection (a transient StoreError) is tried again."""
    try:
        state.result()
    except StillOwed:
        return True
    except DigestError as exc:
        return bool(getattr(exc, "transient", False))
    except Exception:  # noqa: BLE001 - not ours to judge: Prefect's default, try again
        return True
    return False


def _retry_deferred_only(_task: Any, _task_run: Any, state: State) -> bool:
    """A send batch is tried again only for the deliveries the server deferred one by
    one; a server that cannot be used at all (refused, unknown host, TLS, login) is
    reported at once, and trying again in 5 s, 30 s and 2 min would only hide it."""
    try:
        state.result()
    except StillOwed:
        return True
    except DeliveryError:
        return False
    except DigestError as exc:
        return bool(getattr(exc, "transient", False))
    except Exception:  # noqa: BLE001 - unexpected: Prefect's default, try again
        return True
    return False


@task(name="gather", retries=2, retry_delay_seconds=[10, 60], retry_condition_fn=_retry_unless_expected)
@_timed
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
        for item in (*source.failures, *source.warnings):
            logger.warning("source %s: %s: %s", source.source, redact_url(one_line(item.item)), one_line(item.reason))
    return {
        s.source: {"new": s.new, "seen": s.seen, "error": s.error, "failed": len(s.failures)} for s in report.sources
    }


@task(name="pending-articles")
@_timed
def pending_task(config: str | None, list_name: str) -> list[int]:
    settings = settings_for(config)
    chosen = settings.list(list_name)
    with Store(settings.store.url) as store:
        app.seed_subscribers(chosen, store=store, now=datetime.now(UTC))
        return [s.id for s in app.pending_articles(settings, chosen, store=store)]


@task(name="summarise-batch")
@_timed
def summarize_batch(config: str | None, list_name: str, article_ids: list[int]) -> list[app.SummaryNote]:
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        return app.summarize_pending(settings, settings.list(list_name), article_ids, store=store)


@task(name="compose-render")
@_timed
def compose_task(config: str | None, list_name: str, notes: list[app.SummaryNote], max_items: int | None) -> str | None:
    settings = settings_for(config)
    chosen = settings.list(list_name)
    if max_items is not None:
        chosen = replace(chosen, max_items=max_items)
    with Store(settings.store.url) as store:
        issue = app.compose_issue(settings, chosen, notes, store=store, now=datetime.now(UTC))
    return issue.rendered.digest.issue_id if issue else None


@task(name="open-issue")
@_timed
def open_issue_task(config: str | None, list_name: str, *, settle: bool = True) -> str | None:
    """The list's unfinished issue; with `settle`, its deferrals the next issue replaces are
    given up first (`app.unfinished_issue`), else nothing is written (a dry run)."""
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        if settle:
            issue = app.unfinished_issue(settings, settings.list(list_name), store=store, now=datetime.now(UTC))
        else:
            issue = store.open_issue(list_name)
    return issue.rendered.digest.issue_id if issue else None


@task(name="send-ranges")
@_timed
def ranges_task(config: str | None, issue_id: str, size: int) -> list[tuple[int, int]]:
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        return store.subscriber_id_ranges(issue_id, size=size)


def _smtp(settings: Settings, capture_port: int | None) -> SmtpSettings:
    """The configured server; with no host, the local capture server the flow started
    (or found) for this run."""
    smtp = settings.smtp
    if smtp.host:
        return smtp
    return replace(smtp, host="127.0.0.1", port=capture_port or smtp.port, security="none", username="", password="")


@task(name="smtp-check")
@_timed
def smtp_check_task(config: str | None, capture_port: int | None = None) -> str:
    """Connect, log in and hang up, once before the send batches: a server that cannot be
    used is reported here, once, and no batch waits on it."""
    smtp = _smtp(settings_for(config), capture_port)
    app.check_smtp(smtp)
    return f"{smtp.host}:{smtp.port}"


# Per flow run (in this process): why its SMTP server cannot be used, once a batch found
# out, so that the batches still waiting for a thread stop at once instead of each
# waiting on the same dead server.
_server_down: dict[str, str] = {}
_server_down_lock = threading.Lock()


# One stop for the whole process: SIGTERM or SIGINT asks every send of it to end gracefully,
# each recording what went out and releasing the rest. Python delivers a signal to the main
# thread only, and the sends run on the task runner's threads.
SIGNALLED = Stop()


_GRACEFUL: list[bool] = []  # inside graceful_stop(): a signal stops the sending and nothing else


def stop_sending_on_signals() -> None:
    """On the main thread: SIGTERM and SIGINT first stop the sending, then do what they did
    before (in a worker's flow run process, Prefect's cancellation; the threads sending then
    finish their messages and release their claims before the process exits). Inside
    graceful_stop() (`digest run`), they only stop the sending: the run then ends as usual."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = None if _GRACEFUL else signal.getsignal(sig)

        def handler(number: int, frame: Any, previous: Any = previous) -> None:
            SIGNALLED.request(f"stopped by {signal.Signals(number).name}")
            if callable(previous):
                previous(number, frame)
            elif number == signal.SIGINT:
                signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C acts at once

        signal.signal(sig, handler)


@contextlib.contextmanager
def graceful_stop() -> Iterator[None]:
    """For a flow run in this process (`digest run`): SIGTERM or a first Ctrl-C stops the
    sending gracefully and the run ends as usual (Prefect's temporary server is stopped as
    at any end); a second Ctrl-C interrupts at once."""
    _GRACEFUL.append(True)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    stop_sending_on_signals()
    try:
        yield
    finally:
        _GRACEFUL.pop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@task(name="send-batch", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=_retry_deferred_only)
@_timed
def send_batch(
    config: str | None, list_name: str, issue_id: str, subscribers: tuple[int, int], capture_port: int | None = None
) -> dict[str, int]:
    """Send one range of the issue's ledger. Raises StillOwed while deliveries the server
    deferred are owed, so Prefect's retry takes them again (they are due at once); raises
    DeliveryError, not retried, when the server cannot be used."""
    run_id = flow_run.get_id() or ""
    with _server_down_lock:
        down = _server_down.get(run_id)
    if down:
        raise DeliveryError(down)
    if SIGNALLED:
        return {}  # the run is stopping: this batch's rows wait for the next run
    settings = settings_for(config)
    with Store(settings.store.url) as store:
        try:
            report = app.send_range(
                settings,
                settings.list(list_name),
                issue_id,
                store=store,
                smtp=_smtp(settings, capture_port),
                subscribers=subscribers,
                stop=Stop(parent=SIGNALLED),  # a signal stops it; its own failure stops it alone
            )
        except DeliveryError as exc:
            _note_server_down(run_id, str(exc))
            raise
        owed = store.count_owed(issue_id, subscribers=subscribers)
        held, until = store.held_claims(issue_id, subscribers=subscribers, now=datetime.now(UTC))
    counts = {status.value: n for status, n in report.this_run.items() if n}
    if SIGNALLED:
        return counts  # stopped by a signal: what is owed waits for the next run
    if report.stopped:
        # Else only the circuit stops a batch of a flow run: the server went away.
        _note_server_down(run_id, report.stopped)
        raise DeliveryError(f"{report.stopped} ({owed} deliveries of subscribers {subscribers} wait for the next run)")
    if owed > held:
        raise StillOwed(f"{owed - held} deliveries of subscribers {subscribers} deferred by the server")
    if held:
        # Another sender's claims (a `digest send`, another run, or one that died: its lease
        # then runs out): tried again after the retry delays, as a deferral is.
        raise StillOwed(
            f"{held} deliveries of subscribers {subscribers} are held by another sender's claims "
            f"until {until:%Y-%m-%d %H:%M:%S} UTC, when their lease runs out"
        )
    return counts


def _note_server_down(run_id: str, reason: str) -> None:
    with _server_down_lock:
        _server_down.setdefault(run_id, reason)


@task(name="send-share", retries=3, retry_delay_seconds=[5, 30, 120], retry_condition_fn=_retry_deferred_only)
@_timed
def send_share_task(config: str | None, list_name: str, issue_id: str) -> dict[str, int]:
    """Send what this worker can claim of the issue, beside the other send batches, until
    nothing is left that a live one holds. Raises StillOwed while deliveries the server
    deferred are owed (retried), DeliveryError when the server cannot be used."""
    settings = settings_for(config)
    with Store(settings.store.url) as store, app.smtp_target(settings) as target:
        report = send_share(
            settings, settings.list(list_name), issue_id, store=store, smtp=target.settings, stop=Stop(parent=SIGNALLED)
        )
    if SIGNALLED:
        return {status.value: n for status, n in report.this_run.items() if n}
    if report.stopped:
        raise DeliveryError(f"{report.stopped} ({report.owed} deliveries wait for the next run)")
    if report.owed:
        raise StillOwed(f"{report.owed} deliveries of issue {issue_id} deferred by the server")
    return {status.value: n for status, n in report.this_run.items() if n}


@task(name="finalise")
@_timed
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
def gather_flow(config: str | None = None) -> dict[str, dict] | State:
    """Gather every configured source into the store; safe to run hourly."""
    try:
        sources = gather_task(config)
    except DigestError as exc:
        _artifact(
            "gather", ["# gather: failed", "", markdown_text(str(exc))], description=f"failed: {exc}", key="gather"
        )
        return Failed(message=str(exc))
    lines = ["# gather", "", "| source | new | seen | error |", "|---|---|---|---|"]
    lines += [
        f"| {markdown_text(name)} | {s['new']} | {s['seen']} | {markdown_text(s['error'] or '')} |"
        for name, s in sources.items()
    ]
    new = sum(s["new"] for s in sources.values())
    failed = sum(1 for s in sources.values() if s["error"])
    _artifact("gather", lines, description=f"{new} new article(s), {failed} source(s) failed", key="gather")
    return sources


@flow(name="send-batch", log_prints=True)
def send_batch_flow(list_name: str, issue_id: str) -> dict[str, int] | State:
    """One send batch of a spread `daily-digest` run, on whichever worker of the pool
    takes it: send the issue beside the other batches (through the ledger's leased
    claims), until nothing is left that a live batch holds; a batch whose worker died is
    finished by the others once its lease runs out. The settings are the worker's own
    (DIGEST_CONFIG, else ./digest.toml in its checkout): the same lists and store on
    every worker."""
    stop_sending_on_signals()
    try:
        return send_share_task(None, list_name, issue_id)
    except DigestError as exc:
        return Failed(message=f"{list_name}: {exc}")


@flow(name="daily-digest", log_prints=True)
def daily_digest(
    list_name: str | None = None,
    max_items: int | None = None,
    dry_run: bool = False,
    min_new: int = 1,
    gather_first: bool = True,
    config: str | None = None,
    spread: int = 0,
) -> dict[str, dict] | State:
    """Gather, then for each list (or `list_name`): summarise the new articles in batches,
    compose and render once, send in subscriber batches, and finalise. With `spread`, the
    sending goes to that many runs of the `send-batch/pool` deployment, which the work
    pool's workers take (on any machine that reaches the store). Ends Failed, with the
    one-line reason as its message, when a list could not be sent."""
    stop_sending_on_signals()
    try:
        settings = settings_for(config)
        lists = [settings.list(list_name)] if list_name else list(settings.lists)
        if gather_first:
            gather_task(config)
    except DigestError as exc:
        # With no list named, the config itself failed: the artifact goes under the flow's name.
        name, key = (list_name, None) if list_name else ("daily-digest", "daily-digest")
        _artifact(name, [f"# {name}: failed", "", markdown_text(str(exc))], description=f"failed: {exc}", key=key)
        return Failed(message=str(exc))
    job = _Job(settings, config, max_items=max_items, dry_run=dry_run, min_new=max(min_new, 1), spread=max(spread, 0))
    results: dict[str, dict] = {}
    failures: list[str] = []
    for index, chosen in enumerate(lists):
        if SIGNALLED:
            break  # the lists not begun wait for the next run
        try:
            result = job.run(chosen)
        except DigestError as exc:
            failures.append(f"{chosen.name}: {exc}")
            job.failed(chosen, exc)
            if isinstance(exc, DeliveryError) and lists[index + 1 :]:
                # The server is the same for every list: the others would fail the same way.
                failures.append(f"not tried: {', '.join(x.name for x in lists[index + 1 :])}")
                break
        else:
            if result is not None:
                results[chosen.name] = result
    if failures:
        return Failed(message="; ".join(failures))
    return results


@dataclass
class _Job:
    """One flow run's work on each list, and the artifact each list's part leaves."""

    settings: Settings
    config: str | None
    max_items: int | None
    dry_run: bool
    min_new: int
    spread: int = 0  # send-batch runs to hand the sending to; 0: sent by this run
    issue_id: str | None = None  # the issue of the list in hand, once known

    def run(self, chosen: ListSettings) -> dict | None:
        logger = get_run_logger()
        config, name = self.config, chosen.name
        self.issue_id = issue_id = open_issue_task(config, name, settle=not self.dry_run)
        if issue_id is None:
            ids = pending_task(config, name)
            if len(ids) < self.min_new:
                self.note(
                    chosen, f"nothing new: {len(ids)} new article(s), fewer than min_new ({self.min_new}); nothing sent"
                )
                return {"sent": 0, "new": len(ids)}
            batches = [ids[i : i + SUMMARY_BATCH] for i in range(0, len(ids), SUMMARY_BATCH)]
            notes = [n for batch in summarize_batch.map(config, name, batches).result() for n in batch]
            if self.dry_run:
                self.note(chosen, f"dry run: {len(notes)} article(s) would be composed; nothing saved or sent")
                return {"dry_run": True, "new": len(ids)}
            self.issue_id = issue_id = compose_task(config, name, notes, self.max_items)
            if issue_id is None:
                self.note(chosen, f"nothing to send: the {len(ids)} new article(s) made no digest")
                return {"sent": 0, "new": len(ids)}
        elif self.dry_run:
            self.note(chosen, f"dry run: issue {issue_id} is unfinished; nothing sent")
            return {"dry_run": True, "unfinished": issue_id}
        totals = self.send_spread(chosen, issue_id) if self.spread else self.send(chosen, issue_id)
        self.sent(chosen, issue_id, totals)
        logger.info("%s: issue %s: %s", name, issue_id, ", ".join(f"{k} {v}" for k, v in totals.items() if v) or "-")
        return totals

    def send(self, chosen: ListSettings, issue_id: str) -> dict[str, int]:
        ranges = ranges_task(self.config, issue_id, SEND_BATCH)
        run_id = flow_run.get_id() or ""
        try:
            with app.smtp_target(self.settings) as target:
                capture_port = None if self.settings.smtp.host else target.settings.port
                if ranges:
                    # In the task runner's thread, as the batches are: a SIGTERM (the run being
                    # cancelled) then finds this thread waiting, not inside an event loop that
                    # would swallow Prefect's TerminationSignal.
                    smtp_check_task.submit(self.config, capture_port).result()
                futures = send_batch.map(self.config, chosen.name, issue_id, ranges, capture_port=capture_port)
                futures.wait()
        finally:
            with _server_down_lock:
                _server_down.pop(run_id, None)
        problems: list[object] = [f.result(raise_on_failure=False) for f in futures if not f.state.is_completed()]
        for problem in problems:
            if isinstance(problem, BaseException) and not isinstance(problem, DigestError):
                raise problem  # a bug, not an expected failure: with its traceback
        totals = finalise_task(self.config, issue_id)
        expected = [p for p in problems if isinstance(p, DigestError)]
        if expected:
            # The server's own failure first (the batches it stopped say the same).
            raise next((p for p in expected if isinstance(p, DeliveryError)), expected[0])
        return totals

    def send_spread(self, chosen: ListSettings, issue_id: str) -> dict[str, int]:
        """Hand the sending to `spread` send-batch runs and wait for them. A batch whose
        worker died leaves its claims to the others after their lease; what no batch sent
        (no worker took them, or every one failed) this run sends itself."""
        from prefect.deployments import run_deployment
        from prefect.exceptions import ObjectNotFound

        logger = get_run_logger()
        parameters = {"list_name": chosen.name, "issue_id": issue_id}
        try:
            runs = [
                cast(
                    "FlowRun",
                    run_deployment(
                        SEND_DEPLOYMENT,
                        parameters=parameters,
                        timeout=0,
                        as_subflow=True,
                        flow_run_name=f"{chosen.name}-batch-{index + 1}",
                    ),
                )
                for index in range(self.spread)
            ]
        except ObjectNotFound:
            raise ConfigError(
                f"spread: no deployment {SEND_DEPLOYMENT} on the Prefect server: deploy prefect.yaml "
                "(prefect deploy --all) and start a worker of its pool"
            ) from None
        logger.info("%s: issue %s handed to %d send-batch run(s)", chosen.name, issue_id, len(runs))
        with WORK.busy():
            ended = _await_batches(self.settings, issue_id, [run.id for run in runs])
        for name, state in ended:
            if not state.is_completed():
                logger.warning(
                    "%s: send-batch run %s ended %s: %s", chosen.name, name, state.name, state.message or "-"
                )
        with Store(self.settings.store.url) as store:
            owed = store.count_owed(issue_id)
        if owed:
            logger.warning("%s: %d deliveries no send batch sent: sending them here", chosen.name, owed)
            return self.send(chosen, issue_id)
        return finalise_task(self.config, issue_id)

    def note(self, chosen: ListSettings, what: str) -> None:
        get_run_logger().info("%s: %s", chosen.name, what)
        _artifact(chosen.name, [f"# {markdown_text(chosen.title or chosen.name)}", "", what], description=what)

    def failed(self, chosen: ListSettings, exc: DigestError) -> None:
        lines = [f"# {markdown_text(chosen.title or chosen.name)}: failed", "", markdown_text(str(exc))]
        if self.issue_id:
            try:
                with Store(self.settings.store.url) as store:
                    ledger = store.ledger_totals(self.issue_id)
            except DigestError:  # the store is what failed: the reason above says so
                pass
            else:
                lines += ["", f"Issue `{self.issue_id}`, so far:", "", *_ledger_table(ledger)]
                lines += ["", "The next run sends what is still owed."]
        _artifact(chosen.name, lines, description=f"failed: {exc}")

    def sent(self, chosen: ListSettings, issue_id: str, totals: dict[str, int]) -> None:
        with Store(self.settings.store.url) as store:
            issue = store.issue(issue_id)
        if issue is None:
            raise DigestError(f"issue {issue_id} is not in the store")
        _, text = personalise(
            issue.rendered, personal_fields(name="", email="reader@example.org", unsubscribe_url="", view_url="")
        )
        lines = issue_markdown(
            subject=issue.rendered.subject, issue_id=issue_id, list_name=chosen.name, totals=totals, text=text
        )
        _artifact(chosen.name, lines, description=issue.rendered.subject)


def _await_batches(settings: Settings, issue_id: str, run_ids: list[Any]) -> list[tuple[str, State]]:
    """Wait for the send-batch runs, or for the ledger to owe nothing (then a run still
    going after SPREAD_GRACE is taken for dead: its worker went away), or for no progress
    and no live claim in SPREAD_STALL; a run a worker has taken but not started gets twice
    the grace. Runs not ended by then are marked: Cancelled if no worker took them (unless
    one takes it as it is marked), Crashed if one did. Each run's name and last state."""
    from prefect.client.orchestration import get_client

    done_at: float | None = None
    mark: tuple = ()
    changed = time.monotonic()
    with get_client(sync_client=True) as client, Store(settings.store.url) as store:
        while True:
            runs = [client.read_flow_run(run_id) for run_id in run_ids]
            ledger = store.ledger_overview([issue_id], now=datetime.now(UTC))[issue_id]
            now = time.monotonic()
            if (tuple(ledger.totals.values()), ledger.in_flight) != mark:
                mark, changed = (tuple(ledger.totals.values()), ledger.in_flight), now
            if all(r.state is not None and r.state.is_final() for r in runs) and not ledger.in_flight:
                break
            if not ledger.owed:
                done_at = done_at if done_at is not None else now
                # A run a worker has taken (Pending) is starting: it gets a second grace to
                # start, find nothing owed and end, rather than be marked under it.
                starting = any(r.state is not None and r.state.is_pending() for r in runs)
                if now - done_at > SPREAD_GRACE * (2 if starting else 1):
                    break
            elif not ledger.in_flight and now - changed > SPREAD_STALL:
                break
            time.sleep(1)
        ended: list[tuple[str, State]] = []
        for run in runs:
            state = run.state
            if state is None or not state.is_final():
                state = _mark_unended(client, run.id, state)
            ended.append((run.name, state))
    return ended


def _mark_unended(client: Any, run_id: Any, state: State | None) -> State:
    """Crashed for a run a worker took (Running, or Pending past twice the grace), forced;
    Cancelled for one nobody took, not forced, so that a worker taking it as it is marked
    keeps it (the state it then has is returned)."""
    from prefect.client.schemas.responses import SetStateStatus
    from prefect.states import Cancelled, Crashed

    crashed: State
    if state is not None and state.is_running():
        crashed = Crashed(message="still running when its digest run ended: its worker went away (or it hangs)")
    elif state is not None and state.is_pending():
        crashed = Crashed(message="taken by a worker that never started it: the worker went away")
    else:
        cancelled: State = Cancelled(
            message="not started when its digest run ended (nothing left to send, or no worker free)"
        )
        if client.set_flow_run_state(run_id, cancelled).status is SetStateStatus.ACCEPT:
            return cancelled
        return client.read_flow_run(run_id).state or cancelled
    client.set_flow_run_state(run_id, crashed, force=True)
    return crashed


def issue_markdown(*, subject: str, issue_id: str, list_name: str, totals: dict, text: str) -> list[str]:
    """The artifact of a sent issue: its subject, ledger totals and text version. The
    subject and the text are the sources' words, shown as text: Prefect's UI renders the
    markdown, where a headline could otherwise be a link or close the text's fence."""
    lines = [f"# {markdown_text(subject)}", "", f"Issue `{issue_id}` of list `{list_name}`.", ""]
    lines += _ledger_table(totals)
    lines += ["", "## The digest (text version)", "", *_fenced(text.strip())]
    lines += ["", f"Preview in a browser: `digest preview --list {list_name} --serve`."]
    return lines


def markdown_text(text: str) -> str:
    """One line of text as markdown that shows it as it is: the characters markdown reads
    as inline markup (a link, an image, HTML, code, emphasis, a table cell, an entity, a
    heading's closing run of `#`) escaped."""
    return _MARKUP.sub(r"\\\g<0>", text)


_MARKUP = re.compile(r"[\\`*_\[\]<>!|~&#]")


def _fenced(text: str) -> list[str]:
    """`text` in a code block whose fence is longer than any run of backticks in it (a
    shorter run cannot close it)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [fence, text, fence]


def _ledger_table(totals: dict) -> list[str]:
    rows = [f"| {getattr(status, 'value', status)} | {count} |" for status, count in totals.items() if count]
    return ["| delivery | count |", "|---|---|", *rows]


def _artifact(name: str, lines: list[str], *, description: str, key: str | None = None) -> None:
    """A markdown artifact, keyed `digest-<list>` (lowercase letters, digits and dashes)
    unless `key` says otherwise, so each list's runs line up in Prefect's UI. The UI renders
    the description as markdown too: it is plain text here (a subject, a reason)."""
    key = key or "digest-" + (re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or "list")
    create_markdown_artifact(markdown="\n".join(lines), key=key, description=markdown_text(description))
