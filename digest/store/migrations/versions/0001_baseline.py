"""The baseline: the store's tables as they were before migrations.

A new store gets every table here. A store written before migrations (its tables
exist, there is no alembic_version) is completed instead: missing tables are
created, missing columns added (e.g. deliveries.claimed_by) and missing indexes
created, then it is stamped at this revision like any other.

Revision ID: 0001_baseline
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import IntegrityError

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None

log = logging.getLogger("digest.store.migrate")

# Set in the meta table when an older store could not take ux_issues_open_list yet
# (two unfinished issues of one list); each open tries again (digest.store.migrate).
DEFERRED_INDEX_KEY = "schema/deferred-index"


def _tables() -> list[tuple[str, list]]:
    """Frozen: the tables as of this revision, in creation order (foreign keys last)."""
    return [
        (
            "sources",
            [
                sa.Column("name", sa.String(200), primary_key=True),
                sa.Column("etag", sa.Text),
                sa.Column("last_modified", sa.Text),
                sa.Column("last_success", sa.DateTime(timezone=True)),
                sa.Column("last_error", sa.Text),
                sa.Column("last_error_at", sa.DateTime(timezone=True)),
            ],
        ),
        (
            "articles",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("url_key", sa.Text, nullable=False, unique=True),
                sa.Column("content_hash", sa.String(64), nullable=False),
                sa.Column("url", sa.Text, nullable=False),
                sa.Column("source", sa.String(200), nullable=False),
                sa.Column("title", sa.Text, nullable=False),
                sa.Column("authors", sa.JSON, nullable=False),
                sa.Column("published", sa.DateTime(timezone=True)),
                sa.Column("paragraphs", sa.JSON, nullable=False),
                sa.Column("image", sa.Text),
                sa.Column("standfirst", sa.Text, nullable=False),
                sa.Column("warnings", sa.JSON, nullable=False),
                sa.Column("gathered_at", sa.DateTime(timezone=True), nullable=False),
            ],
        ),
        (
            "article_sends",
            [
                sa.Column("list_name", sa.String(200), primary_key=True),
                sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
                sa.Column("issue_id", sa.String(64), nullable=False),
                sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
            ],
        ),
        (
            "subscribers",
            [
                sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                sa.Column("list_name", sa.String(200), nullable=False),
                sa.Column("email", sa.Text, nullable=False),
                sa.Column("key", sa.Text, nullable=False),
                sa.Column("name", sa.Text, nullable=False),
                sa.Column("attributes", sa.JSON, nullable=False),
                sa.Column("status", sa.String(20), nullable=False),
                sa.Column("version", sa.Integer, nullable=False),
                sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
                sa.UniqueConstraint("list_name", "key"),
            ],
        ),
        (
            "issues",
            [
                sa.Column("id", sa.String(100), primary_key=True),
                sa.Column("list_name", sa.String(200), nullable=False),
                sa.Column("title", sa.Text, nullable=False),
                sa.Column("day", sa.Date, nullable=False),
                sa.Column("subject", sa.Text, nullable=False),
                sa.Column("html", sa.Text, nullable=False),
                sa.Column("text", sa.Text, nullable=False),
                sa.Column("markers", sa.JSON, nullable=False),
                sa.Column("article_urls", sa.JSON, nullable=False),
                sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("completed_at", sa.DateTime(timezone=True)),
            ],
        ),
        (
            "deliveries",
            [
                sa.Column("issue_id", sa.String(100), sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
                sa.Column(
                    "subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
                ),
                sa.Column("status", sa.String(20), nullable=False),
                sa.Column("code", sa.Integer),
                sa.Column("attempts", sa.Integer, nullable=False),
                sa.Column("last_error", sa.Text),
                sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
                sa.Column("claimed_until", sa.DateTime(timezone=True)),
                sa.Column("claimed_by", sa.String(64)),
                sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
                sa.Column("sent_at", sa.DateTime(timezone=True)),
            ],
        ),
        (
            "meta",
            [
                sa.Column("key", sa.String(100), primary_key=True),
                sa.Column("value", sa.Text, nullable=False),
            ],
        ),
    ]


# (name, table, columns, unique, partial WHERE)
_INDEXES = [
    ("ix_articles_content_hash", "articles", ["content_hash"], False, None),
    ("ix_articles_source", "articles", ["source"], False, None),
    ("ix_issues_list_name", "issues", ["list_name"], False, None),
    ("ux_issues_open_list", "issues", ["list_name"], True, "completed_at IS NULL"),
    ("ix_deliveries_issue_status", "deliveries", ["issue_id", "status"], False, None),
    ("ix_deliveries_sent_at", "deliveries", ["sent_at"], False, None),
]


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    for name, parts in _tables():
        if name not in present:
            op.create_table(name, *parts)
            continue
        have = {c["name"] for c in inspector.get_columns(name)}
        for column in parts:
            if isinstance(column, sa.Column) and column.name not in have:
                # Added to a table that has rows: nullable, as the columns added later all are.
                log.info("store: adding %s.%s to a store written before migrations", name, column.name)
                column.nullable = True
                op.add_column(name, column)
    indexes = {name: {i["name"] for i in inspector.get_indexes(name)} for name in present}
    for name, table, columns, unique, where in _INDEXES:
        if name in indexes.get(table, ()):
            continue
        if not unique:
            op.create_index(name, table, columns, **_where(where))
            continue
        try:
            with bind.begin_nested():
                op.create_index(name, table, columns, unique=True, **_where(where))
        except IntegrityError:
            # An older store with two unfinished issues of one list: it keeps working,
            # without the guard, until one of them is finished; each open tries again.
            log.warning("store: index %s not created: an older store holds two unfinished issues of one list", name)
            meta = sa.table("meta", sa.column("key", sa.String), sa.column("value", sa.Text))
            op.bulk_insert(meta, [{"key": DEFERRED_INDEX_KEY, "value": name}])


def downgrade() -> None:
    for name, _parts in reversed(_tables()):
        op.drop_table(name)


def _where(where: str | None) -> dict:
    if where is None:
        return {}
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}
