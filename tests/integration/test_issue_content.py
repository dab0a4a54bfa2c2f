"""What goes into an issue over the days: its date, which stories, and each once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from digest.app import sending
from digest.app.sending import plan_send
from digest.config import Settings, SummarySettings
from digest.models import Article
from tests.helpers import LIST, subscribe


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


def story(n: int, *, source: str = "s", url: str | None = None) -> Article:
    return Article(
        url=f"https://news.example.org/{n}" if url is None else url,
        title=f"Story {n}",
        paragraphs=(f"The council met on day {n} and approved the plan. " * 8,),
        source=source,
    )


@pytest.mark.parametrize(
    ("zone", "instant", "day"),
    [
        ("Pacific/Auckland", datetime(2026, 11, 30, 18, 0, tzinfo=UTC), date(2026, 12, 1)),  # 07:00 on the 1st
        ("America/Los_Angeles", datetime(2026, 12, 1, 3, 0, tzinfo=UTC), date(2026, 11, 30)),  # 19:00 on the 30th
        ("UTC", datetime(2026, 12, 1, 3, 0, tzinfo=UTC), date(2026, 12, 1)),
    ],
)
def test_an_issue_is_dated_by_the_day_where_its_list_is_read(store, monkeypatch, zone, instant, day):
    chosen = replace(LIST, timezone=zone)
    settings = Settings(lists=(chosen,), summary=SummarySettings(algorithm="lead"))
    subscribe(store, 1)
    store.add_article(story(1), gathered_at=instant)
    monkeypatch.setattr(sending, "_now", lambda: instant)
    plan = plan_send(settings, chosen, store=store)
    assert plan is not None
    digest = plan.issue.rendered.digest
    assert digest.day == day
    assert day.strftime("%Y%m%d") in digest.issue_id
    assert f"{day.day} {day:%b %Y}" in plan.issue.rendered.subject


def test_deferrals_are_retried_for_retry_days_then_given_up_as_soft_bounces(store):
    from datetime import timedelta

    from digest.app import unfinished_issue
    from digest.config import DeliverySettings
    from digest.models import DeliveryResult, DeliveryStatus
    from tests.helpers import NOW, save_issue

    settings = Settings(lists=(LIST,), delivery=DeliverySettings(retry_days=2))
    subscribe(store, 2)
    issue = save_issue(store)
    issue_id = issue.rendered.digest.issue_id
    first, second = (s.id for s in store.iter_subscribers("daily"))
    store.claim(issue_id, limit=2, lease=60, now=NOW, owner="a")
    store.record(
        issue_id,
        [
            DeliveryResult(first, DeliveryStatus.SENT, 250, ""),
            DeliveryResult(second, DeliveryStatus.DEFERRED, 452, "452 4.2.2 Mailbox full"),
        ],
        now=NOW,
    )
    assert unfinished_issue(settings, LIST, store=store, now=NOW + timedelta(days=1)) is not None
    assert unfinished_issue(settings, LIST, store=store, now=NOW + timedelta(days=2)) is None
    totals = store.ledger_totals(issue_id)
    assert (totals[DeliveryStatus.SENT], totals[DeliveryStatus.FAILED], totals[DeliveryStatus.DEFERRED]) == (1, 1, 0)
    assert store.issue(issue_id).completed_at is not None
    events = [
        e for e in store.subscriber_history("reader1@example.org", list_name="daily") if "given up" in (e.detail or "")
    ]
    assert events and "Mailbox full" in events[0].detail


RSS = """<?xml version="1.0"?>
<rss version="2.0"><channel><title>Notes</title><link>https://notes.example.org/</link>
<description>Notes</description>{items}</channel></rss>"""
LINKLESS_ITEM = """<item><title>Note {n}</title><guid isPermaLink="false">note-{n}</guid>
<description>&lt;p&gt;{body}&lt;/p&gt;</description></item>"""


async def gather_feed(path, store, *, max_items: int = 50):
    from digest.config import FetchSettings
    from digest.gather.fetch import make_client
    from digest.gather.sources import gather
    from digest.models import Source, SourceKind

    settings = FetchSettings()
    async with make_client(settings) as client:
        report = await gather(
            [Source(name="notes", kind=SourceKind.FEED, location=str(path), max_items=max_items)],
            client=client,
            store=store,
            settings=settings,
        )
    return report.sources[0]


async def test_feed_items_without_a_link_are_each_their_own_story_and_each_sent_once(store, tmp_path, monkeypatch):
    """Items with only a GUID (or nothing) have no URL: each is kept by its content, not
    all under one empty key where every item after the first counted as seen."""
    feed = tmp_path / "notes.xml"

    def write(count: int) -> None:
        body = "The reading room reopens on Monday with longer hours and a new children's corner. " * 6
        items = "".join(LINKLESS_ITEM.format(n=n, body=f"Note {n}. {body}") for n in range(count))
        feed.write_text(RSS.format(items=items), encoding="utf-8")

    write(2)
    first = await gather_feed(feed, store)
    assert (first.new, first.seen) == (2, 0)
    subscribe(store, 1)
    settings = Settings(lists=(LIST,), summary=SummarySettings(algorithm="lead"))
    monkeypatch.setattr(sending, "_now", lambda: datetime(2026, 11, 30, 7, 0, tzinfo=UTC))
    plan = plan_send(settings, LIST, store=store)
    assert sorted(i.article.title for i in plan.issue.rendered.digest.items) == ["Note 0", "Note 1"]
    assert (
        store.complete_issue(plan.issue.rendered.digest.issue_id, at=datetime(2026, 11, 30, 7, 1, tzinfo=UTC)) is False
    )
    for subscriber in store.iter_subscribers("daily"):
        store.claim(plan.issue.rendered.digest.issue_id, limit=1, lease=60, now=datetime.now(UTC), owner="t")
        store.record(plan.issue.rendered.digest.issue_id, [_sent(subscriber.id)], now=datetime.now(UTC))
    assert store.complete_issue(plan.issue.rendered.digest.issue_id, at=datetime(2026, 11, 30, 7, 2, tzinfo=UTC))

    write(3)
    second = await gather_feed(feed, store)
    assert (second.new, second.seen) == (1, 2)
    monkeypatch.setattr(sending, "_now", lambda: datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    plan = plan_send(settings, LIST, store=store)
    assert [i.article.title for i in plan.issue.rendered.digest.items] == ["Note 2"]


def _sent(subscriber_id: int):
    from digest.models import DeliveryResult, DeliveryStatus

    return DeliveryResult(subscriber_id, DeliveryStatus.SENT, 250, "")


def test_the_same_page_over_http_and_https_is_one_story(store):
    assert store.add_article(story(1, url="https://news.example.org/library-wing/"), gathered_at=datetime.now(UTC))
    twin = replace(story(2, url="http://news.example.org/library-wing/?utm_source=planet"), title="Library wing")
    assert not store.add_article(twin, gathered_at=datetime.now(UTC))
    assert store.known_urls(["http://News.example.org/library-wing/"]) == {"http://News.example.org/library-wing/"}
    assert store.count_articles() == 1


DATED_ITEM = """<item><title>Note {n}</title><guid isPermaLink="false">note-{n}</guid>
<pubDate>{date}</pubDate><description>&lt;p&gt;{body}&lt;/p&gt;</description></item>"""


async def test_a_feed_listed_oldest_first_gives_its_newest_items_up_to_the_cap(store, tmp_path):
    from email.utils import format_datetime

    feed = tmp_path / "notes.xml"
    body = "The reading room reopens on Monday with longer hours and a new children's corner. " * 6
    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    items = "".join(
        DATED_ITEM.format(n=n, date=format_datetime(start.replace(day=1 + n)), body=f"Note {n}. {body}")
        for n in range(12)  # oldest first
    )
    feed.write_text(RSS.format(items=items), encoding="utf-8")
    report = await gather_feed(feed, store, max_items=5)
    assert report.new == 5
    assert sorted(int(s.article.title.split()[1]) for s in store.unsent_articles("daily")) == [7, 8, 9, 10, 11]


def test_a_backlog_neither_hides_fresh_news_nor_crowds_out_other_sections(store, monkeypatch):
    """A source with 30 old stories and another with 3 fresh ones, a cap of 10: the issue
    takes each section's newest in turn, and counts all it left out."""
    from datetime import timedelta

    from digest.models import Source, SourceKind

    sources = (
        Source(name="archive", kind=SourceKind.PATH, location="/a"),
        Source(name="fresh", kind=SourceKind.PATH, location="/b"),
    )
    chosen = replace(LIST, max_items=10)
    settings = Settings(lists=(chosen,), sources=sources, summary=SummarySettings(algorithm="lead"))
    start = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    for n in range(30):
        article = replace(story(n, source="archive"), published=start + timedelta(hours=n))
        store.add_article(article, gathered_at=start)
    for n in range(100, 103):
        article = replace(story(n, source="fresh"), published=start + timedelta(days=59, hours=n))
        store.add_article(article, gathered_at=start + timedelta(days=59))
    subscribe(store, 1)
    monkeypatch.setattr(sending, "_now", lambda: start + timedelta(days=60))
    digest = plan_send(settings, chosen, store=store).issue.rendered.digest
    titles = [i.article.title for i in digest.items]
    assert titles[:7] == [f"Story {n}" for n in range(29, 22, -1)]  # the archive's newest, newest first
    assert titles[7:] == ["Story 102", "Story 101", "Story 100"]
    assert digest.more == 23


def test_a_story_two_sources_carry_reaches_the_lists_of_both(store, tmp_path):
    """Two feeds carry one story (one over http, one over https); list `beta` reads only
    the second. The story is stored once, and both lists get it, each in its own section."""
    import asyncio

    from digest.models import Source, SourceKind

    body = "The reading room reopens on Monday with longer hours and a new children's corner. " * 6
    item = "<item><title>{title}</title><link>{link}</link><description>&lt;p&gt;{body}&lt;/p&gt;</description></item>"
    feeds = {
        "a": item.format(title="Shared story", link="https://e.org/shared", body=body),
        "b": item.format(title="Shared story", link="http://e.org/shared", body=body)
        + item.format(title="Only B", link="https://e.org/only-b", body="Only B. " + body),
    }
    sources = []
    for name, items in feeds.items():
        path = tmp_path / f"{name}.xml"
        path.write_text(RSS.format(items=items), encoding="utf-8")
        sources.append(Source(name=name, kind=SourceKind.FEED, location=str(path)))
    for source in sources:
        asyncio.run(gather_one(source, store))
    daily, beta = replace(LIST, sources=("a",)), replace(LIST, name="beta", sources=("b",))
    settings = Settings(lists=(daily, beta), sources=tuple(sources), summary=SummarySettings(algorithm="lead"))
    from digest.app import pending_articles

    assert [(s.article.title, s.article.source) for s in pending_articles(settings, daily, store=store)] == [
        ("Shared story", "a")
    ]
    assert sorted((s.article.title, s.article.source) for s in pending_articles(settings, beta, store=store)) == [
        ("Only B", "b"),
        ("Shared story", "b"),
    ]


def test_a_renamed_source_keeps_its_unsent_articles(store, tmp_path):
    import asyncio

    from digest.models import Source, SourceKind

    path = tmp_path / "river.xml"
    body = "The reading room reopens on Monday with longer hours and a new children's corner. " * 6
    items = "".join(
        f"<item><title>River {n}</title><link>https://e.org/river/{n}</link>"
        f"<description>&lt;p&gt;River {n}. {body}&lt;/p&gt;</description></item>"
        for n in range(3)
    )
    path.write_text(RSS.format(items=items), encoding="utf-8")
    asyncio.run(gather_one(Source(name="river", kind=SourceKind.FEED, location=str(path)), store))
    renamed = Source(name="river-news", kind=SourceKind.FEED, location=str(path))
    report = asyncio.run(gather_one(renamed, store))
    assert (report.new, report.seen) == (0, 3)
    assert store.count_unsent_articles("daily", sources=["river-news"]) == 3


async def gather_one(source, store):
    from digest.config import FetchSettings
    from digest.gather.fetch import make_client
    from digest.gather.sources import gather

    settings = FetchSettings()
    async with make_client(settings) as client:
        report = await gather([source], client=client, store=store, settings=settings)
    return report.sources[0]


def test_articles_an_issue_left_out_are_no_news_that_gives_its_deferrals_up(store):
    """An issue that left stories out ("and N more") keeps retrying its deferrals; only
    articles gathered after it was made count as the next issue's news."""
    from datetime import timedelta

    from digest.app import unfinished_issue
    from digest.models import DeliveryResult, DeliveryStatus
    from tests.helpers import NOW, save_issue

    settings = Settings(lists=(LIST,))
    subscribe(store, 1)
    store.add_article(story(50), gathered_at=NOW - timedelta(hours=1))  # left out of the issue
    issue = save_issue(store)
    issue_id = issue.rendered.digest.issue_id
    (claim,) = store.claim(issue_id, limit=1, lease=60, now=NOW, owner="a")
    store.record(issue_id, [DeliveryResult(claim.subscriber.id, DeliveryStatus.DEFERRED, 421, "later")], now=NOW)
    assert unfinished_issue(settings, LIST, store=store, now=NOW + timedelta(minutes=10)) is not None
    store.add_article(story(51), gathered_at=NOW + timedelta(hours=20))
    assert unfinished_issue(settings, LIST, store=store, now=NOW + timedelta(hours=21)) is None
