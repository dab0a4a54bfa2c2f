"""Indexes for the lookups that read whole tables as the list and the archive grow: a
reader by their key on every list (the web pages, bounce intake), the status counts by
list, and the archive's pages by list, newest first (also a reader's issues, found by
the ledger's key issue by issue).

Revision ID: 0008_lookup_indexes
Revises: 0007_article_sources
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_lookup_indexes"
down_revision = "0007_article_sources"
branch_labels = None
depends_on = None

# (name, table, columns): digest.store.schema declares the same.
_INDEXES = [
    ("ix_subscribers_key", "subscribers", ["key"]),
    ("ix_subscribers_list_status", "subscribers", ["list_name", "status"]),
    ("ix_issues_list_created", "issues", ["list_name", "created_at"]),
]


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    for name, table, columns in _INDEXES:
        if name not in {i["name"] for i in inspector.get_indexes(table)}:
            op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(_INDEXES):
        op.drop_index(name, table_name=table)
