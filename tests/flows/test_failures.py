"""Failures say why, once, fast: an SMTP server that cannot be used and a missing config
end a flow run Failed with a one-line reason and no traceback in its log; `digest run`
says the same in one line; a send batch is not retried for a dead server; every run,
even one that sends nothing, leaves an artifact."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from pathlib import Path

import pytest

from tests.flows.test_daily_digest import write_config
from tests.helpers import REPO, digest_cli
from tests.smtp_server import RecordingSMTPServer

PUBLIC_WEB = {"DIGEST_WEB_BASE_URL": "https://news.example.org"}  # where readers' links go, sent through a server


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dead_smtp(tmp_path) -> tuple[str, int]:
    """A config whose SMTP server refuses connections."""
    server = RecordingSMTPServer().start()
    config = write_config(tmp_path, server)
    server.stop()
    port = closed_port()
    text = Path(config).read_text().replace(f"port = {server.port}", f"port = {port}")
    Path(config).write_text(text)
    return config, port


def logs_of(flow_run_id) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    for handler in logging.getLogger("prefect.flow_runs").handlers:
        if isinstance(handler, APILogHandler):
            handler.flush()  # the run's last records reach the server

    async def read():
        async with get_client() as client:
            return await client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])))

    return [log.message for log in asyncio.run(read())]


def newest_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    async def read():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])), sort=ArtifactSort.CREATED_DESC
            )

    return asyncio.run(read())[0].data


def test_digest_run_names_an_unreachable_smtp_server_in_one_line_within_seconds(tmp_path):
    port = closed_port()
    started = time.monotonic()
    result = digest_cli(
        "run", cwd=tmp_path, env={"DIGEST_SMTP_HOST": "127.0.0.1", "DIGEST_SMTP_PORT": str(port), **PUBLIC_WEB}
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 2, result
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [f"digest: error: SMTP server 127.0.0.1:{port} unusable: {lines[0].split('unusable: ')[1]}"]
    assert "refused" in lines[0]
    assert "Traceback" not in result.stderr
    assert elapsed < 20, f"{elapsed:.1f} s"


def test_a_flow_run_fails_at_once_with_the_server_and_the_cause_as_its_message(dead_smtp):
    from flows.daily_digest import daily_digest

    config, port = dead_smtp
    started = time.monotonic()
    state = daily_digest(config=config, return_state=True)
    elapsed = time.monotonic() - started
    assert state.is_failed()
    assert state.message.startswith(f"daily: SMTP server 127.0.0.1:{port} unusable: ")
    assert "\n" not in state.message
    assert elapsed < 30, f"{elapsed:.1f} s: no retry waits on a dead server"
    logs = logs_of(state.state_details.flow_run_id)
    assert not [line for line in logs if "Traceback" in line], logs
    artifact = newest_artifact("digest-daily")
    assert "failed" in artifact and f"127.0.0.1:{port}" in artifact


@pytest.mark.filterwarnings("ignore:Logger 'prefect.flow_runs' attempted to send logs")  # no run id: a bare logger
def test_a_deployment_run_that_ends_failed_is_logged_by_the_engine_in_one_line(dead_smtp):
    # A deployment's run goes through the engine's entry point, which raises FailedRun for a
    # flow that returns Failed and logs it as an "unexpected exception" with a traceback.
    from prefect.exceptions import FailedRun
    from prefect.flow_engine import run_flow

    from flows.daily_digest import daily_digest

    config, port = dead_smtp
    engine = logging.getLogger("prefect.flow_runs")  # Prefect's, which does not propagate to the root
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.ERROR)
    handler.emit = records.append  # type: ignore[method-assign]
    engine.addHandler(handler)
    try:
        with pytest.raises(FailedRun):
            run_flow(daily_digest, parameters={"config": config}, error_logger=engine)
    finally:
        engine.removeHandler(handler)
    messages = [r.getMessage() for r in records]
    ended = [r for r in records if "ended Failed" in r.getMessage()]
    assert ended and all(r.exc_info is None for r in records), messages
    assert f"127.0.0.1:{port}" in ended[0].getMessage() and "\n" not in ended[0].getMessage()


def test_a_send_batch_that_finds_the_server_gone_is_not_retried(dead_smtp, monkeypatch):
    """The check before the batches passes (as if the server died just after it): the
    batch finds out, fails once, and Prefect does not try it again 5 s later."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, TaskRunFilter, TaskRunFilterName

    import digest.app
    from flows.daily_digest import daily_digest

    config, port = dead_smtp
    monkeypatch.setattr(digest.app, "check_smtp", lambda smtp: None)
    state = daily_digest(config=config, return_state=True)
    assert state.is_failed()
    assert f"127.0.0.1:{port}" in state.message and "\n" not in state.message

    async def batches():
        async with get_client() as client:
            return await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])),
                task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="send-batch")),
            )

    [batch] = asyncio.run(batches())
    assert batch.state.is_failed() and batch.run_count == 1
    assert not [line for line in logs_of(state.state_details.flow_run_id) if "Traceback" in line]


def test_a_missing_config_fails_the_flow_run_in_one_line(tmp_path):
    from flows.daily_digest import daily_digest

    missing = tmp_path / "nowhere.toml"
    state = daily_digest(config=str(missing), return_state=True)
    assert state.is_failed()
    assert state.message == f"config file not found: {missing} (from the flow's config parameter)"
    assert not [line for line in logs_of(state.state_details.flow_run_id) if "Traceback" in line]
    assert "config file not found" in newest_artifact("daily-digest")


def test_a_run_with_nothing_new_leaves_an_artifact_that_says_so(tmp_path):
    from flows.daily_digest import daily_digest

    with RecordingSMTPServer() as server:
        config = write_config(tmp_path, server)
        result = daily_digest(config=config, min_new=100)
    assert result == {"daily": {"sent": 0, "new": 7}}
    artifact = newest_artifact("digest-daily")
    assert "nothing new: 7 new article(s), fewer than min_new (100); nothing sent" in artifact
    assert server.accepted == []


def test_a_dry_run_over_an_unfinished_issue_says_so(dead_smtp):
    from flows.daily_digest import daily_digest

    config, _ = dead_smtp
    assert daily_digest(config=config, return_state=True).is_failed()  # the issue stays open, owed
    result = daily_digest(config=config, dry_run=True, gather_first=False)
    assert result["daily"]["dry_run"] and result["daily"]["unfinished"].startswith("daily-")


def test_an_item_that_failed_in_a_gather_is_named_in_the_flow_runs_log(tmp_path):
    from flows.daily_digest import daily_digest

    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "broken.html").write_bytes(b"\x00\x01binary\x00" * 64)
    first = sorted((REPO / "seeds" / "pages").glob("*.txt"))[0]
    (pages / first.name).write_bytes(first.read_bytes())
    server = RecordingSMTPServer().start()
    try:
        config = Path(write_config(tmp_path, server))
        text = config.read_text().replace(
            '[sources.scrapes]\npath = "', f'[sources.odd]\npath = "{pages}"\n[sources.scrapes]\npath = "'
        )
        config.write_text(text)
        state = daily_digest(config=str(config), dry_run=True, return_state=True)
    finally:
        server.stop()
    assert state.is_completed(), state.message
    logs = logs_of(state.state_details.flow_run_id)
    named = [line for line in logs if "source odd:" in line and "broken.html" in line]
    assert len(named) == 1 and "binary" in named[0] and "\n" not in named[0], logs
