from __future__ import annotations

import json

import pytest

from digest.errors import FeedError
from digest.gather.feeds import parse_feed
from tests.integration import pages


def test_rss_entries_with_content():
    feed = parse_feed(
        pages.rss([("One", "https://e.org/1"), ("Two", "/2")], full_content=True), url="https://e.org/feed"
    )
    assert [e.title for e in feed.entries] == ["One", "Two"]
    assert feed.entries[1].url == "https://e.org/2"  # relative links resolved
    assert feed.entries[0].published.year == 2026
    assert "<p>" in feed.entries[0].content_html
    assert feed.warning is None


def test_atom_authors():
    feed = parse_feed(pages.atom([("A", "https://e.org/a")]))
    assert feed.entries[0].authors == ("Sam Okafor",)


def test_json_feed():
    doc = {
        "version": "https://jsonfeed.org/version/1",
        "title": "J",
        "items": [
            {
                "id": "1",
                "url": "https://e.org/1",
                "title": " Spaced\n title ",
                "content_html": "<p>x</p>",
                "author": {"name": "Ann"},
            },
            {"id": "2"},
            "junk",
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), content_type="application/feed+json")
    assert [e.title for e in feed.entries] == ["Spaced title"]
    assert feed.entries[0].authors == ("Ann",)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty feed document"),
        (b"   ", "empty feed document"),
        (b"<html><body>hi</body></html>", "not a feed"),
        (b"<?xml version='1.0'?><rss><channel><item><title>x</ti", "malformed feed"),
        (b"{not json", "malformed JSON Feed"),
        (b'{"version": "1"}', "not a feed: JSON without a jsonfeed.org version"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": 3}', "'items' is not a list"),
    ],
)
def test_broken_feeds_raise_one_line(body, message):
    with pytest.raises(FeedError, match=message) as info:
        parse_feed(body)
    assert "\n" not in str(info.value)


def test_every_shared_feed_parses_or_fails_cleanly(shared_data):
    manifest = json.loads((shared_data / "feeds" / "manifest.json").read_text())
    parsed = kept = 0
    for item in manifest:
        body = (shared_data / "feeds" / item["file"]).read_bytes()
        try:
            feed = parse_feed(body, url="https://example.org/feed")
        except FeedError as exc:
            assert str(exc) and "\n" not in str(exc)
            assert not item["xml_well_formed"] or item["feedparser_entries"] == 0, item["file"]
            continue
        parsed += 1
        kept += len(feed.entries)
        if item["origin"] == "real-world-capture":
            assert len(feed.entries) == item["feedparser_entries"], item["file"]
    assert parsed >= 100
    # Entries with neither a link nor any text are dropped; nearly all have one.
    assert kept >= 0.97 * sum(i["feedparser_entries"] for i in manifest)


def test_a_json_feed_whose_authors_are_not_a_list_still_parses():
    feed = parse_feed(
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "T", '
        b'"items": [{"url": "https://example.org/a", "authors": 1, "content_text": "Body."}]}',
        url="https://example.org/feed.json",
        content_type="application/feed+json",
    )
    assert [e.authors for e in feed.entries] == [()]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<!DOCTYPE html><html><head><title>News</title></head><body><p>Hi<br></body></html>", "text/html"),
        (b"<!doctype html>\n<html lang=en><body><img src=x><p>unclosed", ""),
        (b"<?xml version='1.0'?>\n<!-- a page --><html><body><hr></body></html>", "application/xml"),
        (b"  <html><head><meta charset=utf-8></head><body>Hello</body></html>", "application/octet-stream"),
    ],
)
def test_an_html_page_given_as_a_feed_is_named_so(body, content_type):
    with pytest.raises(FeedError, match=r"^not a feed \(an HTML page\); configure it as page = "):
        parse_feed(body, url="https://example.org/news", content_type=content_type)


def test_an_html_page_that_links_its_feed_names_it():
    body = (
        b'<html><head><link rel="stylesheet" href="/s.css">'
        b"<link rel='alternate' type='application/rss+xml' title='RSS' href='/feed.xml?a=1&amp;token=s3cret'>"
        b"</head><body><p>Story</body></html>"
    )
    with pytest.raises(FeedError) as caught:
        parse_feed(body, url="https://example.org/news/", content_type="text/html")
    message = str(caught.value)
    assert message.startswith("not a feed (an HTML page); the page names its feed: https://example.org/feed.xml?a=1")
    assert "s3cret" not in message


BAD_LINKS = ["http://127.0.0.1:notaport/x", "http://[::1/x", "https://example.org:99999/y"]


@pytest.mark.parametrize("bad", BAD_LINKS)
def test_an_item_with_a_link_no_url_parser_reads_does_not_lose_the_others(bad):
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>
<item><title>Good</title><link>https://example.org/good</link><description>Fine.</description></item>
<item><title>Bad</title><link>{bad}</link></item>
<item><title>Bad with text</title><link>{bad}</link><description>Its own text.</description></item>
</channel></rss>""".encode()
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [
            {"id": "1", "url": "https://example.org/good", "content_html": "<p>Fine.</p>"},
            {"id": "2", "url": bad},
            {"id": "3", "url": bad, "content_html": "<p>Its own text.</p>"},
        ],
    }
    for feed in (parse_feed(rss), parse_feed(json.dumps(doc).encode(), content_type="application/feed+json")):
        assert [e.url for e in feed.entries] == ["https://example.org/good", ""]
        assert "Its own text." in feed.entries[1].content_html


@pytest.mark.parametrize(
    "date",
    [
        "9999-12-31T23:00:00-05:00",
        "0001-01-01T00:00:00+01:00",
        "2999-01-01T00:00:00Z",
        "Fri, 31 Dec 9999 23:59:59 -0500",
    ],
)
def test_a_date_out_of_range_or_far_ahead_is_unknown(date):
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "items": [{"id": "1", "url": "https://example.org/a", "content_html": "<p>x</p>", "date_published": date}],
    }
    assert parse_feed(json.dumps(doc).encode(), content_type="application/feed+json").entries[0].published is None
    rss = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>R</title><item><title>A</title>
<link>https://example.org/a</link><pubDate>{date}</pubDate></item></channel></rss>""".encode()
    assert parse_feed(rss).entries[0].published is None


def test_canonical_url_of_a_url_with_a_bad_port_does_not_raise():
    from digest.urls import canonical_url

    for bad in BAD_LINKS:
        assert canonical_url(bad)


RSS_TITLES = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>
<item><title><![CDATA[Don&#8217;t panic]]></title><link>https://e.org/1</link></item>
<item><title><![CDATA[Tom &amp; Jerry <em>return</em>]]></title><link>https://e.org/2</link></item>
<item><title>AT&amp;T says 5 &lt; 6</title><link>https://e.org/3</link></item>
</channel></rss>"""

ATOM_TYPES = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
<entry><title type="html">&lt;em&gt;Emphasised&lt;/em&gt; title &amp;amp; more</title>
<link href="https://e.org/5"/><id>x</id><summary type="text">Use the &lt;details&gt; element for that</summary></entry>
</feed>"""


def test_titles_marked_as_html_reach_readers_as_text():
    titles = [e.title for e in parse_feed(RSS_TITLES).entries]
    assert titles == ["Don\u2019t panic", "Tom & Jerry return", "AT&T says 5 < 6"]
    (entry,) = parse_feed(ATOM_TYPES).entries
    assert entry.title == "Emphasised title & more"


def test_a_plain_text_summary_keeps_its_words_in_angle_brackets():
    from digest.extract.article import fragment_paragraphs

    (entry,) = parse_feed(ATOM_TYPES).entries
    assert fragment_paragraphs(entry.content_html) == ("Use the <details> element for that",)


ITEMS_WITH_MEDIA = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Podcast</title>
<item><title>Episode 1</title><guid isPermaLink="false">a7f3c2e0-episode-1</guid>
<enclosure url="https://cdn.e.org/ep1.mp3" length="4000000" type="audio/mpeg"/><description>Notes 1.</description></item>
<item><title>Episode 2</title><guid isPermaLink="false">https://e.org/?p=2</guid>
<enclosure url="https://cdn.e.org/ep2.mp3" length="4000000" type="audio/mpeg"/><description>Notes 2.</description></item>
</channel></rss>"""

ENTRIES_WITH_OTHER_LINKS = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>
<entry><title>One</title><link rel="self" href="https://e.org/entries/1.atom"/><link rel="edit" href="https://e.org/edit/1"/>
<link rel="enclosure" href="https://cdn.e.org/1.mp4"/><summary>Text 1.</summary></entry>
<entry><title>Two</title><link rel="replies" href="https://e.org/posts/2/comments"/>
<link rel="related" href="https://other.org/x"/><link rel="alternate" href="https://e.org/posts/2"/><summary>Text 2.</summary></entry>
<entry><title>Three</title><link rel="via" href="https://other.org/y"/><link href="https://e.org/posts/3"/>
<summary>Text 3.</summary></entry>
</feed>"""


def test_an_item_links_to_its_page_never_to_its_media_or_its_own_document():
    """An enclosure (a podcast's audio, up to the size cap each), an Atom entry's own
    document (self, edit), its comments or a page it cites are no page of the item's;
    without one the item is its own text."""
    podcast = parse_feed(ITEMS_WITH_MEDIA, url="https://e.org/feed.xml").entries
    assert [e.url for e in podcast] == ["", "https://e.org/?p=2"]
    atom = parse_feed(ENTRIES_WITH_OTHER_LINKS, url="https://e.org/atom.xml").entries
    assert [e.url for e in atom] == ["", "https://e.org/posts/2", "https://e.org/posts/3"]
    assert [e.content_html for e in (*podcast, *atom)] == ["Notes 1.", "Notes 2.", "Text 1.", "Text 2.", "Text 3."]


RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>
<item><title>One</title><link>https://e.org/1</link></item></channel></rss>"""
JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Caf\u00e9 news",
    "items": [{"id": "1", "url": "https://e.org/1", "title": "Caf\u00e9 one"}],
}


@pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8", "text/plain"])
def test_a_feed_is_read_as_what_it_is_whatever_its_content_type_says(content_type):
    assert [e.url for e in parse_feed(RSS, content_type=content_type).entries] == ["https://e.org/1"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xef\xbb\xbf" + json.dumps(JSON_FEED).encode(), ""),
        (b"\xef\xbb\xbf" + json.dumps(JSON_FEED).encode(), "application/feed+json"),
        (json.dumps(JSON_FEED, ensure_ascii=False).encode("utf-16"), "application/feed+json"),
        (json.dumps(JSON_FEED, ensure_ascii=False).encode("latin-1"), "application/feed+json; charset=iso-8859-1"),
        (b"\n\t " + json.dumps(JSON_FEED, ensure_ascii=False).encode(), "text/plain; charset=utf-8"),
        (json.dumps(JSON_FEED, ensure_ascii=False).encode(), "application/json; charset=iso-8859-1"),
    ],
    ids=["utf-8-bom", "utf-8-bom-typed", "utf-16", "latin-1-by-header", "leading-space", "utf-8-despite-header"],
)
def test_a_json_feed_is_read_in_any_encoding_its_bytes_or_its_header_tell(body, content_type):
    feed = parse_feed(body, content_type=content_type)
    assert (feed.title, [e.title for e in feed.entries]) == ("Caf\u00e9 news", ["Caf\u00e9 one"])


def test_a_json_feed_field_of_the_wrong_type_is_left_out():
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": ["not", "a", "title"],
        "items": [
            {"id": "1", "url": {"href": "https://e.org/x"}, "title": ["a", "b"], "content_text": "Its text."},
            {"id": "https://e.org/by-id", "title": 12, "content_html": "<p>Text.</p>"},
        ],
    }
    feed = parse_feed(json.dumps(doc).encode(), content_type="application/feed+json")
    assert feed.title == ""
    assert [(e.url, e.title) for e in feed.entries] == [("", ""), ("https://e.org/by-id", "")]


def test_a_feed_title_marked_as_html_is_text():
    rss = RSS.replace(b"<title>R</title>", b"<title>Tom &amp;amp; Jerry &lt;em&gt;daily&lt;/em&gt;</title>", 1)
    assert parse_feed(rss).title == "Tom & Jerry daily"
