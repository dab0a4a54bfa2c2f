"""Sending spread over Prefect workers: the README's "Beyond one machine" set-up, run as
written (hosts, databases and the port made local: see Cluster): a Prefect server backed by
PostgreSQL, two process workers each in its own checkout (a copy of this working tree with
its own .venv, PREFECT_HOME and digest.toml), one PostgreSQL store, and `digest run
--spread 2`, whose two send-batch runs the two workers take. One worker is killed
(SIGKILL, its whole process tree) mid-send; the run completes on the other.

Also, on the session's Prefect server: `digest run` uses the server at PREFECT_API_URL
and says how long Prefect itself took; a spread run with no send-batch deployment fails
in one line; one whose batches no worker takes sends the issue itself."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from digest.config import SmtpSettings
from digest.delivery.pool import SmtpPool
from tests.conftest import POSTGRES_URL, postgres_reachable
from tests.flows.readme import Background, Shell, _healthy, _venv, block_with, descendants, free_port
from tests.flows.test_daily_digest import SEEDS_DIR
from tests.flows.test_deployment import kill_flow_runs
from tests.helpers import digest_cli, report
from tests.smtp_server import RecordingSMTPServer

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

READERS = 300
CONNECTIONS = 2
RATE = 25  # messages per second, per send batch: the kill lands mid-send
BATCH = 20  # the most a batch claims at once
# A sender's workers: its pool takes more messages at once than it has connections.
WORKERS = SmtpPool(SmtpSettings(), connections=CONNECTIONS).concurrency
LEASE = 3  # seconds: the killed batch's claims are taken over after it
KILL_AT = 60  # messages accepted before the kill (with both batches sending)
POSTAL = 'postal_address = "1 Test Street, Testville"'  # a list sent through an SMTP server names one


def checkout(where: Path, name: str, env: dict[str, str]) -> Shell:
    """A copy of this working tree (tracked and new files), with a .venv of its own that
    runs its code (tests/flows/readme.py), as on another host."""
    path = where / name
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for relative in filter(None, listed.split("\0")):
        source = REPO / relative
        if source.is_file():
            (path / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, path / relative)
    _venv(path)
    return Shell(path, env | {"PREFECT_HOME": str(where / f"{name}-prefect-home")})


class Cluster:
    """The README's set-up on this machine: two scratch PostgreSQL databases (Prefect's and
    the store), a capture SMTP server, three checkouts (the server's host and two worker
    hosts) and the Prefect server, started by `begin` (the first flow test starts it, see
    tests/flows/conftest.py, so that its minute of migrations passes meanwhile) and all
    of it stopped and dropped by `stop`."""

    def __init__(self, where: Path) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.prefect_db, self.store_db, self.port = f"prefect_workers_{suffix}", f"digest_workers_{suffix}", free_port()
        self.store_url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{self.store_db}"
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.lines = readme_lines(
            {
                "prefect@db-host:5432/prefect": f"postgres@127.0.0.1:5432/{self.prefect_db}",
                "digest@db-host:5432/digest": f"postgres@127.0.0.1:5432/{self.store_db}",
                "prefect-host:4200": f"127.0.0.1:{self.port}",
                "--host 0.0.0.0": "--host 127.0.0.1",
            }
        )
        self.smtp = RecordingSMTPServer()
        self.databases: list[str] = []
        self.began = time.monotonic()
        env = host_env(self.port)
        self.hosts = [checkout(where, name, env) for name in ("server", "first", "second")]

    @classmethod
    def begin(cls, where: Path) -> Cluster | None:
        """Started up to the Prefect server's start (not waited for); None where PostgreSQL
        or asyncpg is missing."""
        try:
            import asyncpg  # noqa: F401
        except ImportError:
            return None
        if not postgres_reachable():
            return None
        cluster = cls(where)
        try:
            admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for name in (cluster.prefect_db, cluster.store_db):
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                    cluster.databases.append(name)
            admin.dispose()
            cluster.smtp.start()
            for host in cluster.hosts[1:]:
                write_digest_toml(host, cluster.smtp)
            cluster.hosts[0].start(cluster.lines[0])
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def wait_healthy(self, *, timeout: float = 180) -> None:
        [server] = self.hosts[0].background
        deadline = time.monotonic() + timeout
        while not _healthy(self.api):
            assert server.process.poll() is None, server.output()
            assert time.monotonic() < deadline, f"the Prefect server did not start in {timeout:g} s"
            time.sleep(0.25)

    def stop(self) -> None:
        stop_all(self.hosts)
        self.smtp.stop()
        if self.databases:
            admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                for name in self.databases:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
            self.databases = []


def write_digest_toml(host: Shell, smtp: RecordingSMTPServer) -> None:
    """The host's digest.toml (the store comes from DIGEST_STORE_URL): the same list on
    every host, sent at a pace that a kill can land in."""
    (host.path / "readers.csv").write_text(
        "email,name\n" + "".join(f"reader{i}@example.org,Reader {i}\n" for i in range(READERS))
    )
    (host.path / "digest.toml").write_text(f"""
[web]
base_url = "https://news.example.org"
[smtp]
host = "127.0.0.1"
port = {smtp.port}
timeout = 10
[unsubscribe]
secret = "workers-secret"
[delivery]
connections = {CONNECTIONS}
rate = {RATE}
batch = {BATCH}
lease = {LEASE}
[sources.scrapes]
path = "seeds/pages"
[lists.daily]
title = "Workers Digest"
from = "Workers Digest <digest@example.org>"
subscribers = "readers.csv"
{POSTAL}
""")


def write_config(tmp_path: Path, smtp: RecordingSMTPServer) -> str:
    config = tmp_path / "digest.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{tmp_path / "digest.db"}"
[web]
base_url = "https://news.example.org"
[smtp]
host = "127.0.0.1"
port = {smtp.port}
[unsubscribe]
secret = "flow-test-secret"
[sources.scrapes]
path = "{SEEDS_DIR / "pages"}"
[lists.daily]
title = "Flow Digest"
from = "Flow Digest <digest@example.org>"
subscribers = "{SEEDS_DIR / "subscribers.csv"}"
{POSTAL}
""")
    return str(config)


def ledger(store_url: str) -> list[sa.Row]:
    """Every delivery row: the reader's address, status and claim."""
    from digest.store.schema import deliveries_table as d, subscribers_table as s

    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    sa.select(s.c.email, d.c.status, d.c.claimed_by, d.c.claimed_until).join(
                        s, s.c.id == d.c.subscriber_id
                    )
                )
            )
    finally:
        engine.dispose()


def senders(rows: list[sa.Row]) -> dict[str, datetime]:
    """Each sender holding claims: its latest lease end."""
    held: dict[str, datetime] = {}
    for row in rows:
        if row.status == "sending" and row.claimed_by:
            until = row.claimed_until.replace(tzinfo=UTC) if row.claimed_until.tzinfo is None else row.claimed_until
            held[row.claimed_by] = max(held.get(row.claimed_by, until), until)
    return held


def stop_all(hosts: list[Shell]) -> None:
    for host in reversed(hosts):
        for running in reversed(host.background):
            stop(running)


def stop(running: Background) -> None:
    if running.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            running.process.wait(timeout=20)
    kill_flow_runs(running.process.pid)
    running.kill()


def readme_lines(substitutions: dict[str, str]) -> list[str]:
    """The section's commands, comments dropped, each placeholder replaced (and each one
    found: a README that changes them fails here)."""
    text = "\n".join(line for line in block_with("--spread") if not line.startswith("#"))
    for placeholder, value in substitutions.items():
        assert placeholder in text, f"no {placeholder!r} in the README's block"
        text = text.replace(placeholder, value)
    return [re.sub(r"\s+#.*$", "", line) for line in text.splitlines()]


def host_env(port: int) -> dict[str, str]:
    """A shell's environment on each host: none of this run's DIGEST_ or PREFECT_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGEST_", "PREFECT_"))}
    return env | {
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_SERVICES_SCHEDULER_ENABLED": "false",  # no daily or hourly run of `deploy --all` meanwhile
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # a worker picks a run up within a second
    }


@dataclass
class Kill:
    at: int  # messages accepted at the kill
    claimed: set[str]  # the killed sender's claims, unrecorded
    in_flight: set[str]  # of those, handed to the server


def kill_one_mid_send(run: Background, victim: Background, smtp: RecordingSMTPServer, store_url: str) -> Kill:
    """Once both send batches hold claims and some mail is out: SIGKILL the victim worker
    and everything under it; then what its send batch held and had handed to the server."""
    deadline = time.monotonic() + 240
    while len(smtp.accepted) < KILL_AT or len(senders(ledger(store_url))) < 2:
        assert run.process.poll() is None, run.output()
        assert len(smtp.accepted) < READERS, "the send finished before a worker could be killed"
        assert time.monotonic() < deadline, f"{len(smtp.accepted)} sent, {run.output()}"
        time.sleep(0.1)
    assert descendants(victim.process.pid), "the worker to kill runs no flow run"
    at = len(smtp.accepted)
    kill_flow_runs(victim.process.pid)
    victim.kill()
    time.sleep(LEASE / 2)  # the survivor renews its claims meanwhile; the victim's stay as they were
    rows = ledger(store_url)
    held = senders(rows)
    killed = min(held, key=lambda owner: held[owner])  # the sender whose claims were not renewed
    claimed = {row.email for row in rows if row.status == "sending" and row.claimed_by == killed}
    return Kill(at, claimed, claimed & {a.recipient for a in list(smtp.accepted)})


def test_two_workers_send_one_run_and_it_completes_when_one_is_killed_mid_send(tmp_path, readme_early):
    began = time.monotonic()
    phases: dict[str, str] = {}

    def phase(name: str) -> None:
        phases[name] = f"{time.monotonic() - began:.1f} s"

    cluster = readme_early.pop("workers", None) or Cluster.begin(tmp_path)
    if cluster is None:
        pytest.skip("PostgreSQL (127.0.0.1:5432) or asyncpg is missing")
    phases["started before the test"] = f"{began - cluster.began:.1f} s"
    smtp, store_url = cluster.smtp, cluster.store_url
    try:
        cluster.wait_healthy()
        phase("server up")
        _, first, second = cluster.hosts
        workers, run = [], None
        for line in cluster.lines[1:]:
            if line.startswith("export "):
                first.run(line)
                second.run(line)
            elif "worker start" in line:
                workers += [first.start(line), second.start(line)]
            elif "digest run" in line:
                run = first.start(line)
            else:
                first.run(line, timeout=180)
                phase(line.split()[1])
        assert run is not None and len(workers) == 2, cluster.lines
        kill = kill_one_mid_send(run, workers[1], smtp, store_url)
        phase("killed")
        code = run.process.wait(timeout=240)
        phase("run ended")
        output = run.output()
        assert code == 0, output
        rows = ledger(store_url)
    finally:
        cluster.stop()

    copies = Counter(a.recipient for a in smtp.accepted)
    assert set(copies) == {f"reader{i}@example.org" for i in range(READERS)}  # every reader got the digest
    twice = {reader for reader, n in copies.items() if n > 1}
    assert twice == kill.in_flight and max(copies.values()) <= 2
    # What a killed batch can hold: a new claim of BATCH taken while WORKERS were still
    # queued, the messages at its workers, and those sent but not yet recorded.
    assert len(kill.claimed) <= BATCH + 2 * WORKERS + len(kill.in_flight), kill
    statuses = Counter(row.status for row in rows)
    assert statuses == {"sent": READERS}, statuses  # the ledger agrees with the server
    assert len(smtp.accepted) == READERS + len(kill.in_flight)
    assert "Traceback" not in output and re.search(
        rf"^Prefect: [0-9.]+ s of [0-9.]+ s \(the server at {re.escape(cluster.api)}\)\.$", output, re.M
    )
    report(
        "two workers, one killed mid-send",
        {
            "readers": READERS,
            "killed after": f"{kill.at} accepted",
            "its claims at the kill": len(kill.claimed),
            "in flight (sent twice)": len(kill.in_flight),
            "accepted in all": len(smtp.accepted),
            "ledger sent": statuses["sent"],
            **phases,
            "the run said": next(line for line in output.splitlines() if line.startswith("Prefect: ")),
        },
    )


def test_digest_run_uses_the_prefect_server_at_prefect_api_url_and_says_what_prefect_took(tmp_path, prefect_harness):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import get_current_settings

    api = str(get_current_settings().api.url)
    only_ours = FlowFilter(name=FlowFilterName(any_=["daily-digest"]))
    with get_client(sync_client=True) as client:
        before = {r.id for r in client.read_flow_runs(flow_filter=only_ours)}
    with RecordingSMTPServer() as smtp:
        result = digest_cli("run", env={"DIGEST_CONFIG": write_config(tmp_path, smtp), "PREFECT_API_URL": api})
    assert result.returncode == 0, result.stderr
    assert len(smtp.accepted) == 12
    [line] = [line for line in result.stdout.splitlines() if line.startswith("Prefect: ")]
    prefect, total = (float(x) for x in re.findall(r"([0-9.]+) s", line))
    assert line.endswith(f" s (the server at {api}).") and 0 < prefect <= total
    # The run is on that server (a temporary one would be gone), Completed.
    with get_client(sync_client=True) as client:
        [run] = [r for r in client.read_flow_runs(flow_filter=only_ours) if r.id not in before]
    assert run.state is not None and run.state.is_completed()


def test_digest_run_refuses_a_spread_without_a_prefect_server_and_a_server_that_does_not_answer(tmp_path):
    with RecordingSMTPServer() as smtp:
        env = {"DIGEST_CONFIG": write_config(tmp_path, smtp)}
        spread = digest_cli("run", "--spread", "2", env=env | {"PREFECT_API_URL": ""})
        dead = digest_cli("run", env=env | {"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    assert spread.returncode == 2 and spread.stdout == ""
    assert spread.stderr.startswith("digest: error: --spread hands the sending to the workers of a Prefect server")
    assert dead.returncode == 2 and dead.stdout == ""
    assert dead.stderr.startswith("digest: error: the Prefect API at http://127.0.0.1:9/api (PREFECT_API_URL) does not")
    assert len(spread.stderr.splitlines()) == len(dead.stderr.splitlines()) == 1
    assert smtp.accepted == []


def test_a_spread_run_with_no_send_batch_deployment_fails_in_one_line(tmp_path, monkeypatch):
    import flows.daily_digest as module

    absent = f"send-batch/absent-{uuid.uuid4().hex[:8]}"  # the session's server may have send-batch/pool
    monkeypatch.setattr(module, "SEND_DEPLOYMENT", absent)
    with RecordingSMTPServer() as smtp:
        state = module.daily_digest(config=write_config(tmp_path, smtp), spread=2, return_state=True)
    assert state.is_failed()
    assert state.message == (
        f"daily: spread: no deployment {absent} on the Prefect server: deploy prefect.yaml "
        "(prefect deploy --all) and start a worker of its pool"
    )
    assert smtp.accepted == []


def test_a_spread_run_sends_itself_what_no_worker_took(tmp_path, monkeypatch):
    """The send-batch deployment exists but no worker serves it: once the ledger has not
    moved for SPREAD_STALL, the run cancels the batches and sends the issue itself."""
    from prefect.client.orchestration import get_client

    import flows.daily_digest as module

    name = f"unserved-{uuid.uuid4().hex[:8]}"
    monkeypatch.setattr(module, "SEND_DEPLOYMENT", f"send-batch/{name}")
    monkeypatch.setattr(module, "SPREAD_STALL", 1.0)
    deployment_id = module.send_batch_flow.to_deployment(name=name).apply()
    try:
        with RecordingSMTPServer() as smtp:
            result = module.daily_digest(config=write_config(tmp_path, smtp), spread=2)
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(limit=50)
            batches = [r for r in runs if r.deployment_id == deployment_id]
    finally:
        with get_client(sync_client=True) as client:
            client.delete_deployment(deployment_id)
    assert result["daily"]["sent"] == 12
    assert sorted(Counter(a.recipient for a in smtp.accepted).values()) == [1] * 12
    assert len(batches) == 2 and all(r.state is not None and r.state.is_cancelled() for r in batches)
