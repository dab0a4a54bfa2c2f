"""The outcome journal: what a sender whose store went away knew, recorded by the next send."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from digest.delivery.journal import journal_path, replay_journal, write_journal
from digest.models import DeliveryResult, DeliveryStatus
from digest.store import Store, deliveries_table
from tests.faults.conftest import save_issue
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
        path = write_journal(
            folder,
            store_url=store.url,
            issue_id=issue_id,
            owner="stopped",
            outcomes=[
                DeliveryResult(first, DeliveryStatus.SENT, code=250),
                DeliveryResult(second, DeliveryStatus.FAILED, code=550, error="550 5.1.1 no such user"),
                DeliveryResult(third, DeliveryStatus.SENT, code=250),
            ],
            unsent=[fourth],
            at=NOW,
        )
        assert path == journal_path(folder, store_url=store.url, owner="stopped")
        assert oct(folder.stat().st_mode & 0o777) == "0o700"

        replayed = replay_journal(store, folder)

        assert (replayed.recorded, replayed.released, replayed.taken, replayed.files) == (2, 1, 1, 1)
        assert rows(store, issue_id) == {
            first: ("sent", None),
            second: ("failed", None),
            third: ("sending", "another"),
            fourth: ("pending", None),
        }
        assert not path.exists()
        assert replay_journal(store, folder).files == 0


def test_replay_takes_only_its_own_stores_journals_and_skips_broken_lines(tmp_path, caplog):
    folder = tmp_path / "unrecorded"
    with Store(f"sqlite:///{tmp_path / 'a.db'}") as store, Store(f"sqlite:///{tmp_path / 'b.db'}") as other:
        subscribe(store, 2)
        issue_id = save_issue(store).rendered.digest.issue_id
        first, second = (c.subscriber.id for c in store.claim(issue_id, limit=2, lease=60, now=NOW, owner="s"))
        mine = write_journal(
            folder, store_url=store.url, issue_id=issue_id, owner="s", outcomes=[], unsent=[first, second], at=NOW
        )
        theirs = write_journal(folder, store_url=other.url, issue_id="x", owner="t", outcomes=[], at=NOW)
        with mine.open("a") as out:
            out.write("not json\n")
            out.write(
                json.dumps({"issue": issue_id, "subscriber": "?", "status": "sent", "at": NOW.isoformat()}) + "\n"
            )

        replayed = replay_journal(store, folder)

    assert (replayed.released, replayed.files) == (2, 1)
    assert not mine.exists() and theirs.exists()
    assert f"{mine}:3: not a journaled outcome" in caplog.text and f"{mine}:4:" in caplog.text


def test_a_journal_name_holds_no_password(tmp_path):
    url = "postgresql+psycopg://digest:s3cret-pass@db.example.org:5432/news"
    path = journal_path(tmp_path, store_url=url, owner="o")
    assert path == journal_path(tmp_path, store_url=url.replace("s3cret-pass", "other"), owner="o")
    assert "s3cret" not in path.name
