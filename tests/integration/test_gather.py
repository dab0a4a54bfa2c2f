from __future__ import annotations

import json
import socket

import pytest

from digest.config import FetchSettings
from digest.gather.fetch import make_client
from digest.gather.sources import gather
from digest.models import Source, SourceKind
from tests.integration import pages
from tests.integration.httpserver import Route


@pytest.fixture
def store(sqlite_store):
    """SQLite only: the store is not what these tests are about."""
    return sqlite_store


async def run(sources, store, settings=FetchSettings()):
    async with make_client(settings) as client:
        return await gather(sources, client=client, store=store, settings=settings)


def by_name(report):
    return {r.source: r for r in report.sources}


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_feed_entries_are_fetched_extracted_and_stored_once(http_server, store):
    links = [http_server.url(f"/story/{i}") for i in range(3)]
    http_server.routes["/feed.xml"] = Route(
        pages.rss([(f"Story {i}", link) for i, link in enumerate(links)]), content_type="application/rss+xml"
    )
    for i in range(3):
        http_server.routes[f"/story/{i}"] = Route(pages.article_html(f"Bridge story number {i}"))
    source = Source(name="feed", kind=SourceKind.FEED, location=http_server.url("/feed.xml"))

    first = await run([source], store)
    assert by_name(first)["feed"].new == 3
    titles = sorted(a.title for a in first.new_articles)
    assert titles == [f"Bridge story number {i}" for i in range(3)]
    article = first.new_articles[0]
    assert article.authors == ("Dana Reyes",)
    assert article.published is not None
    assert not any("Related" in p or "Copyright" in p for p in article.paragraphs)

    second = await run([source], store)
    report = by_name(second)["feed"]
    assert (report.new, report.seen) == (0, 3)
    # Known entries are not fetched again.
    assert all(http_server.hits(f"/story/{i}") == 1 for i in range(3))


async def test_tracking_parameters_do_not_make_an_article_new(http_server, store):
    http_server.routes["/story"] = Route(pages.article_html("Same story"))
    http_server.routes["/story?utm_source=x"] = Route(pages.article_html("Same story"))
    http_server.routes["/feed.xml"] = Route(
        pages.rss([("a", http_server.url("/story")), ("b", http_server.url("/story?utm_source=x"))]),
        content_type="application/rss+xml",
    )
    report = await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed.xml"))], store)
    assert by_name(report)["f"].new == 1
    assert store.count_articles() == 1


async def test_atom_and_json_feeds(http_server, store):
    http_server.routes["/atom"] = Route(
        pages.atom([("Atom story", http_server.url("/a1"))]), content_type="application/atom+xml"
    )
    http_server.routes["/a1"] = Route(pages.article_html("The atom story itself"))
    body = " ".join(pages.LOREM * 6)
    http_server.routes["/feed.json"] = Route(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "JSON",
                "items": [
                    {
                        "id": "1",
                        "url": http_server.url("/j1"),
                        "title": "JSON story",
                        "content_text": body,
                        "date_published": "2026-11-20T08:00:00Z",
                        "authors": [{"name": "Lee Park"}],
                    }
                ],
            }
        ).encode(),
        content_type="application/feed+json",
    )
    report = await run(
        [
            Source(name="atom", kind=SourceKind.FEED, location=http_server.url("/atom")),
            Source(name="json", kind=SourceKind.FEED, location=http_server.url("/feed.json")),
        ],
        store,
    )
    assert by_name(report)["atom"].new == 1
    assert by_name(report)["json"].new == 1
    json_article = next(a for a in report.new_articles if a.source == "json")
    assert json_article.title == "JSON story"
    assert json_article.authors == ("Lee Park",)
    # A full body in the feed is used as is; the page is not fetched.
    assert http_server.hits("/j1") == 0


async def test_failing_sources_are_recorded_and_others_go_on(http_server, store):
    http_server.routes["/ok"] = Route(pages.article_html("A good page"))
    http_server.routes["/500"] = Route(b"boom", status=500, content_type="text/plain")
    http_server.routes["/bad-feed"] = Route(
        b"<?xml version='1.0'?><rss><channel><item><title>x</ti", content_type="application/xml"
    )
    http_server.routes["/html-not-feed"] = Route(b"<html><body><p>hello</p></body></html>")
    http_server.routes["/pdf"] = Route(b"%PDF-1.4 binary", content_type="application/pdf")
    http_server.routes["/slow"] = Route(pages.article_html("Slow"), delay=2.0)
    http_server.routes["/big"] = Route(b"<p>" + b"x" * 3000 + b"</p>")
    http_server.routes["/latin1"] = Route("caf\xe9 ".encode("latin-1") * 50, content_type="text/plain; charset=utf-8")
    sources = [
        Source(name="ok", kind=SourceKind.PAGE, location=http_server.url("/ok")),
        Source(name="http500", kind=SourceKind.FEED, location=http_server.url("/500")),
        Source(name="missing", kind=SourceKind.PAGE, location=http_server.url("/nope")),
        Source(name="malformed", kind=SourceKind.FEED, location=http_server.url("/bad-feed")),
        Source(name="notfeed", kind=SourceKind.FEED, location=http_server.url("/html-not-feed")),
        Source(name="pdf", kind=SourceKind.PAGE, location=http_server.url("/pdf")),
        Source(name="slow", kind=SourceKind.PAGE, location=http_server.url("/slow")),
        Source(name="big", kind=SourceKind.PAGE, location=http_server.url("/big")),
        Source(name="latin1", kind=SourceKind.PAGE, location=http_server.url("/latin1")),
        Source(name="refused", kind=SourceKind.PAGE, location=f"http://127.0.0.1:{closed_port()}/"),
    ]
    settings = FetchSettings(read_timeout=0.5, connect_timeout=0.5, max_bytes=2000)
    report = by_name(await run(sources, store, settings))
    assert report["ok"].ok and report["ok"].new == 1
    expected = {
        "http500": "HTTP 500",
        "missing": "HTTP 404",
        "malformed": "malformed feed",
        "notfeed": "not a feed",
        "pdf": "not an HTML page (content-type application/pdf)",
        "slow": "timed out",
        "big": "2,000-byte limit",
        "refused": "connection failed",
    }
    for name, phrase in expected.items():
        assert report[name].error and phrase in report[name].error, (name, report[name].error)
        assert "\n" not in report[name].error
        assert store.source_state(name).last_error == report[name].error
    assert store.source_state("ok").last_success is not None
    # Text that is not the UTF-8 it claims is read as windows-1252, with a warning, not lost.
    assert report["latin1"].ok and report["latin1"].new == 1


async def test_conditional_get_uses_stored_validators(http_server, store):
    http_server.routes["/page"] = Route(
        pages.article_html("Conditional"), etag='"v1"', headers={"Last-Modified": "Fri, 20 Nov 2026 08:00:00 GMT"}
    )
    source = Source(name="p", kind=SourceKind.PAGE, location=http_server.url("/page"))
    await run([source], store)
    assert store.source_state("p").etag == '"v1"'
    second = by_name(await run([source], store))["p"]
    assert second.not_modified and second.new == 0
    _, headers = http_server.requests[-1]
    assert headers["if-none-match"] == '"v1"'
    assert headers["if-modified-since"] == "Fri, 20 Nov 2026 08:00:00 GMT"
    assert headers["user-agent"].startswith("digest/")


async def test_redirects_and_gzip_are_followed(http_server, store):
    http_server.routes["/old"] = Route(redirect_to=http_server.url("/new"))
    http_server.routes["/new"] = Route(pages.article_html("Moved story"), gzip=True)
    report = await run([Source(name="r", kind=SourceKind.PAGE, location=http_server.url("/old"))], store)
    assert by_name(report)["r"].new == 1
    assert report.new_articles[0].url.endswith("/new")


async def test_teaser_feed_falls_back_to_feed_text_when_page_fails(http_server, store):
    http_server.routes["/feed.xml"] = Route(
        pages.rss([("Gone story", http_server.url("/gone"))], full_content=False), content_type="application/rss+xml"
    )
    report = by_name(await run([Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed.xml"))], store))[
        "f"
    ]
    assert report.new == 1
    stored = store.unsent_articles("daily")[0].article
    assert any("used the feed text: HTTP 404" in w for w in stored.warnings)


async def test_local_folder_source(tmp_path, store):
    import gzip

    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "one.html").write_bytes(pages.article_html("Local one"))
    (folder / "two.html.gz").write_bytes(gzip.compress(pages.article_html("Local two")))
    (folder / "broken.txt.gz").write_bytes(b"not gzip at all")
    (folder / "ignored.pdf").write_bytes(b"%PDF")
    report = by_name(await run([Source(name="local", kind=SourceKind.PATH, location=str(folder))], store))["local"]
    assert report.ok and report.new == 2
    assert len(report.failures) == 1 and "not a valid gzip file" in report.failures[0].reason
    missing = by_name(await run([Source(name="gone", kind=SourceKind.PATH, location=str(tmp_path / "nope"))], store))[
        "gone"
    ]
    assert "no such file or folder" in missing.error


async def test_a_folder_whose_only_file_fails_names_that_file(tmp_path, store):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "broken.html").write_bytes(b"\x00binary\x00" * 50)
    only = by_name(await run([Source(name="local", kind=SourceKind.PATH, location=str(folder))], store))["local"]
    assert not only.ok and "broken.html" in only.error and "binary" in only.error, only.error
    alone = by_name(await run([Source(name="one", kind=SourceKind.PATH, location=str(folder / "broken.html"))], store))
    assert alone["one"].error.count("broken.html") == 1, alone["one"].error


async def test_links_in_a_local_folder_that_lead_nowhere_are_item_failures(tmp_path, store):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "one.html").write_bytes(pages.article_html("Local one"))
    (folder / "loop.html").symlink_to(folder / "loop2.html")
    (folder / "loop2.html").symlink_to(folder / "loop.html")
    (folder / "gone.html").symlink_to(folder / "deleted.html")
    report = by_name(await run([Source(name="local", kind=SourceKind.PATH, location=str(folder))], store))["local"]
    assert report.ok and report.new == 1
    assert {f.item: f.reason for f in report.failures} == {
        str(folder / "gone.html"): f"{folder / 'gone.html'}: a broken symbolic link (to {folder / 'deleted.html'})",
        str(folder / "loop.html"): f"{folder / 'loop.html'}: a loop of symbolic links",
        str(folder / "loop2.html"): f"{folder / 'loop2.html'}: a loop of symbolic links",
    }
    looped = by_name(await run([Source(name="one", kind=SourceKind.PATH, location=str(folder / "loop.html"))], store))
    assert looped["one"].error == f"{folder / 'loop.html'}: a loop of symbolic links"


def counted_slow_pages():
    """A route that takes 0.15 s a page, and the most pages it served at once."""
    import threading
    import time

    lock = threading.Lock()
    in_flight = {"now": 0, "max": 0}

    def slow_page(handler):
        with lock:
            in_flight["now"] += 1
            in_flight["max"] = max(in_flight["max"], in_flight["now"])
        time.sleep(0.15)
        with lock:
            in_flight["now"] -= 1
        return Route(pages.article_html(f"Story at {handler.path}"))

    return in_flight, slow_page


async def test_per_host_limit_caps_concurrent_requests(http_server, store):
    in_flight, slow_page = counted_slow_pages()

    links = [http_server.url(f"/s/{i}") for i in range(6)]
    http_server.routes["/feed.xml"] = Route(
        pages.rss([(f"t{i}", link) for i, link in enumerate(links)]), content_type="application/rss+xml"
    )
    for i in range(6):
        http_server.routes[f"/s/{i}"] = slow_page
    report = await run(
        [Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed.xml"))],
        store,
        FetchSettings(per_host=2),
    )
    assert by_name(report)["f"].new == 6
    assert in_flight["max"] == 2


async def test_per_host_limit_holds_for_the_site_a_redirector_leads_to(http_server, store):
    """A feed whose links go through a redirector host (a feed proxy, a link shortener) to
    one site: the site's limit applies to the hops that reach it, not the redirector's."""
    in_flight, slow_page = counted_slow_pages()

    direct = [http_server.url(f"/s/{i}") for i in range(4)]
    # the same server under another host name: the redirector
    redirected = [f"http://localhost:{http_server.port}/r/{i}" for i in range(4, 8)]
    http_server.routes["/feed.xml"] = Route(
        pages.rss([(f"t{i}", link) for i, link in enumerate(direct + redirected)]), content_type="application/rss+xml"
    )
    for i in range(8):
        http_server.routes[f"/s/{i}"] = slow_page
    for i in range(4, 8):
        http_server.routes[f"/r/{i}"] = Route(redirect_to=http_server.url(f"/s/{i}"))
    report = await run(
        [Source(name="f", kind=SourceKind.FEED, location=http_server.url("/feed.xml"))],
        store,
        FetchSettings(per_host=2, allow_private=True),
    )
    assert by_name(report)["f"].new == 8
    assert in_flight["max"] == 2


def test_dns_failures_are_named():
    import httpx

    from digest.gather.fetch import _describe_transport_error

    message = _describe_transport_error(httpx.ConnectError("[Errno -2] Name or service not known"))
    assert message.startswith("DNS lookup failed")


def test_file_names_with_control_characters_reach_the_terminal_and_the_log_as_one_printable_line(tmp_path):
    from tests.helpers import digest_cli

    folder = tmp_path / "html"
    folder.mkdir()
    (folder / "one.html").write_bytes(pages.article_html("Local one"))
    hostile = "ev\x1b[31mil\x1b]0;pwned\x07\u202e\tx.html"
    (folder / hostile).symlink_to(tmp_path / "nonexistent")
    in_toml = json.dumps(f"html/{hostile}")  # a TOML basic string is a JSON string
    (tmp_path / "digest.toml").write_text(
        f"""
[store]
url = "sqlite:///{tmp_path / "digest.db"}"

[sources.pages]
path = "html"

[sources.gone]
path = {in_toml}

[lists.daily]
from = "The Daily <digest@example.org>"
"""
    )
    done = digest_cli("gather", cwd=tmp_path)
    output = done.stdout + done.stderr
    assert "a broken symbolic link" in done.stdout, output
    assert "ev[31mil]0;pwned x.html" in done.stdout, output
    for unprintable in ("\x1b", "\x07", "\u202e"):
        assert unprintable not in output, output
    status = digest_cli("status", cwd=tmp_path)
    assert "gone" in status.stdout and "\x1b" not in status.stdout + status.stderr, status.stdout
