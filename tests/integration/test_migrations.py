"""The store's schema is built and upgraded by its Alembic migrations, on SQLite and PostgreSQL:
a new store is at the head, a store written before migrations is brought there with
every row kept, two processes opening a new store at once both succeed, and a stored
issue keeps its items."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from digest.errors import StoreError
from digest.models import Article, DeliveryStatus, Digest, DigestItem, RenderedDigest, SubscriberStatus
from digest.store import Store, StoredIssue, migrate, upgrade_store
from digest.store.schema import metadata
from tests.conftest import REPO
from tests.fixtures import postgres_schema_url

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
DAY = date(2026, 11, 24)
HEAD = migrate.HEAD


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path):
    """The URL of an empty database: a SQLite file not yet created, or a new PostgreSQL schema."""
    yield from _empty_url(request.param, tmp_path)


def _empty_url(kind: str, tmp_path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'digest-{uuid.uuid4().hex[:8]}.db'}"
        return
    yield from postgres_schema_url()


def revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


# The schema as the code before the store package created it (metadata.create_all),
# frozen here, and older still: deliveries without claimed_by or ix_deliveries_sent_at.
def pre_migration_metadata() -> sa.MetaData:
    old = sa.MetaData()
    sa.Table(
        "sources",
        old,
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.Text),
        sa.Column("last_success", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text),
        sa.Column("last_error_at", sa.DateTime(timezone=True)),
    )
    sa.Table(
        "articles",
        old,
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
    sa.Table(
        "article_sends",
        old,
        sa.Column("list_name", sa.String(200), primary_key=True),
        sa.Column("article_id", sa.Integer, sa.ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("issue_id", sa.String(64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )
    sa.Table(
        "subscribers",
        old,
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
    )
    sa.Table(
        "issues",
        old,
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
        sa.Index(
            "ux_issues_open_list",
            "list_name",
            unique=True,
            sqlite_where=sa.text("completed_at IS NULL"),
            postgresql_where=sa.text("completed_at IS NULL"),
        ),
    )
    sa.Table(
        "deliveries",
        old,
        sa.Column("issue_id", sa.String(100), sa.ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("subscriber_id", sa.Integer, sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("code", sa.Integer),
        sa.Column("attempts", sa.Integer, nullable=False, default=0),
        sa.Column("last_error", sa.Text),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("claimed_until", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.Index("ix_deliveries_issue_status", "issue_id", "status"),
    )
    sa.Table(
        "meta", old, sa.Column("key", sa.String(100), primary_key=True), sa.Column("value", sa.Text, nullable=False)
    )
    return old


def write_pre_migration_store(url: str, *, open_issues: int = 1) -> dict[str, list]:
    """A store as the old code left it, with data in every table; the rows written, by table."""
    old = pre_migration_metadata()
    t = old.tables
    rows = {
        "sources": [
            {
                "name": "feed",
                "etag": '"x"',
                "last_modified": None,
                "last_success": NOW,
                "last_error": None,
                "last_error_at": None,
            }
        ],
        "articles": [
            {
                "id": i,
                "url_key": f"https://example.org/{i}",
                "content_hash": f"{i:064d}",
                "url": f"https://example.org/{i}",
                "source": "feed",
                "title": f"Story {i}",
                "authors": ["A. Writer"],
                "published": NOW,
                "paragraphs": [f"Body {i}."],
                "image": None,
                "standfirst": "",
                "warnings": [],
                "gathered_at": NOW,
            }
            for i in (1, 2, 3)
        ],
        "article_sends": [{"list_name": "daily", "article_id": 1, "issue_id": "daily-1", "sent_at": NOW}],
        "subscribers": [
            {
                "id": i,
                "list_name": "daily",
                "email": f"r{i}@example.org",
                "key": f"r{i}@example.org",
                "name": f"Reader {i}",
                "attributes": {"city": "Oslo"},
                "status": status,
                "version": 1,
                "created_at": NOW,
                "updated_at": NOW,
            }
            for i, status in ((1, "active"), (2, "active"), (3, "unsubscribed"))
        ],
        "issues": [
            {
                "id": f"daily-{n}",
                "list_name": "daily",
                "title": "The Daily",
                "day": DAY,
                "subject": f"Issue {n}",
                "html": "<p>hi</p>",
                "text": "hi",
                "markers": [["name", "@@name@@"]],
                "article_urls": [f"https://example.org/{n}"],
                "created_at": NOW,
                "completed_at": NOW if n == 1 else None,
            }
            for n in range(1, 2 + open_issues)
        ],
        "deliveries": [
            {
                "issue_id": "daily-1",
                "subscriber_id": 1,
                "status": "sent",
                "code": 250,
                "attempts": 1,
                "last_error": None,
                "next_attempt_at": None,
                "claimed_until": None,
                "updated_at": NOW,
                "sent_at": NOW,
            },
            {
                "issue_id": "daily-1",
                "subscriber_id": 2,
                "status": "failed",
                "code": 550,
                "attempts": 1,
                "last_error": "550 no such user",
                "next_attempt_at": None,
                "claimed_until": None,
                "updated_at": NOW,
                "sent_at": None,
            },
            {
                "issue_id": "daily-2",
                "subscriber_id": 1,
                "status": "pending",
                "code": None,
                "attempts": 0,
                "last_error": None,
                "next_attempt_at": None,
                "claimed_until": None,
                "updated_at": NOW,
                "sent_at": None,
            },
            {
                "issue_id": "daily-2",
                "subscriber_id": 2,
                "status": "deferred",
                "code": 451,
                "attempts": 1,
                "last_error": "451 try later",
                "next_attempt_at": NOW,
                "claimed_until": None,
                "updated_at": NOW,
                "sent_at": None,
            },
        ],
        "meta": [{"key": "unsubscribe-secret", "value": "s3cret"}],
    }
    if open_issues > 1:  # written before ux_issues_open_list existed
        t["issues"].indexes.clear()
        sa.Index("ix_issues_list_name", t["issues"].c.list_name)
    engine = sa.create_engine(url)
    try:
        old.create_all(engine)
        with engine.begin() as conn:
            for name in ("sources", "articles", "article_sends", "subscribers", "issues", "deliveries", "meta"):
                conn.execute(sa.insert(t[name]), rows[name])
    finally:
        engine.dispose()
    return rows


def table_rows(store: Store, name: str, columns) -> list[dict]:
    table = metadata.tables[name]
    with store.engine.connect() as conn:
        result = conn.execute(sa.select(*(table.c[c] for c in columns)).order_by(*table.primary_key.columns))
        return [dict(r) for r in result.mappings()]


def normalise(value):
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite reads datetimes back naive
    return value


def schema_differences(engine: sa.Engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)


def test_a_new_store_is_built_by_the_migrations_and_matches_the_tables(empty_url):
    with Store(empty_url) as store:
        assert migrate.current_revision(store.engine) == HEAD == "0009_article_links"
        assert schema_differences(store.engine) == []
        names = set(sa.inspect(store.engine).get_table_names())
        assert names == set(metadata.tables) | {"alembic_version"}
        indexes = {i["name"]: i for i in sa.inspect(store.engine).get_indexes("issues")}
        assert indexes["ux_issues_open_list"]["unique"]
    with Store(empty_url) as again:  # opening a store at the head changes nothing
        assert migrate.current_revision(again.engine) == HEAD


def test_the_head_revision_is_the_newest_migration():
    assert migrate._script().get_current_head() == HEAD


def test_upgrade_store_reports_the_revision_reached(empty_url):
    assert upgrade_store(empty_url) == HEAD
    assert upgrade_store(empty_url) == HEAD
    assert revision(empty_url) == HEAD


def test_a_store_written_before_migrations_is_upgraded_on_open_keeping_every_row(empty_url):
    written = write_pre_migration_store(empty_url)
    assert revision(empty_url) is None

    with Store(empty_url) as store:
        assert migrate.current_revision(store.engine) == HEAD
        assert schema_differences(store.engine) == []  # claimed_by, ix_deliveries_sent_at, items added
        for name, rows in written.items():
            kept = table_rows(store, name, list(rows[0]))
            assert [{k: normalise(v) for k, v in r.items()} for r in kept] == rows, name

        # The upgraded store works like a new one: the old issues read back (without items),
        # the open one is still owed, and a claim records its owner in the new column.
        done = store.issue("daily-1")
        assert isinstance(done, StoredIssue) and done.completed_at == NOW
        assert done.rendered.digest.items == () and done.rendered.markers == (("name", "@@name@@"),)
        assert store.open_issue("daily").rendered.digest.issue_id == "daily-2"
        assert store.ledger_totals("daily-1")[DeliveryStatus.FAILED] == 1
        assert store.count_subscribers("daily", status=SubscriberStatus.ACTIVE) == 2
        assert store.meta_value("unsubscribe-secret") == "s3cret"
        claims = store.claim("daily-2", limit=5, lease=60, now=NOW, owner="sender-a")  # pending and deferred
        assert [(c.subscriber.key, c.attempts) for c in claims] == [("r1@example.org", 1), ("r2@example.org", 2)]
        assert store.in_flight_elsewhere("daily-2", owner="sender-b", now=NOW) == 2
        assert not store.save_issue(rendered(digest("daily-3")), article_urls=[], at=NOW)  # daily-2 still open


def test_an_older_store_with_two_unfinished_issues_of_a_list_opens_and_gets_the_guard_later(empty_url, caplog):
    write_pre_migration_store(empty_url, open_issues=2)

    def guarded(store: Store) -> bool:
        return "ux_issues_open_list" in {i["name"] for i in sa.inspect(store.engine).get_indexes("issues")}

    with Store(empty_url) as store:
        assert migrate.current_revision(store.engine) == HEAD
        assert not guarded(store)
        assert "two unfinished issues" in caplog.text
        assert store.ledger_totals("daily-3")[DeliveryStatus.PENDING] == 0
        store.complete_issue("daily-3", at=NOW)
    with Store(empty_url) as store:
        assert guarded(store)
        assert store.meta_value(migrate._DEFERRED_INDEX_KEY) is None


def test_the_baseline_revision_upgrades_to_issue_items(empty_url):
    engine = sa.create_engine(empty_url)
    try:
        with engine.connect() as conn:
            config = migrate._config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0001_baseline")
            conn.commit()
        assert migrate.current_revision(engine) == "0001_baseline"
        assert "items" not in {c["name"] for c in sa.inspect(engine).get_columns("issues")}
    finally:
        engine.dispose()
    with Store(empty_url) as store:
        store.save_issue(rendered(digest("daily-1", items=2)), article_urls=[], at=NOW)
        assert migrate.current_revision(store.engine) == HEAD
        assert len(store.issue("daily-1").rendered.digest.items) == 2


def test_a_store_from_a_newer_digest_is_refused_in_one_line(empty_url):
    upgrade_store(empty_url)
    engine = sa.create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0099_future'"))
    finally:
        engine.dispose()
    with pytest.raises(StoreError, match=r"0099_future.*does not know") as info:
        Store(empty_url)
    assert "\n" not in str(info.value)


OPEN_WHEN_TOLD = """
import os, sys, time
from digest.store import Store
url, ready, go = sys.argv[1:]
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.001)
Store(url).close()
"""


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_processes_opening_a_new_store_at_the_same_moment_both_succeed(kind, tmp_path):
    """Two new stores, each opened by two processes let go at the same instant
    (without the upgrade lock, most of the pairs fail with "table ... already exists")."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    makers = [_empty_url(kind, tmp_path) for _ in range(2)]
    urls = [next(m) for m in makers]
    go = tmp_path / "go"
    try:
        procs = []
        for n, url in enumerate(urls):
            for side in "ab":
                ready = tmp_path / f"ready-{n}{side}"
                procs.append(
                    (
                        ready,
                        subprocess.Popen(
                            [sys.executable, "-c", OPEN_WHEN_TOLD, url, str(ready), str(go)],
                            cwd=REPO,
                            env=env,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE,
                            text=True,
                        ),
                    )
                )
        deadline = time.monotonic() + 60
        while not all(ready.exists() for ready, _ in procs) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()
        outcomes = [(p.wait(timeout=120), p.stderr.read()) for _, p in procs]
        assert [code for code, _ in outcomes] == [0] * 4, [err for _, err in outcomes]
        for url in urls:
            assert revision(url) == HEAD
            with Store(url) as store:
                assert schema_differences(store.engine) == []
    finally:
        for maker in makers:
            maker.close()  # drops the PostgreSQL schemas


def digest(issue_id: str, *, items: int = 3) -> Digest:
    return Digest(
        issue_id=issue_id,
        list_name="daily",
        title="The Daily",
        day=DAY,
        more=4,
        items=tuple(
            DigestItem(
                article=Article(
                    url=f"https://example.org/{i}",
                    title=f"Story {i} — “quoted”",
                    paragraphs=(f"Body {i}.", "Second paragraph."),
                    authors=("A. Writer", "B. Writer"),
                    published=NOW if i % 2 else None,
                    image="https://example.org/i.png" if i else None,
                    standfirst="Dek" if i else "",
                    source="feed",
                    warnings=("short",) if i == 1 else (),
                ),
                sentences=(f"Body {i}.", "Second paragraph."),
                source_label="The Feed",
            )
            for i in range(items)
        ),
    )


def rendered(d: Digest) -> RenderedDigest:
    return RenderedDigest(
        digest=d, subject="Story 0 and more", html="<p>Story 0</p>", text="Story 0", markers=(("name", "@@name@@"),)
    )


def test_a_stored_issue_keeps_its_items(store):
    original = digest("daily-2026-11-24")
    assert store.save_issue(rendered(original), article_urls=[i.article.url for i in original.items], at=NOW)
    for stored in (store.issue(original.issue_id), store.open_issue("daily"), store.last_issue("daily")):
        assert stored.rendered.digest == original
        assert len(stored.rendered.digest.items) == 3 and stored.rendered.digest.more == 4
        assert stored.rendered.digest.items[1].reading_minutes == 1


def test_every_method_of_the_store_is_guarded():
    plain = [
        name
        for name in dir(Store)
        if not name.startswith("__")
        and name != "close"
        and inspect.isfunction(inspect.getattr_static(Store, name))
        and not hasattr(inspect.getattr_static(Store, name), "__wrapped__")
    ]
    assert plain == []
    assert {"claim", "add_article", "add_subscribers", "save_issue", "source_state", "meta_value"} <= set(dir(Store))


def test_db_upgrade_command_names_the_revision(tmp_path):
    from digest.store.migrate import HEAD
    from tests.helpers import digest_cli

    result = digest_cli("db", "upgrade", cwd=tmp_path, env={"DIGEST_STORE_URL": f"sqlite:///{tmp_path / 'digest.db'}"})
    assert result.returncode == 0, result.stderr
    assert f"is at revision {HEAD}" in result.stdout and str(tmp_path / "digest.db") in result.stdout


def test_subscribers_from_before_the_address_rule_get_its_keys_and_case_twins_merge(empty_url):
    """Rows written with the old rule (case kept in the key, a Unicode domain) get the
    rule's address and key; two spellings of one reader become one row, and the
    unsubscribed spelling wins."""
    import sqlalchemy as sa

    from digest.store import Store, deliveries_table, subscribers_table
    from digest.store.migrate import upgrade

    with Store(empty_url) as store:
        engine = store.engine
        now = "2026-11-01 00:00:00"
        with engine.begin() as conn:
            for email, key, status in [
                ("Anna@Example.org", "Anna@example.org", "active"),
                ("anna@example.org", "anna@example.org", "unsubscribed"),
                ("bob@bücher.de", "bob@bücher.de", "active"),
            ]:
                conn.execute(
                    sa.text(
                        "INSERT INTO subscribers (list_name, email, key, name, attributes, status, version,"
                        " created_at, updated_at) VALUES ('daily', :e, :k, '', '{}', :s, 1, :n, :n)"
                    ),
                    {"e": email, "k": key, "s": status, "n": now},
                )
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0002_issue_items'"))
        upgrade(engine)
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(subscribers_table.c.email, subscribers_table.c.key, subscribers_table.c.status).order_by(
                    subscribers_table.c.id
                )
            ).all()
            assert conn.execute(sa.select(sa.func.count()).select_from(deliveries_table)).scalar_one() == 0
    assert [tuple(r) for r in rows] == [
        ("Anna@example.org", "anna@example.org", "unsubscribed"),
        ("bob@xn--bcher-kva.de", "bob@xn--bcher-kva.de", "active"),
    ]


def test_articles_from_before_article_sources_keep_their_source(empty_url):
    """A store at 0006 with articles: after the upgrade each belongs to the source that
    stored it, so no list loses its unsent articles."""
    import sqlalchemy as sa

    from digest.models import Article
    from digest.store import Store
    from digest.store.migrate import upgrade

    with Store(empty_url) as store:
        for n, source in enumerate(["river", "river", "wire"]):
            article = Article(url=f"https://e.org/{n}", title=f"Story {n}", paragraphs=(f"Body {n}.",), source=source)
            store.add_article(article, gathered_at=NOW)
        engine = store.engine
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE article_sources"))
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0006_event_issue'"))
        upgrade(engine)
        assert migrate.current_revision(engine) == HEAD
        assert [a.article.title for a in store.unsent_articles("daily", sources=["river"])] == ["Story 0", "Story 1"]
        assert store.count_unsent_articles("daily", sources=["wire"]) == 1


def test_a_link_less_article_from_before_gets_its_content_key_and_its_issue_still_marks_it_sent(empty_url):
    import sqlalchemy as sa

    from digest.app import render_for_list
    from digest.mail.compose import compose
    from digest.models import Article, Summary
    from digest.store import Store
    from digest.store.migrate import upgrade
    from tests.helpers import LIST

    note = Article(url="", title="Note one", paragraphs=("The reading room reopens on Monday.",), source="notes")
    with Store(empty_url) as store:
        store.add_article(note, gathered_at=NOW)
        digest_ = compose(
            [Summary(article=note, sentences=(), algorithm="lead")], list_name="daily", title="D", day=DAY
        )
        engine = store.engine
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE articles SET url_key = ''"))  # as the code before keyed it
        store.save_issue(render_for_list(digest_, LIST), article_urls=[""], at=NOW)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE article_sources"))
            conn.execute(sa.text("UPDATE alembic_version SET version_num = '0006_event_issue'"))
        upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT url_key FROM articles")).scalar_one().startswith("content:")
        assert store.count_unsent_articles("daily") == 1
        assert store.complete_issue(digest_.issue_id, at=NOW)
        assert store.count_unsent_articles("daily") == 0
        later = replace_title(note, "Note two")
        assert store.add_article(later, gathered_at=NOW)  # another link-less story is new


def replace_title(article, title):
    from dataclasses import replace

    return replace(article, title=title, paragraphs=(f"{title}: the reading room reopens on Tuesday.",))
