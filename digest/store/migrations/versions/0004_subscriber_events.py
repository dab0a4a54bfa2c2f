"""Every change to a reader is kept with its time and source (`subscriber_events`), and
the web service's rate limits count in the store (`rate_limits`), so they hold across
its processes. Readers already on a list get no history before this revision. A table
already there (a store made by a newer build's tables, then stamped back) is kept.

Revision ID: 0004_subscriber_events
Revises: 0003_address_rule
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_subscriber_events"
down_revision = "0003_address_rule"
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "subscriber_events" not in existing:
        _create_events()
    if "rate_limits" not in existing:
        _create_limits()


def _create_events() -> None:
    op.create_table(
        "subscriber_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("list_name", sa.String(200), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("change", sa.String(30), nullable=False),
        sa.Column("source", sa.String(30), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_subscriber_events_key", "subscriber_events", ["key", "at"])


def _create_limits() -> None:
    op.create_table(
        "rate_limits",
        sa.Column("bucket", sa.String(120), primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_rate_limits_expires_at", "rate_limits", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limits_expires_at", table_name="rate_limits")
    op.drop_table("rate_limits")
    op.drop_index("ix_subscriber_events_key", table_name="subscriber_events")
    op.drop_table("subscriber_events")
