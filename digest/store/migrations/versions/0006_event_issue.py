"""A reader's history names the issue a bounce was about (`subscriber_events.issue_id`),
so the temporary failures of one message (its delay warnings, then its final failure)
count once towards the soft-bounce limit. Earlier events have none.

Revision ID: 0006_event_issue
Revises: 0005_owed_index
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_event_issue"
down_revision = "0005_owed_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("subscriber_events")}
    if "issue_id" not in columns:
        op.add_column("subscriber_events", sa.Column("issue_id", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriber_events") as batch:
        batch.drop_column("issue_id")
