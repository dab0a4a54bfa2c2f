"""Every source an article was found in (`article_sources`): a story two feeds carry
reaches the lists of both, and a renamed source keeps its unsent articles. Each stored
article starts with the source that stored it.

Revision ID: 0007_article_sources
Revises: 0006_event_issue
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_article_sources"
down_revision = "0006_event_issue"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "article_sources" not in sa.inspect(op.get_bind()).get_table_names():
        op.create_table(
            "article_sources",
            sa.Column("source", sa.String(200), primary_key=True),
            sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        )
    op.execute(
        "INSERT INTO article_sources (source, article_id) SELECT a.source, a.id FROM articles a "
        "WHERE NOT EXISTS (SELECT 1 FROM article_sources s WHERE s.article_id = a.id AND s.source = a.source)"
    )


def downgrade() -> None:
    op.drop_table("article_sources")
