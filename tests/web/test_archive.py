"""The archive: a list's past issues newest first, each issue as a web page with nobody's
name, address or links in it (the email's "view in your browser" link opens it), and
an Atom feed of the archive."""

from __future__ import annotations

import re
from datetime import timedelta

import feedparser
import pytest

from digest.mail.compose import compose
from digest.models import Article, Summary
from tests.helpers import DAY, NOW


@pytest.fixture(scope="module")
def published(service):
    service.subscribe("uma@example.org", "vic@example.org", name="Uma Reader", list_name="weekly")
    older = service.publish("weekly", titles=("Older",), days=0)
    newer = service.publish("weekly", titles=("Newer <b>bold</b>",), days=7)
    return older, newer


def test_the_archive_lists_past_issues_newest_first(service, published):
    older, newer = published
    with service.client() as browser:
        page = browser.get("/lists/weekly/archive")
    assert page.status_code == 200
    links = re.findall(r'href="[^"]*/issues/([^"]+)"', page.text)
    assert links[:2] == [newer, older]
    assert "Newer &lt;b&gt;bold&lt;/b&gt;" in page.text and "<b>bold</b>" not in page.text
    assert 'type="application/atom+xml"' in page.text


def test_view_in_browser_opens_the_issue_without_anyones_personal_fields(service, published):
    _, newer = published
    message = service.last_message_to("uma@example.org")
    html = message.get_body(("html",)).get_content()
    view = re.search(r'href="([^"]+)"[^>]*>View in your browser', html).group(1)
    assert view == f"{service.url}/issues/{newer}"
    with service.client() as browser:
        page = browser.get(view)
    assert page.status_code == 200
    for personal in ("uma@example.org", "vic@example.org", "Uma", "token=", "/unsubscribe", "View in your browser"):
        assert personal not in page.text, personal
    for marker_name, marker in service.issue(newer).rendered.markers:
        assert marker not in page.text, marker_name
    assert "Hello," in page.text and "Past issues" in page.text and "/lists/weekly/subscribe" in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_the_atom_feed_has_the_issues_newest_first(service, published):
    older, newer = published
    with service.client() as reader:
        response = reader.get("/lists/weekly/feed.atom")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "The Weekly"
    assert [e.link for e in feed.entries[:2]] == [f"{service.url}/issues/{newer}", f"{service.url}/issues/{older}"]
    assert "Newer <b>bold</b>" in feed.entries[0].title
    assert '<li dir="auto">' in feed.entries[0].content[0].value  # the items, as HTML the reader shows


def test_unknown_lists_issues_and_pages_are_not_found(service, published):
    with service.client() as browser:
        for path in (
            "/lists/monthly/archive",
            "/lists/monthly/feed.atom",
            "/issues/nope",
            "/issues/" + "x" * 300,
            "/lists/weekly/archive?page=999",
            "/lists/weekly/archive?page=-1",
            "/lists/weekly/archive?page=abc",
            "/lists/weekly/archive?page=%C2%B2",  # "²": a digit to str.isdigit, not to int()
            "/no/such/page",
        ):
            response = browser.get(path)
            assert response.status_code == 404, path
            assert "Not found" in response.text


def test_an_issue_not_yet_sent_to_anyone_is_not_shown(service, published):
    article = Article(url="https://news.example.org/unsent", title="Unsent", paragraphs=("Body.",), source="s")
    service.store.add_article(article, gathered_at=NOW)
    digest = compose([Summary(article, ("Body.",), "lead")], list_name="daily", title="The Daily", day=DAY)
    from digest.app import render_for_list

    service.store.save_issue(render_for_list(digest, service.list()), article_urls=[article.url], at=NOW)
    with service.client() as browser:
        assert browser.get(f"/issues/{digest.issue_id}").status_code == 404
        assert digest.issue_id not in browser.get("/lists/daily/archive").text


def test_the_atom_feed_stays_well_formed_and_shows_no_password_whatever_the_titles(service, published):
    import lxml.etree

    from digest.app import render_for_list, send_list

    hostile = "Ctl \x01\x02\x08\x0b\x1b[31m, \ufffe and \uffff, \u202egnp.exe\u202c <b>tag</b>"
    article = Article(
        url="https://user:hunter2secret@news.example.org/story?a=1&b=2",
        title=hostile,
        paragraphs=("Body of the story, long enough to read.",),
        source="s",
    )
    service.store.add_article(article, gathered_at=NOW)
    chosen = service.list("weekly")  # a list whose issues are all sent: a new one may open
    later = DAY + timedelta(days=30)
    summary = Summary(article, (hostile + " sentence.",), "lead")
    digest = compose([summary], list_name="weekly", title="The Weekly", day=later)
    at = NOW + timedelta(days=30)
    assert service.store.save_issue(render_for_list(digest, chosen), article_urls=[article.url], at=at)
    assert send_list(service.settings, chosen, store=service.store, issue_id=digest.issue_id).ok
    with service.client() as reader:
        body = reader.get("/lists/weekly/feed.atom").content
    lxml.etree.fromstring(body)  # raises on a character XML forbids
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.bozo_exception
    assert b"hunter2secret" not in body and "https://news.example.org/story?a=1" in feed.entries[0].content[0].value
    assert "\u202e" not in body.decode() and "gnp.exe" in body.decode()


def test_an_issue_headed_in_a_right_to_left_script_is_listed_with_its_own_direction(service, published):
    headline = "مزارعو الواحات يعودون إلى الري التقليدي لمواجهة الجفاف"
    issue = service.publish("weekly", titles=(headline,), days=60)
    with service.client() as browser:
        page = browser.get("/lists/weekly/archive")
    link = re.search(rf'<a [^>]*href="[^"]*/issues/{issue}"[^>]*>([^<]*)</a>', page.text)
    assert link is not None and headline in link.group(1)
    assert 'dir="auto"' in link.group(0)  # the subject is isolated from the date beside it
    assert re.search(r'<h1 dir="auto">[^<]+</h1>', page.text)  # a list named in Arabic heads it right to left


def test_a_feed_reader_polling_with_if_modified_since_gets_304_until_a_new_issue(service, published):
    with service.client() as reader:
        first = reader.get("/lists/weekly/feed.atom")
        stamp, tag = first.headers["last-modified"], first.headers["etag"]
        assert stamp.endswith(" GMT")
        again = reader.get("/lists/weekly/feed.atom", headers={"If-Modified-Since": stamp})
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["last-modified"] == stamp and again.headers["etag"] == tag
        older = reader.get("/lists/weekly/feed.atom", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"})
        assert older.status_code == 200
        # If-None-Match decides when both are sent (RFC 9110 13.2.2)
        both = reader.get("/lists/weekly/feed.atom", headers={"If-Modified-Since": stamp, "If-None-Match": '"other"'})
        assert both.status_code == 200
        for bad in ("yesterday", "Mon, 99 Foo 2001 00:00:00 GMT", ""):
            assert reader.get("/lists/weekly/feed.atom", headers={"If-Modified-Since": bad}).status_code == 200
        newest = service.publish("weekly", titles=("Newest",), days=60)
        after = reader.get("/lists/weekly/feed.atom", headers={"If-Modified-Since": stamp})
        assert after.status_code == 200 and newest in after.text
        assert reader.get("/lists/weekly/feed.atom", headers={"If-None-Match": tag}).status_code == 200


def test_a_story_in_a_right_to_left_script_takes_its_own_direction_in_the_feed(service, published):
    headline = "مزارعو الواحات يعودون إلى الري التقليدي لمواجهة الجفاف"
    service.publish("weekly", titles=(headline,), days=90)  # after the other tests' issues
    with service.client() as reader:
        feed = feedparser.parse(reader.get("/lists/weekly/feed.atom").content)
    item = next(e for e in feed.entries if headline in e.content[0].value)
    story = re.search(rf"<li[^>]*>(?:<a [^>]*>)?{headline}", item.content[0].value)
    assert story is not None and 'dir="auto"' in story.group(0)  # a feed reader lays it out right to left


def test_a_story_in_the_feed_has_its_summary_on_a_line_of_its_own_under_its_headline(service, published):
    with service.client() as reader:
        feed = feedparser.parse(reader.get("/lists/weekly/feed.atom").content)
    stories = re.findall(r"<li[^>]*>(.*?)</li>", feed.entries[0].content[0].value)
    assert stories
    for story in stories:
        # "Headline Its first sentence." read as one run-on line in a feed reader.
        assert re.fullmatch(r'<a href="[^"]+">[^<]+</a><br />\S.*', story), story
