"""The service's pure pieces: token kinds that cannot stand in for each other, the
clients a rate limit counts, the setup warnings, and an issue made public."""

from __future__ import annotations

import email
import re
from email import policy

import pytest

from digest.app.subscribing import _client_network
from digest.app.web import web_warnings
from digest.config import parse_settings
from digest.errors import TokenError
from digest.mail.compose import compose
from digest.mail.render import render_digest
from digest.mail.webview import public_html
from digest.models import Article, Summary
from digest.subscribers import make_token
from digest.tokens import (
    TokenExpired,
    make_confirm_token,
    make_form_token,
    make_preferences_token,
    read_confirm_token,
    read_form_token,
    read_preferences_token,
)
from tests.helpers import DAY

SECRET = "pieces-secret"


def test_a_token_of_one_kind_is_never_valid_as_another():
    unsubscribe = make_token(secret=SECRET, list_name="daily", key="a@example.org", version=1)
    preferences = make_preferences_token(secret=SECRET, key="a@example.org", issued_at=100)
    for token in (unsubscribe, preferences):
        with pytest.raises(TokenError, match="signature does not match"):
            read_confirm_token(token, secret=SECRET, now=100, max_age=10)
    with pytest.raises(TokenError, match="signature does not match"):
        read_preferences_token(unsubscribe, secret=SECRET, now=100, max_age=10)
    assert read_preferences_token(preferences, secret=SECRET, now=105, max_age=10) == "a@example.org"


def test_links_expire_and_links_from_the_future_are_refused():
    confirm = make_confirm_token(
        secret=SECRET, list_name="daily", email="a@example.org", name="", version=0, issued_at=1000
    )
    assert read_confirm_token(confirm, secret=SECRET, now=1000 + 3600, max_age=3600).email == "a@example.org"
    with pytest.raises(TokenExpired):
        read_confirm_token(confirm, secret=SECRET, now=1000 + 3601, max_age=3600)
    with pytest.raises(TokenError, match="future"):
        read_confirm_token(confirm, secret=SECRET, now=1000 - 3600, max_age=3600)


def test_a_form_token_is_for_one_cookie():
    token = make_form_token(secret=SECRET, nonce="n" * 24, issued_at=50)
    read_form_token(token, secret=SECRET, nonce="n" * 24, now=60, max_age=100)
    for nonce in ("m" * 24, "", "ñ" * 24):
        with pytest.raises(TokenError):
            read_form_token(token, secret=SECRET, nonce=nonce, now=60, max_age=100)


@pytest.mark.parametrize(
    ("client", "counted_as"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("unknown", "unknown"),
    ],
)
def test_a_client_is_its_ipv4_address_or_its_ipv6_64(client, counted_as):
    assert _client_network(client) == counted_as


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [
        ("http://news.example.org", True),
        ("http://192.0.2.1:8080", True),
        ("https://news.example.org", False),
        ("http://127.0.0.1:8080", False),
        ("http://localhost:8080", False),
        ("http://[::1]:8080", False),
        ("", False),
    ],
)
def test_a_plain_http_base_url_off_loopback_is_warned_about(tmp_path, base_url, warned):
    settings = parse_settings({"web": {"base_url": base_url}}, base_dir=tmp_path)
    assert bool(web_warnings(settings)) is warned


@pytest.mark.parametrize(
    ("base_url", "warned"),
    [("", True), ("http://127.0.0.1:8080", True), ("https://10.0.0.5", True), ("https://news.example.org", False)],
)
def test_confirmation_links_readers_cannot_reach_are_warned_about_when_mail_leaves(tmp_path, base_url, warned):
    # Lists with links of their own: the confirmation messages still link to base_url.
    own = {"postal_address": "1 Main St", "unsubscribe_url": "https://e.org/u?t={token}", "view_url": ""}
    raw = {"smtp": {"host": "smtp.example.org"}, "web": {"base_url": base_url}, "lists": {"a": own}}
    warnings = web_warnings(parse_settings(raw, base_dir=tmp_path))
    assert any("readers cannot reach" in w for w in warnings) is warned
    captured = web_warnings(parse_settings({**raw, "smtp": {}}, base_dir=tmp_path))
    assert not any("readers cannot reach" in w for w in captured)


def test_list_links_follow_the_base_url_unless_given(tmp_path):
    settings = parse_settings(
        {
            "web": {"base_url": "https://news.example.org/"},
            "lists": {"a": {}, "b": {"view_url": "", "unsubscribe_url": "https://other.example/u?t={token}"}},
        },
        base_dir=tmp_path,
    )
    a, b = settings.lists
    assert a.unsubscribe_url == "https://news.example.org/unsubscribe?token={token}"
    assert a.view_url == "https://news.example.org/issues/{issue}"
    assert (b.view_url, b.unsubscribe_url) == ("", "https://other.example/u?t={token}")


@pytest.mark.parametrize("bad", ["ftp://news.example.org", "news.example.org", "https://x.example/?a=1", "https://"])
def test_a_base_url_that_is_not_an_http_address_is_a_config_error(tmp_path, bad):
    from digest.errors import ConfigError

    with pytest.raises(ConfigError, match=r"web\.base_url"):
        parse_settings({"web": {"base_url": bad}}, base_dir=tmp_path)


def test_the_public_issue_keeps_the_content_and_drops_every_personal_field():
    article = Article(url="https://news.example.org/1", title="A <b>title</b>", paragraphs=("Body.",), source="s")
    digest = compose([Summary(article, ("Body sentence.",), "lead")], list_name="daily", title="Daily", day=DAY)
    rendered = render_digest(digest)
    page = public_html(rendered, footer_html='Our footer <a href="https://news.example.org/lists/daily/archive">x</a>')
    assert "A &lt;b&gt;title&lt;/b&gt;" in page and "Body sentence." in page
    assert "Our footer" in page and "Unsubscribe" not in page and "View in your browser" not in page
    assert 'href=""' not in page
    for _, marker in rendered.markers:
        assert marker not in page


def test_an_issue_as_a_web_page_holds_all_it_shows_in_its_main_landmark():
    from lxml import html as lxml_html

    article = Article(url="https://news.example.org/1", title="A title", paragraphs=("Body.",), source="s")
    digest = compose([Summary(article, ("Body sentence.",), "lead")], list_name="daily", title="Daily", day=DAY)
    page = lxml_html.document_fromstring(public_html(render_digest(digest), footer_html="Our footer"))
    [main] = page.body
    assert main.tag == "main" and "Body sentence." in main.text_content() and "Our footer" in main.text_content()


def test_a_list_titled_in_a_right_to_left_script_is_named_in_its_own_direction_on_every_page():
    from types import SimpleNamespace

    from digest.models import SubscriberStatus
    from digest.web.pages import render

    title = "نشرة الواحات"
    links = SimpleNamespace(**{kind: (lambda name: f"/lists/{name}") for kind in ("subscribe", "archive", "feed")})
    index = render("index.html.j2", {"root": "/", "lists": [("oases", title)], "links": links})
    choice = SimpleNamespace(title=title, list_name="oases", active=True, stopped=False, status=SubscriberStatus.ACTIVE)
    prefs = SimpleNamespace(email="a@example.org", name="", lists=[choice])
    preferences = render(
        "preferences.html.j2", {"root": "/", "prefs": prefs, "form_token": "t", "error": "", "notice": ""}
    )
    for html in (index, preferences):
        named = re.search(rf"<(\w+)[^>]*>{title}</\1>", html)
        assert named is not None and 'dir="auto"' in named.group(0), html


def test_a_list_title_in_a_sentence_is_isolated_so_its_punctuation_stays_with_it():
    # "Stop sending أخبار! to a@example.org?": unisolated, the "!" of a right-to-left title
    # is laid out with the English around it, on the wrong side of the title.
    from types import SimpleNamespace

    from digest.mail.confirmation import confirmation_message
    from digest.mail.render import personal_fields, personalise
    from digest.web.pages import render

    title = "أخبار الواحات!"
    isolated = f'<span dir="auto">{title}</span>'
    common = {"root": "/", "list_title": title, "email": "a@example.org", "preferences_url": "/p", "archive_url": "/a"}
    pages = {
        "confirm.html.j2": {"form_token": "t", "error": ""},
        "confirmed.html.j2": {"newly": True},
        "subscribe.html.j2": {"form_token": "t", "error": "", "name": "", "email_refused": False, "honeypot": "w"},
        "subscribe_sent.html.j2": {},
        "unsubscribe.html.j2": {"active": True},
        "unsubscribed.html.j2": {},
    }
    for template, context in pages.items():
        html = render(template, {**common, **context})
        assert isolated in html, template
    links = SimpleNamespace(subscribe=lambda name: "/s", archive=lambda name: "/a")
    found = SimpleNamespace(list_title=title, list_name="oases")
    assert isolated in render("issue_footer.html.j2", {"found": found, "links": links})
    digest = compose(
        [Summary(Article(url="https://e.org/1", title="A story", paragraphs=("Text.",)), ("Text.",), "lead")],
        list_name="oases",
        title=title,
        day=DAY,
    )
    fields = personal_fields(name="", email="a@example.org", unsubscribe_url="https://e.org/u", view_url="")
    assert f"You are receiving {isolated} at" in personalise(render_digest(digest), fields)[0]
    _, raw = confirmation_message(
        sender="D <d@example.org>", to="a@example.org", list_title=title, confirm_url="https://e.org/c", hours=48
    )
    html = email.message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    assert f"to {isolated}." in html
