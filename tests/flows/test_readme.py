"""The README's "Scheduling with Prefect" section, word for word on a fresh clone (see
tests/flows/readme.py for what a clone is and the two things a test changes): the one
command, `digest schedule`, with a list whose schedule fires during the test run and a
run asked for by hand, both delivering into its capture server; and the work-pool steps
(`prefect server start`, a work pool, `prefect deploy --all`, a worker) sending the demo
through a capture server the worker's flow run starts itself.

The long-running commands start with the first flow test (tests/flows/conftest.py), so the
schedule fires and the Prefect server comes up while the other flow tests run."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import time

import pytest

from tests.flows.readme import block_with, completed, line_with, maildir_messages, port_free, run_under_way

pytestmark = pytest.mark.slow

SUBSCRIBERS = 12  # rows in seeds/subscribers.csv


def recipients(messages) -> list[str]:
    return sorted(
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["To"].addresses[0].addr_spec
        for path in messages
    )


def test_digest_schedule_fires_sends_and_stops_cleanly(readme_early):
    started = readme_early["schedule"]
    clone, schedule = started.clone, started.process
    schedule.wait_for("Ctrl-C stops", timeout=240)
    assert f"Prefect UI: http://127.0.0.1:{clone.prefect_port} (started here)" in schedule.output()
    assert "daily-digest/list-daily: '* * * * *', next run " in schedule.output()

    # "To send a list's digest now, from another shell": as the README writes it.
    clone.run(line_with(block_with("deployment run 'daily-digest/list-"), "deployment run"))

    # The run asked for and a run the schedule fired, each Completed: the first of all sent
    # the digest, the others found nothing new.
    clone.wait_for_runs(
        "daily-digest/list-daily",
        lambda runs: {r["auto_scheduled"] for r in completed(runs)} == {True, False},
        timeout=150,
    )
    messages = maildir_messages(clone.path / "seeds" / "mail")
    assert len(recipients(messages)) == len(set(recipients(messages))) == SUBSCRIBERS

    run_under_way(schedule.process.pid)
    began = time.monotonic()
    code = schedule.interrupt(signal.SIGINT)
    output = schedule.output()
    assert code == 130, output
    assert time.monotonic() - began < 60
    assert output.strip().splitlines()[-1] == (
        "digest schedule: stopped by SIGINT: schedules paused; "
        "stopped the Prefect server, the web service and the capture server."
    )
    assert "Subscriber pages on http://127.0.0.1:" in output
    assert "Traceback" not in output
    assert port_free(clone.prefect_port) and port_free(clone.smtp_port) and port_free(clone.web_port)
    with pytest.raises(ProcessLookupError):
        os.killpg(schedule.process.pid, 0)  # nothing of it is left: no server, no run


def test_the_work_pool_steps_send_the_demo_from_a_fresh_clone(readme_early):
    started = readme_early["work_pool"]
    clone = started.clone
    started.finish_steps(timeout=300)
    runs = clone.wait_for_runs("daily-digest/manual", lambda runs: bool(completed(runs)), timeout=240)
    assert len(runs) == 1
    # With no [smtp] host, the worker's flow run started its own capture server: the
    # demo's Maildir in the checkout it ran in.
    messages = maildir_messages(clone.path / "mail")
    assert len(recipients(messages)) == len(set(recipients(messages))) == SUBSCRIBERS
    [schedule] = clone.deployment("daily-digest/daily")["schedules"]
    assert schedule["schedule"]["cron"] == "0 7 * * *" and schedule["active"]
    clone.stop_all()
