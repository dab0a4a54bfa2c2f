"""A partial index over the deliveries still owed, in claim order: a claim then costs
the same at the end of a send of a million readers as at its start.

Revision ID: 0005_owed_index
Revises: 0004_subscriber_events
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_owed_index"
down_revision = "0004_subscriber_events"
branch_labels = None
depends_on = None

_PREDICATE = "status IN ('pending', 'deferred', 'sending')"  # digest.store.schema.OWED_PREDICATE


def upgrade() -> None:
    indexes = {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("deliveries")}
    if "ix_deliveries_owed" not in indexes:
        op.create_index(
            "ix_deliveries_owed",
            "deliveries",
            ["issue_id", "subscriber_id"],
            sqlite_where=sa.text(_PREDICATE),
            postgresql_where=sa.text(_PREDICATE),
        )


def downgrade() -> None:
    op.drop_index("ix_deliveries_owed", table_name="deliveries")
