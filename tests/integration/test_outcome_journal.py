"""The outcome journal: what a sender whose store went away knew, recorded by the next send."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from digest.delivery.journal import Journal, check_journal_folder, replay_journal, store_id, waiting_journals
from digest.errors import ConfigError
from digest.models import DeliveryResult, DeliveryStatus
from digest.store import Store, deliveries_table
from tests.faults.conftest import save_issue
from tests.fixtures import fill
from tests.helpers import subscribe

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def rows(store: Store, issue_id: str) -> dict[int, tuple[str, str | None]]:
    d = deliveries_table
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(d.c.subscriber_id, d.c.status, d.c.claimed_by).where(d.c.issue_id == issue_id))
        return {r.subscriber_id: (r.status, r.claimed_by) for r in found}


def test_replay_writes_only_rows_the_stopped_sender_still_holds(tmp_path):
    folder = tmp_path / "unrecorded"
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:
        subscribe(store, 4)
        issue_id = save_issue(store).rendered.digest.issue_id
        claims = store.claim(issue_id, limit=4, lease=60, now=NOW, owner="stopped")
        first, second, third, fourth = (c.subscriber.id for c in claims)
        # The third row's lease ran out and another sender took it (and sends it itself).
        with store.engine.begin() as conn:
            conn.execute(
                sa.update(deliveries_table)
                .where(deliveries_table.c.subscriber_id == third)
                .values(claimed_by="another")
            )
        journal = Journal(folder, store_key=store_id(store), owner="stopped")
        journal.keep(issue_id, [DeliveryResult(first, DeliveryStatus.SENT, code=250)], at=NOW)
        journal.keep(
            issue_id,
            [
                DeliveryResult(second, DeliveryStatus.FAILED, code=550, error="550 5.1.1 no such user"),
                DeliveryResult(third, DeliveryStatus.SENT, code=250),
            ],
            unsent=[fourth],
            at=NOW,
        )
        assert oct(folder.stat().st_mode & 0o777) == "0o700"

        replayed = replay_journal(store, folder)

        assert (replayed.recorded, replayed.released, replayed.taken, replayed.files) == (2, 1, 1, 1)
        assert rows(store, issue_id) == {
            first: ("sent", None),
            second: ("failed", None),
            third: ("sending", "another"),
            fourth: ("pending", None),
        }
        assert not journal.path.exists()
        assert replay_journal(store, folder).files == 0


def test_a_journal_is_found_under_another_spelling_of_the_store_url(tmp_path):
    folder = tmp_path / "unrecorded"
    db = tmp_path / "digest.db"
    with Store(f"sqlite:///{db}?timeout=1") as store:
        subscribe(store, 1)
        issue_id = save_issue(store).rendered.digest.issue_id
        [claim] = store.claim(issue_id, limit=1, lease=60, now=NOW, owner="s")
        Journal(folder, store_key=store_id(store), owner="s").keep(
            issue_id, [DeliveryResult(claim.subscriber.id, DeliveryStatus.SENT, code=250)], at=NOW
        )
    with Store(f"sqlite:///{tmp_path}/./digest.db") as same, Store(f"sqlite:///{tmp_path / 'other.db'}") as other:
        assert waiting_journals(folder, store_key=store_id(other)) == []
        assert replay_journal(same, folder).recorded == 1


def test_replay_skips_broken_lines_and_what_is_no_file(tmp_path, caplog):
    folder = tmp_path / "unrecorded"
    with Store(f"sqlite:///{tmp_path / 'a.db'}") as store:
        subscribe(store, 2)
        issue_id = save_issue(store).rendered.digest.issue_id
        first, second = (c.subscriber.id for c in store.claim(issue_id, limit=2, lease=60, now=NOW, owner="s"))
        journal = Journal(folder, store_key=store_id(store), owner="s")
        journal.keep(issue_id, [], unsent=[first, second], at=NOW)
        with journal.path.open("a") as out:
            out.write("not json\n")
            out.write(json.dumps({"issue": issue_id, "subscriber": "?", "status": "sent", "at": NOW.isoformat()}))
        (folder / f"{store_id(store)}.x.outcomes.jsonl").mkdir()

        replayed = replay_journal(store, folder)

    assert (replayed.released, replayed.files) == (2, 1)
    assert not journal.path.exists()
    assert f"{journal.path}:3: not a journaled outcome" in caplog.text and f"{journal.path}:4:" in caplog.text
    assert "not a journal file; left alone" in caplog.text


def test_a_journal_folder_that_cannot_be_written_is_a_config_error(tmp_path):
    check_journal_folder(tmp_path / "new" / "unrecorded")  # can be made
    (tmp_path / "taken").write_text("")
    with pytest.raises(ConfigError, match=r"delivery\.journal: .*taken.* is not a folder"):
        check_journal_folder(tmp_path / "taken")
    with pytest.raises(ConfigError, match=r"delivery\.journal: .* is not a folder"):
        check_journal_folder(tmp_path / "taken" / "below")


def test_a_replay_the_store_refuses_names_the_file_and_keeps_it(tmp_path):
    import sqlite3

    from digest.errors import StoreError

    folder = tmp_path / "unrecorded"
    db = tmp_path / "digest.db"
    with Store(f"sqlite:///{db}?timeout=0.1") as store:
        subscribe(store, 1)
        issue_id = save_issue(store).rendered.digest.issue_id
        [claim] = store.claim(issue_id, limit=1, lease=60, now=NOW, owner="s")
        journal = Journal(folder, store_key=store_id(store), owner="s")
        journal.keep(issue_id, [DeliveryResult(claim.subscriber.id, DeliveryStatus.SENT, code=250)], at=NOW)
        locker = sqlite3.connect(db)
        locker.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(StoreError) as caught:
                replay_journal(store, folder)
        finally:
            locker.rollback()
            locker.close()
        assert str(journal.path) in str(caught.value) and caught.value.transient
        assert journal.path.exists()
        assert replay_journal(store, folder).recorded == 1


def test_a_disk_filled_after_the_send_started_still_takes_the_journal(tmp_path, full_disk):
    """The store and the journal mostly share a disk (both beside the config), so the full
    disk that stops the store stops the journal too, and the readers whose copies were
    accepted would get another. The room a journal needs is taken when the send starts,
    and given to the journal when it is written."""
    folder = full_disk / "unrecorded"
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:
        subscribe(store, 300)
        issue_id = save_issue(store).rendered.digest.issue_id
        claims = store.claim(issue_id, limit=300, lease=60, now=NOW, owner="stopped")
        journal = Journal(folder, store_key=store_id(store), owner="stopped")
        journal.reserve(claims=300)
        fill(full_disk)
        outcomes = [
            DeliveryResult(c.subscriber.id, DeliveryStatus.SENT, code=250, error="250 2.0.0 Ok: queued as 4ZXyQ")
            for c in claims
        ]
        journal.keep(issue_id, outcomes[:200], at=NOW)
        journal.keep(issue_id, outcomes[200:], at=NOW)
        # Written into the room kept for it, freeing none: a store failing on the same disk
        # would take whatever it freed before the journal could have it.
        assert os.statvfs(full_disk).f_bavail == 0
        assert replay_journal(store, folder).recorded == 300
        assert {status for status, _ in rows(store, issue_id).values()} == {"sent"}
