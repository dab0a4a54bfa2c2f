"""Rate limits kept in the store, so every process of the web service counts against the
same limit: fixed windows, one counter row per (bucket, window), added to atomically."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from digest.store.base import StoreBase
from digest.store.schema import rate_limits_table


class LimitsMixin(StoreBase):
    def count_hit(self, bucket: str, *, at: datetime, window: timedelta) -> int:
        """Count one hit on `bucket` (at most 80 characters: a name and a hash) in the
        window of length `window` that holds `at`; the hits in that window so far, this
        one included. Counters of windows that are over are dropped as it goes."""
        seconds = max(1, int(window.total_seconds()))
        start = int(at.timestamp()) // seconds * seconds
        key = f"{bucket}@{start}"
        expires = datetime.fromtimestamp(start + seconds, tz=at.tzinfo)
        t = rate_limits_table
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t).where(t.c.expires_at < at))
            return _add_one(conn, key, expires)


def _add_one(conn: sa.Connection, key: str, expires: datetime) -> int:
    t = rate_limits_table
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        statement = (
            insert(t)
            .values(bucket=key, hits=1, expires_at=expires)
            .on_conflict_do_update(index_elements=[t.c.bucket], set_={"hits": t.c.hits + 1})
            .returning(t.c.hits)
        )
        return conn.execute(statement).scalar_one()
    # Any other database: an update, or the first insert (a racing insert makes it an update).
    for _ in range(2):
        if conn.execute(sa.update(t).where(t.c.bucket == key).values(hits=t.c.hits + 1)).rowcount:
            return conn.execute(sa.select(t.c.hits).where(t.c.bucket == key)).scalar_one()
        try:
            with conn.begin_nested():
                conn.execute(sa.insert(t).values(bucket=key, hits=1, expires_at=expires))
            return 1
        except IntegrityError:
            continue
    return conn.execute(sa.select(t.c.hits).where(t.c.bucket == key)).scalar_one()
