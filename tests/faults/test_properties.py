"""Property tests over random and adversarial input for every pure stage: feeds,
extraction, summaries, compose, render and the outgoing message. Nothing may raise
but the documented DigestError subclasses, and the stated limits hold."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, date, datetime

import lxml.html
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from digest.errors import DigestError, ExtractError, FeedError
from digest.extract.article import article_from_fragment, extract_article
from digest.gather.feeds import parse_feed
from digest.identity import article_key
from digest.mail.compose import compose
from digest.mail.message import MessageError, MessageFactory, Recipient
from digest.mail.render import render_digest
from digest.models import Article, Page, Summary
from digest.subscribers import normalise_email
from digest.summarize.algorithms import summarize, summarize_text

FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)

# Text a hostile or broken source may carry: control characters, bidi overrides, line
# and paragraph separators, RTL scripts, emoji, markup, and words longer than any line.
NASTY = [
    "",
    " ",
    "\r\n",
    "\r",
    "\n\n",
    "\x00",
    "\x0b\x0c",
    "\x1b[31m",
    "\u0085",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u200b",
    "\ufeff",
    "مرحبا بالعالم. هذا نص عربي.",
    "שלום עולם.",
    "😀🎉👩‍👩‍👧‍👦",
    "Ünïcödé ßtraße.",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "expression(alert(1))",
    "{{ 7*7 }}",
    "{% raw %}",
    "%s%n{0}",
    "=?utf-8?q?=0D=0ABcc:_x@evil.example?=",
    "Bcc: victim@evil.example",
    "\r\nBcc: victim@evil.example",
    "x" * 10_000,
    ("word " * 2000).strip(),
]
any_text = st.one_of(
    st.text(max_size=300),
    st.text(st.characters(codec="utf-8"), max_size=60),
    st.sampled_from(NASTY),
    st.lists(st.sampled_from(NASTY), max_size=4).map("".join),
)
URLS = [
    "https://news.example.org/a",
    "http://news.example.org/b?x=1&y=2",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "/relative",
    "",
    "https://evil.example/\r\nBcc: x@evil.example",
    'https://example.org/" onmouseover="alert(1)',
    "https://example.org/<script>",
    "ftp://example.org/file",
    "mailto:a@example.org",
    " https://example.org/ws",
]
any_url = st.one_of(st.sampled_from(URLS), st.text(max_size=60))


def utf8_safe(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


# ---------------------------------------------------------------- feeds

FEED_TEMPLATES = [
    (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{t}</title><item><title>{t}</title>"
        "<link>{u}</link><description>{d}</description><pubDate>{t}</pubDate></item></channel></rss>"
    ),
    (
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>{t}</title><entry><title>{t}</title><link href='{u}'/>"
        "<content type='html'>{d}</content><updated>{t}</updated><author><name>{t}</name></author></entry></feed>"
    ),
    (
        "<rss version='2.0'><channel><item><title><![CDATA[{t}]]></title><link>{u}</link><description><![CDATA[{d}]]>"
        "</description></item></channel></rss>"
    ),
]


@st.composite
def feed_documents(draw) -> tuple[bytes, str]:
    kind = draw(st.sampled_from(["bytes", "xml", "json", "jsonish"]))
    content_type = draw(
        st.sampled_from(
            [
                "",
                "application/rss+xml",
                "text/xml",
                "application/json",
                "text/html; charset=bogus",
                "application/xml; charset=koi8-r",
            ]
        )
    )
    if kind == "bytes":
        return draw(st.binary(max_size=2000)), content_type
    if kind == "xml":
        template = draw(st.sampled_from(FEED_TEMPLATES))
        text = template.format(t=draw(any_text), u=draw(any_url), d=draw(any_text))
        encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252", "gb18030"]))
        return text.encode(encoding, "replace"), content_type
    if kind == "json":
        value = st.one_of(
            any_text,
            st.integers(),
            st.none(),
            st.lists(any_text, max_size=3),
            st.booleans(),
            st.dictionaries(any_text, any_text, max_size=3),
        )
        item = st.fixed_dictionaries(
            {},
            optional=dict.fromkeys(
                (
                    "url",
                    "external_url",
                    "title",
                    "content_html",
                    "content_text",
                    "summary",
                    "date_published",
                    "date_modified",
                    "authors",
                    "author",
                ),
                value,
            ),
        )
        doc = {
            "version": draw(st.sampled_from(["https://jsonfeed.org/version/1.1", "1", ""])),
            "title": draw(value),
            "items": draw(st.one_of(st.lists(item, max_size=4), value)),
        }
        return json.dumps(doc).encode(), content_type
    # JSON with escapes for lone surrogates and odd numbers, as a broken generator writes them
    title = draw(st.sampled_from(["\\ud800", "\\udfff", "ok\\u0000", "\\ud83d\\ude00", "1e999"]))
    doc = (
        '{"version": "https://jsonfeed.org/version/1", "items": [{"url": "https://e.example/1", '
        f'"title": "{title}", "content_text": "Body {title}.", "date_published": "{title}"}}]}}'
    )
    return doc.encode(), content_type


@FEW
@given(feed_documents())
@example(
    (
        (
            b'{"version": "https://jsonfeed.org/version/1", "items": [{"url": "https://e.example/1", '
            b'"title": "\\ud800", "content_text": "x"}]}'
        ),
        "application/json",
    )
)
@example(
    (
        (
            b"<rss version='2.0'><channel><item><title>a &#xD800; b &#55296; &#x110000; &#0;</title>"
            b"<link>http://x.example/1</link></item></channel></rss>"
        ),
        "application/rss+xml",
    )
)
def test_parse_feed_only_raises_feed_error_and_gives_clean_text(document):
    body, content_type = document
    try:
        feed = parse_feed(body, url="https://feeds.example.org/feed", content_type=content_type)
    except FeedError as exc:
        assert str(exc).strip() and "\n" not in str(exc)
        return
    for entry in feed.entries:
        for value in (entry.url, entry.title, entry.content_html, *entry.authors):
            assert isinstance(value, str) and utf8_safe(value)
        assert "\n" not in entry.title and "\r" not in entry.title
        assert entry.published is None or entry.published.tzinfo is not None


# ---------------------------------------------------------------- extraction


@st.composite
def pages(draw) -> Page:
    content_type = draw(
        st.sampled_from(
            [
                "text/html",
                "text/html; charset=utf-8",
                "text/html; charset=nope",
                "text/plain",
                "text/plain; charset=utf-16",
                "",
                "application/octet-stream",
                "application/pdf",
                "text/plain; charset=latin-1",
            ]
        )
    )
    shape = draw(st.sampled_from(["binary", "text", "html"]))
    if shape == "binary":
        body = draw(st.binary(max_size=3000))
    else:
        parts = draw(st.lists(any_text, min_size=0, max_size=8))
        if shape == "html":
            tag = draw(st.sampled_from(["p", "div", "script", "style", "h1", "li", "iframe", "a href='javascript:x'"]))
            inner = "".join(f"<{tag}>{p}</{tag.split()[0]}>" for p in parts)
            text = f"<html><head><title>{draw(any_text)}</title></head><body><article>{inner}</article></body></html>"
        else:
            text = "\n\n".join(parts)
        encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "shift_jis"]))
        body = text.encode(encoding, "replace")
    return Page(url=draw(any_url), body=body, content_type=content_type, fetched_at=NOW, title_hint=draw(any_text))


@FEW
@given(pages())
def test_extract_article_only_raises_extract_error(page):
    try:
        article = extract_article(page)
    except DigestError as exc:
        assert isinstance(exc, ExtractError) and str(exc).strip()
        return
    if article is not None:
        assert isinstance(article.title, str) and all(isinstance(p, str) for p in article.paragraphs)
        assert all(utf8_safe(p) for p in article.paragraphs)


ADVERSARIAL_PAGES = {
    "deep-nesting": b"<html><body>"
    + b"<div>" * 5000
    + b"<p>Deep text here. " * 50
    + b"</div>" * 5000
    + b"</body></html>",
    "deep-inline": b"<html><body><p>" + b"<b>" * 20000 + b"x" + b"</b>" * 20000 + b"</p></body></html>",
    "one-1mb-paragraph": b"<html><body><article><p>"
    + b"Lorem ipsum dolor sit amet. " * 40000
    + b"</p></article></body></html>",
    "10k-character-word": b"<html><body><article><h1>T</h1><p>"
    + b"x" * 10000
    + b" and more. " * 20
    + b"</p></article></body></html>",
    "binary": bytes(range(256)) * 100,
    "utf16-without-bom": "<html><body><p>Hello world, this is text.</p></body></html>".encode("utf-16-le"),
    "nul-bytes": b"<html><body><article><p>A\x00B text. More text here.</p>" * 50 + b"</article></body></html>",
    "script-only": b"<html><body><script>" + b"var a=1;" * 10000 + b"</script></body></html>",
    "unclosed-comment": b"<html><body><!--" + b"-" * 100000 + b"<p>x</p></body></html>",
    "entity-expansion": b"<!DOCTYPE html [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
    b"<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]><html><body><p>&c;&c;&c;</p></body></html>",
    "rtl-and-bidi-overrides": (
        "<html><body><article><h1>\u0639\u0646\u0648\u0627\u0646</h1>"
        + "<p>\u0647\u0630\u0627 \u0646\u0635. \u202eevil\u202c and more text here.</p>" * 40
        + "</article></body></html>"
    ).encode(),
    "emoji": (
        "<html><body><article><h1>\U0001f600</h1>"
        "<p>" + "\U0001f389 party time. " * 200 + "</p>" * 10 + "</article></body></html>"
    ).encode(),
    "mixed-encodings": "<html><body><article><p>caf\u00e9 ".encode()
    + "caf\u00e9 na\u00efve ".encode("latin-1") * 50
    + "\u65e5\u672c".encode("shift_jis")
    + b"</p></article></body></html>",
}


@pytest.mark.parametrize("content_type", ["text/html", "text/plain", ""])
@pytest.mark.parametrize("name", sorted(ADVERSARIAL_PAGES))
def test_extract_and_summarise_survive_adversarial_pages(name, content_type):
    page = Page(url="https://e.example/x", body=ADVERSARIAL_PAGES[name], content_type=content_type, fetched_at=NOW)
    try:
        article = extract_article(page)
    except ExtractError:
        return
    if article is None:
        return
    assert all(utf8_safe(p) for p in article.paragraphs)
    summary = summarize(article, sentences=3)
    assert all(sentence in article.text for sentence in summary.sentences)


@FEW
@given(any_text)
def test_article_from_fragment_never_raises(html):
    article = article_from_fragment(html, url="https://e.example/1", title="t")
    if article is not None:
        text = article.text.lower()
        assert "<script" not in text or "<script" in html.lower()


# ---------------------------------------------------------------- summaries

body_text = st.one_of(
    any_text,
    st.lists(
        st.one_of(
            any_text,
            st.sampled_from(
                [
                    "The council met on Tuesday. It voted to repair the bridge.",
                    "Dr. Smith arrived at 5 p.m. on Jan. 3. She left at six.",
                    "«Ça va?» dit-il. Oui!",
                    "第一句。第二句！第三句？",
                    "Numbers: 1.5, 2.25 and 3. Done.",
                ]
            ),
        ),
        max_size=12,
    ).map("\n\n".join),
)


@FEW
@given(body_text, st.integers(min_value=0, max_value=6))
@example("x" * 10_000 + ". Next sentence here.", 3)
@example(("Word " * 3000).strip() + ".", 2)
def test_summary_sentences_are_substrings_of_the_text(text, sentences):
    picked = summarize_text(text, sentences=sentences)
    assert len(picked) <= sentences
    assert len(set(picked)) == len(picked)
    for sentence in picked:
        assert sentence and sentence in text


@FEW
@given(st.lists(any_text, max_size=6), any_text)
def test_summarize_article_picks_from_the_body_only(paragraphs, title):
    article = Article(url="https://e.example/1", title=title, paragraphs=tuple(paragraphs))
    summary = summarize(article, sentences=3)
    body = "\n\n".join(paragraphs)
    assert all(s in body for s in summary.sentences)


# ---------------------------------------------------------------- compose, render, message

articles = st.builds(
    Article,
    url=any_url,
    title=any_text,
    paragraphs=st.lists(any_text, max_size=3).map(tuple),
    authors=st.lists(any_text, max_size=2).map(tuple),
    published=st.one_of(st.none(), st.datetimes(timezones=st.just(UTC))),
    image=st.one_of(st.none(), any_url),
    source=st.sampled_from(["a", "b", "", "<b>src</b>", "src\r\nX: y"]),
)
summaries = st.lists(
    st.builds(
        Summary, article=articles, sentences=st.lists(any_text, max_size=3).map(tuple), algorithm=st.just("lead")
    ),
    max_size=6,
)


@FEW
@given(summaries, st.integers(min_value=0, max_value=5), st.dates())
def test_compose_caps_orders_and_counts(items, max_items, day):
    digest = compose(items, list_name="daily", title="Daily", day=day, max_items=max_items)
    assert len(digest.items) <= max_items
    unique = len({article_key(s.article) for s in items})  # a link-less story is its content
    assert len(digest.items) + digest.more == unique
    assert digest.issue_id.startswith(f"daily-{day:%Y%m%d}-")


ALLOWED_HEADERS = {
    "from",
    "reply-to",
    "subject",
    "list-id",
    "mime-version",
    "content-type",
    "to",
    "date",
    "message-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
}


def check_message(message: bytes) -> email.message.EmailMessage:
    """The limits of an outgoing message: CRLF only, no line over 998 bytes, headers
    without stray CR/LF or injected fields, HTML without active content or non-http links."""
    assert b"\r\n" in message
    lines = message.split(b"\r\n")
    assert all(len(line) <= 998 for line in lines), max(len(line) for line in lines)
    assert b"\r" not in message.replace(b"\r\n", b"") and b"\n" not in message.replace(b"\r\n", b"")
    head = message.split(b"\r\n\r\n", 1)[0].decode("utf-8")
    unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ").split("\r\n")
    names = [line.split(":", 1)[0].lower() for line in unfolded]
    assert set(names) <= ALLOWED_HEADERS, names
    assert len(names) == len(set(names)), names
    # Headers are 7-bit, but for a recipient address that needs SMTPUTF8 (RFC 6532).
    assert all(line.isascii() for line in unfolded if not line.startswith("To:")), head
    if head.isascii():
        parsed = email.message_from_bytes(message, policy=email.policy.default)
    else:  # the stdlib reads bytes as ASCII; an RFC 6532 message is read as UTF-8 text
        parsed = email.message_from_string(message.decode("utf-8"), policy=email.policy.default)
    for name in ("Subject", "To", "From", "List-Id"):
        value = str(parsed[name] or "")
        assert not any(c in value for c in "\r\n\x00"), (name, value)
    html_part = parsed.get_body(("html",)).get_content()
    check_html(html_part)
    return parsed


def check_html(html: str, *, links: bool = True) -> None:
    """No active content; with `links`, every link is http(s) (an empty href, a link the
    list did not configure, goes nowhere and is let through) or jumps to a story of the
    email itself (#item-N, from "In this issue")."""
    root = lxml.html.document_fromstring(html)
    assert not root.xpath("//script|//iframe|//object|//embed|//form|//frame|//applet|//base|//meta[@http-equiv]")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name, value)
            if links and name.lower() in ("href", "src", "action", "background", "poster", "srcset", "formaction"):
                in_page = name.lower() == "href" and value.startswith("#item-") and value[6:].isdigit()  # In this issue
                assert value == "" or in_page or value.startswith(("https://", "http://")), (element.tag, name, value)
            assert "javascript:" not in value.lower() and "data:" not in value.lower().replace(" ", ""), (name, value)
            if name.lower() == "style":
                lowered = value.lower().replace(" ", "")
                assert "expression(" not in lowered and "javascript:" not in lowered and "url(" not in lowered


@FEW
@given(
    summaries, any_text, any_text, any_text, st.sampled_from(["", "{top}", "{list}: {top}{more}", "{count} {others}"])
)
@example(
    [
        Summary(
            Article(
                url="https://e.example/\r\nBcc: x@evil.example",
                title="Hi\r\nBcc: victim@evil.example",
                paragraphs=("p",),
            ),
            ("<script>alert(1)</script>",),
            "lead",
        )
    ],
    "List\r\nBcc: a@evil.example",
    "Name\r\nBcc: b@evil.example",
    "x" * 10_000,
    "",
)
def test_rendered_message_keeps_its_limits(items, list_title, name, long_text, subject_template):
    digest = compose(items, list_name="daily", title=list_title, day=date(2026, 11, 24), max_items=5)
    rendered = render_digest(digest, subject_template=subject_template)
    assert "\r" not in rendered.subject and "\n" not in rendered.subject
    check_html(rendered.html, links=False)  # the personal links are still markers here
    factory = MessageFactory(
        rendered,
        sender=f"{list_title} <digest@example.org>",
        reply_to="Replies <r@example.org>",
        view_url="https://digest.example.org/issues/1",
    )
    recipient = Recipient(
        email="reader@example.org",
        name=name + long_text[:300],
        unsubscribe_url="https://digest.example.org/u?token=abc",
        unsubscribe_mailto="mailto:unsubscribe@example.org",
    )
    check_message(factory.build(recipient))


@FEW
@given(
    any_text,
    st.sampled_from(
        [
            "reader@example.org",
            "a@b.example",
            "reader@example.org\r\nBcc: x@evil.example",
            "reader@example.org>, <x@evil.example",
            '"q"@example.org',
            "",
            "no-at-sign",
            "réader@example.org",
            "reader@exämple.org",
            "x" * 300 + "@example.org",
        ]
    ),
)
def test_recipient_fields_never_break_the_header_block(name, address):
    digest = compose([], list_name="daily", title="Daily", day=date(2026, 11, 24))
    factory = MessageFactory(render_digest(digest), sender="Daily <digest@example.org>")
    try:
        message = factory.build(Recipient(email=address, name=name, unsubscribe_url="https://e.example/u"))
    except MessageError:
        return
    parsed = check_message(message)
    assert parsed["To"].addresses[0].addr_spec == normalise_email(address).email  # the one address rule
