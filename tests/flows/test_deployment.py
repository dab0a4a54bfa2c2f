"""prefect.yaml for real: `prefect deploy --all` against the session's Prefect server (the
test harness runs a real one on loopback) and a process worker; a flow run of the manual
deployment killed mid-send, then the deployment run again. (test_readme.py runs the
README's work pool steps to a delivered digest.)"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.faults.conftest import integrity, sent_in_ledger
from tests.flows.test_daily_digest import write_config
from tests.smtp_server import Faults, RecordingSMTPServer

REPO = Path(__file__).resolve().parents[2]
PREFECT = Path(sys.executable).parent / "prefect"
pytestmark = pytest.mark.slow

CRASH_SEED = 20261124
CRASH_SUBSCRIBERS = 300
CRASH_BATCH = 20  # deliveries one send task claims at once: the most a kill can leave unrecorded


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Deployment:
    env: dict[str, str]
    smtp: RecordingSMTPServer  # the server DIGEST_CONFIG of the worker points at
    worker: subprocess.Popen

    def prefect(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [str(PREFECT), "--no-prompt", *args],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result.stdout


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, prefect_harness):
    """The project deployed from prefect.yaml to the session's Prefect server, and a
    process worker whose environment names the digest's config (DIGEST_CONFIG), as on a
    worker host."""
    if not PREFECT.exists():
        pytest.skip("the prefect command is not installed next to this Python")
    from prefect.settings import get_current_settings

    tmp_path = tmp_path_factory.mktemp("deployment")
    smtp = RecordingSMTPServer().start()
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": str(get_current_settings().api.url),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_WORKER_QUERY_SECONDS": "1",  # pick up a scheduled run at once, not within 10 s
        "DIGEST_CONFIG": write_config(tmp_path, smtp),
        "DIGEST_PROJECT_DIR": str(REPO),
    }
    env.pop("PREFECT_PROFILES_PATH", None)
    worker = None
    try:
        # Deployed as the README says, without DIGEST_PROJECT_DIR: the worker's own names its checkout.
        deploying = {k: v for k, v in env.items() if k != "DIGEST_PROJECT_DIR"}
        setup = Deployment(deploying, smtp, worker=None)  # type: ignore[arg-type]
        setup.prefect("work-pool", "create", "digest-pool", "--type", "process")
        setup.prefect("deploy", "--all")
        worker_log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [str(PREFECT), "worker", "start", "--pool", "digest-pool"],
            env=env,
            cwd=REPO,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
        )
        yield Deployment(env, smtp, worker)
    finally:
        if worker is not None:
            stop(worker)
        smtp.stop()


def test_a_flow_run_killed_mid_send_loses_nothing_when_the_deployment_runs_again(deployment, tmp_path):
    smtp = RecordingSMTPServer(Faults(delay=0.01)).start()
    try:
        config, db = crash_config(tmp_path, smtp)
        run = ("deployment", "run", "daily-digest/manual", "--param", f"config={config}")
        target = random.Random(CRASH_SEED).randint(30, 150)
        deployment.prefect(*run)
        deadline = time.monotonic() + 120
        while len(smtp.accepted) < target:
            assert time.monotonic() < deadline, f"the flow run sent {len(smtp.accepted)} messages in 120 s"
            time.sleep(0.002)
        killed = kill_flow_runs(deployment.worker.pid)
        assert killed, "no flow-run process under the worker"
        time.sleep(0.3)  # what the killed process had already written reaches the server
        assert integrity(db) == "ok"
        recorded = sent_in_ledger(db)
        at_kill = len(smtp.accepted)
        in_flight = sum(1 for a in smtp.accepted if a.recipient not in recorded)
        assert at_kill < CRASH_SUBSCRIBERS, "the send finished before it could be killed"
        assert in_flight <= CRASH_BATCH

        time.sleep(1)  # the killed run's claims are leased for a second
        output = deployment.prefect(*run, "--watch", "--watch-interval", "1", "--watch-timeout", "180", timeout=240)
        assert "Completed" in output, output
        assert integrity(db) == "ok"
    finally:
        smtp.stop()

    copies = Counter(a.recipient for a in smtp.accepted)
    emails = [f"reader{i}@example.org" for i in range(CRASH_SUBSCRIBERS)]
    lost = [e for e in emails if copies[e] == 0]
    duplicates = sum(n - 1 for n in copies.values())
    assert lost == []
    assert duplicates == in_flight  # every duplicate is a copy the killed run had out but not recorded
    assert sent_in_ledger(db) == set(emails)
    print(
        f"\nflow crash and resume: {CRASH_SUBSCRIBERS} subscribers, batch {CRASH_BATCH}, seed {CRASH_SEED}: "
        f"killed at {at_kill} accepted ({in_flight} in flight); after the rerun {len(smtp.accepted)} accepted, "
        f"lost {len(lost)}, duplicates {duplicates}, integrity ok"
    )


def crash_config(tmp_path: Path, smtp: RecordingSMTPServer) -> tuple[str, str]:
    db = tmp_path / "crash.db"
    people = tmp_path / "subscribers.csv"
    people.write_text("email,name\n" + "".join(f"reader{i}@example.org,Reader {i}\n" for i in range(CRASH_SUBSCRIBERS)))
    config = tmp_path / "crash.toml"
    config.write_text(f"""
[store]
url = "sqlite:///{db}"
[web]
base_url = "https://news.example.org"
[smtp]
host = "127.0.0.1"
port = {smtp.port}
timeout = 10
[unsubscribe]
secret = "flow-crash-secret"
[delivery]
connections = 4
batch = {CRASH_BATCH}
lease = 1
[sources.scrapes]
path = "{REPO / "seeds" / "pages"}"
[lists.daily]
title = "Crash Digest"
from = "Crash Digest <digest@example.org>"
postal_address = "1 Test Street, Testville"
subscribers = "{people}"
""")
    return str(config), str(db)


def kill_flow_runs(worker_pid: int) -> list[int]:
    """SIGKILL every process the worker started (the flow runs), as a power cut would."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, queue = [], list(children.get(worker_pid, []))
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue.extend(children.get(pid, []))
    for pid in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return found


def test_the_deployments_leave_the_checkout_to_each_workers_own_environment(deployment):
    import asyncio

    from prefect.client.orchestration import get_client

    async def read():
        async with get_client() as client:
            return await client.read_deployment_by_name("daily-digest/manual")

    [step] = asyncio.run(read()).pull_steps
    assert step["prefect.deployments.steps.set_working_directory"]["directory"] == "{{ $DIGEST_PROJECT_DIR }}"
