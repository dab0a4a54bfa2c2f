"""`--log-format json`: one JSON object per line on stderr, carrying the ids of the work
in hand, and no secret from a URL."""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import sys

import pytest

from digest.logs import HumanFormatter, JsonFormatter, log_context, prefect_logging_environment
from tests.helpers import digest_cli

SECRET_URL = "http://reader:hunter2@127.0.0.1:9/feed?token=abc123"


def record(message: str, *args, exc_info=None, **extra) -> logging.LogRecord:
    made = logging.LogRecord("digest.test", logging.WARNING, __file__, 1, message, args, exc_info)
    made.__dict__.update(extra)
    return made


def test_a_line_has_the_documented_keys_and_the_context_ids():
    with log_context(run="r1", list="daily"), log_context(issue="daily-20261124-abc"):
        line = json.loads(JsonFormatter().format(record("sent %d of %d", 3, 4)))
    assert line.pop("time").endswith("Z")
    assert line == {
        "level": "WARNING",
        "logger": "digest.test",
        "message": "sent 3 of 4",
        "run_id": "r1",
        "list": "daily",
        "issue": "daily-20261124-abc",
    }
    # Outside any context (a fresh one: another test may have set this process's run id),
    # no ids; a record's own extra= gives them too.
    bare = contextvars.Context().run(JsonFormatter().format, record("x"))
    assert set(json.loads(bare)) == {"time", "level", "logger", "message"}
    line = json.loads(JsonFormatter().format(record("x", list="weekly", issue="weekly-1")))
    assert (line["list"], line["issue"]) == ("weekly", "weekly-1")


def test_prefect_run_ids_are_carried():
    made = record("Finished", flow_run_id="f-1", flow_run_name="calm-fox", task_run_id="t-1", task_run_name="send-1")
    line = json.loads(JsonFormatter().format(made))
    assert line["flow_run_id"] == "f-1" and line["flow_run"] == "calm-fox"
    assert line["task_run_id"] == "t-1" and line["task_run"] == "send-1"


def test_secrets_in_urls_are_never_logged():
    try:
        raise ConnectionError(f"cannot reach {SECRET_URL}")
    except ConnectionError:
        failed = record("fetch %s: failed", SECRET_URL, exc_info=sys.exc_info())
    for text in (JsonFormatter().format(failed), HumanFormatter().format(failed)):
        assert "hunter2" not in text and "abc123" not in text
        assert "fetch http://reader:***@127.0.0.1:9/feed?token=***: failed" in text
    line = json.loads(JsonFormatter().format(failed))
    assert "ConnectionError" in line["exception"]


def test_prefect_config_can_name_the_formatter():
    """Prefect's dictConfig builds a `class:` formatter with (format, datefmt, style)."""
    settings = prefect_logging_environment("json")
    assert settings["PREFECT_LOGGING_FORMATTERS_JSON_CLASS"] == "digest.logs.JsonFormatter"
    assert prefect_logging_environment("human") == {}
    config = {
        "version": 1,
        "formatters": {"json": {"class": settings["PREFECT_LOGGING_FORMATTERS_JSON_CLASS"], "format": "default"}},
        "handlers": {},
    }
    logging.config.dictConfig(config | {"disable_existing_loggers": False})


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_cli_logs_json_lines_with_run_and_list_ids(tmp_path, how):
    config = tmp_path / "digest.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "digest.db"}"\n\n[lists.daily]\n')
    args = ["--config", str(config), "-v"]
    env = {}
    if how == "option":
        args += ["--log-format", "json"]
    else:
        env["DIGEST_LOG_FORMAT"] = "json"
    result = digest_cli(*args, "subscribers", "list", "--list", "daily", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    migrations = [line for line in lines if line["logger"].startswith("digest.store")]
    assert migrations, result.stderr  # a new store: its schema is made, and that is logged
    assert all(line["list"] == "daily" and len(line["run_id"]) == 12 for line in migrations)
    assert len({line["run_id"] for line in lines}) == 1


def test_a_command_error_is_a_json_line_too(tmp_path):
    result = digest_cli("--log-format", "json", "extract", SECRET_URL, cwd=tmp_path)
    assert result.returncode == 2
    [line] = [json.loads(text) for text in result.stderr.splitlines()]
    assert line["level"] == "ERROR" and line["logger"] == "digest.cli"
    assert line["message"].startswith("http://reader:***@127.0.0.1:9/feed?token=***: ")
    assert "hunter2" not in result.stderr and "abc123" not in result.stderr


def test_human_lines_stay_the_default(tmp_path):
    result = digest_cli("extract", SECRET_URL, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("digest: error: http://reader:***@127.0.0.1:9/feed?token=***: ")
    assert len(result.stderr.splitlines()) == 1


def test_an_unknown_log_format_is_refused():
    result = digest_cli("--log-format", "xml", "status")
    assert result.returncode == 2
    assert "xml" in result.stderr


def test_every_line_a_command_writes_on_stderr_is_a_json_object(tmp_path):
    """Not only log records and the error: a command's notes (a CSV's bad rows, a count, a
    warning) are records too, so that stderr stays one JSON object per line."""
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "digest.db"}"\n\n[dkim]\ndomain = "example.org"\nselector = "s1"\n\n'
        '[lists.daily]\nfrom = "D <d@example.org>"\n'
    )
    (tmp_path / "readers.csv").write_text("email\nann@example.org\nnot-an-address\n")
    ran = [
        digest_cli("--log-format", "json", "--config", str(config), *args, cwd=tmp_path)
        for args in (("subscribers", "import", "readers.csv"), ("subscribers", "list"), ("dns",))
    ]
    assert [result.returncode for result in ran] == [2, 0, 0]
    lines = [json.loads(line) for result in ran for line in result.stderr.splitlines()]
    assert {
        "logger": "digest.cli",
        "level": "INFO",
        "message": "readers.csv:3: not an email address: 'not-an-address' (there is no @)",
    }.items() <= lines[0].items()
    assert lines[1]["level"] == "ERROR" and lines[1]["message"].startswith("1 bad row(s)")
    assert lines[2]["message"] == "0 subscriber(s)"
    assert lines[3]["level"] == "WARNING" and lines[3]["message"].startswith("no DKIM record: dkim.key_file: ")
