"""The README's "Scheduling with Prefect" section, followed on a fresh clone.

Each clone is `git clone` of the repository's committed HEAD, with a `.venv` of its own
made without pip: a plain path line in a .pth file gives it this test run's installed
packages (a path line runs none of the .pth files in that folder, so the editable install's
finder, which serves `digest` from the working tree, never loads) and the clone itself, and
its `bin/` holds the `digest` and `prefect` commands. So the README's `.venv/bin/...`
commands run as written, on the clone's code, seeds and prefect.yaml.

The commands come from the README's code blocks, as written, with two changes for a test:
the Prefect port 4200 becomes a free loopback port (also given as PREFECT_SERVER_API_PORT,
the port `prefect server start` and `digest schedule` take), and each clone has its own
PREFECT_HOME and capture SMTP port (DIGEST_SMTP_PORT).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import sysconfig
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
SECTION_TITLE = "## Scheduling with Prefect"
README_PORT = "4200"


def section() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION_TITLE)
    end = text.find("\n## ", start + len(SECTION_TITLE))
    return text[start : end if end != -1 else len(text)]


def code_blocks() -> list[list[str]]:
    """The section's ```sh blocks, each as its command lines."""
    return [
        [line for line in block.splitlines() if line.strip()]
        for block in re.findall(r"```sh\n(.*?)```", section(), flags=re.DOTALL)
    ]


def block_with(text: str) -> list[str]:
    found = [block for block in code_blocks() if any(text in line for line in block)]
    assert found, f"the README's scheduling section has no code block with {text!r}"
    return found[0]


def line_with(block: list[str], text: str) -> str:
    found = [line for line in block if text in line]
    assert len(found) == 1, f"expected one line with {text!r} in {block}"
    return found[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Background:
    """A long-running command of the README (a server, a worker, `digest schedule`), in
    a process group of its own, its output in a file."""

    line: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_for(self, text: str, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert self.process.poll() is None, f"{self.line!r} ended ({self.process.returncode}):\n{self.output()}"
            assert time.monotonic() < deadline, f"{self.line!r}: no {text!r} in {timeout:g} s:\n{self.output()}"
            time.sleep(0.2)

    def interrupt(self, sig: int = signal.SIGINT, *, timeout: float = 60) -> int:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass
class Shell:
    """A folder of the project and a shell in it: the README's commands run there, after
    the `export` lines run so far; long-running ones in the background, each in its own
    process group with its output in a file."""

    path: Path
    env: dict[str, str]
    exports: list[str] = field(default_factory=list)  # the `export` lines run so far
    background: list[Background] = field(default_factory=list)

    def command(self, line: str) -> str:
        """The README's line as this shell runs it."""
        return line

    def script(self, line: str) -> str:
        return "\n".join([*self.exports, self.command(line)])

    def run(self, line: str, *, timeout: float = 120) -> subprocess.CompletedProcess:
        if line.lstrip().startswith("export "):
            self.exports.append(self.command(line))
        result = subprocess.run(
            ["bash", "-c", self.script(line)],
            cwd=self.path,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{line!r}:\n{result.stdout}\n{result.stderr}"
        return result

    def start(self, line: str) -> Background:
        log = self.path.parent / f"{self.path.name}-background-{len(self.background)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                ["bash", "-c", self.script(line)],
                cwd=self.path,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        running = Background(line, process, log)
        self.background.append(running)
        return running

    def stop_all(self) -> None:
        for running in reversed(self.background):
            if running.process.poll() is None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    running.interrupt(timeout=30)
            running.kill()


@dataclass
class Clone(Shell):
    """A fresh clone with its .venv, and the shell environment the README's commands run in."""

    prefect_port: int = 0
    smtp_port: int = 0
    web_port: int = 0

    @classmethod
    def make(cls, where: Path) -> Clone:
        path = where / "clone"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(path)], check=True, timeout=60)
        _venv(path)
        prefect_port, smtp_port, web_port = free_port(), free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DIGEST_", "PREFECT_"))}
        env |= {
            "PREFECT_HOME": str(where / "prefect-home"),
            "PREFECT_SERVER_API_PORT": str(prefect_port),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",  # a served run starts within 2 s of its time
            "PREFECT_WORKER_QUERY_SECONDS": "2",  # a worker picks a run up within 2 s
            "DIGEST_SMTP_PORT": str(smtp_port),
            "DIGEST_WEB_PORT": str(web_port),  # the demo's subscriber pages, started by digest schedule
        }
        return cls(path, env, prefect_port=prefect_port, smtp_port=smtp_port, web_port=web_port)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}/api"

    def command(self, line: str) -> str:
        """The README's line as this clone runs it: its own Prefect port."""
        return line.replace(f"127.0.0.1:{README_PORT}", f"127.0.0.1:{self.prefect_port}")

    def wait_healthy(self, *, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while not _healthy(self.api):
            for running in self.background:
                assert running.process.poll() is None, f"{running.line!r} ended:\n{running.output()}"
            assert time.monotonic() < deadline, f"no Prefect API on {self.api} in {timeout:g} s"
            time.sleep(0.25)

    def flow_runs(self, deployment: str) -> list[dict]:
        with httpx.Client(base_url=self.api, timeout=10) as client:
            found = client.get(f"/deployments/name/{deployment}")
            found.raise_for_status()
            runs = client.post(
                "/flow_runs/filter", json={"flow_runs": {"deployment_id": {"any_": [found.json()["id"]]}}}
            )
            runs.raise_for_status()
            return runs.json()

    def deployment(self, name: str) -> dict:
        with httpx.Client(base_url=self.api, timeout=10) as client:
            found = client.get(f"/deployments/name/{name}")
            found.raise_for_status()
            return found.json()

    def wait_for_runs(self, deployment: str, ready, *, timeout: float) -> list[dict]:
        """The deployment's flow runs, once `ready(runs)` holds."""
        deadline = time.monotonic() + timeout
        while True:
            runs = self.flow_runs(deployment)
            if ready(runs):
                return runs
            failed = [r for r in runs if r["state"]["type"] in ("FAILED", "CRASHED")]
            assert not failed, f"{deployment}: {[(r['name'], r['state']['message']) for r in failed]}"
            assert time.monotonic() < deadline, f"{deployment}: {[(r['name'], r['state']['type']) for r in runs]}"
            time.sleep(0.5)


def descendants(pid: int) -> list[int]:
    """Every process under `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError):
            children.setdefault(int(stat.read_text().rsplit(")", 1)[1].split()[1]), []).append(int(stat.parent.name))
    found, queue = [], list(children.get(pid, []))
    while queue:
        found.append(queue.pop())
        queue.extend(children.get(found[-1], []))
    return found


def run_under_way(pid: int, *, timeout: float = 120) -> None:
    """Wait until a flow run's process is under `pid` (Prefect's runner starts each in a
    process of its own, in the same process group): a Ctrl-C now reaches it too."""
    deadline = time.monotonic() + timeout
    while True:
        for child in descendants(pid):
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"multiprocessing" in command or b"prefect.engine" in command:
                    return
        assert time.monotonic() < deadline, f"no flow run under way in {timeout:g} s"
        time.sleep(0.05)


def completed(runs: list[dict]) -> list[dict]:
    return [r for r in runs if r["state"]["type"] == "COMPLETED"]


def maildir_messages(folder: Path) -> list[Path]:
    return [p for box in ("new", "cur") for p in (folder / box).glob("*")] if folder.is_dir() else []


def _healthy(api: str) -> bool:
    try:
        return httpx.get(f"{api}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _venv(clone: Path) -> None:
    venv = clone / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    purelib = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    ours = sysconfig.get_paths()["purelib"]
    # The clone first (as an editable install would put it), then this run's packages.
    (purelib / "_digest_clone.pth").write_text(f"{clone}\n{ours}\n")
    python = venv / "bin" / "python"
    for name, call in (
        ("digest", "from digest.cli import main as call"),
        ("prefect", "from prefect.cli import app as call"),
    ):
        script = venv / "bin" / name
        script.write_text(f"#!{python}\nimport sys\n{call}\nif __name__ == '__main__':\n    sys.exit(call())\n")
        script.chmod(0o755)


@dataclass
class Started:
    clone: Clone
    process: Background | None = None  # `digest schedule`
    steps: threading.Thread | None = None  # the work-pool steps, followed in the background
    failure: list[BaseException] = field(default_factory=list)  # what stopped the steps

    def stop(self) -> None:
        self.clone.stop_all()

    def finish_steps(self, *, timeout: float) -> None:
        assert self.steps is not None
        self.steps.join(timeout)
        assert not self.steps.is_alive(), f"the README's work-pool steps did not finish in {timeout:g} s"
        if self.failure:
            raise self.failure[0]


def start_schedule(where: Path) -> Started:
    """The README's `digest schedule`, on a fresh clone, with DIGEST_CONFIG naming a copy of
    the demo config (beside it, so its relative paths hold) whose list is sent every minute."""
    clone = Clone.make(where)
    demo = clone.path / "seeds" / "digest.toml"
    text = demo.read_text(encoding="utf-8")
    scheduled = text.replace('schedule = "0 7 * * *"', 'schedule = "* * * * *"')
    assert scheduled != text, 'the demo\'s [lists.daily] has no schedule = "0 7 * * *"'
    config = demo.with_name("every-minute.toml")
    config.write_text(scheduled, encoding="utf-8")
    clone.env["DIGEST_CONFIG"] = str(config)
    line = line_with(block_with("digest schedule"), "digest schedule")
    return Started(clone, process=clone.start(line))


def start_work_pool(where: Path) -> Started:
    """The README's work-pool steps on a fresh clone, one after the other in a thread: the
    servers in the background, each other command run to its end (exit 0)."""
    clone = Clone.make(where)
    started = Started(clone)

    def follow() -> None:
        try:
            for line in block_with("work-pool create"):
                if "server start" in line or "worker start" in line:
                    clone.start(line)
                    if "server start" in line:
                        clone.wait_healthy()
                else:
                    clone.run(line)
        except BaseException as exc:  # noqa: BLE001 - handed to the test, which raises it
            started.failure.append(exc)

    started.steps = threading.Thread(target=follow, name="readme-work-pool", daemon=True)
    started.steps.start()
    return started
