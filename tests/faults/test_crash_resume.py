"""`digest send` killed with SIGKILL at seeded random points, then run again until
the issue is done: nothing is lost, and the duplicates are the in-flight window:
the messages on the connections plus the outcomes waiting for their write (at most
OutcomeWriter.PER_WRITE), not the claimed batch."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from digest.delivery.claims import OutcomeWriter
from tests.faults.conftest import REPO, digest_cli, integrity, report, sent_in_ledger

SEED = 20261124
SUBSCRIBERS = 300
BATCH = 20
CONNECTIONS = 4
KILLS = 4


def write_config(tmp_path, smtp_server) -> tuple[str, str]:
    db = tmp_path / "digest.db"
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = "sqlite:///{db}"

[web]
base_url = "https://news.example.org"
[smtp]
host = "127.0.0.1"
port = {smtp_server.port}
security = "none"
timeout = 10

[unsubscribe]
secret = "crash-test-secret"

[delivery]
connections = {CONNECTIONS}
batch = {BATCH}
attempts = 3
lease = 1

[sources.saved-pages]
title = "Saved pages"
path = "{REPO / "seeds" / "html"}"

[sources.text-scrapes]
title = "Text scrapes"
path = "{REPO / "seeds" / "pages"}"

[lists.daily]
title = "The Daily Digest"
from = "The Daily Digest <digest@example.org>"
postal_address = "1 Test Street, Testville"
""",
        encoding="utf-8",
    )
    return str(config), str(db)


def start_send(config: str) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    return subprocess.Popen(
        [sys.executable, "-m", "digest.cli", "--config", config, "send"],
        cwd=REPO,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_sigkill_mid_send_loses_nothing_and_duplicates_stay_in_the_window(tmp_path, smtp_server):
    config, db = write_config(tmp_path, smtp_server)
    people = tmp_path / "subscribers.csv"
    people.write_text("email,name\n" + "".join(f"reader{i}@example.org,Reader {i}\n" for i in range(SUBSCRIBERS)))
    imported = digest_cli("--config", config, "subscribers", "import", str(people))
    assert imported.returncode == 0, imported.stderr
    gathered = digest_cli("--config", config, "gather")
    assert gathered.returncode == 0, gathered.stdout + gathered.stderr

    rng = random.Random(SEED)
    runs: list[dict] = []
    windows: list[int] = []
    for kill in range(KILLS):
        before = len(smtp_server.accepted)
        target = before + rng.randint(1, 60)
        process = start_send(config)
        try:
            while len(smtp_server.accepted) < target and process.poll() is None:
                time.sleep(0.002)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL, "the send finished before it could be killed"
        assert integrity(db) == "ok"
        recorded = sent_in_ledger(db)
        this_run = smtp_server.accepted[before:]
        window = sum(1 for a in this_run if a.recipient not in recorded)
        # One message per connection in flight, and the outcomes waiting for their write.
        assert window <= CONNECTIONS + OutcomeWriter.PER_WRITE, f"kill {kill + 1}: {window} out but not in the ledger"
        windows.append(window)
        runs.append({"run": f"{kill + 1} (killed at {target})", "accepted": len(this_run), "in flight": window})

    for attempt in range(10):
        before = len(smtp_server.accepted)
        done = digest_cli("--config", config, "send")
        runs.append(
            {
                "run": f"resume {attempt + 1} (exit {done.returncode})",
                "accepted": len(smtp_server.accepted) - before,
                "in flight": 0,
            }
        )
        assert done.returncode in (0, 1), done.stderr
        assert integrity(db) == "ok"
        if done.returncode == 0:
            break
        time.sleep(1)  # the killed runs' claims are leased for a second
    assert done.returncode == 0, done.stdout + done.stderr

    copies: dict[str, int] = {}
    for accepted in smtp_server.accepted:
        copies[accepted.recipient] = copies.get(accepted.recipient, 0) + 1
    emails = [f"reader{i}@example.org" for i in range(SUBSCRIBERS)]
    lost = [e for e in emails if copies.get(e, 0) == 0]
    duplicates = sum(n - 1 for n in copies.values())
    assert lost == []
    assert duplicates == sum(windows)  # every duplicate is a copy the killed run had out but not recorded
    assert duplicates <= (CONNECTIONS + OutcomeWriter.PER_WRITE) * KILLS
    assert sent_in_ledger(db) == set(emails)

    print(f"\ncrash and resume: {SUBSCRIBERS} subscribers, batch {BATCH}, seed {SEED}")
    for run in runs:
        print(f"  {run['run']:<28} accepted {run['accepted']:>4}   in flight at the kill {run['in flight']:>3}")
    report(
        "totals",
        {
            "messages accepted": len(smtp_server.accepted),
            "lost": len(lost),
            "duplicates": duplicates,
            "kills": KILLS,
            "PRAGMA integrity_check": "ok after every kill",
        },
    )
