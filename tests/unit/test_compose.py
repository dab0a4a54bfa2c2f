from __future__ import annotations

from datetime import UTC, date, datetime

from digest.mail.compose import compose, issue_id
from digest.models import Article, Source, SourceKind, Summary

DAY = date(2026, 11, 24)


def summary(url, *, source="a", published=None, title=None, image=None, words=460):
    article = Article(
        url=url, title=title or url, paragraphs=("word " * words,), source=source, published=published, image=image
    )
    return Summary(article=article, sentences=("One.",), algorithm="pacsum")


SOURCES = (
    Source(name="b", kind=SourceKind.FEED, location="https://b", title="Bee News"),
    Source(name="a", kind=SourceKind.FEED, location="https://a"),
)


def test_order_is_by_configured_section_then_newest_first():
    items = [
        summary("https://e.org/1", source="a", published=datetime(2026, 11, 1, tzinfo=UTC)),
        summary("https://e.org/2", source="a", published=datetime(2026, 11, 3, tzinfo=UTC)),
        summary("https://e.org/3", source="b", published=datetime(2026, 11, 2, tzinfo=UTC)),
        summary("https://e.org/4", source="zzz"),
        summary("https://e.org/5", source="a"),  # no date: after the dated ones
    ]
    digest = compose(items, list_name="daily", title="Daily", day=DAY, sources=SOURCES)
    assert [i.article.url[-1] for i in digest.items] == ["3", "2", "1", "5", "4"]
    assert digest.items[0].source_label == "Bee News"
    assert digest.items[1].source_label == "a"  # no title: the name
    assert digest.more == 0 and not digest.empty


def test_cap_counts_the_rest_and_duplicates_collapse():
    items = [summary(f"https://e.org/{i}") for i in range(5)] + [summary("https://e.org/0?utm_source=x")]
    digest = compose(items, list_name="daily", title="Daily", day=DAY, max_items=3)
    assert len(digest.items) == 3 and digest.more == 2


def test_empty_digest():
    digest = compose([], list_name="daily", title="", day=DAY)
    assert digest.empty and digest.title == "daily" and digest.more == 0


def test_images_only_when_allowed():
    items = [summary("https://e.org/1", image="https://e.org/i.png")]
    assert compose(items, list_name="d", title="D", day=DAY).items[0].article.image is None
    assert (
        compose(items, list_name="d", title="D", day=DAY, show_images=True).items[0].article.image
        == "https://e.org/i.png"
    )


def test_reading_time_rounds_up():
    digest = compose([summary("https://e.org/1", words=461)], list_name="d", title="D", day=DAY)
    assert digest.items[0].reading_minutes == 3


def test_issue_id_is_stable_for_the_same_articles():
    urls = ["https://e.org/1", "https://e.org/2"]
    assert issue_id("daily", DAY, urls) == issue_id("daily", DAY, ["https://E.org/1#x", "https://e.org/2"])
    assert issue_id("daily", DAY, urls) != issue_id("daily", DAY, urls[:1])
    assert issue_id("daily", DAY, urls).startswith("daily-20261124-")
