"""Outcomes the store could not take, kept on disk until it can.

When a write of outcomes fails (the database is gone or locked), the sender at once
appends what it knows to its journal: one JSON line per outcome (what the server said
to a message it sent), in a file of its own (its owner token) in the journal folder
(`[delivery] journal`), made durable before anything else happens. While the store is
away the sender starts no new message, so a crash then loses nothing the server
accepted. If the store comes back the outcomes are written as usual and the file goes;
if the sender gives up, it adds the claims it held but never sent. The next send to the
same store from this folder replays the files before it claims anything: each outcome
goes onto its row if the row is still held by the sender that wrote it (so nobody has
sent it since), and each unsent claim is given back; then the file goes.

The room a journal needs is taken when the send starts (a file of the journal folder that
the first journal written takes over): the full disk that stops the store, most often the
same disk, would otherwise stop the journal too.

A file belongs to a store by the store's own id (kept in the store), not by its URL,
so another spelling of the same URL finds it. A line cut short by a crash is skipped
with a warning; two senders replaying one file write each outcome once, as the second
finds the rows no longer held by the stopped sender.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from digest.errors import ConfigError, StoreError
from digest.models import DeliveryResult, DeliveryStatus
from digest.store import Store

log = logging.getLogger(__name__)

_SUFFIX = ".outcomes.jsonl"
_UNSENT = "unsent"  # a claim held but never sent: given back on replay
_STORE_ID = "store_id"
# Room kept in the journal folder for the journal: a full disk that stops the store (most
# often on the same disk) would stop the journal too. One file for every sender there.
_RESERVE = ".digest-journal-reserve"
_BYTES_PER_CLAIM = 512  # a journaled outcome with a long server reply, with room to spare
_RESERVE_MIN = 64 * 1024


@dataclass(frozen=True, slots=True)
class Replayed:
    recorded: int = 0  # outcomes written onto their rows
    released: int = 0  # unsent claims given back
    taken: int = 0  # rows another sender held or had finished by then: its outcome stands
    files: int = 0


def store_id(store: Store) -> str:
    """The store's own id, made on first use: what its journal files are named by."""
    return store.meta_value(_STORE_ID, default_factory=lambda: uuid.uuid4().hex)


def check_journal_folder(folder: Path) -> None:
    """ConfigError naming `delivery.journal` unless a journal could be written in `folder`
    (it is a writable folder, or one could be made there): checked before a send starts."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"delivery.journal: {folder}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"delivery.journal: {folder}: {existing} is not writable")


class Journal:
    """The journal file of one sender (`owner`) for one store."""

    def __init__(self, folder: Path, *, store_key: str, owner: str) -> None:
        self.folder = folder
        self.path = folder / f"{store_key}.{owner}{_SUFFIX}"
        self.kept = 0  # outcomes in the file
        self._written = 0  # bytes of it; what follows is the room kept for it (NUL bytes)

    def keep(
        self, issue_id: str, outcomes: Sequence[DeliveryResult], *, unsent: Sequence[int] = (), at: datetime
    ) -> None:
        """Append `outcomes` and the `unsent` claims, durably (OSError if it cannot)."""
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
        if not lines:
            return
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self._written == 0:
            # The room kept for a journal becomes this one: written over, its blocks need no
            # more disk (the store, failing on the same full disk, would take any it freed).
            with contextlib.suppress(OSError):
                (self.folder / _RESERVE).rename(self.path)
        data = "".join(line + "\n" for line in lines).encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            written = 0
            while written < len(data):
                written += os.pwrite(fd, data[written:], self._written + written)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._written += len(data)
        self.kept += len(outcomes)

    def reserve(self, *, claims: int) -> None:
        """Take the room the journal of `claims` claims needs now, while the disk has it, in
        a file of the journal folder; the first `keep` takes that file as the journal and
        writes into its room. Where the room cannot be had (the disk is full already) a
        warning says so, and the send goes on."""
        size = max(_RESERVE_MIN, claims * _BYTES_PER_CLAIM)
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.folder / _RESERVE, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < size:
                    _allocate(fd, size)
                    os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            log.warning(
                "cannot keep room for the outcome journal in %s: %s (it is needed only if the store fails mid-send)",
                self.folder,
                exc.strerror or exc,
            )

    def discard(self) -> None:
        """The store has every outcome the file holds: it goes."""
        self.path.unlink(missing_ok=True)
        self.kept = self._written = 0


def _allocate(fd: int, size: int) -> None:
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as exc:
        if exc.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise
        zeros = bytes(64 * 1024)  # a file system without fallocate: the blocks written out
        for offset in range(0, size, len(zeros)):
            os.pwrite(fd, zeros[: size - offset], offset)


def waiting_journals(folder: Path, *, store_key: str) -> list[Path]:
    """The journal files in `folder` that wait for the store whose id is `store_key`."""
    if not folder.is_dir():
        return []
    return sorted(folder.glob(f"{store_key}.*{_SUFFIX}"))


def replay_journal(store: Store, folder: Path) -> Replayed:
    """Write every outcome journaled for `store` in `folder` and give back the unsent
    claims, each only where the sender that journaled it still holds the row; remove
    the files done. A StoreError leaves the file for the next try."""
    totals = Replayed()
    for path in waiting_journals(folder, store_key=store_id(store)):
        if not path.is_file():
            log.warning("%s: not a journal file; left alone", path)
            continue
        owner = path.name[: -len(_SUFFIX)].split(".", 1)[1]
        outcomes, unsent, at = _read(path)
        recorded = released = 0
        try:
            for issue_id, results in outcomes.items():
                recorded += store.record(issue_id, results, now=at, owner=owner)
            for issue_id, ids in unsent.items():
                released += store.release(issue_id, ids, now=datetime.now(UTC), owner=owner)
        except StoreError as exc:
            # The file stays: sending on without it could send its readers a second copy.
            raise StoreError(f"outcome journal {path}: {exc}", transient=exc.transient) from None
        journaled = sum(map(len, outcomes.values())) + sum(map(len, unsent.values()))
        taken = journaled - recorded - released
        log.warning(
            "%s: a stopped sender's journal: %d outcome(s) recorded, %d unsent claim(s) given back%s",
            path,
            recorded,
            released,
            f", {taken} row(s) no longer its own left as they are" if taken else "",
        )
        path.unlink(missing_ok=True)
        totals = Replayed(
            totals.recorded + recorded, totals.released + released, totals.taken + taken, totals.files + 1
        )
    return totals


def _read(path: Path) -> tuple[dict[str, list[DeliveryResult]], dict[str, list[int]], datetime]:
    outcomes: dict[str, dict[int, DeliveryResult]] = {}
    unsent: dict[str, list[int]] = {}
    at = datetime.now(UTC)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise StoreError(f"cannot read the outcome journal {path}: {exc.strerror or exc}") from None
    text = text.split("\0", 1)[0]  # the unused room kept for it: no JSON line holds a NUL
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
        outcomes.setdefault(issue_id, {})[subscriber_id] = result  # the latest line of a row wins
    return {issue: list(rows.values()) for issue, rows in outcomes.items()}, unsent, at
