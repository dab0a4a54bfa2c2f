"""What an operator meets first: a list with nobody on it, the demo's readers on the
first send, and a config file used from another folder."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from digest.store import Store, deliveries_table, issues_table
from tests.fixtures import postgres_schema_url
from tests.helpers import digest_cli as digest
from tests.smtp_server import Faults, RecordingSMTPServer

REPO = Path(__file__).resolve().parents[2]
CAPTURE = {"DIGEST_SMTP_PORT": "0"}  # the local capture server on any free port
PUBLIC_WEB = {"DIGEST_WEB_BASE_URL": "https://news.example.org"}  # where readers' links go, sent through a server


def write_config(folder: Path, *, subscribers: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    line = f'subscribers = "{subscribers}"\n' if subscribers else ""
    config = folder / "digest.toml"
    config.write_text(
        '[store]\nurl = "sqlite:///state/digest.db"\n'
        '[delivery]\nmaildir = "state/mail"\n'
        f'[sources.saved]\npath = "{REPO / "seeds" / "html"}"\n'
        '[lists.daily]\ntitle = "Daily"\nfrom = "Daily <digest@example.org>"\n'
        'postal_address = "1 Test Street, Testville"\n' + line
    )
    (folder / "state").mkdir(exist_ok=True)
    return config


def captured(maildir: Path) -> int:
    return len(list((maildir / "new").iterdir())) if (maildir / "new").is_dir() else 0


def test_a_list_with_no_reader_composes_nothing_and_its_news_waits(tmp_path):
    config = write_config(tmp_path / "site")
    assert digest("--config", str(config), "gather", cwd=tmp_path).returncode == 0

    empty = digest("--config", str(config), "send", cwd=tmp_path, env=CAPTURE)
    assert empty.returncode == 2
    assert len(empty.stderr.strip().splitlines()) == 1 and "Traceback" not in empty.stderr
    assert "list daily has no active subscriber: nothing composed" in empty.stderr
    assert "new article(s) wait for the first reader" in empty.stderr

    added = digest("--config", str(config), "subscribers", "add", "ann@example.org", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    sent = digest("--config", str(config), "send", cwd=tmp_path, env=CAPTURE)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "issue complete" in sent.stdout
    assert captured(tmp_path / "site" / "state" / "mail") == 1


@pytest.mark.parametrize("log_format", ["human", "json"])
def test_a_send_whose_stderr_is_no_terminal_writes_no_blank_line_there(tmp_path, log_format):
    """The progress bar is for a terminal: in a log file or a pipe, stderr holds the log
    records only (with --log-format json, one JSON object per line and nothing else)."""
    config = write_config(tmp_path / "site")
    assert digest("--config", str(config), "gather", cwd=tmp_path).returncode == 0
    assert digest("--config", str(config), "subscribers", "add", "ann@example.org", cwd=tmp_path).returncode == 0
    sent = digest("--log-format", log_format, "--config", str(config), "send", cwd=tmp_path, env=CAPTURE)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "issue complete" in sent.stdout
    assert "" not in sent.stderr.splitlines(), repr(sent.stderr)
    for line in sent.stderr.splitlines():
        assert log_format == "human" or json.loads(line)["level"], line


def _gathered_site_with_two_readers(tmp_path):
    """A config whose list has a readers file of two, its sources gathered; the config's path."""
    csv = tmp_path / "site" / "readers.csv"
    csv.parent.mkdir()
    csv.write_text("email,name\nann@example.org,Ann\nbob@example.org,Bob\n")
    config = write_config(tmp_path / "site", subscribers="readers.csv")
    assert digest("--config", str(config), "gather", cwd=tmp_path).returncode == 0
    return config


def test_the_first_send_imports_the_lists_readers(tmp_path):
    config = _gathered_site_with_two_readers(tmp_path)
    sent = digest("--config", str(config), "send", cwd=tmp_path, env=CAPTURE)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert captured(tmp_path / "site" / "state" / "mail") == 2


def test_a_dry_run_counts_the_readers_the_first_send_imports_and_imports_nobody(tmp_path):
    config = _gathered_site_with_two_readers(tmp_path)
    dry = digest("--config", str(config), "send", "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "would go to 2 active subscriber(s)" in dry.stdout
    with Store(f"sqlite:///{tmp_path / 'site' / 'state' / 'digest.db'}") as store:
        assert store.count_subscribers("daily") == 0

    (tmp_path / "site" / "readers.csv").write_text("email,name\nann@example.org,Ann\nANN@example.org,Ann again\n")
    dry = digest("--config", str(config), "send", "--dry-run", cwd=tmp_path)
    sent = digest("--config", str(config), "send", cwd=tmp_path, env=CAPTURE)
    assert dry.returncode == sent.returncode == 2
    assert dry.stderr.strip() == sent.stderr.strip() and "readers.csv:3: duplicate of line 2" in dry.stderr


def test_a_lists_readers_file_that_is_not_utf8_names_its_line_and_adds_nobody(tmp_path):
    from datetime import UTC, datetime

    from digest.app import seed_subscribers
    from digest.config import ListSettings
    from digest.errors import SubscriberError

    csv = tmp_path / "readers.csv"
    csv.write_bytes("email,name\nann@example.org,Ann\nzoe@example.org,Zo\u00eb\n".encode("latin-1"))
    chosen = ListSettings(name="daily", sender="d@example.org", subscribers=str(csv))
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:
        with pytest.raises(SubscriberError, match=r"readers\.csv:3: not UTF-8 text"):
            seed_subscribers(chosen, store=store, now=datetime.now(UTC))
        assert store.count_subscribers("daily") == 0


def test_relative_paths_follow_the_config_file_from_any_folder(tmp_path):
    config = write_config(tmp_path / "site")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    added = digest("--config", str(config), "subscribers", "add", "ann@example.org", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    listed = digest("--config", str(config), "subscribers", "list", cwd=elsewhere)
    assert "ann@example.org" in listed.stdout, listed.stdout + listed.stderr
    assert (tmp_path / "site" / "state" / "digest.db").is_file()
    assert not list(elsewhere.iterdir())


@pytest.fixture
def postgres_url():
    yield from postgres_schema_url()


def test_two_senders_started_at_the_same_instant_share_one_issue(tmp_path, postgres_url):
    """Two `digest send` processes on a new issue of a PostgreSQL store, let go at the
    same moment: one issue, each reader one copy, both exit 0 with no traceback."""
    config = write_config(tmp_path / "site")
    readers = [f"reader{i}@example.org" for i in range(40)]
    (tmp_path / "readers.csv").write_text("email\n" + "\n".join(readers) + "\n")
    with RecordingSMTPServer() as smtp:
        env = {
            "DIGEST_STORE_URL": postgres_url,
            "DIGEST_SMTP_HOST": smtp.host,
            "DIGEST_WEB_BASE_URL": "https://news.example.org",
            "DIGEST_SMTP_PORT": str(smtp.port),
            "DIGEST_DELIVERY_BATCH": "5",
        }
        assert digest("--config", str(config), "gather", env=env).returncode == 0
        imported = digest("--config", str(config), "subscribers", "import", str(tmp_path / "readers.csv"), env=env)
        assert imported.returncode == 0, imported.stderr
        start = time.time() + 3  # both processes past their imports, then released together
        code = (
            "import sys, time; from digest.cli import app; "
            f"time.sleep(max(0, {start} - time.time())); sys.argv = ['digest', *sys.argv[1:]]; app()"
        )
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")} | env
        senders = [
            subprocess.Popen(
                [sys.executable, "-c", code, "--config", str(config), "send"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=environment,
            )
            for _ in range(2)
        ]
        results = [(s.wait(timeout=120), *s.communicate()) for s in senders]
        copies = {reader: smtp.copies(reader) for reader in readers}
    for code_, stdout, stderr in results:
        assert code_ == 0, stdout + stderr
        assert "Traceback" not in stdout + stderr
    assert set(copies.values()) == {1}, copies
    with Store(postgres_url) as store, store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(issues_table)).scalar_one() == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize(
    ("security", "server", "cause"),
    [
        ("none", "closed", "connection refused"),
        ("tls", "smtp", "TLS handshake failed"),
        ("starttls", "smtp", "the server does not offer STARTTLS"),
        ("none", "silent", "no answer within 1 s (smtp.timeout)"),
    ],
)
def test_an_unusable_smtp_server_is_one_line_in_seconds_and_defers_nobody(tmp_path, security, server, cause):
    config = write_config(tmp_path / "site")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts and never speaks
    with RecordingSMTPServer() as smtp:
        port = {"closed": _closed_port(), "smtp": smtp.port, "silent": listener.getsockname()[1]}[server]
        env = {"DIGEST_SMTP_HOST": "127.0.0.1", "DIGEST_SMTP_PORT": str(port), **PUBLIC_WEB}
        env |= {"DIGEST_SMTP_SECURITY": security, "DIGEST_SMTP_TIMEOUT": "1"}
        assert digest("--config", str(config), "gather").returncode == 0
        assert digest("--config", str(config), "subscribers", "add", "ann@example.org").returncode == 0
        try:  # two checks of a second each: not a try a message with backoff, which outlasts this
            sent = digest("--config", str(config), "send", env=env, timeout=45)
        except subprocess.TimeoutExpired:
            pytest.fail(f"send took over 45 s to give up on an unusable server ({cause})")
    listener.close()
    errors = [line for line in sent.stderr.splitlines() if line.strip()]
    assert sent.returncode == 2 and "Traceback" not in sent.stdout + sent.stderr
    assert len(errors) == 1 and errors[0].startswith(f"digest: error: SMTP server 127.0.0.1:{port} unusable: {cause}")
    with Store(f"sqlite:///{tmp_path / 'site' / 'state' / 'digest.db'}") as store, store.engine.connect() as conn:
        statuses = conn.execute(sa.select(deliveries_table.c.status)).scalars().all()
    assert statuses == ["pending"]  # owed still, not deferred: no message was tried


def test_the_closing_table_says_why_rows_are_deferred_or_failed_and_when_they_are_due(tmp_path):
    config = write_config(tmp_path / "site")
    faults = Faults(transient_rcpt={"bob@example.org": 99}, reject={"eve@example.org": 550})
    with RecordingSMTPServer(faults) as smtp:
        env = {"DIGEST_SMTP_HOST": "127.0.0.1", "DIGEST_SMTP_PORT": str(smtp.port), "DIGEST_DELIVERY_ATTEMPTS": "1"}
        env |= PUBLIC_WEB
        assert digest("--config", str(config), "gather").returncode == 0
        for reader in ("ann@example.org", "bob@example.org", "eve@example.org"):
            assert digest("--config", str(config), "subscribers", "add", reader).returncode == 0
        sent = digest("--config", str(config), "send", env=env)
    assert sent.returncode == 1 and "Traceback" not in sent.stdout + sent.stderr
    assert "1 deferred (last reason: 451 4.3.0 Mailbox temporarily unavailable, try again): " in sent.stdout
    assert "the next try is due at " in sent.stdout
    assert "1 failed for good (last reason: 550" in sent.stdout


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            '[summary]\nalgorithm = "lexrnk"\n',
            "summary.algorithm: unknown summariser algorithm 'lexrnk' (did you mean 'lexrank'?); choose one of: default, ",
        ),
        (
            '[lists.daily]\nsubject = "{list}: {topp}"\n',
            (
                "lists.daily.subject: unknown field {topp} in '{list}: {topp}'; use {list}, {date}, {top}, {count}, "
                "{others}, {more}"
            ),
        ),
        ('[lists.daily]\nsubject = "{count:d} {top:d}"\n', "lists.daily.subject: "),
        ('[lists.daily]\nsubject = "{list"\n', "lists.daily.subject: "),
    ],
)
def test_a_bad_summary_algorithm_or_subject_is_named_by_its_key_before_any_gather(tmp_path, setting, message):
    """Found when the config is read, as every other bad value is: not at the first send,
    hours later, by a scheduled run."""
    config = write_config(tmp_path / "site")
    section = setting.split("\n", 1)[0]
    text = config.read_text()
    config.write_text(text.replace(f"{section}\n", setting, 1) if section in text else text + setting)
    gathered = digest("--config", str(config), "gather", cwd=tmp_path)
    assert gathered.returncode == 2, gathered.stdout + gathered.stderr
    assert gathered.stderr.startswith(f"digest: error: {message}"), gathered.stderr
    assert len(gathered.stderr.strip().splitlines()) == 1 and "Traceback" not in gathered.stderr
    assert not (tmp_path / "site" / "state" / "digest.db").exists()


@pytest.mark.parametrize("server", [("sink", "--maildir", "mail"), ("bounces", "listen")])
@pytest.mark.parametrize(("stop", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 0)])
def test_a_local_server_stopped_by_ctrl_c_exits_130_and_by_sigterm_0(tmp_path, server, stop, status):
    """As `digest schedule`: Ctrl-C is an interruption (130), SIGTERM a service manager's
    clean stop (0)."""
    config = write_config(tmp_path / "site")
    args = [sys.executable, "-m", "digest.cli", "--config", str(config), *server, "--port", "0"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    with subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and "(Ctrl-C to stop)" in proc.stdout.readline()
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == status, err
    assert "Traceback" not in err


@pytest.mark.slow
def test_run_exits_1_when_a_source_failed_and_names_it(tmp_path):
    """As `gather` does: the digest of what was gathered goes on, and the exit status says a
    source failed (README: Exit status). The failure is on stderr as it happened and in the
    closing line, not a third time."""
    config = write_config(tmp_path / "site")
    config.write_text(config.read_text() + '[sources.gone]\npath = "nowhere"\n')
    ran = digest("--config", str(config), "run", "--dry-run", cwd=tmp_path, timeout=300)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "Traceback" not in ran.stderr
    assert "digest: 1 source(s) failed: gone (" in ran.stderr and "nowhere: no such file or folder" in ran.stderr
    # Once as it happened, once in the closing line: not again as the flow's copy for Prefect.
    assert ran.stderr.count("nowhere: no such file or folder") == 2, ran.stderr
