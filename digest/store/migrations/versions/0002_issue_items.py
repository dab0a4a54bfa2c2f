"""Stored issues keep their digest's items and how many the cap left out.

Issues saved before this revision have NULL in both and read back with no items.

Revision ID: 0002_issue_items
Revises: 0001_baseline
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_issue_items"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("issues", sa.Column("items", sa.JSON))
    op.add_column("issues", sa.Column("more", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("issues") as batch:
        batch.drop_column("more")
        batch.drop_column("items")
