from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from digest.errors import StoreError
from digest.models import Article
from digest.store import Store

NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def make(url: str, title: str = "Title", body: str = "Body text.", source: str = "s") -> Article:
    return Article(
        url=url,
        title=title,
        paragraphs=(body, "Second paragraph."),
        authors=("A. Writer",),
        published=NOW,
        source=source,
        image="https://example.org/i.png",
        standfirst="Dek",
    )


def test_new_articles_are_stored_once_by_url_and_by_content(store):
    assert store.add_article(make("https://example.org/a?utm_source=x#top"), gathered_at=NOW)
    assert not store.add_article(make("https://EXAMPLE.org/a"), gathered_at=NOW)  # same canonical URL
    assert not store.add_article(make("https://mirror.example.net/copy"), gathered_at=NOW)  # same content
    assert store.add_article(make("https://example.org/b", body="Other text."), gathered_at=NOW)
    assert store.count_articles() == 2
    assert store.known_urls(["https://example.org/a", "https://example.org/zzz"]) == {"https://example.org/a"}


def test_the_links_that_led_to_an_article_are_known_as_it(store):
    """A tracker's link is the stored story; it never shadows another story's own address."""
    from dataclasses import replace

    tracked = replace(
        make("https://example.org/a"), links=("https://t.example/1?utm_source=x", "https://example.org/a")
    )
    assert store.add_article(tracked, gathered_at=NOW)
    again = replace(make("https://example.org/a"), links=("http://t.example/2",), source="t")
    assert not store.add_article(again, gathered_at=NOW)  # the stored story learns a second link
    other = replace(make("https://example.org/b", body="Other text."), links=("https://example.org/a",))
    assert store.add_article(other, gathered_at=NOW)
    links = ["https://t.example/1", "https://t.example/2", "https://t.example/3"]
    assert store.known_urls(links) == {"https://t.example/1", "https://t.example/2"}
    store.add_source(["https://t.example/1"], "u")
    assert [s.article.url for s in store.unsent_articles("l", sources=["u"])] == ["https://example.org/a"]


def test_a_link_is_known_only_for_an_item_of_the_headline_it_led_to(store):
    from dataclasses import replace

    article = replace(make("https://example.org/a"), links=("https://t.example/latest",))
    assert store.add_article(article, gathered_at=NOW)
    link = "https://t.example/latest"
    assert store.known_urls([link], titles={link: f"  {article.title.upper()} "}) == {link}
    assert store.known_urls([link], titles={link: "The next issue"}) == set()
    assert store.known_urls(["https://example.org/a"], titles={}) == {"https://example.org/a"}


def test_round_trip_keeps_every_field(store):
    article = make("https://example.org/a")
    store.add_article(article, gathered_at=NOW)
    [stored] = store.unsent_articles("daily")
    assert stored.article == article
    assert stored.gathered_at == NOW


def test_unsent_articles_per_list_and_mark_sent(store):
    for i in range(3):
        store.add_article(
            make(f"https://example.org/{i}", body=f"Body {i}", source="s" if i < 2 else "t"), gathered_at=NOW
        )
    stored = store.unsent_articles("daily")
    assert len(stored) == 3
    assert len(store.unsent_articles("daily", sources=["s"])) == 2
    assert len(store.unsent_articles("daily", limit=1)) == 1
    urls = [s.article.url + "?utm_source=mail" for s in stored[:2]]  # any form of the URL
    store.mark_sent("daily", urls, issue_id="issue-1", at=NOW)
    store.mark_sent("daily", urls, issue_id="issue-1", at=NOW)  # idempotent
    assert [s.id for s in store.unsent_articles("daily")] == [stored[2].id]
    assert len(store.unsent_articles("weekly")) == 3  # another list has its own record


def test_source_state(store):
    assert store.source_state("feed").etag is None
    store.record_source_success("feed", at=NOW, etag='"x"', last_modified="Tue, 24 Nov 2026 07:00:00 GMT")
    store.record_source_failure("feed", "HTTP 500 Internal Server Error", at=NOW)
    state = store.source_state("feed")
    assert state.etag == '"x"' and state.last_error == "HTTP 500 Internal Server Error"
    assert state.last_success == NOW and state.last_error_at == NOW
    store.record_source_success("feed", at=NOW)  # a success clears the error, keeps validators
    state = store.source_state("feed")
    assert state.last_error is None and state.etag == '"x"'


def test_bad_store_url_is_one_clear_line(tmp_path):
    with pytest.raises(StoreError, match="cannot open store") as info:
        Store(f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    assert "\n" not in str(info.value)
    with pytest.raises(StoreError, match=r"postgresql\+psycopg://u:\*\*\*@"):
        Store("postgresql+psycopg://u:secret@127.0.0.1:1/db")


def test_a_sqlite_file_that_cannot_be_opened_is_named_with_why(tmp_path):
    """SQLite says only 'unable to open database file': the folder that is missing, or the
    folder where the file should be, is named."""
    (tmp_path / "folder.db").mkdir()
    for path, why in (
        (tmp_path / "missing-dir" / "x.db", f"(no folder {tmp_path / 'missing-dir'})"),
        (tmp_path / "folder.db", f"({tmp_path / 'folder.db'} is a folder)"),
    ):
        with pytest.raises(StoreError) as caught:
            Store(f"sqlite:///{path}")
        assert str(caught.value).endswith(f"unable to open database file {why}"), str(caught.value)


@pytest.mark.parametrize(
    "url", ["postgresql+psycopg://u:p@SeCrEt@127.0.0.1:1/db", "postgresql+psycopg://u:12/SeCrEt@127.0.0.1:1/db"]
)
def test_a_store_url_its_driver_would_split_apart_shows_no_part_of_the_password(url):
    with pytest.raises(StoreError) as caught:
        Store(url)
    message = str(caught.value)
    assert message.startswith("cannot open store postgresql+psycopg://u:***@127.0.0.1:1/db: ")
    assert "percent-encode it" in message and "SeCrEt" not in message


def test_an_older_store_gets_the_indexes_added_since(store):
    import sqlalchemy as sa

    # A store written before migrations, and before this index: no alembic_version,
    # no issue items, no ix_deliveries_sent_at.
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX ix_deliveries_sent_at"))
        conn.execute(sa.text("DROP TABLE alembic_version"))
        conn.execute(sa.text("ALTER TABLE issues DROP COLUMN items"))
        conn.execute(sa.text("ALTER TABLE issues DROP COLUMN more"))

    def indexes(s: Store) -> set[str]:
        return {i["name"] for i in sa.inspect(s.engine).get_indexes("deliveries")}

    assert "ix_deliveries_sent_at" not in indexes(store)
    with Store(store.url) as reopened:
        assert "ix_deliveries_sent_at" in indexes(reopened)
    Store(store.url).close()  # and opening again with it present is fine


def test_connections_opening_a_new_sqlite_file_at_the_same_instant_all_get_wal(tmp_path):
    """Two connections switching a new file to WAL at once: SQLite answers one of them
    "database is locked" at once, without waiting out the busy timeout."""
    import threading

    from digest.store.base import create_engine

    errors: list[str] = []
    modes: list[str] = []
    for n in range(40):
        url = f"sqlite:///{tmp_path / f'new-{n}.db'}"
        barrier = threading.Barrier(6)

        def connect(url=url, barrier=barrier) -> None:
            engine = create_engine(url)
            barrier.wait()
            try:
                with engine.connect() as conn:
                    modes.append(conn.exec_driver_sql("PRAGMA journal_mode").scalar())
            except Exception as exc:  # noqa: BLE001 - every failure is collected and shown
                errors.append(str(exc).splitlines()[0])
            finally:
                engine.dispose()

        threads = [threading.Thread(target=connect) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert set(modes) == {"wal"}


@pytest.mark.postgres
def test_a_lock_another_session_holds_fails_a_statement_after_the_lock_timeout(monkeypatch):
    """PostgreSQL would wait for ever; the store waits as long as SQLite's busy timeout."""
    from concurrent.futures import ThreadPoolExecutor

    import sqlalchemy as sa

    from digest.store import base
    from digest.subscribers import new_subscriber
    from tests.fixtures import postgres_schema_url
    from tests.helpers import NOW

    monkeypatch.setattr(base, "POSTGRES_LOCK_TIMEOUT", "1s", raising=False)
    for url in postgres_schema_url():
        with Store(url) as store, store.engine.connect() as other:
            store.add_subscribers("daily", [new_subscriber("ana@example.org")], at=NOW)
            other.execute(sa.text("LOCK TABLE subscribers IN ACCESS EXCLUSIVE MODE"))  # held until the end
            with ThreadPoolExecutor(1) as pool:
                waiting = pool.submit(store.count_subscribers, "daily")
                try:
                    with pytest.raises(StoreError, match="lock timeout"):
                        waiting.result(timeout=10)
                finally:
                    other.rollback()  # a store that waits for ever gets its answer now, and the test fails
            assert store.count_subscribers("daily") == 1


@pytest.mark.parametrize("url", ["postgresql+psycopg://u:hunter2@127.0.0.1:54x2/db", "sqlite:///x.db?timeout=soon"])
def test_a_store_url_that_cannot_be_parsed_is_one_line_naming_it(url, tmp_path, monkeypatch):
    from digest.store.migrate import upgrade_store

    monkeypatch.chdir(tmp_path)
    for opening in (Store, upgrade_store):
        with pytest.raises(StoreError, match=r"cannot open store .*not a usable store URL") as caught:
            opening(url)
        assert "hunter2" not in str(caught.value)


# What a mail server, a forged bounce or a failing feed may say: NUL (which PostgreSQL
# refuses in text), terminal escapes, BEL, a line break with a header after it, a tab and
# a bidi override. Stored and handed back as one printable line.
HOSTILE = "550 5.1.1 bad\x00user\x1b[31m red\x07\r\nBcc: x\t\u202eevil"
CLEAN = "550 5.1.1 baduser[31m red  Bcc: x evil"


def test_free_text_is_stored_as_one_printable_line(store):
    import sqlalchemy as sa

    from digest.models import ChangeSource, DeliveryResult, DeliveryStatus, SubscriberChange, SubscriberStatus
    from digest.store import deliveries_table, sources_table, subscriber_events_table
    from tests.helpers import save_issue, subscribe

    bounced, asked, soft, *_ = subscribe(store, 5)
    store.set_subscriber_status("daily", bounced, SubscriberStatus.BOUNCED, at=NOW, source=ChangeSource.BOUNCE,
                                detail=HOSTILE)  # fmt: skip
    store.record_subscriber_event("daily", asked, SubscriberChange.CONFIRMATION_SENT, source=ChangeSource.PAGE,
                                  at=NOW, detail=HOSTILE)  # fmt: skip
    assert store.record_soft_bounce("daily", soft, at=NOW, detail=HOSTILE, limit=1, within=timedelta(days=7)) == 1
    store.record_source_failure("feed", HOSTILE, at=NOW)
    issue_id = save_issue(store).rendered.digest.issue_id
    claims = store.claim(issue_id, limit=2, lease=60, now=NOW)
    results = [DeliveryResult(claims[0].subscriber.id, DeliveryStatus.FAILED, 550, HOSTILE),
               DeliveryResult(claims[1].subscriber.id, DeliveryStatus.DEFERRED, 451, "451 " + HOSTILE)]  # fmt: skip
    assert store.record(issue_id, results, now=NOW) == 2

    with store.engine.connect() as conn:
        stored = [
            *conn.execute(sa.select(subscriber_events_table.c.detail).where(subscriber_events_table.c.detail != "")),
            *conn.execute(sa.select(deliveries_table.c.last_error).where(deliveries_table.c.last_error.is_not(None))),
            *conn.execute(sa.select(sources_table.c.last_error)),
        ]
    assert sorted(row[0] for row in stored) == sorted(
        [CLEAN, CLEAN, CLEAN, f"1 temporary failures within 7 days; the last: {CLEAN}", CLEAN, "451 " + CLEAN, CLEAN]
    )
    assert store.subscriber_history(bounced)[-1].detail == CLEAN
    assert store.ledger_overview([issue_id], now=NOW)[issue_id].last_failure == CLEAN
    assert store.source_state("feed").last_error == CLEAN


def test_text_an_older_version_stored_is_handed_back_as_one_printable_line(store):
    """Stores written before the text was cleaned may hold escapes (and, on SQLite, NUL)."""
    import sqlalchemy as sa

    from digest.models import ChangeSource, DeliveryResult, DeliveryStatus, SubscriberStatus
    from digest.store import deliveries_table, sources_table, subscriber_events_table
    from tests.helpers import save_issue, subscribe

    old = HOSTILE.replace("\x00", "") if store.engine.dialect.name == "postgresql" else HOSTILE
    [reader] = subscribe(store, 1)
    issue_id = save_issue(store).rendered.digest.issue_id
    [claim] = store.claim(issue_id, limit=1, lease=60, now=NOW)
    store.record(issue_id, [DeliveryResult(claim.subscriber.id, DeliveryStatus.FAILED, 550, "550")], now=NOW)
    store.set_subscriber_status("daily", reader, SubscriberStatus.BOUNCED, at=NOW, source=ChangeSource.BOUNCE,
                                detail="5.1.1")  # fmt: skip
    store.record_source_failure("feed", "HTTP 500", at=NOW)
    with store.engine.begin() as conn:  # as an older version wrote them
        conn.execute(sa.update(subscriber_events_table).values(detail=old))
        conn.execute(sa.update(deliveries_table).values(last_error=old))
        conn.execute(sa.update(sources_table).values(last_error=old))

    assert {e.detail for e in store.subscriber_history(reader)} == {CLEAN}
    assert store.stop_reasons("daily", [reader])[reader].detail == CLEAN
    assert store.ledger_overview([issue_id], now=NOW)[issue_id].last_failure == CLEAN
    assert store.source_state("feed").last_error == CLEAN
    assert [s.last_error for s in store.source_states(["feed"])] == [CLEAN]


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path):
    """The store keeps the secret that signs unsubscribe, preferences and bounce tokens, and
    every reader's address: under the usual umask 022 a new file would be world-readable,
    and anyone on the machine could sign tokens. SQLite gives its -wal and -shm files the
    database file's mode. A store that already exists keeps the mode its operator gave it."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:
            store.meta_value("probe", default_factory=lambda: "x")
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
        shared = tmp_path / "shared.db"
        shared.touch(mode=0o640)
        shared.chmod(0o640)
        with Store(f"sqlite:///{shared}"):
            pass
    finally:
        os.umask(old)
    assert modes == {"digest.db": 0o600, "digest.db-wal": 0o600, "digest.db-shm": 0o600}
    assert stat.S_IMODE(shared.stat().st_mode) == 0o640


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into any folder")
def test_a_store_in_a_read_only_folder_says_the_folder_is_why(tmp_path):
    """SQLite says 'attempt to write a readonly database' of a store whose file may be
    written when its folder may not (it keeps the -wal and -shm files there), and 'unable
    to open database file' of a new one there: the folder is named as the cause."""
    folder = tmp_path / "shared"
    folder.mkdir()
    with Store(f"sqlite:///{folder / 'digest.db'}"):
        pass
    for leftover in folder.glob("digest.db-*"):
        leftover.unlink()
    folder.chmod(0o555)
    try:
        with pytest.raises(StoreError) as existing:
            Store(f"sqlite:///{folder / 'digest.db'}")
        with pytest.raises(StoreError) as new:
            Store(f"sqlite:///{folder / 'new.db'}")
    finally:
        folder.chmod(0o755)
    assert str(existing.value).endswith(
        f"attempt to write a readonly database (its folder {folder} is read-only: SQLite keeps digest.db-wal and -shm there)"
    )
    assert str(new.value).endswith(f"unable to open database file (it cannot be made in {folder}: permission denied)")
