"""The store's tables at the newest migration (`migrations/versions/`).

A change here goes with a new migration; `test_migrations` checks that a store
built by the migrations matches these tables exactly.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

sources_table = sa.Table(
    "sources",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("last_success", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    sa.Column("last_error_at", sa.DateTime(timezone=True)),
)

articles_table = sa.Table(
    "articles",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("url_key", sa.Text, nullable=False, unique=True),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("source", sa.String(200), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("authors", sa.JSON, nullable=False),
    sa.Column("published", sa.DateTime(timezone=True)),
    sa.Column("paragraphs", sa.JSON, nullable=False),
    sa.Column("image", sa.Text),
    sa.Column("standfirst", sa.Text, nullable=False, default=""),
    sa.Column("warnings", sa.JSON, nullable=False),
    sa.Column("gathered_at", sa.DateTime(timezone=True), nullable=False),
)

# Every source an article was found in: the first stored it (`articles.source`), others
# that carried the same story later are added here, so each of their lists gets it.
article_sources_table = sa.Table(
    "article_sources",
    metadata,
    sa.Column("source", sa.String(200), primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
)

article_links_table = sa.Table(
    "article_links",
    metadata,
    sa.Column("url_key", sa.Text, primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
)

article_sends_table = sa.Table(
    "article_sends",
    metadata,
    sa.Column("list_name", sa.String(200), primary_key=True),
    sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("issue_id", sa.String(64), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
)

subscribers_table = sa.Table(
    "subscribers",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("list_name", sa.String(200), nullable=False),
    sa.Column("email", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("name", sa.Text, nullable=False, default=""),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("list_name", "key"),
    # A reader found by their key on every list (the web pages, bounce intake), and the
    # status counts read from the index alone: neither reads the whole table.
    sa.Index("ix_subscribers_key", "key"),
    sa.Index("ix_subscribers_list_status", "list_name", "status"),
)

issues_table = sa.Table(
    "issues",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("list_name", sa.String(200), nullable=False, index=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("html", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("markers", sa.JSON, nullable=False),
    sa.Column("article_urls", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True)),
    # The digest's items (article fields and summary sentences) and how many the cap
    # left out; NULL in issues saved before migration 0002, which read back with none.
    sa.Column("items", sa.JSON),
    sa.Column("more", sa.Integer),
    sa.Index("ix_issues_list_created", "list_name", "created_at"),  # the archive's pages, newest first
    # At most one unfinished issue per list: two senders composing at once share it.
    sa.Index(
        "ux_issues_open_list",
        "list_name",
        unique=True,
        sqlite_where=sa.text("completed_at IS NULL"),
        postgresql_where=sa.text("completed_at IS NULL"),
    ),
)

# The claim query repeats this predicate word for word: SQLite uses a partial index only
# for a query whose WHERE contains the index's.
OWED_PREDICATE = "status IN ('pending', 'deferred', 'sending')"

deliveries_table = sa.Table(
    "deliveries",
    metadata,
    sa.Column("issue_id", sa.String(100), sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("code", sa.Integer),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("claimed_by", sa.String(64)),  # the sender that holds the claim; only it records an outcome
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.Index("ix_deliveries_issue_status", "issue_id", "status"),
    sa.Index("ix_deliveries_sent_at", "sent_at"),  # the hourly cap counts the last hour's sends
    # Only the rows still owed, in claim order: a claim reads the next few of them
    # wherever the send has got to, not every row already sent before them.
    sa.Index(
        "ix_deliveries_owed",
        "issue_id",
        "subscriber_id",
        sqlite_where=sa.text(OWED_PREDICATE),
        postgresql_where=sa.text(OWED_PREDICATE),
    ),
)

# Every change to a reader, kept after the reader is removed: the operator's answer to
# "why did this person stop getting mail?". `key` is the subscriber key (see subscribers).
subscriber_events_table = sa.Table(
    "subscriber_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("list_name", sa.String(200), nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("change", sa.String(30), nullable=False),
    sa.Column("source", sa.String(30), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("issue_id", sa.String(200)),  # the issue a bounce was about, when known
    sa.Index("ix_subscriber_events_key", "key", "at"),
)

# Fixed-window counters the web service's rate limits share across its processes: one
# row per (limit, hashed client or address, window), dropped once the window is over.
rate_limits_table = sa.Table(
    "rate_limits",
    metadata,
    sa.Column("bucket", sa.String(120), primary_key=True),
    sa.Column("hits", sa.Integer, nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

meta_table = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
