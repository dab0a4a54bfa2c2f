"""`digest schedule` before it serves: what it would serve, and the one-line refusals.
(test_readme.py runs it for real: a schedule that fires, a capture server, Ctrl-C.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from digest.config import load_settings
from flows.schedule import NothingScheduled, plan
from tests.helpers import digest_cli

CONFIG = """
[sources.notes]
path = "notes"
[lists.daily]
from = "Daily <daily@example.org>"
schedule = "0 7 * * *"
timezone = "Europe/London"
[lists.weekly]
from = "Weekly <weekly@example.org>"
"""


@pytest.fixture
def config(tmp_path) -> Path:
    (tmp_path / "notes").mkdir()
    path = tmp_path / "digest.toml"
    path.write_text(CONFIG)
    return path


def test_each_list_with_a_schedule_is_a_deployment_and_gather_on_request(config):
    settings = load_settings(config, environ={})
    served = plan(settings)
    assert [s.full_name for s in served] == ["daily-digest/list-daily"]
    assert served[0].list is not None and served[0].list.timezone == "Europe/London"
    served = plan(settings, gather_every=3600)
    assert [s.full_name for s in served] == ["daily-digest/list-daily", "gather/every-3600s"]
    with pytest.raises(NothingScheduled, match=r"^list weekly has a schedule"):
        plan(settings, only="weekly")


def test_no_list_scheduled_is_one_line_and_exit_2(config):
    config.write_text(CONFIG.replace('schedule = "0 7 * * *"\n', ""))
    result = digest_cli("--config", str(config), "schedule", cwd=config.parent)
    assert result.returncode == 2
    assert result.stderr == (
        'digest: error: no list has a schedule: add schedule = "0 7 * * *" (a cron expression; '
        f'timezone = "..." if not UTC) to [lists.daily] in {config}\n'
    )


def test_a_prefect_api_that_does_not_answer_is_one_line(config):
    result = digest_cli(
        "--config", str(config), "schedule", cwd=config.parent, env={"PREFECT_API_URL": "http://127.0.0.1:9/api"}
    )
    assert result.returncode == 2, result
    assert result.stderr.startswith("digest: error: the Prefect API at http://127.0.0.1:9/api (PREFECT_API_URL)")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def _nap(started) -> None:
    import time

    started.set()
    time.sleep(1.5)


@pytest.mark.parametrize("deaf", [False, True])
def test_a_flow_run_process_does_not_hear_the_terminals_ctrl_c(deaf):
    """`digest schedule`'s runner spawns each flow run in its process group, so a Ctrl-C at
    the terminal reaches the run too: spawned with SIGINT blocked, it finishes (or is
    stopped by the runner) instead of dying with a KeyboardInterrupt traceback."""
    import contextlib
    import multiprocessing
    import os
    import signal

    from flows.schedule import _runs_deaf_to_ctrl_c

    context = multiprocessing.get_context("spawn")
    started = context.Event()
    with _runs_deaf_to_ctrl_c() if deaf else contextlib.nullcontext():
        process = context.Process(target=_nap, args=(started,))
        process.start()
    assert started.wait(30)
    os.kill(process.pid, signal.SIGINT)
    process.join(30)
    assert process.exitcode == (0 if deaf else 1)  # 1: KeyboardInterrupt, with its traceback


@pytest.mark.parametrize("deaf", [False, True])
def test_a_flow_run_started_as_prefect_engine_does_not_hear_the_terminals_ctrl_c(deaf):
    """The runner starts a served deployment's run as `python -m prefect.engine`, in its
    process group too: started with SIGINT blocked, the run is not killed by a Ctrl-C that
    lands while it starts (its import would print a KeyboardInterrupt traceback). Two runs
    start at once, as two deployments due the same minute do, and afterwards this thread
    hears SIGINT again."""
    import contextlib
    import functools
    import os
    import signal
    import sys

    import anyio
    from prefect.runner import _starter_engine

    from flows.schedule import _runs_deaf_to_ctrl_c

    async def interrupted() -> list[int]:
        processes = []
        async with anyio.create_task_group() as runs:

            async def start_one() -> None:
                start = functools.partial(
                    _starter_engine.run_process,
                    command=[sys.executable, "-c", "import time; time.sleep(1.5)"],
                    task_status_handler=lambda process: process,
                )
                process = await runs.start(start)
                processes.append(process)
                os.kill(process.pid, signal.SIGINT)

            async with anyio.create_task_group() as starters:
                starters.start_soon(start_one)
                starters.start_soon(start_one)
        return [process.returncode for process in processes]

    with _runs_deaf_to_ctrl_c() if deaf else contextlib.nullcontext():
        codes = anyio.run(interrupted)
    if deaf:
        assert codes == [0, 0]
    else:
        assert 0 not in codes  # killed by the signal, or a KeyboardInterrupt with its traceback
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
