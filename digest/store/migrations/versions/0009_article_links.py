"""The other addresses of a stored article (`article_links`): a feed that links through a
tracker or a short link names its item by that link, and the next gather knows it as
the stored story instead of fetching it again.

Revision ID: 0009_article_links
Revises: 0008_lookup_indexes
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_article_links"
down_revision = "0008_lookup_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "article_links" not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            "article_links",
            sa.Column("url_key", sa.Text, primary_key=True),
            sa.Column(
                "article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
            ),
        )


def downgrade() -> None:
    op.drop_table("article_links")
