"""Subscribers written before the one address rule get its address and key: the domain
in lower-case A-labels, the key case-folded. Rows of one list that now share a key are
one reader: the earliest row stays, with `unsubscribed` or `bounced` winning over
`active` (a reader who left on any spelling has left); the later rows go, with their
deliveries still owed (their sent history goes with them).

Revision ID: 0003_address_rule
Revises: 0002_issue_items
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_address_rule"
down_revision = "0002_issue_items"
branch_labels = None
depends_on = None

_RANK = {"active": 0, "unsubscribed": 1, "bounced": 2}


def upgrade() -> None:
    from digest.errors import SubscriberError
    from digest.subscribers import normalise_email

    conn = op.get_bind()
    subscribers = sa.table(
        "subscribers",
        sa.column("id", sa.Integer),
        sa.column("list_name", sa.String),
        sa.column("email", sa.Text),
        sa.column("key", sa.Text),
        sa.column("status", sa.String),
    )
    deliveries = sa.table("deliveries", sa.column("subscriber_id", sa.Integer))
    rows = conn.execute(sa.select(subscribers).order_by(subscribers.c.id)).all()
    kept: dict[tuple[str, str], tuple[int, str]] = {}
    changes: dict[int, dict] = {}
    gone: list[int] = []
    for row in rows:
        try:
            email, key = normalise_email(row.email)
        except SubscriberError:
            email, key = row.email, row.key  # left as it was; sending refuses it with a reason
        first = kept.get((row.list_name, key))
        if first is None:
            kept[(row.list_name, key)] = (row.id, row.status)
            if (email, key) != (row.email, row.key):
                changes[row.id] = {"email": email, "key": key}
            continue
        gone.append(row.id)
        if _RANK.get(row.status, 0) > _RANK.get(first[1], 0):
            kept[(row.list_name, key)] = (first[0], row.status)
            changes.setdefault(first[0], {})["status"] = row.status
    for start in range(0, len(gone), 500):
        chunk = gone[start : start + 500]
        conn.execute(sa.delete(deliveries).where(deliveries.c.subscriber_id.in_(chunk)))
        conn.execute(sa.delete(subscribers).where(subscribers.c.id.in_(chunk)))
    # Keys first go to a value no row can hold (no address starts with a space; PostgreSQL
    # text holds no NUL), so a swap of two keys never collides.
    for sid, values in changes.items():
        if "key" in values:
            conn.execute(sa.update(subscribers).where(subscribers.c.id == sid).values(key=f" migrating {sid}"))
    for sid, values in changes.items():
        conn.execute(sa.update(subscribers).where(subscribers.c.id == sid).values(**values))


def downgrade() -> None:
    """Nothing to undo: the old code reads the new addresses and keys as they are."""
