"""Sources from sites never seen before: pages that move by <meta refresh>, feeds that
list an item twice, link their media, or answer "too many requests"."""

from __future__ import annotations

import socket

import httpx
import pytest

from digest.config import FetchSettings
from digest.gather.fetch import Fetcher, _describe_transport_error, make_client
from digest.models import Source, SourceKind
from tests.faults import test_hostile_sources as hostile
from tests.integration import pages, test_gather as plain_gather
from tests.integration.httpserver import Route

internal_server = hostile.internal_server  # a server on 127.0.0.2, an internal service
store = plain_gather.store  # SQLite only
run = plain_gather.run
REFUSED = hostile.REFUSED


def by_name(report):
    return {r.source: r for r in report.sources}


def refresh_page(content: str) -> bytes:
    return (
        f'<html><head><noscript><META http-equiv="Refresh" content="{content}"></noscript>'
        "<title>Redirecting</title></head><body></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "content",
    [
        "0; url=/story",
        "0;URL='/story'",
        "1, url=/story",
        "0; URL=&quot;/story&quot;",
        "0;/story",
    ],
)
async def test_a_page_that_moves_by_meta_refresh_is_followed(http_server, store, content):
    http_server.routes["/short"] = Route(refresh_page(content))
    http_server.routes["/story"] = Route(pages.article_html("The story behind the short link"))
    report = await run([Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/short"))], store)
    assert by_name(report)["p"].error is None
    [article] = report.new_articles
    assert article.title == "The story behind the short link"
    assert article.url == http_server.url("/story")


async def test_a_feed_link_that_moves_by_meta_refresh_gives_the_page_not_the_teaser(http_server, store):
    http_server.routes["/feed"] = Route(
        pages.rss([("Short", http_server.url("/short"))]), content_type="application/rss+xml"
    )
    http_server.routes["/short"] = Route(refresh_page("0; url=/story"))
    http_server.routes["/story"] = Route(pages.article_html("A story reached through a refresh"))
    report = await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store)
    [article] = report.new_articles
    assert article.warnings == ()
    assert "A story reached through a refresh" in " ".join(article.paragraphs)


async def test_a_refresh_that_waits_or_reloads_itself_is_the_page(http_server, store):
    http_server.routes["/slow"] = Route(
        pages.article_html("A live page that reloads").replace(
            b"<head>", b'<head><meta http-equiv="refresh" content="300; url=/elsewhere">'
        )
    )
    http_server.routes["/live"] = Route(
        pages.article_html("A live blog that reloads").replace(
            b"<head>", b'<head><meta http-equiv="refresh" content="60">'
        )
    )
    sources = [Source(name=n, kind=SourceKind.PAGE, location=http_server.url(f"/{n}")) for n in ("slow", "live")]
    report = by_name(await run(sources, store))
    assert report["slow"].new == report["live"].new == 1
    assert http_server.hits("/elsewhere") == 0


async def test_refreshes_in_a_loop_end_as_too_many_redirects(http_server):
    http_server.routes["/a"] = Route(refresh_page("0; url=/b"))
    http_server.routes["/b"] = Route(refresh_page("0; url=/a"))
    settings = FetchSettings()
    async with make_client(settings) as client:
        with pytest.raises(Exception, match=f"more than {settings.max_redirects} redirects"):
            await Fetcher(client, settings=settings).fetch(http_server.url("/a"))


async def test_a_refresh_to_a_script_or_a_mail_address_leaves_the_page_as_it_is(http_server, store):
    for name, target in (("script", "javascript:alert(1)"), ("mail", "mailto:desk@example.org")):
        http_server.routes[f"/{name}"] = Route(
            pages.article_html(f"A story with a {name} refresh").replace(
                b"<head>", f'<head><meta http-equiv="refresh" content="0; url={target}">'.encode()
            )
        )
    sources = [Source(name=n, kind=SourceKind.PAGE, location=http_server.url(f"/{n}")) for n in ("script", "mail")]
    report = by_name(await run(sources, store))
    assert report["script"].new == report["mail"].new == 1


async def test_a_refresh_to_a_private_address_is_refused_as_a_redirect_is(http_server, store, internal_server):
    http_server.routes["/feed"] = Route(
        pages.rss([("Short", http_server.url("/short"))]), content_type="application/rss+xml"
    )
    http_server.routes["/short"] = Route(refresh_page(f"0; url={internal_server.url}"))
    report = await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store)
    assert internal_server.hits == []
    [failure] = by_name(report)["f"].failures
    assert (failure.item, failure.reason) == (http_server.url("/short"), f"refused: 127.0.0.2 {REFUSED}")


async def test_an_item_a_feed_lists_twice_is_fetched_once_and_counts_once(http_server, store):
    story = http_server.url("/story")
    http_server.routes["/feed"] = Route(
        pages.rss(
            [
                ("Story", story),
                ("Story, again", story),
                ("Story, tracked", f"{story}?utm_source=rss&utm_medium=feed"),
                ("Other", http_server.url("/other")),
            ]
        ),
        content_type="application/rss+xml",
    )
    http_server.routes["/story"] = Route(pages.article_html("A story the feed repeats"))
    http_server.routes["/other"] = Route(pages.article_html("Another story entirely"))
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"), max_items=2)
    report = by_name(await run([source], store))["f"]
    assert (report.new, report.seen, report.failures) == (2, 0, ())  # max_items counts items, not lines
    assert sum(1 for path, _ in http_server.requests if path.startswith("/story")) == 1


async def test_a_podcast_episode_is_its_notes_and_its_audio_is_never_downloaded(http_server, store):
    http_server.routes["/episode.mp3"] = Route(b"ID3" + bytes(range(256)) * 4000, content_type="audio/mpeg")
    http_server.routes["/podcast"] = Route(
        f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Podcast</title>
<item><title>Episode 1</title><guid isPermaLink="false">episode-1</guid>
<enclosure url="{http_server.url("/episode.mp3")}" length="1024003" type="audio/mpeg"/>
<description>We talk about the new bridge and what it means for the town.</description></item>
</channel></rss>""".encode(),
        content_type="application/rss+xml",
    )
    report = await run([Source(name="pod", kind=SourceKind.FEED, location=http_server.url("/podcast"))], store)
    [article] = report.new_articles
    assert (article.title, article.warnings) == ("Episode 1", ())
    assert http_server.hits("/episode.mp3") == 0


async def test_an_item_kept_from_its_teaser_is_a_warning_of_its_source_that_names_it(http_server, store):
    """The page failed, so the digest has the feed's teaser: the gather says so."""
    busy = http_server.url("/busy?token=s3cret")
    http_server.routes["/busy?token=s3cret"] = Route(b"gone", status=410, content_type="text/plain")
    http_server.routes["/story"] = Route(pages.article_html("A story that is read whole"))
    http_server.routes["/feed"] = Route(
        pages.rss([("Busy", busy), ("Story", http_server.url("/story"))]), content_type="application/rss+xml"
    )
    report = by_name(await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store))
    [warning] = report["f"].warnings
    assert warning.item == http_server.url("/busy?token=***")
    assert warning.reason == "used the feed text: HTTP 410 Gone"
    assert (report["f"].new, report["f"].failures) == (2, ())


@pytest.mark.parametrize(
    ("status", "retry_after", "said"),
    [
        (429, "120", "HTTP 429 Too Many Requests (retry after 120 s)"),
        (503, "Wed, 21 Oct 2026 07:28:00 GMT", "HTTP 503 Service Unavailable (retry after 2026-10-21 07:28 UTC)"),
        (429, "soon\x1b[31m", "HTTP 429 Too Many Requests"),
        (429, "99999999999999999999", "HTTP 429 Too Many Requests"),
    ],
)
async def test_a_server_that_asks_for_a_wait_is_quoted(http_server, store, status, retry_after, said):
    http_server.routes["/busy"] = Route(
        b"slow down", status=status, headers={"Retry-After": retry_after}, content_type="text/plain"
    )
    report = by_name(await run([Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/busy"))], store))
    assert report["p"].error == said


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_connection_that_fails_names_the_host_and_port_it_was_for(http_server, store):
    """A redirect led elsewhere: the source's error says where, not only that."""
    port = closed_port()
    http_server.routes["/moved"] = Route(redirect_to=f"http://127.0.0.1:{port}/feed")
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/moved"))
    report = by_name(await run([source], store, FetchSettings(allow_private=True)))
    assert report["f"].error.startswith(f"connection failed to 127.0.0.1 port {port}: ")


def test_a_dns_failure_names_the_host_it_looked_up():
    request = httpx.Request("GET", "https://b\u00fccher.example/feed")
    error = httpx.ConnectError("[Errno -2] Name or service not known", request=request)
    assert _describe_transport_error(error) == (
        "DNS lookup failed for b\u00fccher.example: [Errno -2] Name or service not known"
    )
    timeout = httpx.ConnectTimeout("", request=httpx.Request("GET", "http://example.org:8080/"))
    assert _describe_transport_error(timeout) == "timed out (ConnectTimeout) on example.org port 8080"


async def test_an_entry_whose_only_link_is_no_web_address_is_its_own_text_without_a_warning(http_server, store):
    http_server.routes["/atom"] = Route(
        b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title>Tagged</title><id>tag:e.org,2026:post-1</id><updated>2026-11-20T08:00:00Z</updated>
<summary>The council approved the bridge plan on Tuesday evening.</summary></entry>
<entry><title>Mail us</title><link href="mailto:desk@e.org"/><id>tag:e.org,2026:post-2</id>
<summary>Write to the desk about the new crossing and the county fund.</summary></entry></feed>""",
        content_type="application/atom+xml",
    )
    report = by_name(await run([Source(name="a", kind=SourceKind.FEED, location=http_server.url("/atom"))], store))
    assert (report["a"].new, report["a"].failures, report["a"].warnings) == (2, (), ())


@pytest.mark.parametrize(
    ("busy", "said"),
    [
        (Route(b"later", status=429, content_type="text/plain"), "HTTP 429 Too Many Requests"),
        (
            Route(b"later", status=503, headers={"Retry-After": "30"}, content_type="text/plain"),
            "HTTP 503 Service Unavailable (retry after 30 s)",
        ),
    ],
    ids=["429", "503-retry-after"],
)
async def test_an_item_whose_server_asks_us_to_come_back_later_is_read_whole_next_time(http_server, store, busy, said):
    """A 429 (or a 503 with Retry-After) is a wait, not the page's answer: the item fails for
    now and is fetched again, rather than kept for good as the feed's teaser."""
    http_server.routes["/feed"] = Route(
        pages.rss([("Busy", http_server.url("/busy"))]), content_type="application/rss+xml"
    )
    http_server.routes["/busy"] = busy
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))
    first = by_name(await run([source], store))["f"]
    assert first.new == 0
    assert [(f.item, f.reason) for f in first.failures] == [(http_server.url("/busy"), said)]
    http_server.routes["/busy"] = Route(pages.article_html("Busy no more"))
    [article] = (await run([source], store)).new_articles
    assert (article.title, article.warnings) == ("Busy no more", ())


async def test_a_host_that_asked_for_a_wait_is_not_asked_again_in_the_same_gather(http_server, store):
    links = [http_server.url(f"/story/{i}") for i in range(6)]
    http_server.routes["/feed"] = Route(
        pages.rss([(f"Story {i}", link) for i, link in enumerate(links)]), content_type="application/rss+xml"
    )
    for i in range(6):
        http_server.routes[f"/story/{i}"] = Route(
            b"later", status=429, headers={"Retry-After": "600"}, content_type="text/plain"
        )
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))
    report = by_name(await run([source], store, FetchSettings(per_host=1)))["f"]
    assert sum(1 for path, _ in http_server.requests if path.startswith("/story/")) == 1
    assert len(report.failures) == 6 and report.new == 0
    host = f"127.0.0.1 port {http_server.port}"
    assert sorted(f.reason for f in report.failures)[-1] == (
        f"not asked: {host} answered HTTP 429 Too Many Requests (retry after 600 s) earlier in this gather"
    )


async def test_a_refresh_inside_a_feeds_text_is_the_feeds_not_a_redirect(http_server, store):
    """A feed served as text/html whose item quotes a page with a refresh in it: the feed
    is read; only a refresh in a page's head moves the page."""
    http_server.routes["/feed"] = Route(
        pages.rss([("Story", http_server.url("/story"))], full_content=True).replace(
            b"<![CDATA[", b'<![CDATA[<meta http-equiv="refresh" content="0; url=/elsewhere">', 1
        ),
        content_type="text/html; charset=utf-8",
    )
    report = by_name(await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store))
    assert (report["f"].error, report["f"].new) == (None, 1)
    assert http_server.hits("/elsewhere") == 0


async def test_an_empty_page_is_named_empty(http_server, store):
    http_server.routes["/empty"] = Route(b"")
    http_server.routes["/blank"] = Route(b" \r\n\t ")
    http_server.routes["/feed"] = Route(
        pages.rss([("Empty", http_server.url("/empty"))]), content_type="application/rss+xml"
    )
    sources = [
        Source(name="empty", kind=SourceKind.PAGE, location=http_server.url("/empty")),
        Source(name="blank", kind=SourceKind.PAGE, location=http_server.url("/blank")),
        Source(name="feed", kind=SourceKind.FEED, location=http_server.url("/feed")),
    ]
    report = by_name(await run(sources, store))
    assert report["empty"].error == report["blank"].error == "the page is empty"
    [warning] = report["feed"].warnings
    assert warning.reason == "used the feed text: the page is empty"


async def test_not_modified_to_a_request_that_named_no_version_is_a_failure(http_server, store):
    """304 answers "the version you have": asked without one, the page was never read."""
    http_server.routes["/p"] = Route(b"", status=304)
    report = by_name(await run([Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/p"))], store))
    assert report["p"].error == "HTTP 304 Not Modified to a request that named no version it has"
    assert not report["p"].not_modified


@pytest.mark.parametrize(("status", "moved"), [(301, True), (308, True), (302, False), (307, False)])
async def test_a_feed_that_moved_for_good_is_read_and_says_where_it_went(http_server, store, status, moved):
    http_server.routes["/old-feed"] = Route(b"", status=status, headers={"Location": http_server.url("/feed")})
    http_server.routes["/feed"] = Route(
        pages.rss([("Moved story", http_server.url("/story"))]), content_type="application/rss+xml"
    )
    http_server.routes["/story"] = Route(pages.article_html("The story of a feed that moved"))
    source = Source(name="news", kind=SourceKind.FEED, location=http_server.url("/old-feed"))
    report = (await run([source], store)).sources[0]
    assert report.ok and report.new == 1, report
    said = [w.reason for w in report.warnings if "moved" in w.reason]
    if moved:
        assert said == [f"moved for good to {http_server.url('/feed')}: set sources.news.feed to it"], report.warnings
    else:
        assert said == [], report.warnings


async def test_a_hostile_refresh_is_one_items_failure_and_the_feeds_other_items_are_read(http_server, store):
    """A delay of thousands of digits, a host that is no IDNA name: the item fails, not the feed."""
    hostile = {
        "/digits": b'<meta http-equiv="refresh" content="' + b"0" * 5000 + b'; url=/good">',
        "/idna": b'<meta http-equiv="refresh" content="0; url=http://xn--zz/">',
    }
    for path, head in hostile.items():
        http_server.routes[path] = Route(b"<html><head>" + head + b"</head><body></body></html>")
    http_server.routes["/good"] = Route(pages.article_html("A good story beside hostile ones"))
    links = [("Good", http_server.url("/good"))] + [(p, http_server.url(p)) for p in hostile]
    http_server.routes["/feed"] = Route(pages.rss(links), content_type="application/rss+xml")
    report = (await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store)).sources[0]
    assert report.ok and report.new >= 1, report
    assert store.known_urls([http_server.url("/good")]), report
    assert any("/idna" in f.item and "invalid URL" in f.reason for f in (*report.failures, *report.warnings)), report


async def test_a_page_built_to_make_pattern_matching_slow_holds_back_no_other_source(http_server, store):
    """Attributes of 30,000 letters in a refresh tag, an undeclared page of 100,000 "<": read
    in linear time, so the gather's deadline is not spent on them."""
    http_server.routes["/attributes"] = Route(
        b'<html><head><meta http-equiv="refresh" content="0; url=/good" ' + b"a" * 30_000 + b"></head></html>"
    )
    http_server.routes["/angles"] = Route(b"<html><body>\xff" + b"<" * 100_000, content_type="text/html")
    http_server.routes["/good"] = Route(pages.article_html("A good story after slow pages"))
    sources = [
        Source(name=n, kind=SourceKind.PAGE, location=http_server.url(f"/{n}")) for n in ("attributes", "angles")
    ]
    sources.append(Source(name="good", kind=SourceKind.PAGE, location=http_server.url("/good")))
    report = await run(sources, store, FetchSettings(gather_timeout=5.0))
    reasons = {s.source: s.error or "" for s in report.sources}
    assert not any("deadline" in reason for reason in reasons.values()), reasons
    assert reasons["good"] == "", reasons


@pytest.mark.parametrize(
    ("head", "followed"),
    [
        (b'<!-- <meta http-equiv="refresh" content="0; url=/good"> -->', False),
        (b'<script>document.write(\'<meta http-equiv="refresh" content="0; url=/good">\')</script>', False),
        (b'<meta http-equiv="refresh" content="0; url=\'/good\' x">', True),
    ],
    ids=["comment", "script", "quoted"],
)
async def test_a_refresh_a_browser_would_not_follow_is_not_followed(http_server, store, head, followed):
    http_server.routes["/page"] = Route(
        b"<html><head>" + head + b"</head><body>" + b"<p>Own text here.</p>" * 3 + b"</body></html>"
    )
    http_server.routes["/good"] = Route(pages.article_html("The page a refresh leads to"))
    report = await run([Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/page"))], store)
    stored = store.known_urls([http_server.url("/good")])
    assert bool(stored) is followed, report


@pytest.mark.parametrize("hop", ["redirect", "refresh"])
async def test_an_entry_whose_link_moves_is_not_fetched_again_at_the_next_gather(http_server, store, hop):
    """A feed that links through a tracker or a short link (feedburner, t.co) names each
    item by the link, not by where it lands: the next gather knows the link as the story."""
    http_server.routes["/feed"] = Route(
        pages.rss([("A story behind a tracking link", http_server.url("/r/1"))]), content_type="application/rss+xml"
    )
    http_server.routes["/r/1"] = (
        Route(redirect_to=http_server.url("/story")) if hop == "redirect" else Route(refresh_page("0; url=/story"))
    )
    http_server.routes["/story"] = Route(pages.article_html("A story behind a tracking link"))
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))
    first = by_name(await run([source], store))["f"]
    assert (first.new, first.seen) == (1, 0)
    second = by_name(await run([source], store))["f"]
    assert (second.new, second.seen, second.failures) == (0, 1, ())
    assert (http_server.hits("/r/1"), http_server.hits("/story")) == (1, 1)


async def test_a_moved_entry_a_second_feed_carries_reaches_that_feeds_lists(http_server, store):
    """The same tracked link in another feed is the stored story, noted for that feed too."""
    for name in ("a", "b"):
        http_server.routes[f"/{name}"] = Route(
            pages.rss([("A story two feeds link through a tracker", http_server.url("/r/1"))]),
            content_type="application/rss+xml",
        )
    http_server.routes["/r/1"] = Route(redirect_to=http_server.url("/story"))
    http_server.routes["/story"] = Route(pages.article_html("A story two feeds link through a tracker"))
    a, b = (Source(name=n, kind=SourceKind.FEED, location=http_server.url(f"/{n}")) for n in ("a", "b"))
    assert by_name(await run([a], store))["a"].new == 1
    assert by_name(await run([b], store))["b"].seen == 1
    assert http_server.hits("/story") == 1
    [stored] = store.unsent_articles("l", sources=["b"])
    assert stored.article.url == http_server.url("/story")


async def test_a_tracker_link_over_the_link_limit_keeps_the_story_it_leads_to(http_server, each_store):
    """A click tracker's link may be long; the short address it leads to is the story, on
    either store (a PostgreSQL index entry holds about 2,700 bytes)."""
    import hashlib

    token = "".join(hashlib.sha256(str(i).encode()).hexdigest() for i in range(80))  # 5,120 characters
    http_server.routes["/feed"] = Route(
        pages.rss([("Tracked", http_server.url(f"/r/{token}"))]), content_type="application/rss+xml"
    )
    http_server.routes[f"/r/{token}"] = Route(redirect_to=http_server.url("/story"))
    http_server.routes["/story"] = Route(pages.article_html("A story behind a long tracking link"))
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))
    report = by_name(await run([source], each_store))["f"]
    assert (report.new, report.error, report.failures) == (1, None, ())
    [stored] = each_store.unsent_articles("l", sources=["f"])
    assert stored.article.url == http_server.url("/story")


async def test_a_link_that_leads_to_each_new_item_in_turn_is_fetched_for_each(http_server, store):
    """A feed whose every item links to one address that moves on (a "latest issue" link):
    the address names no one story, and the next item behind it is a new story."""
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))
    for day, title in enumerate(["Monday issue of the letter", "Tuesday issue of the letter"], start=1):
        http_server.routes["/feed"] = Route(
            pages.rss([(title, http_server.url("/latest"))]), content_type="application/rss+xml"
        )
        http_server.routes["/latest"] = Route(redirect_to=http_server.url(f"/issues/{day}"))
        http_server.routes[f"/issues/{day}"] = Route(pages.article_html(title))
        report = by_name(await run([source], store))["f"]
        assert (report.new, report.failures) == (1, ()), day
    assert http_server.hits("/issues/2") == 1


async def test_items_a_wall_stood_in_front_of_are_fetched_once_it_is_gone(http_server, store):
    """Every link leading to one consent or login page names none of the items: once the
    page lets readers through, the stories behind the links are gathered."""
    titles = ["First story behind the wall", "Second story behind the wall"]
    http_server.routes["/feed"] = Route(
        pages.rss([(t, http_server.url(f"/r/{i}")) for i, t in enumerate(titles)]), content_type="application/rss+xml"
    )
    http_server.routes["/wall"] = Route(pages.article_html("Before you continue to the site"))
    for i in range(2):
        http_server.routes[f"/r/{i}"] = Route(redirect_to=http_server.url("/wall"))
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))
    await run([source], store)
    for i, title in enumerate(titles):
        http_server.routes[f"/r/{i}"] = Route(redirect_to=http_server.url(f"/s/{i}"))
        http_server.routes[f"/s/{i}"] = Route(pages.article_html(title))
    assert by_name(await run([source], store))["f"].new == 2


async def test_a_link_of_many_non_latin_characters_is_one_items_failure_on_either_store(http_server, each_store):
    """A link's limit is in the bytes a store indexes: 1,500 Chinese characters are under
    2,048 characters but over 4 KB, past what a PostgreSQL index entry holds (about 2,700
    bytes). It is that item's failure; the feed's other item and the other source are read."""
    long_link = "https://news.example.org/" + "".join(chr(0x4E00 + i * 7) for i in range(1500))  # no repeats
    http_server.routes["/feed"] = Route(
        pages.rss([("Long", long_link), ("Short", "https://news.example.org/short")], full_content=True),
        content_type="application/rss+xml",
    )
    http_server.routes["/page"] = Route(pages.article_html("A page beside the feed"))
    sources = [
        Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed")),
        Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/page")),
    ]
    report = by_name(await run(sources, each_store))
    assert (report["f"].error, report["p"].error) == (None, None)
    assert (report["f"].new, report["p"].new) == (1, 1)
    [failure] = report["f"].failures
    assert "over 2,048" in failure.reason
