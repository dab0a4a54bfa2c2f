"""prefect.yaml for real: a Prefect server on loopback, `prefect deploy --all`, a process
worker, and the manual deployment run to Completed into a real SMTP server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.flows.test_daily_digest import SUBSCRIBERS, write_config
from tests.smtp_server import RecordingSMTPServer

REPO = Path(__file__).resolve().parents[2]
PREFECT = Path(sys.executable).parent / "prefect"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prefect server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_deploy_and_run_the_manual_deployment(tmp_path):
    if not PREFECT.exists():
        pytest.skip("the prefect command is not installed next to this Python")
    server = RecordingSMTPServer().start()
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "DIGEST_CONFIG": write_config(tmp_path, server),
        "DIGEST_PROJECT_DIR": str(REPO),
    }
    env.pop("PREFECT_PROFILES_PATH", None)
    log = (tmp_path / "server.log").open("w")
    prefect_server = subprocess.Popen([str(PREFECT), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                      env=env, stdout=log, stderr=subprocess.STDOUT)
    worker = None
    try:
        wait_healthy(f"{api}/health", prefect_server)

        def prefect(*args: str, timeout: float = 120) -> str:
            result = subprocess.run([str(PREFECT), "--no-prompt", *args], env=env, cwd=REPO, capture_output=True,
                                    text=True, timeout=timeout)
            assert result.returncode == 0, f"prefect {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
            return result.stdout

        prefect("work-pool", "create", "digest-pool", "--type", "process")
        prefect("deploy", "--all")
        worker_log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen([str(PREFECT), "worker", "start", "--pool", "digest-pool"], env=env, cwd=REPO,
                                  stdout=worker_log, stderr=subprocess.STDOUT)
        output = prefect("deployment", "run", "daily-digest/manual", "--watch", "--watch-timeout", "180", timeout=240)
        assert "Completed" in output, output
        assert len(server.accepted) == SUBSCRIBERS
        assert all(len(copies) == 1 for copies in server.by_recipient().values())

        daily = prefect("deployment", "inspect", "daily-digest/daily")
        assert re.search(r"'cron': '0 7 \* \* \*'", daily), daily
    finally:
        if worker is not None:
            stop(worker)
        stop(prefect_server)
        server.stop()
