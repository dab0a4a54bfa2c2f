"""Every feed of the shared corpus, well-formed or not, through `gather` from a real
local HTTP server: no source crashes the run; a broken one gets a one-line reason,
or, when the parser recovers entries, keeps them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import feedparser
import httpx
import pytest

from digest.config import FetchSettings
from digest.errors import FeedError
from digest.gather.feeds import parse_feed
from digest.gather.fetch import make_client
from digest.gather.sources import gather
from digest.models import Source, SourceKind
from tests.faults.conftest import SHARED_DATA
from tests.integration.httpserver import Route

FEEDS = SHARED_DATA / "feeds"
# Every request is answered at once by the local server: the timeouts only matter if
# something hangs, and then they fail that source and the test says which.
SETTINGS = FetchSettings(read_timeout=5, connect_timeout=5)
CONTENT_TYPES = {".rss": "application/rss+xml", ".atom": "application/atom+xml", ".rdf": "application/rdf+xml"}


class LoopbackOnly(httpx.AsyncBaseTransport):
    """Sends every request to the local test server, whatever host the URL names:
    the feeds' entries link to real sites, and tests talk to loopback only."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.hosts: set[str] = set()
        self._inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.add(request.url.host)
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def manifest() -> list[dict]:
    if not (FEEDS / "manifest.json").is_file():
        pytest.skip("../shared/data/feeds is not present")
    return json.loads((FEEDS / "manifest.json").read_text(encoding="utf-8"))


def usable_entries(path: Path, content_type: str) -> int:
    """Entries with a link or some text: what a reader could be sent (feedparser's own view)."""
    parsed = feedparser.parse(path.read_bytes(), response_headers={"content-type": content_type})
    return sum(
        1
        for e in parsed.entries
        if e.get("link") or str(e.get("id", "")).startswith("http") or e.get("summary") or e.get("content")
    )


def malformed(entry: dict) -> bool:
    return not entry["xml_well_formed"] or entry["feedparser_bozo"]


@pytest.fixture
def roomy_http_server(monkeypatch):
    """The test HTTP server with a listen backlog for a whole corpus fetched at once
    (the default of 5 drops connections, and the client waits out a SYN retry)."""
    from http.server import ThreadingHTTPServer

    from tests.integration import httpserver

    monkeypatch.setattr(ThreadingHTTPServer, "request_queue_size", 128)
    loud = ThreadingHTTPServer.handle_error

    def handle_error(self, request, address):
        # The client closing a kept-alive connection is no error worth a printed traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            loud(self, request, address)

    monkeypatch.setattr(ThreadingHTTPServer, "handle_error", handle_error)
    server, stop = httpserver.start()
    yield server
    stop()


@pytest.mark.slow
async def test_every_shared_feed_is_gathered_or_refused_with_a_reason(store, roomy_http_server):
    http_server = roomy_http_server
    entries = manifest()
    sources = []
    for index, entry in enumerate(entries):
        path = f"/feeds/{index}{Path(entry['file']).suffix}"
        content_type = CONTENT_TYPES.get(Path(entry["file"]).suffix, "application/xml")
        http_server.routes[path] = Route(body=(FEEDS / entry["file"]).read_bytes(), content_type=content_type)
        sources.append(Source(name=entry["file"], kind=SourceKind.FEED, location=http_server.url(path), max_items=5))

    transport = LoopbackOnly(http_server.port)
    async with make_client(SETTINGS, transport=transport) as client:
        result = await gather(sources, client=client, store=store, settings=SETTINGS)

    by_name = {r.source: r for r in result.sources}
    assert set(by_name) == {e["file"] for e in entries}
    problems = []
    for entry in entries:
        got = by_name[entry["file"]]
        usable = usable_entries(FEEDS / entry["file"], CONTENT_TYPES.get(Path(entry["file"]).suffix, "application/xml"))
        warned = any(f.reason.startswith("recovered from a malformed feed") for f in got.warnings)
        if got.error is not None:
            if not got.error.strip() or "\n" in got.error or got.error.startswith("unexpected") or len(got.error) > 300:
                problems.append(f"{entry['file']}: unclear reason {got.error!r}")
            if usable and not malformed(entry):
                problems.append(f"{entry['file']}: well-formed with {usable} usable entries, yet failed: {got.error}")
        else:
            if usable and got.new + got.seen == 0 and not (got.failures or got.warnings):
                problems.append(f"{entry['file']}: {usable} usable entries, none kept and no reason given")
            if malformed(entry) and not warned:
                problems.append(
                    f"{entry['file']}: malformed ({entry['feedparser_bozo_exception'] or entry['xml_error']}), kept without a warning"
                )
    assert problems == [], "\n".join(problems)
    stored = store.count_articles()
    refused = {r.source: r.error for r in result.sources if r.error}
    print(f"\n{len(entries)} feeds: {stored} articles stored, {len(refused)} refused:")
    for name, reason in sorted(refused.items()):
        print(f"  {name}: {reason}")
    assert transport.hosts  # the entries' links were followed, to the local server


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   \n\t",
        b"\x00\x01\x02\xff\xfe binary",
        b"<html><body>not a feed</body></html>",
        b'{"version": "https://jsonfeed.org/version/1.1", "items": 5}',
        b'{"items": []}',
        b"{not json",
        b"<?xml version='1.0'?><rss><channel><item><title>x</title>" * 2000,
        (
            b"<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'><!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;'>]>"
            b"<rss version='2.0'><channel><item><title>&lol2;</title><link>http://x.example/</link></item></channel></rss>"
        ),
    ],
    ids=[
        "empty",
        "blank",
        "binary",
        "html",
        "jsonfeed-items-not-list",
        "json-no-version",
        "bad-json",
        "unclosed",
        "entities",
    ],
)
async def test_hostile_feed_bodies_fail_one_source_with_a_reason(store, http_server, body):
    http_server.routes["/bad"] = Route(body=body, content_type="application/xml")
    http_server.routes["/good"] = Route(
        body=b"<?xml version='1.0'?><rss version='2.0'><channel><title>ok</title><item><title>Fine</title>"
        b"<link>http://127.0.0.1/fine</link><description>"
        + b"<p>A fine story about fine things. </p>" * 40
        + b"</description></item></channel></rss>",
        content_type="application/rss+xml",
    )
    sources = [
        Source(name="bad", kind=SourceKind.FEED, location=http_server.url("/bad")),
        Source(name="good", kind=SourceKind.FEED, location=http_server.url("/good")),
    ]
    async with make_client(SETTINGS, transport=LoopbackOnly(http_server.port)) as client:
        result = await gather(sources, client=client, store=store, settings=SETTINGS)
    bad, good = result.sources
    assert good.error is None and good.new == 1
    assert bad.error is None or (bad.error.strip() and "\n" not in bad.error and not bad.error.startswith("unexpected"))
    assert store.source_state("bad").last_error == bad.error


GB2312_ITEMS = (
    "<rss version='2.0'><channel><item><title>{}</title><link>http://news.example.cn/1</link>"
    "<description>{}</description></item></channel></rss>"
)


def test_a_guessed_encoding_is_a_recorded_warning():
    """No declaration and bytes that are not UTF-8: feedparser guesses the charset.
    The entries are kept, and the guess is said, since the text may be garbled."""
    body = GB2312_ITEMS.format("不归移民漫画系列", "专业工作的故事。" * 30).encode("gb2312")
    feed = parse_feed(body, url="http://news.example.cn/feed", content_type="application/xml")
    assert len(feed.entries) == 1
    assert feed.warning and "a guess" in feed.warning


def test_a_guessed_encoding_with_nothing_usable_is_refused():
    body = "<rss version='2.0'><channel><item><title>不归移民漫画系列</title></item></channel></rss>".encode("gb2312")
    with pytest.raises(FeedError, match="a guess"):
        parse_feed(body, content_type="application/xml")


LATIN1 = ("<?xml version='1.0' encoding='iso-8859-1'?>" + GB2312_ITEMS.format("Café", "Crème brûlée.")).encode(
    "latin-1"
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (LATIN1, "application/rss+xml; charset=utf-8"),
        (LATIN1, "text/xml"),
        (GB2312_ITEMS.format("Café ünïcode", "Crème brûlée.").encode("utf-8"), "text/xml"),
        (GB2312_ITEMS.format("Café ünïcode", "Crème brûlée.").encode("utf-8"), ""),
        (GB2312_ITEMS.format("Café", "Crème brûlée.").encode("utf-16"), "application/xml"),
    ],
    ids=[
        "http-says-utf8-xml-says-latin1",
        "text-xml-latin1-declared",
        "text-xml-utf8-undeclared",
        "no-type-utf8",
        "utf16-bom",
    ],
)
def test_a_charset_the_document_declares_is_no_warning(body, content_type):
    feed = parse_feed(body, content_type=content_type)
    assert feed.warning is None and feed.entries[0].title.startswith("Café")


async def test_parsing_and_extraction_stay_off_the_event_loop(store, http_server, monkeypatch):
    """A big feed parsed, or a page extracted, on the event loop stalls every other
    source's connection until its timeout fires: a healthy source is then recorded as
    'timed out' (the whole corpus above did that with a 1 s connect timeout)."""
    import threading

    import digest.gather.sources as gather_module

    loop_thread = threading.get_ident()
    on_loop: list[str] = []

    def watch(name, function):
        def wrapper(*args, **kwargs):
            if threading.get_ident() == loop_thread:
                on_loop.append(name)
            return function(*args, **kwargs)

        return wrapper

    for name in ("parse_feed", "extract_article", "article_from_fragment"):
        monkeypatch.setattr(gather_module, name, watch(name, getattr(gather_module, name)))
    story = (
        b"<html><head><title>Linked</title></head><body><article><h1>Linked</h1>"
        + b"<p>A linked story, told at length.</p>" * 30
        + b"</article></body></html>"
    )
    http_server.routes["/story"] = Route(body=story)
    http_server.routes["/page"] = Route(body=story)
    http_server.routes["/feed"] = Route(
        body=b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
        b"<item><title>Teaser</title><link>"
        + http_server.url("/story").encode()
        + b"</link><description>Short.</description></item>"
        b"<item><title>Gone</title><link>"
        + http_server.url("/gone").encode()
        + b"</link><description>Short teaser.</description></item>"
        b"</channel></rss>",
        content_type="application/rss+xml",
    )
    sources = [
        Source(name="feed", kind=SourceKind.FEED, location=http_server.url("/feed")),
        Source(name="page", kind=SourceKind.PAGE, location=http_server.url("/page")),
    ]
    async with make_client(SETTINGS) as client:
        result = await gather(sources, client=client, store=store, settings=SETTINGS)
    assert [r.error for r in result.sources] == [None, None]
    assert on_loop == []


async def test_a_json_feed_with_lone_surrogates_is_stored(store, http_server):
    """JSON lets a broken generator write "\\ud800", which no UTF-8 store or message can hold."""
    http_server.routes["/feed.json"] = Route(
        body=b'{"version": "https://jsonfeed.org/version/1.1", "title": "T\\udfff", "items": ['
        b'{"url": "' + http_server.url("/1").encode() + b'", "title": "Half an emoji \\ud83d", '
        b'"authors": [{"name": "A\\ud800"}], "content_text": "'
        + b"A full story with a broken character \\udc00 in it. " * 30
        + b'"}]}',
        content_type="application/feed+json",
    )
    sources = [Source(name="json", kind=SourceKind.FEED, location=http_server.url("/feed.json"))]
    async with make_client(SETTINGS, transport=LoopbackOnly(http_server.port)) as client:
        result = await gather(sources, client=client, store=store, settings=SETTINGS)
    [got] = result.sources
    assert got.error is None and got.new == 1
    [stored] = store.unsent_articles("daily")
    assert stored.article.title == "Half an emoji \ufffd"
    assert stored.article.authors == ("A\ufffd",)
    assert "broken character \ufffd in it" in stored.article.text


async def test_character_references_to_surrogates_do_not_lose_the_feed(store, http_server):
    """feedparser's fallback parser turns &#xD800; into a character it then cannot encode."""
    http_server.routes["/feed"] = Route(
        body=b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item><title>Bad &#xD800; ref</title>"
        b"<link>"
        + http_server.url("/1").encode()
        + b"</link><description>"
        + b"&lt;p&gt;A long story with a bad reference &amp;#55296; inside it.&lt;/p&gt;" * 30
        + b"</description></item></channel></rss>",
        content_type="application/rss+xml",
    )
    sources = [Source(name="rss", kind=SourceKind.FEED, location=http_server.url("/feed"))]
    async with make_client(SETTINGS, transport=LoopbackOnly(http_server.port)) as client:
        result = await gather(sources, client=client, store=store, settings=SETTINGS)
    [got] = result.sources
    assert got.error is None and got.new == 1, got
    [stored] = store.unsent_articles("daily")
    assert stored.article.title == "Bad \ufffd ref"


def test_a_long_word_in_a_feed_that_is_not_utf8_does_not_stall_parsing():
    """chardet, which feedparser calls on a document that is not valid in its declared
    encoding, takes time quadratic in the longest run of ASCII letters: 10,000 letters
    took 8 s, 300,000 would take hours. Runs in a subprocess so a regression fails on
    the timeout instead of hanging the suite."""
    import subprocess
    import sys

    script = (
        "from digest.gather.feeds import parse_feed\n"
        "body = (b\"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><item><title>caf\\xe9</title>\"\n"
        "        b'<link>http://e.example/1</link><description>' + b'x' * 300_000 + b'</description></item></channel></rss>')\n"
        "feed = parse_feed(body, content_type='application/rss+xml')\n"
        "print(len(feed.entries), feed.entries[0].title, feed.warning)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    count, title, warning = done.stdout.split(" ", 2)
    assert count == "1" and title == "café"
    assert "a guess" in warning


async def test_control_characters_after_a_dropped_script_do_not_lose_the_feed(store, http_server):
    """lxml refuses to move a tail with control characters when <script> is dropped."""
    body = "<script>track()</script>\u001f" + "<p>A story with a stray control character in it.</p>" * 40
    http_server.routes["/feed.json"] = Route(
        body=json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "items": [{"url": http_server.url("/1"), "title": "Stray", "content_html": body}],
            }
        ).encode(),
        content_type="application/feed+json",
    )
    sources = [Source(name="json", kind=SourceKind.FEED, location=http_server.url("/feed.json"))]
    async with make_client(SETTINGS, transport=LoopbackOnly(http_server.port)) as client:
        result = await gather(sources, client=client, store=store, settings=SETTINGS)
    [got] = result.sources
    assert got.error is None and got.new == 1, got
