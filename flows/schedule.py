"""`digest schedule`: the digest on its schedules, on one machine, in one command.

Each configured list that has a `schedule` becomes its own deployment of the
`daily-digest` flow (`daily-digest/list-NAME`, parameters `list_name` and the config
file's absolute path), on its cron in its timezone; `--gather-every` adds the `gather`
flow on an interval (`gather/every-Ns`). They are served by Prefect's Runner, what
`prefect.serve` uses: each run is a subprocess of this one, with its environment.

Prefect's temporary server cannot schedule (its scheduler does not run), so with no
PREFECT_API_URL configured this process uses the Prefect server answering on
127.0.0.1:PREFECT_SERVER_API_PORT (4200), or starts one there (its UI included) for as
long as it serves. A SIGINT or SIGTERM stops the runner (in-flight runs are cancelled,
the schedules paused), then what was started here, in reverse order.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, cast

from digest.config import ListSettings, Settings
from digest.errors import ConfigError, DigestError

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

log = logging.getLogger(__name__)

SERVER_START_TIMEOUT = 180.0  # seconds; a first start creates the database, slowly on a loaded machine
SERVER_STOP_TIMEOUT = 20.0


class NothingScheduled(ConfigError):
    """No configured list has a schedule (or not the one asked for)."""


@dataclass(frozen=True, slots=True)
class Served:
    """One deployment `digest schedule` serves."""

    flow: str  # "daily-digest" or "gather"
    name: str  # the deployment's name
    list: ListSettings | None = None  # for daily-digest: the list it sends
    interval: int = 0  # for gather: seconds between runs

    @property
    def full_name(self) -> str:
        return f"{self.flow}/{self.name}"


def plan(settings: Settings, *, only: str | None = None, gather_every: int = 0) -> list[Served]:
    """The deployments to serve: one per list with a schedule (only `only`, when given),
    and the gather flow every `gather_every` seconds when more than 0."""
    lists = [settings.list(only)] if only else list(settings.lists)
    where = settings.path or "the config"
    if not lists:
        raise NothingScheduled(f"no [lists.NAME] section in {where}: nothing to send, so nothing to schedule")
    scheduled = [entry for entry in lists if entry.schedule.strip()]
    if not scheduled:
        which = f"list {only} has" if only else "no list has"
        raise NothingScheduled(
            f'{which} a schedule: add schedule = "0 7 * * *" (a cron expression; timezone = "..." '
            f"if not UTC) to [lists.{lists[0].name}] in {where}"
        )
    served = [Served("daily-digest", f"list-{entry.name}", list=entry) for entry in scheduled]
    if gather_every > 0:
        served.append(Served("gather", f"every-{gather_every}s", interval=gather_every))
    return served


@dataclass(frozen=True, slots=True)
class PrefectApi:
    url: str  # the API, e.g. http://127.0.0.1:4200/api
    ui: str  # where the UI is, when the server serves one; "" when unknown
    started: bool  # started by this process, for as long as it serves


@contextlib.contextmanager
def prefect_api(*, check: Callable[[], None] = lambda: None) -> Iterator[PrefectApi]:
    """The Prefect API to serve against: PREFECT_API_URL when configured; else a Prefect
    server already answering on 127.0.0.1:PREFECT_SERVER_API_PORT; else one started here
    (on that port, or any free one if it is taken) until the block ends. Inside the
    block, this process and the runs it starts use that API. `check` is called while
    the server starts, to interrupt the wait by raising."""
    from prefect.settings import PREFECT_API_URL, get_current_settings, temporary_settings

    settings = get_current_settings()
    configured = settings.api.url
    if configured:
        check_api(configured)
        yield PrefectApi(configured, settings.ui_url or "", started=False)
        return
    port = settings.server.api.port or 4200
    if _healthy(f"http://127.0.0.1:{port}/api"):
        api = PrefectApi(f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}", started=False)
        with temporary_settings(updates={PREFECT_API_URL: api.url}):
            yield api
        return
    if not _free(port):
        port = _free_port()
    writable_home(Path(settings.home))
    with (
        _prefect_server(port, home=Path(settings.home), check=check) as api,
        temporary_settings(updates={PREFECT_API_URL: api.url}),
    ):
        yield api


@contextlib.contextmanager
def _prefect_server(port: int, *, home: Path, check: Callable[[], None]) -> Iterator[PrefectApi]:
    log_path = home / "digest-schedule-server.log"
    env = {
        **os.environ,
        "PREFECT_SERVER_ANALYTICS_ENABLED": os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false"),
    }
    env.pop("PREFECT_API_URL", None)
    die_with_parent = _die_with_parent()
    with log_path.open("wb") as server_log:
        process = subprocess.Popen(
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=server_log,
            stderr=subprocess.STDOUT,
            env=env,
            # Its own session: a Ctrl-C in the terminal reaches this process only, which
            # stops the runner (it needs the server to pause the schedules) before the server.
            start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - one C call, resolved beforehand
        )
    api = PrefectApi(f"http://127.0.0.1:{port}/api", f"http://127.0.0.1:{port}", started=True)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(api.url):
            check()
            if process.poll() is not None:
                raise DigestError(
                    f"the Prefect server did not start (exit status {process.returncode}); its log: {log_path}"
                )
            if time.monotonic() > deadline:
                raise DigestError(
                    f"the Prefect server did not answer on {api.url} within {SERVER_START_TIMEOUT:g} s; "
                    f"its log: {log_path}"
                )
            time.sleep(0.25)
        yield api
    finally:
        _stop(process)


def _die_with_parent() -> Callable[[], None] | None:
    """What the server's process runs before the server: ask for a SIGTERM when this
    process dies, even by SIGKILL, so no Prefect server is left behind. Linux's prctl,
    looked up here (not between fork and exec); None elsewhere."""
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def ask() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return ask


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _healthy(api_url: str) -> bool:
    import httpx

    try:
        response = httpx.get(f"{api_url.rstrip('/')}/health", timeout=2)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def check_api(api_url: str) -> None:
    """Any HTTP answer will do (an API with authentication may refuse /health itself);
    none at all is reported in one line."""
    import httpx

    try:
        httpx.get(f"{api_url.rstrip('/')}/health", timeout=10)
    except httpx.HTTPError as exc:
        raise DigestError(
            f"the Prefect API at {api_url} (PREFECT_API_URL) does not answer ({type(exc).__name__}); "
            "is its server running?"
        ) from None


def server_for_run(*, spread: int) -> str:
    """Where `digest run` runs its flow: the Prefect server at PREFECT_API_URL (which
    must answer), else Prefect's temporary one, started and stopped in that process.
    A spread run needs a real server: its batches go to the workers of its pool."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    if url:
        check_api(url)  # one line, exit 2, when nothing answers there
        return f"the server at {url}"
    if spread:
        raise ConfigError(
            "--spread hands the sending to the workers of a Prefect server: set PREFECT_API_URL to its API "
            "(README: Beyond one machine)"
        )
    writable_home(Path(get_current_settings().home))
    return "its temporary server, started and stopped here"


def writable_home(home: Path) -> None:
    """Prefect's home folder, where a server started here keeps its database, made and
    written to once. One that cannot be (HOME unwritable or unset for a service account,
    PREFECT_HOME on a read-only place) is one line now: else the server fails at start-up
    and the run waits out its start-up timeout."""
    import tempfile

    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=home):
            pass
    except OSError as exc:
        raise ConfigError(
            f"Prefect's home folder {home} cannot be written ({exc.strerror or exc}): set PREFECT_HOME to a "
            "folder this user can write, or PREFECT_API_URL to a running Prefect server"
        ) from None


def _free(port: int) -> bool:
    with socket.socket() as probe:
        # As the server will bind it: a port a closed connection left in TIME_WAIT is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Stopped(Exception):
    """A SIGINT or SIGTERM arrived during the start-up."""


@dataclass
class Signals:
    """SIGINT and SIGTERM, for the life of the command. The first one ends the start-up
    at its next step (`check`) or, once the runner's event loop runs, asks the runner
    to stop gracefully; a second SIGINT interrupts at once (KeyboardInterrupt)."""

    received: str = ""  # "SIGINT" or "SIGTERM", once one arrived
    _wake: Callable[[], None] | None = None  # set while the event loop runs
    _previous: dict[int, Any] = field(default_factory=dict)

    def __enter__(self) -> Signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self.handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def handle(self, number: int, _frame: FrameType | None = None) -> None:
        if self.received:
            return  # a second SIGTERM: the stop is under way
        self.received = signal.Signals(number).name
        signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C acts at once
        if self._wake is not None:
            self._wake()

    def check(self) -> None:
        """Stopped, once a signal arrived: the start-up asks between its steps (an
        exception raised from the handler itself could land inside any library)."""
        if self.received:
            raise Stopped(self.received)


def serve(
    served: list[Served],
    *,
    config: Path,
    signals: Signals,
    on_ready: Callable[[list[Served]], None] = lambda _: None,
) -> bool:
    """Register the deployments and run them on their schedules until a signal stops
    the runner; True when the runner served (and so paused the schedules on its way
    out). Runs the flows with `config` (an absolute path)."""
    import asyncio

    from prefect.runner import Runner
    from prefect.schedules import Cron, Interval

    from flows.daily_digest import daily_digest, gather_flow

    signals.check()
    runner = Runner(name="digest-schedule", pause_on_shutdown=True)
    for entry in served:
        if entry.list is not None:
            deployment = daily_digest.to_deployment(
                name=entry.name,
                schedule=Cron(entry.list.schedule.strip(), timezone=entry.list.timezone or "UTC"),
                parameters={"list_name": entry.list.name, "config": str(config)},
                description=f"The digest of list {entry.list.name}, served by `digest schedule`.",
            )
        else:
            deployment = gather_flow.to_deployment(
                name=entry.name,
                schedule=Interval(entry.interval),
                parameters={"config": str(config)},
                description="Gather the sources into the store, served by `digest schedule`.",
            )
        runner.add_deployment(cast("RunnerDeployment", deployment))  # called from sync code: not a coroutine
    # Runner.start() installs `runner.handle_sigterm` for SIGTERM: ours, so both signals
    # take the same way out.
    runner.handle_sigterm = signals.handle  # type: ignore[method-assign]
    signals.check()
    on_ready(served)
    try:
        with _runs_deaf_to_ctrl_c():
            return asyncio.run(_run_until_signalled(runner, signals))
    finally:
        _drain()


@contextlib.contextmanager
def _runs_deaf_to_ctrl_c() -> Iterator[None]:
    """The runner starts each flow run as a process in this one's process group (`python -m
    prefect.engine`, or a spawned process for a flow it holds in memory), so the terminal's
    Ctrl-C reaches the run too, and a run caught starting or exiting prints Python's
    KeyboardInterrupt traceback. A run started with SIGINT blocked (the mask survives the
    exec, and Python leaves it so) hears only the runner, which stops it with SIGTERM on
    the way out."""
    from multiprocessing.context import SpawnProcess

    starter = _engine_starter()
    spawn = SpawnProcess._Popen
    run_engine = starter.run_process

    def spawn_blocking_sigint(process: Any) -> Any:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return spawn(process)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    # Runs started at once (two deployments due the same minute) share the event loop's
    # thread: SIGINT stays blocked there from the first start until the last child is open.
    starting: dict[str, Any] = {"runs": 0, "mask": set()}

    async def run_engine_blocking_sigint(*args: Any, task_status: Any = None, **kwargs: Any) -> Any:
        if task_status is None:  # no moment to unblock before the run ends: leave it be
            return await run_engine(*args, **kwargs)
        handler = kwargs.pop("task_status_handler", None)
        if starting["runs"] == 0:
            starting["mask"] = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        starting["runs"] += 1
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                starting["runs"] -= 1
                if starting["runs"] == 0:
                    signal.pthread_sigmask(signal.SIG_SETMASK, starting["mask"])

        def opened(process: Any) -> Any:
            release()  # the child has its mask
            return handler(process) if handler is not None else process.pid

        try:
            return await run_engine(*args, task_status=task_status, task_status_handler=opened, **kwargs)
        finally:
            release()

    SpawnProcess._Popen = staticmethod(spawn_blocking_sigint)  # type: ignore[method-assign,assignment]
    starter.run_process = run_engine_blocking_sigint
    try:
        yield
    finally:
        SpawnProcess._Popen = spawn  # type: ignore[method-assign]
        starter.run_process = run_engine


def _engine_starter() -> Any:
    """The module whose `run_process` starts `python -m prefect.engine` for the runner: the
    engine starter's (its documented point of override), or the runner's own before it."""
    import importlib

    try:
        return importlib.import_module("prefect.runner._starter_engine")
    except ImportError:  # Prefect before the runner's starters
        return importlib.import_module("prefect.runner.runner")


def _drain() -> None:
    """Send what the runner logged and the events it made while the Prefect server is still
    up: after it stops, Prefect's workers would each print a failure at exit."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        with contextlib.suppress(Exception):
            worker.drain_all(timeout=5)


async def _run_until_signalled(runner: Any, signals: Signals) -> bool:
    import asyncio

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    # A signal handler runs between two bytecodes of this thread: it only wakes the loop.
    def wake() -> None:
        loop.call_soon_threadsafe(stop.set)

    signals._wake = wake
    try:
        if signals.received:
            return False
        running = asyncio.ensure_future(runner.start())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if running.done():  # the runner returned by itself (or failed: raised here)
            await running
            return True
        while not runner.started and not running.done():  # noqa: ASYNC110 - Runner offers no event for it
            await asyncio.sleep(0.05)  # a signal during its start-up
        served = bool(runner.started)
        if runner.started and not runner.stopping:
            # What Runner does on SIGTERM: stop polling and cancel the runs in flight;
            # start() then returns, pausing the schedules on its way out.
            await runner.astop()
        await running
        return served
    finally:
        signals._wake = lambda: None  # what is left is the way out: let it finish
