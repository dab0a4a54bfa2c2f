"""A subscriber import at scale: the rows staged a chunk at a time in a temporary table on
the import's own connection (executemany on SQLite, COPY on PostgreSQL), which also finds
the duplicates within the file, then applied in a few set-based statements, all in one
transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa

from digest.models import ChangeSource, SubscriberChange, SubscriberStatus
from digest.store.base import StoreBase
from digest.store.schema import subscribers_table
from digest.store.subscribers import _retired_key


def _import_lock(list_name: str) -> int:
    """The pg_advisory_xact_lock key of a list's imports (a signed 64-bit number)."""
    digest = hashlib.sha256(f"digest import\n{list_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Duplicate(NamedTuple):
    """A row of an import whose subscriber an earlier row of the same import gave."""

    line: int
    first: int  # the earlier row's line
    email: str


# An import's rows, staged on the import's own connection until it is applied: keyed by
# subscriber key, so a repeated key is found by the database, not in Python's memory.
_staged = sa.Table(
    "import_rows",
    sa.MetaData(),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("attributes", sa.Text),  # JSON; NULL: the row gave none
    sa.Column("retired", sa.Text, nullable=False),  # the meta key of the version a removal retired
    prefixes=["TEMPORARY"],
    postgresql_on_commit="DROP",
)

# Present readers take the row's name (if it has one) and attributes (if any); status
# and version stay. %(json)s is the cast to the column's type; the list name is cast
# so that PostgreSQL deduces one type for it wherever it appears.
_UPDATE_PRESENT = """
UPDATE subscribers AS s SET
    name = CASE WHEN r.name <> '' THEN r.name ELSE s.name END,
    attributes = COALESCE(%(merged)s, s.attributes),
    updated_at = :at
FROM import_rows AS r
WHERE s.list_name = CAST(:list_name AS TEXT) AND s.key = r.key
"""
# Newcomers, in file order, above the version a removal retired (their old links stay outdated).
_INSERT_NEW = """
INSERT INTO subscribers (list_name, email, key, name, attributes, status, version, created_at, updated_at)
SELECT CAST(:list_name AS TEXT), r.email, r.key, r.name, COALESCE(%(json)s, %(empty)s), :active,
       COALESCE(CAST(m.value AS INTEGER), 0) + 1, :at, :at
FROM import_rows AS r LEFT JOIN meta AS m ON m.key = r.retired
WHERE NOT EXISTS (SELECT 1 FROM subscribers AS s WHERE s.list_name = CAST(:list_name AS TEXT) AND s.key = r.key)
ORDER BY r.line
ON CONFLICT (list_name, key) DO NOTHING
"""
_COLUMNS = "key, line, email, name, attributes, retired"
# A key probe per row of the chunk, on the key index: a temporary table has no planner
# statistics, and with none a join may scan the whole (growing) staged table each time.
_MOVE_CHUNK = f"""
WITH moved AS (INSERT INTO import_rows ({_COLUMNS}) SELECT {_COLUMNS} FROM import_chunk ON CONFLICT (key) DO NOTHING)
SELECT line, first, email FROM (
    SELECT c.line, c.email, (SELECT r.line FROM import_rows AS r WHERE r.key = c.key) AS first FROM import_chunk AS c
) AS probed
WHERE first IS NOT NULL
"""
_EVENT = "SELECT CAST(:list_name AS TEXT), %(key)s, :at, :subscribed, :source, ''"
_EVENT_COLUMNS = "INSERT INTO subscriber_events (list_name, key, at, change, source, detail)"


class ImportsMixin(StoreBase):
    def import_subscribers(
        self,
        list_name: str,
        rows: Iterable[Sequence[tuple[int, Any]]],
        *,
        at: datetime,
        source: ChangeSource = ChangeSource.IMPORT,
        on_chunk: Callable[[list[Duplicate]], None] | None = None,
        keep: Callable[[], bool] | None = None,
    ) -> tuple[int, int]:
        """Import a file's subscribers in one transaction; (added, already present).

        `rows` gives chunks of (line, NewSubscriber). Each chunk is staged in a temporary
        table on the import's connection before the next is read, so memory does not grow
        with the file; a row whose key an earlier row gave is a Duplicate (the first wins),
        passed to `on_chunk` with the rest of its chunk's, in line order, once per chunk.
        After the last chunk, unless `keep()` says no (then nothing is written: (0, 0)),
        the staged rows are applied in a few statements: a reader already on the list
        keeps their status and version and takes the row's name (if it has one) and
        attributes (if any); a newcomer is added active, above the version a removal
        retired, and recorded in the history with `source`. Importing the same file again
        adds nobody. On SQLite the list's file is locked for writing only while the rows
        are applied, not while the file is read."""
        postgres = self.engine.dialect.name == "postgresql"
        with self.engine.connect() as conn:
            if postgres:  # both dropped at the end of the transaction
                _staged.create(conn)
                conn.exec_driver_sql("CREATE TEMPORARY TABLE import_chunk (LIKE import_rows) ON COMMIT DROP")
            else:  # SQLite runs DDL outside the transaction: clear what a failed import left
                _staged.create(conn, checkfirst=True)
                conn.execute(sa.delete(_staged))
            for chunk in rows:
                duplicates = self._stage(conn, list_name, chunk, postgres=postgres)
                if on_chunk is not None:
                    on_chunk(duplicates)
            if keep is not None and not keep():
                conn.rollback()
                if not postgres:
                    _staged.drop(conn)
                return 0, 0
            added, present = self._apply_staged(conn, list_name, at=at, source=source, postgres=postgres)
            if not postgres:
                _staged.drop(conn)
            conn.commit()
        return added, present

    def _stage(
        self, conn: sa.Connection, list_name: str, chunk: Sequence[tuple[int, Any]], *, postgres: bool
    ) -> list[Duplicate]:
        """Stage a chunk's rows that no earlier row gave; the ones an earlier row gave."""
        firsts: dict[str, int] = {}
        duplicates = []
        rows = []
        for line, new in chunk:
            if new.key in firsts:
                duplicates.append(Duplicate(line, firsts[new.key], new.email))
                continue
            firsts[new.key] = line
            attributes = json.dumps(dict(new.attributes)) if new.attributes else None
            rows.append((new.key, line, new.email, new.name, attributes, _retired_key(list_name, new.key)))
        if rows:
            stage = self._stage_postgres if postgres else self._stage_sqlite
            duplicates.extend(stage(conn, rows))
        duplicates.sort()
        return duplicates

    def _stage_sqlite(self, conn: sa.Connection, rows: list[tuple]) -> list[Duplicate]:
        marks = ", ".join("?" * len(rows))
        found = conn.exec_driver_sql(
            f"SELECT key, line FROM temp.import_rows WHERE key IN ({marks})", tuple(row[0] for row in rows)
        )
        earlier: dict[str, int] = dict(found.all())
        if earlier:
            rows, repeated = [r for r in rows if r[0] not in earlier], [r for r in rows if r[0] in earlier]
        if rows:
            conn.exec_driver_sql("INSERT INTO temp.import_rows VALUES (?, ?, ?, ?, ?, ?)", rows)
        return [Duplicate(row[1], earlier[row[0]], row[2]) for row in repeated] if earlier else []

    def _stage_postgres(self, conn: sa.Connection, rows: list[tuple]) -> list[Duplicate]:
        """COPY (through psycopg: several times faster than INSERTs) into a table of the
        chunk alone, then into the staged rows in one statement that also gives back the
        rows whose key is staged already (it sees the table as it was before its INSERT)."""
        driver = conn.connection.driver_connection
        assert driver is not None
        try:
            with driver.cursor() as cursor, cursor.copy(f"COPY import_chunk ({_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except self.engine.dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy's own, for the store's guard
            raise sa.exc.DBAPIError.instance(
                "COPY import_chunk", None, exc, self.engine.dialect.loaded_dbapi.Error
            ) from exc
        found = conn.exec_driver_sql(_MOVE_CHUNK).all()
        conn.exec_driver_sql("TRUNCATE import_chunk")
        return [Duplicate(*row) for row in found]

    def _apply_staged(
        self, conn: sa.Connection, list_name: str, *, at: datetime, source: ChangeSource, postgres: bool
    ) -> tuple[int, int]:
        when = subscribers_table.c.updated_at.type
        params = {
            "list_name": list_name,
            "at": at,
            "active": SubscriberStatus.ACTIVE.value,
            "subscribed": SubscriberChange.SUBSCRIBED.value,
            "source": source.value,
        }

        def run(sql: str) -> int:
            statement = sa.text(sql).bindparams(sa.bindparam("at", type_=when))
            return conn.execute(statement, params).rowcount

        if postgres:
            # Imports to one list apply one at a time: a second one's UPDATE would not see
            # the first's uncommitted readers, and its INSERT would then skip them (ON
            # CONFLICT DO NOTHING), losing its names and attributes without a word.
            conn.exec_driver_sql("SET LOCAL lock_timeout = 0")  # an import waits for the one before it
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_import_lock(list_name))))
            conn.exec_driver_sql("ANALYZE import_rows")  # a temporary table has no statistics otherwise
            forms = {
                "json": "CAST(r.attributes AS JSON)",
                "empty": "CAST('{}' AS JSON)",
                # The file's attributes over the stored ones: a blank cell keeps its value.
                "merged": "CAST(CAST(s.attributes AS JSONB) || CAST(r.attributes AS JSONB) AS JSON)",
            }
            present = run(_UPDATE_PRESENT % forms)
            # One statement: the history gets exactly the rows this INSERT added.
            added = run(
                f"WITH added AS ({_INSERT_NEW % forms} RETURNING key) {_EVENT_COLUMNS} {_EVENT % {'key': 'key'}} FROM added"
            )
            if added:
                self.refresh_statistics(conn, "subscribers", "subscriber_events")
            return added, present
        forms = {"json": "r.attributes", "empty": "'{}'", "merged": "json_patch(s.attributes, r.attributes)"}
        # The UPDATE takes the write lock; nobody else adds to the list until the commit, so
        # the newcomers' history can be written first, from the same condition.
        present = run(_UPDATE_PRESENT % forms)
        new = "FROM import_rows AS r WHERE NOT EXISTS (SELECT 1 FROM subscribers AS s WHERE s.list_name = :list_name AND s.key = r.key) ORDER BY r.line"
        run(f"{_EVENT_COLUMNS} {_EVENT % {'key': 'r.key'}} {new}")
        added = run(_INSERT_NEW % forms)
        return added, present
