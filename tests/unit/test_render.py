from __future__ import annotations

import email
import email.policy
import functools
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import example, given, settings, strategies as st

from digest.errors import ConfigError
from digest.mail.compose import compose
from digest.mail.message import MessageError, MessageFactory, Recipient
from digest.mail.render import CLIP_WARN_BYTES, make_subject, personal_fields, personalise, render_digest
from digest.models import Article, Summary

DAY = date(2026, 11, 24)
HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'


def make_digest(
    n=3, *, title="Plain title", url="https://e.org/{i}", sentences=("First point.", "Second point."), **kw
):
    items = [
        Summary(
            article=Article(
                url=url.format(i=i),
                title=f"{title} {i}",
                paragraphs=("text " * 300,),
                authors=("Ann Lee",),
                published=datetime(2026, 11, 20, tzinfo=UTC),
                source="s",
                image="https://e.org/i.png",
            ),
            sentences=sentences,
            algorithm="pacsum",
        )
        for i in range(n)
    ]
    return compose(items, list_name="daily", title="The Daily", day=DAY, **kw)


def fields(**kw):
    return personal_fields(
        **(
            {
                "name": "Ana",
                "email": "ana@example.org",
                "unsubscribe_url": "https://e.org/u?t=1&x=2",
                "view_url": "https://e.org/v",
            }
            | kw
        )
    )


def test_html_is_inlined_table_layout_with_media_rules_kept():
    rendered = render_digest(make_digest())
    assert '<table role="presentation" class="container" width="600"' in rendered.html
    assert 'style="' in rendered.html and "<style>" in rendered.html
    style_block = re.search(r"<style>(.*?)</style>", rendered.html, re.S).group(1)
    assert "@media" in style_block and "!important" in style_block
    assert 'class="preheader"' in rendered.html and "Plain title 0" in rendered.html


def test_every_item_shows_its_parts():
    rendered = render_digest(make_digest(2))
    html, text = personalise(rendered, fields())
    for i in range(2):
        assert f'href="https://e.org/{i}"' in html
        assert f"https://e.org/{i}\n" in text  # the link on its own line
    assert "Ann Lee" in html and "20 Nov 2026" in html and "2 min read" in html and "Read more" in html
    assert "First point." in text and "Second point." in text


def test_without_a_view_url_the_footer_offers_no_empty_link():
    html, text = personalise(render_digest(make_digest(1), view_link=False), fields(view_url=""))
    assert 'href=""' not in html and "View in your browser" not in html and "View in your browser" not in text
    assert "Unsubscribe" in html and "https://e.org/u?t=1&amp;x=2" in html
    html, text = personalise(render_digest(make_digest(1)), fields())
    assert '<a href="https://e.org/v"' in html and "View in your browser:\nhttps://e.org/v\n" in text


def test_capped_digest_says_how_many_more():
    html, text = personalise(render_digest(make_digest(4, max_items=2)), fields())
    assert "and 2 more stories" in html and "and 2 more stories" in text


def test_hostile_article_content_is_escaped_and_bad_links_dropped():
    digest = make_digest(1, title=HOSTILE, url="javascript:alert(4)//{i}", sentences=(HOSTILE,), show_images=True)
    html, _text = personalise(render_digest(digest), fields())
    assert_safe_html(html)
    assert "&lt;script&gt;" in html  # shown as text, not run


def assert_safe_html(html: str) -> None:
    import lxml.html

    root = lxml.html.document_fromstring(html)
    assert not root.xpath("//script | //iframe | //object | //embed | //form")
    for element in root.iter():
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (element.tag, name)
            if name.lower() in ("href", "src", "action", "background"):
                assert re.match(r"https?://", value), (element.tag, name, value)


def test_only_http_links_survive():
    for url in ("data:text/html,x", "file:///etc/passwd", "ftp://e.org/x", "//e.org/x", "https://e.org/a b"):
        html, _ = personalise(render_digest(make_digest(1, url=url)), fields())
        assert url not in html


@pytest.mark.parametrize(
    "url", ["https://user:s3cretpass@news.example.org/story", "https://t0ken@news.example.org/story", "http://[::1/x"]
)
def test_a_user_or_password_in_a_story_link_never_reaches_the_reader(url):
    rendered = render_digest(make_digest(1, url=url))
    html, text = personalise(rendered, fields())
    for secret in ("s3cretpass", "t0ken", "[::1"):
        assert secret not in html and secret not in text
    if "example.org" in url:
        assert "https://news.example.org/story" in html


def test_personalisation_is_substitution_after_inlining():
    rendered = render_digest(make_digest())
    html_a, text_a = personalise(rendered, fields(name='Bob <b>"&', email="bob@example.org"))
    html_b, _ = personalise(rendered, fields(name="", email="carol@example.org"))
    assert "Hi Bob &lt;b&gt;&quot;&amp;," in html_a and 'Hi Bob <b>"&,' in text_a
    assert "Hi there," in html_b and "carol@example.org" in html_b
    assert "https://e.org/u?t=1&amp;x=2" in html_a
    for _, marker in rendered.markers:
        assert marker not in html_a and marker not in text_a


def test_premailer_runs_once_per_digest(monkeypatch):
    import digest.mail.render as render_module

    calls = []
    original = render_module.inline_css
    monkeypatch.setattr(render_module, "inline_css", lambda html: calls.append(1) or original(html))
    rendered = render_module.render_digest(make_digest())
    factory = MessageFactory(rendered, sender="Daily <d@example.org>")
    for i in range(20):
        factory.build(Recipient(email=f"u{i}@example.org"))
    assert calls == [1]


def test_subject_default_custom_and_control_characters():
    digest = make_digest(3, title="Line\r\nBcc: evil@example.org\x00")
    subject = make_subject(digest)
    assert subject.startswith("The Daily — 24 Nov 2026: Line Bcc: evil@example.org 0")
    assert subject.endswith("(+2 more)")
    assert "\r" not in subject and "\n" not in subject and "\x00" not in subject
    assert make_subject(make_digest(1)) == "The Daily — 24 Nov 2026: Plain title 0"
    assert make_subject(digest, template="{list}: {count} stories") == "The Daily: 3 stories"
    with pytest.raises(ConfigError, match="subject template"):
        make_subject(digest, template="{nope}")


def test_empty_digest_still_renders():
    rendered = render_digest(make_digest(0))
    assert "no new articles" in rendered.subject


def test_size_warning_above_100_kb():
    big = render_digest(
        make_digest(90, sentences=("A long sentence that repeats to grow the email. " * 8,), max_items=90)
    )
    assert big.size > CLIP_WARN_BYTES and any("Gmail clips" in w for w in big.warnings)
    assert not render_digest(make_digest(2)).warnings


def test_the_size_warning_measures_the_html_part_as_sent():
    # Accented text: each "é" is 2 bytes of UTF-8 and 6 of quoted-printable.
    sentences = ("Café crème à la française, déjà vu. " * 10,)
    rendered = render_digest(make_digest(58, sentences=sentences, max_items=58))
    message = MessageFactory(rendered, sender="d@example.org").build(
        Recipient(email="a@example.org", unsubscribe_url="https://e.org/u?t=1")
    )
    html_part = message.split(b"--=_digest_")[2].partition(b"\r\n\r\n")[2]
    assert len(rendered.html.encode("utf-8")) < CLIP_WARN_BYTES < len(html_part)
    assert rendered.size >= len(html_part) - 1024 and any("Gmail clips" in w for w in rendered.warnings)


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_message_structure():
    rendered = render_digest(make_digest())
    factory = MessageFactory(
        rendered,
        sender="The Daily <digest@example.org>",
        reply_to="Desk <desk@example.org>",
        view_url="https://e.org/v",
    )
    raw = factory.build(
        Recipient(
            email="zoe@example.org",
            name="Zoë Łukasiewicz",
            unsubscribe_url="https://e.org/unsub?t=abc",
            unsubscribe_mailto="mailto:u@example.org",
        )
    )
    msg = parse(raw)
    assert not msg.defects
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    assert all(p.get_content_charset() == "utf-8" for p in msg.iter_parts())
    assert msg["From"] == "The Daily <digest@example.org>"
    assert msg["To"] == "Zoë Łukasiewicz <zoe@example.org>"
    assert msg["Reply-To"] == "Desk <desk@example.org>"
    assert msg["Subject"] == rendered.subject
    assert msg["Date"] and msg["Message-ID"].endswith("@example.org>")
    assert msg["List-Id"] == "The Daily <daily.example.org>"
    assert msg["List-Unsubscribe"] == "<https://e.org/unsub?t=abc>, <mailto:u@example.org>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Hi Zoë Łukasiewicz," in msg.get_body(("plain",)).get_content()
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_message_ids_are_unique_per_recipient_and_stable():
    factory = MessageFactory(render_digest(make_digest()), sender="d@example.org")
    ids = {parse(factory.build(Recipient(email=f"u{i}@example.org")))["Message-ID"] for i in range(50)}
    assert len(ids) == 50
    again = parse(factory.build(Recipient(email="U0@example.org")))["Message-ID"]
    assert again in ids


def test_header_injection_in_names_and_addresses_is_refused_or_neutralised():
    factory = MessageFactory(render_digest(make_digest()), sender="Evil\r\nBcc: x@example.org <d@example.org>")
    raw = factory.build(Recipient(email="a@example.org", name="Name\r\nBcc: victim@example.org"))
    msg = parse(raw)
    assert msg["Bcc"] is None
    assert "victim@example.org" not in msg["To"].addresses[0].addr_spec
    with pytest.raises(MessageError):
        factory.build(Recipient(email="not-an-address"))
    with pytest.raises(MessageError):
        MessageFactory(render_digest(make_digest()), sender="nobody")


@functools.cache
def dotted_factory() -> MessageFactory:
    """A digest whose text has lines that start with a dot: titles, summaries and the cap's "...and 2 more"."""
    sentence = ".5 per cent.\n.\n..Leading dots. " * 8
    digest = make_digest(22, title=".NET " + sentence, sentences=(sentence,))  # capped at 20
    return MessageFactory(render_digest(digest), sender="d@example.org")


@settings(max_examples=200, deadline=None)
@given(name=st.text(st.sampled_from(". \t\r\na=é"), max_size=90), token=st.text(st.sampled_from(".a\n"), max_size=90))
def test_no_line_of_a_message_starts_with_a_dot(name, token):
    """The factory writes a leading "." as =2E (body) and folds headers with a blank, so
    its messages go out without SMTP's dot-stuffing scan: a line "." alone would end the
    DATA there, and what followed would be read as commands."""
    factory = dotted_factory()
    assert factory.dot_free
    raw = factory.build(Recipient(email="a@example.org", name=name, unsubscribe_url=f"https://e.org/u?t={token}"))
    assert not raw.startswith(b".") and b"\n." not in raw
    text = parse(raw).get_body(("plain",)).get_content()
    assert "\n...and 2 more" in text and "\n.NET .5 per cent." in text


@pytest.mark.parametrize(
    ("name", "greeting"),
    [
        ("Whitfield, Grace", "Hi Grace Whitfield,"),
        ("  van der Berg ,  Anna Maria ", "Hi Anna Maria van der Berg,"),
        ("Grace Whitfield", "Hi Grace Whitfield,"),
        ("Smith, Jr.", "Hi Smith, Jr.,"),
        ("King, Martin Luther, Jr.", "Hi King, Martin Luther, Jr.,"),
        ("Acme, Inc", "Hi Acme, Inc,"),
        ("Whitfield,", "Hi Whitfield,,"),
        ("", "Hi there,"),
    ],
)
def test_the_greeting_says_a_name_written_last_name_first_in_speaking_order(name, greeting):
    fields = personal_fields(name=name, email="g@example.org", unsubscribe_url="", view_url="")
    assert fields["greeting"] == greeting


@pytest.mark.parametrize(
    "sender",
    ["news@example.org Daily", "news@example.org\r\nBcc: x@example.net", "a@example.org, b@example.org", "Daily"],
)
def test_a_sender_that_is_not_one_address_is_refused_not_glued(sender):
    # email.utils.parseaddr reads "news@example.org Daily" as "news@example.orgDaily".
    with pytest.raises(MessageError, match="no ASCII email address"):
        MessageFactory(render_digest(make_digest(1)), sender=sender)
    factory = MessageFactory(render_digest(make_digest(1)), sender='"Daily, <News>" <news@example.org>')
    assert factory.envelope_from == "news@example.org"


def test_list_labels_are_dot_atoms_and_long_words_stay_whole_in_the_text_part():
    rendered = render_digest(make_digest(1, title="B" * 300, sentences=("See https://example.org/" + "p" * 90,)))
    factory = MessageFactory(rendered, sender="D <news@example.org>", list_id="daily..news..example.org.")
    message = parse(factory.build(Recipient(email="ana@example.org")))
    assert message["List-Id"].endswith("<daily.news.example.org>")
    text = message.get_body(("plain",)).get_content()
    assert "B" * 300 in text and "https://example.org/" + "p" * 90 in text


def test_the_list_unsubscribe_header_carries_one_ascii_link_or_none():
    rendered = render_digest(make_digest(1))
    factory = MessageFactory(rendered, sender="D <news@example.org>")
    smuggled = factory.build(
        Recipient(email="a@example.org", unsubscribe_url="https://e.org/u>,<https://evil.example/x")
    )
    assert b"evil.example" not in smuggled.split(b"\r\n\r\n")[0]
    iri = parse(factory.build(Recipient(email="a@example.org", unsubscribe_url="https://e.org/désabonner?t=1")))
    assert iri["List-Unsubscribe"] == "<https://e.org/d%C3%A9sabonner?t=1>"


def test_right_to_left_stories_take_their_own_direction_and_the_meta_parts_stay_apart():
    hebrew = make_digest(2, title="הכנסת אישרה את התקציב", sentences=("הכנסת אישרה את התקציב ברוב קטן.",))
    html = render_digest(hebrew).html
    assert re.search(r'<h2 class="lead-title" dir="auto"', html) and re.search(
        r'<h3 class="item-title" dir="auto"', html
    )
    assert re.search(r'<li dir="rtl"[^>]*>הכנסת אישרה את התקציב ברוב קטן\.</li>', html)
    # "נועה כהן · 11 Aug 2024" would read the date's day into the name: each part is isolated.
    assert re.search(r'<span dir="auto"[^>]*>Ann Lee</span> · <span dir="auto"[^>]*>20 Nov 2026</span>', html)
    assert re.search(r'<li dir="rtl"[^>]*><a href="#', html)  # "In this issue"


def test_a_section_named_in_a_right_to_left_script_takes_its_own_direction():
    from digest.models import Source, SourceKind

    arabic = Source(name="s", kind=SourceKind.FEED, location="https://e.org/feed", title="أخبار الواحات")
    html = render_digest(make_digest(4, sources=[arabic])).html
    assert re.search(r'<h2 class="section-title" dir="auto"[^>]*>أخبار الواحات</h2>', html)


def test_a_list_named_in_a_right_to_left_script_heads_its_issue_in_its_own_direction():
    items = make_digest(2).items
    summaries = [Summary(item.article, item.sentences, "pacsum") for item in items]
    digest = compose(summaries, list_name="daily", title="نشرة الواحات", day=DAY)
    assert re.search(r'<h1 class="masthead-title" dir="auto"[^>]*>نشرة الواحات</h1>', render_digest(digest).html)


def test_the_text_twin_wraps_chinese_by_columns_and_never_cuts_a_link():
    import unicodedata

    sentence = "上海市发布新规，要求外卖平台为骑手缴纳保险，新规将于十月一日起施行。" * 3
    rendered = render_digest(make_digest(1, title="骑手保险新规", sentences=(sentence,)))
    _, text = personalise(rendered, fields())
    columns = [sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line) for line in text.splitlines()]
    assert max(columns) <= 72
    assert "https://e.org/0\n" in text  # the link whole, on its own line
    assert sentence[:10] in text.replace("\n", "").replace(" ", "")


def test_a_link_with_wide_characters_in_it_is_never_cut_by_the_text_twin():
    """A reader's links on an internationalised host (or path) in the text twin: a line
    made too wide by one is wrapped again, but the link stays whole."""
    unsubscribe = "https://例え.jp/unsubscribe?token=" + "a" * 80
    view = "https://ニュース.jp/見る/" + "b" * 60
    digest = make_digest(1, title="骑手保险新规")
    personal = personal_fields(name="山田太郎", email="a@example.org", unsubscribe_url=unsubscribe, view_url=view)
    _, text = personalise(render_digest(digest), personal)
    lines = text.splitlines()
    assert personal["unsubscribe_url"] in lines and personal["view_url"] in lines  # the host in its ASCII form
    assert "見る/" + "b" * 60 in personal["view_url"]


def _too_wide(text):
    """The lines wider than 72 columns that a break at a space could have narrowed."""
    from digest.text import columns

    return [line for line in text.splitlines() if columns(line) > 72 and " " in line.strip().removeprefix("- ")]


def test_the_text_twin_fits_72_columns_with_a_long_list_title_name_and_address():
    title = "The Greater Metropolitan Area Residents' Weekly Roundup of Transit and Housing News"
    items = make_digest(2).items
    summaries = [Summary(item.article, item.sentences, "pacsum") for item in items]
    digest = compose(summaries, list_name="daily", title=title, day=DAY)
    long_name = "Ana María de la Santísima Trinidad Fernández de Córdoba y Ponce de León"
    address = "ana.maria.de.la.santisima.trinidad@correo.universidad.example.org"
    _, text = personalise(render_digest(digest), fields(name=long_name, email=address))
    assert _too_wide(text) == []
    head = text.split("\n\n")[0].splitlines()
    assert head[-2:] == ["Tuesday, 24 November 2026", "=" * max(len(line) for line in head[:-2])]
    words = " ".join(text.split())
    assert f"Hi {long_name}," in words and f"You are receiving {title} at {address}." in words
    # A line the reader's own fields keep short is left as it is.
    _, short = personalise(render_digest(make_digest(1)), fields())
    assert "Hi Ana,\n" in short and "\nYou are receiving The Daily at ana@example.org.\n" in short


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://аpple.com/security", "https://xn--pple-43d.com/security"),  # a Cyrillic а
        ("https://bücher.de/neu", "https://xn--bcher-kva.de/neu"),
        ("https://xn--pypal-4ve.com/", "https://xn--pypal-4ve.com/"),
        ("https://example.org/a?b=1", "https://example.org/a?b=1"),
    ],
)
def test_a_link_shows_the_host_it_goes_to_in_ascii(url, shown):
    from digest.mail.render import safe_url

    assert safe_url(url) == shown


@pytest.mark.parametrize(
    ("url", "one_click"),
    [("https://e.org/u?t=1", True), ("HTTPS://e.org/u?t=1", True), ("http://e.org/u?t=1", False), ("", False)],
)
def test_only_an_https_unsubscribe_link_is_offered_as_one_click(url, one_click):
    # RFC 8058: the URI of a one-click unsubscribe must be HTTPS.
    factory = MessageFactory(render_digest(make_digest(1)), sender="D <news@example.org>")
    message = parse(factory.build(Recipient(email="a@example.org", unsubscribe_url=url)))
    assert (message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click") is one_click
    assert (message["List-Unsubscribe-Post"] is None) is not one_click


def test_the_list_unsubscribe_mailto_goes_out_as_ascii_on_a_line_that_fits():
    factory = MessageFactory(render_digest(make_digest(1)), sender="D <news@example.org>")
    mailto = "mailto:désinscription@example.org?subject=unsubscribe"
    raw = factory.build(Recipient(email="a@example.org", unsubscribe_mailto=mailto))
    head = raw.split(b"\r\n\r\n")[0]
    assert head.isascii()
    assert parse(raw)["List-Unsubscribe"] == "<mailto:d%C3%A9sinscription@example.org?subject=unsubscribe>"
    long = factory.build(Recipient(email="a@example.org", unsubscribe_mailto="mailto:u@e.org?subject=" + "x" * 1200))
    assert all(len(line) <= 998 for line in long.split(b"\r\n"))


def test_the_date_header_gives_utc_as_plus_0000_not_the_obsolete_gmt():
    from digest.mail.confirmation import confirmation_message

    digest = MessageFactory(render_digest(make_digest(1)), sender="d@example.org").build(Recipient("a@example.org"))
    _, confirmation = confirmation_message(
        sender="d@example.org", to="a@example.org", list_title="D", confirm_url="https://e.org/c", hours=1
    )
    for raw in (digest, confirmation):
        [date] = re.findall(rb"\r\nDate: ([^\r]*)\r\n", b"\r\n" + raw.partition(b"\r\n\r\n")[0] + b"\r\n")
        assert re.fullmatch(rb"[A-Z][a-z]{2}, \d\d? [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000", date), date


@pytest.mark.parametrize("headline", ["", "\u200b", " \u200b\u2060 ", "\x00\u200f"])
def test_a_blank_lead_headline_is_untitled_in_the_subject_as_in_the_body(headline):
    digest = make_digest(2, title="")
    lead = digest.items[0]
    digest = replace(digest, items=(replace(lead, article=replace(lead.article, title=headline)), *digest.items[1:]))
    rendered = render_digest(digest)
    assert rendered.subject.endswith(": (untitled) (+1 more)"), rendered.subject
    assert "(untitled)" in rendered.text


STORIES_IN_OTHER_LANGUAGES = {
    "de": (
        "Gemeinderat beschließt den Neubau der Fußgängerbrücke",
        (
            "Der Gemeinderat hat am Dienstag beschlossen, die alte Brücke über den Fluss neu zu bauen, "
            "nachdem die Anwohner zwei Jahre lang dafür gekämpft hatten."
        ),
    ),
    "ru": (
        "Горсовет проголосовал за новый пешеходный мост",
        (
            "Городской совет во вторник проголосовал за восстановление старого пешеходного моста через реку "
            "после двухлетней кампании жителей."
        ),
    ),
    "ja": (
        "市議会、歩道橋の再建を決定",
        "市議会は火曜日、川に架かる古い歩道橋を再建することを決めた。住民の二年にわたる運動が実った。",
    ),
}


@pytest.mark.parametrize("code", sorted(STORIES_IN_OTHER_LANGUAGES))
def test_a_story_in_another_language_is_marked_as_such_for_screen_readers(code):
    from lxml import html as lxml_html

    title, sentence = STORIES_IN_OTHER_LANGUAGES[code]
    english = make_digest(1, title="Council votes to rebuild the footbridge", sentences=("The council voted.",))
    other = make_digest(2, title=title, url=f"https://e.org/{code}/{{i}}", sentences=(sentence,))
    mixed = compose(
        [Summary(i.article, i.sentences, "pacsum") for i in (*english.items, *other.items)],
        list_name="daily",
        title="The Daily",
        day=DAY,
    )
    page = lxml_html.fromstring(render_digest(mixed).html)
    assert page.get("lang") == "en"  # the masthead, labels and footer are in English
    lead, *items = page.xpath('//td[contains(@class, "lead")][@id] | //td[@class="item"]')
    assert lead.xpath(".//h2")[0].get("lang") is None and lead.xpath(".//ul")[0].get("lang") is None
    for item in items:
        # The story's headline and summary are read in its language; "2 min read" stays English.
        assert item.xpath(".//h3")[0].get("lang") == code
        assert item.xpath('.//ul[contains(@class, "summary")]')[0].get("lang") == code
        assert item.xpath('.//p[@class="item-meta"]')[0].get("lang") is None
    contents = page.xpath('//ul[@class="contents-list"]/li')
    assert [li.get("lang") for li in contents] == [None, code, code]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab:/?=.-見 \t\u00a0"), min_size=60, max_size=160))
@example("  https://example.org/unsubscribe?token=" + "a" * 60)  # an indent textwrap drops
@example("https://example.org/unsubscribe?token=" + "a" * 60)
def test_a_personal_line_is_wrapped_again_exactly_as_wrap_would_give_it(value):
    from digest.mail.render import _fill_line, wrap
    from digest.text import columns

    assert _fill_line("{m}", "{m}", value) == (wrap(value) if columns(value) > 72 else value)


@functools.cache
def viewed_rendered():
    return render_digest(make_digest(2))


@settings(max_examples=60, deadline=None)
@given(
    name=st.text(st.sampled_from("Ab é<&\"' \t"), max_size=120),
    token=st.text(st.sampled_from("a1-_~.%"), max_size=200),
    view=st.sampled_from(["https://e.org/v", "https://e.org/issues/" + "long-" * 30, ""]),
)
def test_each_part_of_a_message_is_what_personalise_writes_for_its_reader(name, token, view):
    """The factory writes what every copy shares (the issue's web link) once per issue and the
    reader's own values per message: the parts a reader gets are the templates filled in for
    them, as `personalise` fills them, whatever the lengths of the values."""
    rendered = viewed_rendered()
    factory = MessageFactory(rendered, sender="d@example.org", view_url=view)
    unsubscribe = f"https://e.org/u?t={token}"
    msg = parse(factory.build(Recipient(email="ana@example.org", name=name, unsubscribe_url=unsubscribe)))
    html, text = personalise(rendered, fields(name=name, unsubscribe_url=unsubscribe, view_url=view))
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    assert msg.get_body(("html",)).get_content().replace("\r\n", "\n") == html
