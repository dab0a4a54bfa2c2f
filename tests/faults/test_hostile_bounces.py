"""What a bounce domain really receives, and what a Maildir really holds, thrown at the
bounce and complaint intake: paths that are no message files (a FIFO, a device), messages
built to make the parsers work without end, reports that name many recipients. Each is
counted and changes nobody, and a real bounce beside it is still applied."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

from digest.mail.verp import Verp
from digest.models import SubscriberStatus
from tests.helpers import SECRET, digest_cli, subscribe
from tests.integration.test_bounces import dsn, send_issue


def config_for(store, folder: Path) -> Path:
    config = folder / "digest.toml"
    config.write_text(
        f'[store]\nurl = {json.dumps(store.url)}\n[unsubscribe]\nsecret = "{SECRET}"\n'
        '[delivery]\nbounce_address = "bounces@example.org"\n'
        '[lists.daily]\ntitle = "The Daily"\nfrom = "The Daily <digest@example.org>"\n'
    )
    return config


def test_a_path_that_is_no_regular_file_is_one_malformed_message_and_never_blocks(sqlite_store, tmp_path):
    """A FIFO would block the read until someone writes to it, and a device like /dev/zero
    never ends: both are named and counted, and the run goes on to the real bounce."""
    store = sqlite_store
    subscribe(store, 2)
    _, _, senders = asyncio.run(send_issue(store, Verp("bounces@example.org", secret=SECRET)))
    reader = "reader0@example.org"
    fifo = tmp_path / "pipe.eml"
    os.mkfifo(fifo)
    bounce = tmp_path / "bounce.eml"
    bounce.write_bytes(dsn(senders[reader], reader))
    result = digest_cli(
        "--config", str(config_for(store, tmp_path)), "bounces", "process", str(fifo), "/dev/zero", str(bounce),
        cwd=tmp_path,
        timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert f"{fifo}: malformed: not a regular file" in lines
    assert "/dev/zero: malformed: not a regular file" in lines
    assert lines[-1] == "3 message(s): 1 bounced, 2 malformed"
    assert result.stdout.startswith(f"daily\t{reader}\tbounced\tbounced\t5.1.1 ")
    assert store.subscriber("daily", reader).status is SubscriberStatus.BOUNCED
    assert store.subscriber("daily", "reader1@example.org").status is SubscriberStatus.ACTIVE
