"""Rate limits kept in the store, so every process of the web service counts against the
same limit: one counter row per (bucket, fixed window), added to atomically, read as a
sliding window (the previous window's count weighs by how much of it is still inside)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from digest.store.base import StoreBase
from digest.store.schema import rate_limits_table


class LimitsMixin(StoreBase):
    def count_hit(self, bucket: str, *, at: datetime, window: timedelta) -> int:
        """Count one hit on `bucket` (at most 80 characters: a name and a hash) at `at`; the
        hits in the `window` up to `at`, this one included, estimated from two fixed windows
        (so that a burst across a window's edge counts as one burst). Counters no longer
        needed are dropped as it goes."""
        seconds = max(1, int(window.total_seconds()))
        moment = at.timestamp()
        start = int(moment) // seconds * seconds
        expires = datetime.fromtimestamp(start + 2 * seconds, tz=at.tzinfo)  # it weighs on the next window too
        t = rate_limits_table
        with self.engine.begin() as conn:
            conn.execute(sa.delete(t).where(t.c.expires_at < at))
            hits = _add_one(conn, f"{bucket}@{start}", expires)
            before = conn.execute(sa.select(t.c.hits).where(t.c.bucket == f"{bucket}@{start - seconds}")).scalar()
        still_inside = 1 - (moment - start) / seconds
        return hits + math.ceil((before or 0) * still_inside)


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
