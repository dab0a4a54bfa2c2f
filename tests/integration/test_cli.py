"""The CLI as a user runs it: a subprocess, real files, a real local HTTP server."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.helpers import digest_cli
from tests.integration import pages
from tests.integration.httpserver import Route

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "000_d37c680547ea96b3.txt"


digest = digest_cli  # `digest ARGS...` as a user runs it


def json_lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_extract_the_reference_seed():
    if not SEED.exists():
        pytest.skip("../shared/seeds is not present")
    result = digest("extract", str(SEED), "--json")
    assert result.returncode == 0, result.stderr
    [record] = json_lines(result.stdout)
    assert set(record) == {"source", "url", "title", "authors", "published", "text"}
    assert record["title"] == "Moscow Says Attack Will End 'In a Moment' If Ukraine Agrees to Demands"
    assert record["authors"] == ["Jake Johnson"]
    assert record["text"].startswith("The Kremlin said Monday")
    assert "began on February 24." in record["text"]
    for furniture in ("chip in", "Sign up", "Subscribe", "Related", "Latest News", "Getty Images", "Creative Commons"):
        assert furniture not in record["text"]


def test_extract_gz_file_and_url(tmp_path, http_server):
    page = tmp_path / "story.html.gz"
    page.write_bytes(gzip.compress(pages.article_html("Zipped story")))
    http_server.routes["/story"] = Route(pages.article_html("Served story"))
    result = digest("extract", str(page), http_server.url("/story"), "--json")
    assert result.returncode == 0, result.stderr
    assert [r["title"] for r in json_lines(result.stdout)] == ["Zipped story", "Served story"]
    assert json_lines(result.stdout)[0]["published"].startswith("2026-11-20")


def test_summarize_json_and_raw(tmp_path):
    page = tmp_path / "story.html"
    page.write_bytes(pages.article_html("Summarised story", paragraphs=8))
    result = digest("summarize", str(page), "--json", "--sentences", "2")
    assert result.returncode == 0, result.stderr
    [record] = json_lines(result.stdout)
    assert len(record["summary"]) == 2
    assert all(sentence in record["text"] for sentence in record["summary"])

    text = tmp_path / "body.txt"
    text.write_text("\n\n".join(pages.LOREM))
    result = digest("summarize", str(text), "--raw", "--json", "-n", "1", "--algorithm", "lexrank")
    assert result.returncode == 0, result.stderr
    [record] = json_lines(result.stdout)
    assert record["summary"][0] in pages.LOREM


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("extract", "/no/such/file.txt"), "/no/such/file.txt: no such file"),
        (("summarize", "--algorithm", "nope", "x"), "nope"),
        (("extract", "http://127.0.0.1:9/"), "connection failed"),
        (("--config", "/no/such.toml", "gather"), "config file not found: /no/such.toml (from --config)"),
        (("extract", "."), "digest: error: .: a folder: give its files (./*.html), or make it a source's path"),
        (("extract", "ftp://example.org/a.html"), "ftp://example.org/a.html: no such file, and not an http(s) URL"),
        (("preview", "--open"), "--open opens the page of --serve or the file of --output: give one of them"),
        (("preview", "--port", "8026"), "digest: error: --port is where --serve listens: add --serve"),
        (("preview", "--host", "::1", "--port", "0"), "--host and --port are where --serve listens: add --serve"),
    ],
)
def test_errors_are_one_line_with_exit_2(args, message, tmp_path):
    result = digest(*args, cwd=tmp_path)
    assert result.returncode == 2, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_bad_config_from_environment_is_one_line(tmp_path):
    result = digest("gather", cwd=tmp_path, env={"DIGEST_SMTP_PORT": "lots"})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "digest: error: smtp.port: expected a whole number, got 'lots' (from DIGEST_SMTP_PORT)"
    )


def test_help_on_every_command():
    for command in ("extract", "summarize", "gather", "run"):
        result = digest(command, "--help")
        assert result.returncode == 0 and "Usage" in result.stdout


def test_gather_import_send_on_the_demo_config(tmp_path):
    first = digest("gather", cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (tmp_path / "digest.db").exists()
    imported = digest("subscribers", "import", str(REPO / "seeds" / "subscribers.csv"), cwd=tmp_path)
    assert "12 added" in imported.stdout, imported.stderr
    env = {"DIGEST_SMTP_PORT": "0"}  # the capture server on any free port
    sent = digest("send", cwd=tmp_path, env=env)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "issue complete" in sent.stdout
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 12
    again = digest("send", cwd=tmp_path, env=env)
    assert "nothing new to send" in again.stdout
    preview = digest("preview", "--output", str(tmp_path / "d.html"), cwd=tmp_path)
    assert preview.returncode == 0
    assert "previewing the last issue" in preview.stderr  # nothing new: what went out
    assert "Eastfield Library Reopens" in (tmp_path / "d.html").read_text()


def test_a_preview_that_cannot_be_written_in_full_leaves_the_old_file_as_it_was(tmp_path, full_disk):
    from tests.fixtures import fill

    page = full_disk / "digest.html"
    page.write_text("the preview before\n")
    fill(full_disk)
    preview = digest("preview", "--output", str(page), cwd=tmp_path)
    errors = [line for line in preview.stderr.splitlines() if line.startswith("digest: error:")]
    assert preview.returncode != 0 and "Traceback" not in preview.stderr
    assert len(errors) == 1 and f"{page}: cannot write: No space left on device" in errors[0], preview.stderr
    assert page.read_text() == "the preview before\n"
    assert sorted(p.name for p in full_disk.iterdir()) == ["digest.html", "filler"]  # nothing half-written left


def test_a_preview_written_to_a_stream_that_is_no_file(tmp_path):
    preview = digest("preview", "--output", "/dev/stdout", cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.lstrip().lower().startswith("<!doctype html>") and "wrote /dev/stdout" in preview.stdout


def test_import_is_all_or_nothing(tmp_path):
    csv = tmp_path / "people.csv"
    csv.write_text("email,name\ngood@example.org,Good\nbad@,Bad\n")
    result = digest("subscribers", "import", str(csv), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{csv}:3:" in result.stderr and "nothing imported" in result.stderr
    result = digest("subscribers", "import", str(csv), "--skip-invalid", cwd=tmp_path)
    assert result.returncode == 0 and "1 added" in result.stdout


def test_add_and_import_leave_a_reader_who_bounced_complained_or_unsubscribed_stopped(tmp_path):
    from datetime import UTC, datetime

    from digest.models import ChangeSource, SubscriberStatus
    from digest.store import Store
    from digest.subscribers import new_subscriber

    readers = ["bo@example.org", "com@example.org", "un@example.org", "act@example.org"]
    at = datetime.now(UTC)
    stops = [
        ("bo@example.org", SubscriberStatus.BOUNCED, ChangeSource.BOUNCE),
        ("com@example.org", SubscriberStatus.UNSUBSCRIBED, ChangeSource.COMPLAINT),
        ("un@example.org", SubscriberStatus.UNSUBSCRIBED, ChangeSource.ONE_CLICK),
    ]
    url = f"sqlite:///{tmp_path / 'digest.db'}"  # the demo config's store, as `digest` opens it in tmp_path
    with Store(url) as store:
        store.add_subscribers("daily", [new_subscriber(r) for r in readers], at=at)
        for reader, status, source in stops:
            store.set_subscriber_status("daily", reader, status, at=at, source=source)

    lines = []
    for reader in ("BO@example.org", *readers[1:]):
        added = digest("subscribers", "add", reader, cwd=tmp_path)
        assert added.returncode == 0 and added.stderr == "", added.stderr
        lines += added.stdout.splitlines()
    day, hint = f"{at:%Y-%m-%d}", "not re-added; `digest subscribers reactivate {}` restarts them"
    assert lines == [
        f"bo@example.org: bounced on daily ({day}), {hint.format('bo@example.org')}",
        f"com@example.org: complained about daily ({day}), {hint.format('com@example.org')}",
        f"un@example.org: unsubscribed from daily ({day}, one-click), {hint.format('un@example.org')}",
        "act@example.org: active on daily",
    ]
    csv = tmp_path / "people.csv"
    csv.write_text("email\n" + "\n".join(readers) + "\nnew@example.org\n")
    imported = digest("subscribers", "import", str(csv), cwd=tmp_path)
    assert imported.returncode == 0
    assert imported.stdout.startswith("daily: 1 added, 1 already subscribed, 3 not re-added (bounced, complained")
    with Store(url) as store:
        assert [store.subscriber("daily", r).status for r in readers] == [status for _, status, _ in stops] + [
            SubscriberStatus.ACTIVE
        ]


def test_gather_reports_a_failing_source_and_exits_1(tmp_path, http_server):
    http_server.routes["/ok"] = Route(pages.article_html("Fine"))
    (tmp_path / "digest.toml").write_text(
        f'[sources.good]\npage = "{http_server.url("/ok")}"\n'
        f'[sources.bad]\nfeed = "{http_server.url("/missing")}"\n'
        "[lists.daily]\n"
    )
    result = digest("gather", cwd=tmp_path)
    assert result.returncode == 1
    assert "HTTP 404" in result.stdout
    assert "good" in result.stdout


def test_the_summarize_help_names_every_algorithm():
    from digest.summarize.algorithms import ALGORITHMS

    result = digest("summarize", "--help", env={"COLUMNS": "300"})
    assert "--list-algorithms" not in result.stdout
    assert all(name in result.stdout for name in ALGORITHMS)


def test_a_prefect_api_that_never_answers_holds_no_command(tmp_path):
    """The commands that need no secret never ask Prefect; those that do wait a bounded time:
    at most 15 s, less when Prefect's own request timeout (once for each block) is shorter."""
    import socket
    import subprocess

    from tests.helpers import digest_cli

    with socket.create_server(("127.0.0.1", 0)) as hole:  # takes connections, never answers
        env = {"PREFECT_API_URL": f"http://127.0.0.1:{hole.getsockname()[1]}/api", "PREFECT_API_REQUEST_TIMEOUT": "2"}
        status = digest_cli("status", cwd=tmp_path, env=env, timeout=60)
        hole.setblocking(False)
        with pytest.raises(BlockingIOError):  # nobody came
            hole.accept()
        hole.setblocking(True)
        try:
            # 2 s a block, three blocks at most; unbounded, it would wait out this timeout.
            refused = digest_cli("-v", "unsubscribe", "not-a-token", cwd=tmp_path, env=env, timeout=45)
        except subprocess.TimeoutExpired:
            pytest.fail("unsubscribe waited over 45 s for a Prefect API that never answers")
    assert status.returncode == 0, status.stderr
    assert refused.returncode == 2, refused.stderr
    errors = [line for line in refused.stderr.splitlines() if line.startswith("digest: error:")]
    assert len(errors) == 1, refused.stderr
    assert "cannot read the Prefect Secret blocks at PREFECT_API_URL" in refused.stderr, refused.stderr
