"""Hostile and slow sources through `gather`, against real servers on loopback: entity
bombs, stacked compression, servers that drip bytes, links and redirects to private
addresses, secrets in URLs, pages whose bytes do not fit their declared charset."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from contextlib import asynccontextmanager
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from digest.config import FetchSettings
from digest.errors import FeedError, FetchError
from digest.gather.feeds import parse_feed
from digest.gather.fetch import Fetcher, is_public_address, make_client
from digest.gather.sources import AUTHOR_MAX, TITLE_MAX, gather
from digest.models import Source, SourceKind
from digest.urls import URL_MAX_BYTES, redact_url
from tests.faults.conftest import digest_cli
from tests.integration import pages
from tests.integration.httpserver import Route

SETTINGS = FetchSettings(read_timeout=5, connect_timeout=5)


async def run(sources, store, settings=SETTINGS):
    async with make_client(settings) as client:
        return await gather(sources, client=client, store=store, settings=settings)


def by_name(report):
    return {r.source: r for r in report.sources}


def teaser_feed(*links: str) -> bytes:
    return pages.rss([(f"Story {i}", link) for i, link in enumerate(links)], full_content=False)


# --- 8. entity expansion ---------------------------------------------------------


def entity_bomb(*, entity_chars: int, references: int) -> bytes:
    return (
        b"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY b '" + b"A" * entity_chars + b"'>]>"
        b"<rss version='2.0'><channel><title>t</title><item><title>Bomb</title><link>http://e.example/1</link>"
        b"<description>" + b"&b;" * references + b"</description></item></channel></rss>"
    )


async def test_a_feed_that_declares_entities_is_refused_before_parsing(store, http_server):
    http_server.routes["/bomb"] = Route(
        entity_bomb(entity_chars=10_000, references=1_000), content_type="application/rss+xml"
    )
    http_server.routes["/feed"] = Route(
        pages.rss([("Fine", http_server.url("/x"))], full_content=True), content_type="application/rss+xml"
    )
    sources = [
        Source(name="bomb", kind=SourceKind.FEED, location=http_server.url("/bomb")),
        Source(name="fine", kind=SourceKind.FEED, location=http_server.url("/feed")),
    ]
    report = by_name(await run(sources, store))
    assert report["bomb"].error and "entit" in report["bomb"].error, report["bomb"]
    assert "\n" not in report["bomb"].error
    assert report["fine"].ok and report["fine"].new == 1
    assert store.source_state("bomb").last_error == report["bomb"].error


@pytest.mark.parametrize(
    "prolog",
    [
        "<!DOCTYPE rss [<!ENTITY e 'x'>]>",
        "<!doctype rss [<!entity e 'x'>]>",
        "<!DOCTYPE rss [<!-- <a --> <!ENTITY e 'x'>]>",  # an element-like comment before the declaration
        "<!DOCTYPE rss [<?pi <!-- ?> <!ENTITY e 'x'> <?pi --> ?>]>",  # a comment opener inside a PI
        "<!DOCTYPE rss [<!ENTITY % p 'x'>]>",
        "<!DOCTYPE rss [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    ],
    ids=["internal", "lower-case", "comment-with-element", "pi-hides-comment", "parameter", "external"],
)
def test_every_way_of_declaring_an_entity_is_refused(prolog):
    body = (
        f"<?xml version='1.0'?>{prolog}<rss version='2.0'><channel><item><title>&e;</title>"
        "<link>http://e.example/1</link></item></channel></rss>"
    ).encode()
    with pytest.raises(FeedError, match="entit"):
        parse_feed(body, content_type="application/rss+xml")


def test_an_external_dtd_without_declarations_is_still_read():
    body = (
        b"<?xml version='1.0'?><!DOCTYPE rss PUBLIC '-//Netscape Communications//DTD RSS 0.91//EN' "
        b"'http://my.netscape.com/publish/formats/rss-0.91.dtd'><rss version='0.91'><channel><title>t</title>"
        b"<item><title>Old &amp; fine</title><link>http://e.example/1</link></item></channel></rss>"
    )
    feed = parse_feed(body, content_type="application/rss+xml")
    assert [e.title for e in feed.entries] == ["Old & fine"]


def test_the_entity_bomb_from_the_report_is_refused_at_once():
    """130 KB: one 100 KB entity referenced 10,000 times (1,000,000,000 characters once
    expanded; it took 82 s and 2.9 GB). Runs in a subprocess with a 1.5 GB address-space
    cap, so a regression fails instead of taking the machine's memory."""
    script = (
        "import resource, time\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))\n"
        "from digest.gather.feeds import parse_feed\n"
        "from digest.errors import FeedError\n"
        "from tests.faults.test_hostile_sources import entity_bomb\n"
        "body = entity_bomb(entity_chars=100_000, references=10_000)\n"
        "start = time.perf_counter()\n"
        "try:\n"
        "    parse_feed(body, content_type='application/rss+xml')\n"
        "    outcome = 'parsed'\n"
        "except FeedError as exc:\n"
        "    outcome = str(exc)\n"
        "ms = (time.perf_counter() - start) * 1000\n"
        "print(len(body), f'{ms:.1f}', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, outcome, sep='|')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    size, ms, rss_kb, outcome = done.stdout.strip().split("|", 3)
    print(f"\nentity bomb of {int(size):,} bytes: {outcome!r} in {ms} ms, peak RSS {int(rss_kb) // 1024} MB")
    assert "entit" in outcome
    assert float(ms) < 1000


def test_long_feed_fields_are_cut_with_a_warning(caplog):
    body = pages.rss([("Long", "https://e.example/1")], full_content=True)
    with caplog.at_level(logging.WARNING, logger="digest.gather.feeds"):
        feed = parse_feed(body, url="https://e.example/feed", content_type="application/rss+xml", max_field_chars=500)
    assert len(feed.entries[0].content_html) == 500
    assert feed.warning and "500 characters" in feed.warning
    assert "500 characters" in caplog.text
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"url": "https://e.example/j", "title": "T" * 2000, "content_html": "<p>" + "word " * 2000 + "</p>"}],
    }
    feed = parse_feed(json.dumps(doc).encode(), content_type="application/feed+json", max_field_chars=500)
    entry = feed.entries[0]
    assert len(entry.title) <= 500 and len(entry.content_html) <= 500
    assert feed.warning and "cut" in feed.warning


async def test_gather_cuts_fields_at_the_configured_size(store, http_server):
    http_server.routes["/feed"] = Route(
        pages.rss([("Long", http_server.url("/x"))], full_content=True), content_type="application/rss+xml"
    )
    settings = FetchSettings(read_timeout=5, connect_timeout=5, max_field_chars=2_000)
    report = by_name(
        await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store, settings)
    )["f"]
    assert report.ok and report.new == 1
    assert any("2,000 characters" in w.reason for w in report.warnings) and not report.failures
    [stored] = store.unsent_articles("daily")
    assert len(stored.article.text) <= 2_000


async def test_a_headline_or_byline_a_source_makes_huge_is_cut_before_it_reaches_the_store(store, http_server):
    """Every reader's copy carries each headline and byline whole: one feed's megabyte
    title would push the other stories, and the footer, past the point Gmail clips."""
    huge_title, huge_author = "Headline " * 110_000, "Name " * 20_000
    full = "<content type='html'>" + escape("".join(f"<p>{line}</p>" for line in pages.LOREM * 4)) + "</content>"
    feed = pages.atom([(huge_title, http_server.url("/feed-story"))])
    feed = feed.replace(b"Sam Okafor", huge_author.encode()).replace(b"<summary>Teaser.</summary>", full.encode())
    http_server.routes["/feed"] = Route(feed, content_type="application/atom+xml")
    # A page repeats its headline (title, og:title, h1, and here each paragraph): within max_bytes.
    page = pages.article_html(huge_title[: len(huge_title) // 3], author=huge_author, paragraphs=3)
    image = f'<meta property="og:image" content="https://img.example.org/a.jpg?q={"i" * 100_000}">'
    page = page.replace(b"</head>", image.encode() + b"</head>")
    http_server.routes["/page"] = Route(page)
    sources = [
        Source(name="feed", kind=SourceKind.FEED, location=http_server.url("/feed")),
        Source(name="page", kind=SourceKind.PAGE, location=http_server.url("/page")),
    ]
    reports = by_name(await run(sources, store))
    stored = {s.article.source: s.article for s in store.unsent_articles("daily")}
    assert stored.keys() == {"feed", "page"}, reports
    for name, article in stored.items():
        assert article.title.startswith("Headline Headline") and len(article.title) <= TITLE_MAX, name
        assert all(len(author) <= AUTHOR_MAX for author in article.authors), name
        assert article.image is None, name
        assert any("headline of" in w.reason and "cut" in w.reason for w in reports[name].warnings), name


async def test_an_entry_whose_link_is_huge_is_one_failed_item_named_short(store, http_server):
    """A link is not cut (it would lead nowhere); one far longer than any real one would
    be in every reader's copy twice, so its entry is not kept."""
    http_server.routes["/story"] = Route(pages.article_html("A story with a long link", paragraphs=8))
    http_server.routes["/fine"] = Route(pages.article_html("A story with a short link", paragraphs=8))
    teaser = http_server.url("/story") + "?q=" + "a" * 200_000
    full = "https://news.example.org/story?q=" + "b" * 200_000
    feed = pages.rss([("Teaser story", teaser), ("Fine story", http_server.url("/fine"))])
    full_feed = pages.rss([("Full story", full)], full_content=True)
    http_server.routes["/feed"] = Route(feed, content_type="application/rss+xml")
    http_server.routes["/full"] = Route(full_feed, content_type="application/rss+xml")
    sources = [
        Source(name="teasers", kind=SourceKind.FEED, location=http_server.url("/feed")),
        Source(name="full", kind=SourceKind.FEED, location=http_server.url("/full")),
    ]
    reports = by_name(await run(sources, store))
    assert [s.article.title for s in store.unsent_articles("daily")] == ["A story with a short link"]
    failures = [f for r in reports.values() for f in r.failures]
    assert len(failures) == 2, reports
    for failure in failures:
        assert f"over {URL_MAX_BYTES:,}" in failure.reason and len(failure.item) <= 200, failure
        assert len(failure.reason) <= 200, failure


# --- 9. stacked compression ------------------------------------------------------


def layered(data: bytes, *encodings: str) -> bytes:
    for encoding in encodings:
        data = gzip.compress(data, compresslevel=9) if encoding == "gzip" else zlib.compress(data, 9)
    return data


async def fetch_with_peak(url: str, settings: FetchSettings):
    """The fetch's outcome and the most memory Python held while it ran."""
    async with make_client(settings) as client:
        tracemalloc.start()
        try:
            try:
                outcome = await Fetcher(client, settings=settings).fetch(url)
            except Exception as exc:  # noqa: BLE001 - the outcome under test
                outcome = exc
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return outcome, peak


async def test_stacked_gzip_is_refused_while_decoding_not_after(http_server):
    bomb = layered(b"\0" * 30_000_000, "gzip", "gzip")
    http_server.routes["/bomb"] = Route(bomb, content_type="text/html", headers={"Content-Encoding": "gzip, gzip"})
    settings = FetchSettings(read_timeout=5, connect_timeout=5, max_bytes=1_000_000)
    outcome, peak = await fetch_with_peak(http_server.url("/bomb"), settings)
    print(f"\ngzip,gzip bomb of {len(bomb):,} bytes: {outcome}; peak Python memory {peak / 1e6:.1f} MB")
    assert "1,000,000-byte limit" in str(outcome)
    assert peak < 5_000_000


@pytest.mark.parametrize(
    ("header", "encodings"),
    [
        ("gzip", ("gzip",)),
        ("deflate", ("deflate",)),
        ("gzip, gzip", ("gzip", "gzip")),
        ("identity", ()),
        ("x-gzip", ("gzip",)),
        ("deflate, gzip", ("deflate", "gzip")),
    ],
)
async def test_encoded_bodies_are_decoded(http_server, header, encodings):
    page = pages.article_html("Encoded")
    http_server.routes["/p"] = Route(layered(page, *encodings), headers={"Content-Encoding": header})
    async with make_client(SETTINGS) as client:
        fetched = await Fetcher(client, settings=SETTINGS).fetch(http_server.url("/p"))
    assert fetched.page.body == page


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("gzip, gzip, gzip", "3 content encodings"),
        ("br", "unsupported Content-Encoding 'br'"),
        ("gzip", "cannot decode the response body"),
    ],
)
async def test_odd_encodings_are_refused_with_a_reason(http_server, header, reason):
    body = layered(b"x" * 1000, "gzip", "gzip", "gzip") if header.count(",") == 2 else b"not compressed at all"
    http_server.routes["/p"] = Route(body, headers={"Content-Encoding": header})
    outcome, _ = await fetch_with_peak(http_server.url("/p"), SETTINGS)
    assert reason in str(outcome), outcome


# --- 10. slow sources ------------------------------------------------------------


@asynccontextmanager
async def dripping_server(*, headers_first: bool, interval: float = 0.1):
    """An HTTP server that sends one byte every `interval` seconds: of its status line
    (headers_first=False) or, after whole headers, of a body it never finishes."""
    tasks: set[asyncio.Task] = set()

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks.add(asyncio.current_task())
        try:
            await reader.readuntil(b"\r\n\r\n")
            if headers_first:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<p>")
            data = b"<p>slow</p>" * 10_000 if headers_first else b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" * 100
            for byte in data[:600]:
                writer.write(bytes([byte]))
                await writer.drain()
                await asyncio.sleep(interval)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_dripping_source_fails_at_its_deadline_and_the_others_finish(store, http_server):
    http_server.routes["/ok"] = Route(pages.article_html("A prompt page"))
    settings = FetchSettings(read_timeout=5, connect_timeout=5, total_timeout=1.0)
    async with dripping_server(headers_first=False) as head_url, dripping_server(headers_first=True) as body_url:
        sources = [
            Source(name="slow-headers", kind=SourceKind.PAGE, location=head_url),
            Source(name="slow-body", kind=SourceKind.PAGE, location=body_url),
            Source(name="ok", kind=SourceKind.PAGE, location=http_server.url("/ok")),
        ]
        start = time.monotonic()
        report = by_name(await asyncio.wait_for(run(sources, store, settings), 10))
        elapsed = time.monotonic() - start
    print(
        f"\ndripping sources failed after {elapsed:.2f} s: {report['slow-headers'].error}; {report['slow-body'].error}"
    )
    assert report["ok"].ok and report["ok"].new == 1
    assert report["slow-headers"].error == "no response within 1 s"
    assert report["slow-body"].error == "response not complete within 1 s"
    assert store.source_state("slow-body").last_error == "response not complete within 1 s"
    assert elapsed < 3


async def test_gather_as_a_whole_has_a_deadline(store, http_server):
    http_server.routes["/ok"] = Route(pages.article_html("A prompt page"))
    settings = FetchSettings(read_timeout=5, connect_timeout=5, total_timeout=30, gather_timeout=1.0)
    async with dripping_server(headers_first=True) as slow_url:
        sources = [
            Source(name="slow", kind=SourceKind.PAGE, location=slow_url),
            Source(name="ok", kind=SourceKind.PAGE, location=http_server.url("/ok")),
        ]
        start = time.monotonic()
        report = by_name(await asyncio.wait_for(run(sources, store, settings), 10))
        elapsed = time.monotonic() - start
    assert report["ok"].ok and report["ok"].new == 1
    assert report["slow"].error == "not finished within the 1 s gather deadline"
    assert store.source_state("slow").last_error == report["slow"].error
    assert elapsed < 3


async def test_a_feed_keeps_what_it_finished_when_its_links_outlast_the_gather_deadline(store, http_server):
    settings = FetchSettings(
        read_timeout=30, connect_timeout=5, total_timeout=30, gather_timeout=2.0, allow_private=True
    )
    async with dripping_server(headers_first=True) as slow_url:
        full = pages.rss([("The full story", http_server.url("/full"))], full_content=True)
        teasers = pages.rss([(f"Slow {i}", f"{slow_url}slow-{i}") for i in range(3)])
        # One feed: the full item and three teasers whose pages drip a byte at a time.
        items = full.split(b"<item>", 1)[1].split(b"</channel>")[0]
        http_server.routes["/feed"] = Route(teasers.replace(b"</channel>", b"<item>" + items + b"</channel>"))
        source = Source(name="feed", kind=SourceKind.FEED, location=http_server.url("/feed"))
        report = by_name(await asyncio.wait_for(run([source], store, settings), 10))["feed"]
    assert report.ok and report.new == 1, report
    slow = [f for f in report.failures if "slow-" in f.item]
    assert len(slow) == 3 and all("not finished within the 2 s gather deadline" in f.reason for f in slow)
    assert store.known_urls([http_server.url("/full")])


# --- 11. links and redirects to private addresses --------------------------------


@pytest.fixture
def internal_server():
    """A server on 127.0.0.2 standing for an internal service, counting its requests."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            hits.append(self.path)
            body = pages.article_html("Internal admin secrets")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    httpd.hits = hits
    httpd.url = f"http://127.0.0.2:{httpd.server_address[1]}/internal"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


REFUSED = "is not a public address (set [fetch] allow_private = true to allow)"


async def test_a_feed_link_to_a_private_address_is_refused(store, http_server, internal_server):
    http_server.routes["/feed"] = Route(
        teaser_feed(internal_server.url, http_server.url("/story")), content_type="application/rss+xml"
    )
    http_server.routes["/story"] = Route(pages.article_html("A story on the feed's own host"))
    report = by_name(await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store))["f"]
    assert internal_server.hits == []
    assert report.ok and report.new == 1  # the link on the feed's own host is fine
    [failure] = report.failures
    assert failure.item == internal_server.url
    assert failure.reason == f"refused: 127.0.0.2 {REFUSED}"
    assert all("Internal" not in s.article.title for s in store.unsent_articles("daily"))


async def test_a_redirect_to_a_private_address_is_refused(store, http_server, internal_server):
    http_server.routes["/page"] = Route(redirect_to=internal_server.url)
    http_server.routes["/moved"] = Route(redirect_to=http_server.url("/story"))
    http_server.routes["/story"] = Route(pages.article_html("Moved on the same host"))
    sources = [
        Source(name="hop", kind=SourceKind.PAGE, location=http_server.url("/page")),
        Source(name="same-host", kind=SourceKind.PAGE, location=http_server.url("/moved")),
    ]
    report = by_name(await run(sources, store))
    assert internal_server.hits == []
    assert report["hop"].error == f"refused: 127.0.0.2 {REFUSED}"
    assert report["same-host"].ok and report["same-host"].new == 1


async def test_a_name_is_judged_by_the_address_it_resolves_to(store, http_server):
    """localhost names the feed's own server, but not its configured origin: the name
    resolves to a loopback address, which is checked when the connection is made."""
    port = http_server.port
    http_server.routes["/feed"] = Route(
        teaser_feed(f"http://localhost:{port}/story"), content_type="application/rss+xml"
    )
    http_server.routes["/story"] = Route(pages.article_html("Reached by name"))
    report = by_name(await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store))["f"]
    [failure] = report.failures
    assert failure.reason.startswith("refused: localhost resolves to ") and failure.reason.endswith(
        REFUSED.removeprefix("is ")
    )
    assert http_server.hits("/story") == 0


async def test_the_check_is_made_on_connect_whatever_asks(http_server):
    """A request without the fetcher's trust (straight through the client) is held to
    the rule at connect time: no name or address slips past."""
    http_server.routes["/x"] = Route(b"x")
    async with make_client(SETTINGS) as client:
        for url in (
            http_server.url("/x"),
            f"http://localhost:{http_server.port}/x",
            f"http://[::ffff:127.0.0.1]:{http_server.port}/x",
        ):
            with pytest.raises(FetchError, match="not a public address"):
                await client.get(url)
    assert http_server.hits("/x") == 0


async def test_allow_private_lets_links_through(store, http_server, internal_server):
    http_server.routes["/feed"] = Route(teaser_feed(internal_server.url), content_type="application/rss+xml")
    settings = FetchSettings(read_timeout=5, connect_timeout=5, allow_private=True)
    report = by_name(
        await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))], store, settings)
    )["f"]
    assert report.ok and report.new == 1 and not report.failures
    assert internal_server.hits == ["/internal"]


async def test_links_in_a_local_feed_file_must_be_public(store, tmp_path, internal_server):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(teaser_feed(internal_server.url))
    report = by_name(await run([Source(name="f", kind=SourceKind.FEED, location=str(feed))], store))["f"]
    assert internal_server.hits == []
    assert [f.reason for f in report.failures] == [f"refused: 127.0.0.2 {REFUSED}"]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("64:ff9b::5db8:d822", True),
        ("127.0.0.1", False),
        ("127.0.0.2", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("239.255.255.250", False),
        ("255.255.255.255", False),
        ("240.0.0.1", False),
        ("192.0.2.1", False),
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fe80::1%lo", False),
        ("fc00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:93.184.216.34", True),
        ("2002:7f00:1::1", False),
        ("64:ff9b::7f00:1", False),
        ("::127.0.0.1", False),
    ],
)
def test_which_addresses_are_public(address, public):
    assert is_public_address(address) is public


# --- 13. secrets in URLs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:hunter2@example.org/feed", "https://user:***@example.org/feed"),
        ("https://user:p@ss@word@example.org:8443/x", "https://user:***@example.org:8443/x"),
        ("https://example.org/f?token=abc&page=2", "https://example.org/f?token=***&page=2"),
        (
            "https://example.org/f?API_KEY=abc&apikey=d&Password=e&pwd=f&pass=g&passwd=h&secret=i&key=j",
            "https://example.org/f?API_KEY=***&apikey=***&Password=***&pwd=***&pass=***&passwd=***&secret=***&key=***",
        ),
        (
            "https://example.org/f?access_token=a&auth=b&sig=c&Signature=d&X-Amz-Signature=e&client_secret=f",
            "https://example.org/f?access_token=***&auth=***&sig=***&Signature=***&X-Amz-Signature=***&client_secret=***",
        ),
        ("https://example.org/cb#access_token=abc&state=1", "https://example.org/cb#access_token=***&state=1"),
        ("https://example.org/a?q=monkeys&author=me", "https://example.org/a?q=monkeys&author=me"),
        ("https://ghp_0123456789abcdef@example.org/x", "https://***@example.org/x"),
        ("sqlite:////var/lib/digest/digest.db", "sqlite:////var/lib/digest/digest.db"),
        ("http://example.org/plain", "http://example.org/plain"),
        ("/relative/path?token=x", "/relative/path?token=***"),
        ("https://u:secret@[::1/broken", "https://u:***@[::1/broken"),
        ("https://u:secret@host:notaport/", "https://u:***@host:notaport/"),
        ("http://127.0.0.1:99999/x?token=abc#k", "http://127.0.0.1:99999/x?token=***#k"),
        ("https://u:secret\n@[::1/broken", "https:..."),
        ("not a url with secret:pw", "..."),
    ],
)
def test_redact_url(url, expected):
    assert redact_url(url) == expected


async def test_secrets_in_a_feed_url_stay_out_of_logs_and_reports(store, http_server, caplog):
    http_server.routes["/feed?token=tok-SECRET"] = Route(
        teaser_feed(http_server.url("/gone?api_key=key-SECRET")), content_type="application/rss+xml"
    )
    source = Source(
        name="f",
        kind=SourceKind.FEED,
        location=f"http://reader:pw-SECRET@127.0.0.1:{http_server.port}/feed?token=tok-SECRET",
    )
    broken = Source(
        name="broken",
        kind=SourceKind.FEED,
        location=f"http://reader:pw-SECRET@127.0.0.1:{http_server.port}/missing?token=tok-SECRET",
    )
    with caplog.at_level(logging.DEBUG):
        report = await run([source, broken], store)
    assert http_server.requests  # the feed was fetched with its credentials
    text = caplog.text + repr(report.sources)
    assert "127.0.0.1" in caplog.text
    assert "SECRET" not in text, [line for line in text.splitlines() if "SECRET" in line]


def test_the_gather_command_prints_no_secrets(tmp_path, http_server):
    http_server.routes["/feed?token=tok-SECRET"] = Route(
        teaser_feed(http_server.url("/gone?api_key=key-SECRET")), content_type="application/rss+xml"
    )
    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "digest.db"}"\n'
        f'[sources.f]\nfeed = "http://reader:pw-SECRET@127.0.0.1:{http_server.port}/feed?token=tok-SECRET"\n'
        f'[sources.broken]\nfeed = "http://reader:pw-SECRET@127.0.0.1:{http_server.port}/missing?token=tok-SECRET"\n'
        '[lists.daily]\ntitle = "D"\n'
    )
    done = digest_cli("-v", "--config", str(config), "gather", cwd=tmp_path, timeout=60)
    output = done.stdout + done.stderr
    assert "HTTP Request: GET http://reader:***@127.0.0.1" in output, output
    assert "/gone?api_key=***" in output, output
    assert "SECRET" not in output, output


# --- URLs no host or port can be read from ---------------------------------------

MALFORMED = ["http://%zz/", "http://a b/", "http://[::1", "http://127.0.0.1:99999/", "http://[zz]/"]


@pytest.fixture
def lookups(monkeypatch):
    """Every host name the process asks the system resolver for."""
    asked: list[str] = []
    resolve = socket.getaddrinfo

    def recorded(host, *args, **kwargs):
        asked.append(host.decode() if isinstance(host, bytes) else str(host))
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recorded)
    return asked


@pytest.mark.parametrize("allow_private", [False, True], ids=["address-rule", "allow-private"])
async def test_a_url_with_no_readable_host_or_port_never_reaches_dns_or_a_socket(http_server, lookups, allow_private):
    settings = FetchSettings(read_timeout=5, connect_timeout=5, allow_private=allow_private)
    http_server.routes["/hop"] = Route(redirect_to="http://127.0.0.1:99999/x")
    async with make_client(settings) as client:
        fetcher = Fetcher(client, settings=settings)
        for url in MALFORMED:
            with pytest.raises(FetchError, match=r"^invalid URL: "):
                await fetcher.fetch(url)
        with pytest.raises(FetchError, match=r"^invalid URL: port '99999' is not a number from 1 to 65535$"):
            await fetcher.fetch(http_server.url("/hop"))
    assert http_server.hits("/hop") == 1
    assert not [host for host in lookups if host in ("%zz", "a b", "a%20b", "zz")], lookups


async def test_an_error_the_network_backend_raises_in_a_group_is_one_fetch_error():
    def transport(request):
        raise ExceptionGroup("unhandled errors in a TaskGroup", [OverflowError("connect(): port must be 0-65535.")])

    async with httpx.AsyncClient(transport=httpx.MockTransport(transport)) as client:
        with pytest.raises(FetchError, match=r"^connection failed: connect\(\): port must be 0-65535\.$"):
            await Fetcher(client, settings=SETTINGS).fetch("http://example.org/")


async def test_a_source_whose_url_cannot_be_read_is_a_recorded_failure(store):
    sources = [
        Source(name="port", kind=SourceKind.PAGE, location="http://127.0.0.1:99999/"),
        Source(name="bracket", kind=SourceKind.FEED, location="http://[::1/feed"),
    ]
    report = by_name(await run(sources, store))
    assert report["port"].error == "invalid URL: port '99999' is not a number from 1 to 65535"
    assert report["bracket"].error == "invalid URL: unbalanced '[' and ']' around an IPv6 address"
    assert store.source_state("port").last_error == report["port"].error


def test_extract_names_each_url_it_cannot_read_and_exits_2(tmp_path):
    done = digest_cli("extract", "http://[::1", "http://127.0.0.1:99999/", "http://u:SeCrEt@a b/", cwd=tmp_path)
    assert done.returncode == 2, done
    assert done.stderr.splitlines() == [
        "digest: error: http://[::1: invalid URL: unbalanced '[' and ']' around an IPv6 address",
        "digest: error: http://127.0.0.1:99999/: invalid URL: port '99999' is not a number from 1 to 65535",
        "digest: error: http://u:***@a b/: invalid URL: the host 'a b' holds a space, which no host name has",
    ]


# --- 14. page bytes that do not fit the declared charset ------------------------

BROKEN_UTF8 = pages.article_html("Caf\u00e9 society").replace(b"approved the plan", b"approved the caf\xe9 plan")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("text/html; charset=utf-8", BROKEN_UTF8), ("text/html", BROKEN_UTF8)],
    ids=["http-charset", "meta-charset"],
)
async def test_a_page_that_is_not_valid_in_its_charset_is_kept_with_a_warning(
    store, http_server, caplog, content_type, body
):
    http_server.routes["/p"] = Route(body, content_type=content_type)
    with caplog.at_level(logging.WARNING, logger="digest.extract.article"):
        report = await run([Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/p"))], store)
    [article] = report.new_articles
    assert article.title == "Caf\u00e9 society"  # the valid UTF-8 is read as UTF-8, not as windows-1252
    assert "approved the caf\ufffd plan" in article.text
    assert any("not valid utf-8" in w for w in article.warnings), article.warnings
    assert len([r for r in caplog.records if "not valid utf-8" in r.getMessage()]) == 1


async def test_a_page_in_the_charset_its_meta_declares_has_no_warning(store, http_server):
    body = (
        pages.article_html("Caf\u00e9").decode().replace('charset="utf-8"', 'charset="windows-1252"').encode("cp1252")
    )
    http_server.routes["/p"] = Route(body, content_type="text/html; charset=utf-8")
    report = await run([Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/p"))], store)
    [article] = report.new_articles
    assert article.title == "Caf\u00e9" and article.warnings == ()


def test_a_link_out_of_a_scrape_folder_is_not_read(tmp_path):
    from digest.gather.files import read_path

    folder, outside = tmp_path / "scrapes", tmp_path / "private"
    folder.mkdir()
    outside.mkdir()
    story = "Harbour Road cycle lanes approved\n\n" + "The council voted on Tuesday to build the lanes. " * 20
    (folder / "story.txt").write_text(story)
    (outside / "diary.txt").write_text("My private diary\n\n" + "Nobody should read this page of mine. " * 20)
    (folder / "diary.txt").symlink_to(outside / "diary.txt")
    (folder / "inside.txt").symlink_to(folder / "story.txt")  # a link within the folder is the folder's
    read = read_path(folder)
    assert [p.url.rsplit("/", 1)[1] for p in read.pages] == ["story.txt", "story.txt"]  # the link read as its file
    assert [f.item for f in read.failures] == [str(folder / "diary.txt")]
    assert "outside" in read.failures[0].reason


# --- what a source's answers leave behind ------------------------------------------


async def test_items_that_failed_are_fetched_again_though_the_feed_is_not_modified(store, http_server):
    answers = iter([Route(b"busy", status=503, content_type="text/plain")])
    http_server.routes["/flaky"] = lambda _: next(answers, Route(pages.article_html("The flaky story")))
    feed = teaser_feed(http_server.url("/flaky")).replace(b"<description>A short teaser.</description>", b"")
    http_server.routes["/feed"] = Route(feed, content_type="application/rss+xml")
    http_server.routes["/feed"].etag = '"v1"'
    source = Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed"))
    first = by_name(await run([source], store))["f"]
    assert first.ok and first.failures and first.new == 0
    second = by_name(await run([source], store))["f"]
    assert second.new == 1 and not second.failures, second
    assert http_server.hits("/flaky") == 2
    third = by_name(await run([source], store))["f"]
    assert third.not_modified  # all read: the validator is kept again


async def test_a_validator_that_cannot_be_sent_back_is_not_kept(store, http_server):
    http_server.routes["/p"] = Route(pages.article_html("Café"), headers={"ETag": 'W/"caf\xe9"'})
    source = Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/p"))
    for _ in range(2):
        assert by_name(await run([source], store))["p"].ok
    assert store.source_state("p").etag is None


async def test_a_redirect_that_adds_a_password_leaves_it_out_of_the_stored_url(store, http_server):
    http_server.routes["/landing?token=abc"] = Route(pages.article_html("Landed"))
    target = http_server.url("/landing?token=abc").replace("http://", "http://reader:hunter2@")
    http_server.routes["/go"] = Route(redirect_to=target)
    report = by_name(await run([Source(name="r", kind=SourceKind.PAGE, location=http_server.url("/go"))], store))
    assert report["r"].new == 1
    [stored] = store.unsent_articles("daily")
    assert "hunter2" not in stored.article.url and "reader" not in stored.article.url
    assert stored.article.url.endswith("/landing?token=abc")


async def test_a_server_reason_phrase_is_quoted_short(store):
    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 404 " + b"Not Found because " * 5000 + b"\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(session, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/"
        report = by_name(await run([Source(name="long", kind=SourceKind.PAGE, location=url)], store))
    finally:
        server.close()
    assert report["long"].error.startswith("HTTP 404 Not Found because")
    assert len(report["long"].error) < 250 and len(store.source_state("long").last_error) < 250


def test_heavy_pages_hold_neither_the_report_past_the_deadline_nor_a_light_source(tmp_path, http_server):
    import tomllib

    from digest.app.content import gather_sources
    from digest.config import parse_settings
    from digest.store import Store

    paragraphs = "".join(
        f"<p>Paragraph {i} tells of a different thing, number {i * 7}, today.</p>" for i in range(40_000)
    )
    heavy = f"<html><head><title>Heavy</title></head><body><article>{paragraphs}</article></body></html>"
    for n in range(3):
        http_server.routes[f"/heavy{n}"] = Route(heavy.encode())
    http_server.routes["/light"] = Route(pages.article_html("A light page"))
    sources = "".join(f'[sources.heavy{n}]\npage = "{http_server.url(f"/heavy{n}")}"\n' for n in range(3))
    text = f'[fetch]\nallow_private = true\ngather_timeout = 1.5\n{sources}[sources.light]\npage = "{http_server.url("/light")}"\n'
    settings = parse_settings(tomllib.loads(text), base_dir=tmp_path)
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:
        started = time.monotonic()
        report = by_name(gather_sources(settings, store=store))
        elapsed = time.monotonic() - started
    assert report["light"].ok and report["light"].new == 1
    assert all("gather deadline" in report[f"heavy{n}"].error for n in range(3))
    assert elapsed < 4, f"the report came {elapsed:.1f} s after a 1.5 s deadline"


async def test_a_feed_of_slow_links_cannot_hold_every_connection_while_another_source_waits(store, http_server):
    """20 links on 5 hosts that drip their bodies, against a pool of 16 connections: the
    other feed's story still gets a connection, because one source has at most its share."""

    async def drip(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n<p>")
            for _ in range(600):
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.05)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(drip, f"127.0.0.{n}", 0) for n in range(2, 7)]
    links = [
        f"http://127.0.0.{n}:{servers[n - 2].sockets[0].getsockname()[1]}/s{i}" for n in range(2, 7) for i in range(4)
    ]
    http_server.routes["/hostile"] = Route(teaser_feed(*links), content_type="application/rss+xml")
    http_server.routes["/story"] = Route(pages.article_html("The story that waited"))
    good = teaser_feed(http_server.url("/story")).replace(b"<description>A short teaser.</description>", b"")
    # The good feed answers once the hostile links are all under way.
    http_server.routes["/good"] = Route(good, content_type="application/rss+xml", delay=1.5)
    settings = FetchSettings(
        read_timeout=3, connect_timeout=3, total_timeout=30, gather_timeout=8, concurrency=16, per_host=4,
        allow_private=True,
    )  # fmt: skip
    sources = [
        Source(name="hostile", kind=SourceKind.FEED, location=http_server.url("/hostile")),
        Source(name="good", kind=SourceKind.FEED, location=http_server.url("/good")),
    ]
    try:
        report = by_name(await run(sources, store, settings))
    finally:
        for server in servers:
            server.close()
    assert report["good"].new == 1 and not report["good"].failures, report["good"]


@pytest.mark.parametrize(
    ("image", "kept"),
    [
        ("http://192.168.1.1/apply.cgi?submit_button=Management&action=Reboot", False),
        ("http://[::1]/pixel.gif", False),
        ("http://localhost/pixel.gif", False),
        ("https://images.example.org/park.jpg", True),
    ],
)
async def test_a_lead_image_on_a_private_network_never_reaches_the_readers(store, http_server, image, kept):
    page = pages.article_html("The park reopens").replace(
        b"</head>", f'<meta property="og:image" content="{image}"></head>'.encode()
    )
    http_server.routes["/p"] = Route(page)
    report = by_name(await run([Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/p"))], store))
    assert report["p"].new == 1
    [stored] = store.unsent_articles("daily")
    assert (stored.article.image == image) is kept and (stored.article.image is None) is not kept


BAD_IDNA = ["http://xn--/a", "http://xn--zz-zzzzz/", "http://a.XN--/b", "http://1.2.3.4.5/"]


async def test_a_feed_link_to_a_host_no_name_can_be_is_one_failed_item(store, http_server, lookups):
    http_server.routes["/feed"] = Route(
        teaser_feed(*BAD_IDNA, http_server.url("/story")), content_type="application/rss+xml"
    )
    http_server.routes["/story"] = Route(pages.article_html("The good story next to them"))
    http_server.routes["/hop"] = Route(redirect_to="http://xn--/")
    sources = [
        Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed")),
        Source(name="hop", kind=SourceKind.PAGE, location=http_server.url("/hop")),
    ]
    report = by_name(await run(sources, store))
    assert report["f"].ok and report["f"].new == 1, report["f"]
    assert [f.item for f in report["f"].failures] == BAD_IDNA
    assert all(f.reason.startswith("invalid URL: the host ") for f in report["f"].failures), report["f"].failures
    assert report["hop"].error.startswith("invalid URL: the host 'xn--' is no internationalised host name")
    assert not [host for host in lookups if "xn--" in host or host == "1.2.3.4.5"], lookups


def test_extract_names_a_host_that_is_no_internationalised_name_and_exits_2(tmp_path):
    done = digest_cli("extract", "http://xn--/", cwd=tmp_path)
    assert done.returncode == 2, done
    assert done.stderr.startswith("digest: error: http://xn--/: invalid URL: the host 'xn--' is no internationalised")
