"""Outcomes the store could not take, kept on disk until it can.

A sender whose database stays away longer than its patience still knows what the
server said to the messages it sent. Dropped, those messages would go out a second
time once their claims' leases ran out. They are written instead to a journal: a
file per stopped sender in the journal folder (`[delivery] journal`), one JSON line
per outcome, and one per claim it held but never sent. The next send to the same
store from this folder replays them before it claims anything: each outcome goes
onto its row if the row is still held by the sender that wrote the file (so nobody
has sent it since), and each unsent claim is given back; then the file goes.

A file is written whole under a temporary name and renamed, so a replay never reads
half of one. Two senders replaying one file at once write each outcome once: the
second finds the rows no longer held by the stopped sender.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.errors import StoreError
from digest.models import DeliveryResult, DeliveryStatus
from digest.store import Store
from digest.urls import redact_url

log = logging.getLogger(__name__)

_SUFFIX = ".outcomes.jsonl"
_UNSENT = "unsent"  # a claim held but never sent: given back on replay


@dataclass(frozen=True, slots=True)
class Replayed:
    recorded: int = 0  # outcomes written onto their rows
    released: int = 0  # unsent claims given back
    taken: int = 0  # rows another sender held or had finished by then: its outcome stands
    files: int = 0


def journal_path(folder: Path, *, store_url: str, owner: str) -> Path:
    return folder / f"{_store_key(store_url)}.{owner}{_SUFFIX}"


def write_journal(
    folder: Path,
    *,
    store_url: str,
    issue_id: str,
    owner: str,
    outcomes: Sequence[DeliveryResult],
    unsent: Sequence[int] = (),
    at: datetime,
) -> Path:
    """Keep `outcomes` and the `unsent` claims of sender `owner` for the next send; the file written."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = journal_path(folder, store_url=store_url, owner=owner)
    stamp = at.isoformat()
    lines = [
        json.dumps(
            {
                "issue": issue_id,
                "subscriber": r.subscriber_id,
                "status": r.status.value,
                "code": r.code,
                "error": r.error,
                "retry_after": r.retry_after,
                "at": stamp,
            }
        )
        for r in outcomes
    ]
    lines += [json.dumps({"issue": issue_id, "subscriber": sid, "status": _UNSENT, "at": stamp}) for sid in unsent]
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in lines))
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)
    return path


def waiting_journals(folder: Path, *, store_url: str) -> list[Path]:
    """The journal files in `folder` that wait for the store at `store_url`."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{_store_key(store_url)}.*{_SUFFIX}"))


def replay_journal(store: Store, folder: Path) -> Replayed:
    """Write every outcome journaled for `store` in `folder` and give back the unsent
    claims, each only where the sender that journaled it still holds the row; remove
    the files done. A StoreError leaves the file for the next try."""
    totals = Replayed()
    for path in waiting_journals(folder, store_url=store.url):
        owner = path.name[: -len(_SUFFIX)].split(".", 1)[1]
        outcomes, unsent, at = _read(path)
        recorded = released = 0
        for issue_id, results in outcomes.items():
            recorded += store.record(issue_id, results, now=at, owner=owner)
        for issue_id, ids in unsent.items():
            released += store.release(issue_id, ids, now=datetime.now(UTC), owner=owner)
        journaled = sum(map(len, outcomes.values())) + sum(map(len, unsent.values()))
        taken = journaled - recorded - released
        if taken:
            log.warning("%s: %d journaled row(s) were no longer held by their sender; left as they are", path, taken)
        log.info("%s: %d outcome(s) recorded, %d unsent claim(s) given back", path, recorded, released)
        path.unlink(missing_ok=True)
        totals = Replayed(
            totals.recorded + recorded, totals.released + released, totals.taken + taken, totals.files + 1
        )
    return totals


def _read(path: Path) -> tuple[dict[str, list[DeliveryResult]], dict[str, list[int]], datetime]:
    outcomes: dict[str, list[DeliveryResult]] = {}
    unsent: dict[str, list[int]] = {}
    at = datetime.now(UTC)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot read the outcome journal {path}: {exc.strerror or exc}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            entry = json.loads(line)
            issue_id, subscriber_id, status = str(entry["issue"]), int(entry["subscriber"]), entry["status"]
            at = datetime.fromisoformat(entry["at"])
            if status == _UNSENT:
                unsent.setdefault(issue_id, []).append(subscriber_id)
                continue
            result = DeliveryResult(
                subscriber_id,
                DeliveryStatus(status),
                code=entry.get("code"),
                error=str(entry.get("error") or ""),
                retry_after=entry.get("retry_after"),
            )
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("%s:%d: not a journaled outcome (%s); skipped", path, number, exc)
            continue
        outcomes.setdefault(issue_id, []).append(result)
    return outcomes, unsent, at


def _store_key(url: str) -> str:
    """The store a journal belongs to, without its password: the same database under
    another password is the same store."""
    return hashlib.sha256(redact_url(url).encode("utf-8")).hexdigest()[:16]
