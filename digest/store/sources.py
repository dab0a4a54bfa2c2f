"""Per-source fetch state: HTTP validators, the last success and the last error."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from digest.store.base import StoreBase, aware, stored_text
from digest.store.schema import sources_table


@dataclass(frozen=True, slots=True)
class SourceState:
    name: str
    etag: str | None = None
    last_modified: str | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None


class SourcesMixin(StoreBase):
    def source_state(self, name: str) -> SourceState:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sources_table).where(sources_table.c.name == name)).mappings().first()
        if row is None:
            return SourceState(name=name)
        return SourceState(
            name=name,
            etag=row["etag"],
            last_modified=row["last_modified"],
            last_success=aware(row["last_success"]),
            last_error=stored_text(row["last_error"]),
            last_error_at=aware(row["last_error_at"]),
        )

    def source_states(self, names: Sequence[str]) -> list[SourceState]:
        """The state of each named source, in the order given, in one query; a source never
        gathered has no times and no error."""
        if not names:
            return []
        with self.engine.connect() as conn:
            rows = {
                row["name"]: row
                for row in conn.execute(sa.select(sources_table).where(sources_table.c.name.in_(list(names))))
                .mappings()
                .all()
            }
        states = []
        for name in names:
            row = rows.get(name)
            if row is None:
                states.append(SourceState(name=name))
                continue
            states.append(
                SourceState(
                    name=name,
                    etag=row["etag"],
                    last_modified=row["last_modified"],
                    last_success=aware(row["last_success"]),
                    last_error=stored_text(row["last_error"]),
                    last_error_at=aware(row["last_error_at"]),
                )
            )
        return states

    def record_source_success(
        self,
        name: str,
        *,
        at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
        forget_validators: bool = False,
    ) -> None:
        """A read of the source: its new validators when given (the old ones stay when
        neither is), none at all with `forget_validators`."""
        values: dict[str, object] = {"last_success": at, "last_error": None, "last_error_at": None}
        if etag is not None or last_modified is not None or forget_validators:
            values |= {"etag": etag, "last_modified": last_modified}
        self._upsert_source(name, values)

    def record_source_failure(self, name: str, reason: str, *, at: datetime) -> None:
        self._upsert_source(name, {"last_error": stored_text(reason), "last_error_at": at})

    def _upsert_source(self, name: str, values: dict) -> None:
        with self.engine.begin() as conn:
            updated = conn.execute(sa.update(sources_table).where(sources_table.c.name == name).values(**values))
            if updated.rowcount == 0:
                try:
                    with conn.begin_nested():
                        conn.execute(sa.insert(sources_table).values(name=name, **values))
                except IntegrityError:  # a concurrent writer inserted it first
                    conn.execute(sa.update(sources_table).where(sources_table.c.name == name).values(**values))
