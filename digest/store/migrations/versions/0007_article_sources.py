"""Every source an article was found in (`article_sources`): a story two feeds carry
reaches the lists of both, and a renamed source keeps its unsent articles. Each stored
article starts with the source that stored it.

An article without a link is now kept by its content (`content:<hash>`, see
digest/identity.py); before, the first such article took the empty key (and every later
one was passed over as seen). That row gets its content key, and the issues naming it by
its empty URL name it by the key, so completing them still marks it sent.

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

    _rekey_linkless()


def _rekey_linkless() -> None:
    bind = op.get_bind()
    row = bind.execute(sa.text("SELECT id, content_hash FROM articles WHERE url_key = ''")).first()
    if row is None:
        return
    key = "content:" + row.content_hash
    bind.execute(sa.text("UPDATE articles SET url_key = :key WHERE id = :id"), {"key": key, "id": row.id})
    issues = sa.table("issues", sa.column("id", sa.String), sa.column("article_urls", sa.JSON))
    for issue_id, urls in bind.execute(sa.select(issues.c.id, issues.c.article_urls)).all():
        if "" in (urls or []):
            renamed = [key if u == "" else u for u in urls]
            bind.execute(sa.update(issues).where(issues.c.id == issue_id).values(article_urls=renamed))


def downgrade() -> None:
    op.drop_table("article_sources")
