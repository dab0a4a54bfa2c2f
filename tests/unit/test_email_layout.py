"""The email's own parts: the postal address in the footer, the dark colour scheme,
"In this issue" with a lead story, sections that fold, and a subject that fits."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import lxml.html
import pytest

from digest.config import DEMO_CONFIG, load_settings, parse_settings
from digest.errors import ConfigError
from digest.mail.compose import compose
from digest.mail.message import MessageFactory, Recipient
from digest.mail.render import (
    SUBJECT_MAX,
    inline_css,
    make_subject,
    personal_fields,
    personalise,
    render_digest,
    sender_name,
    shorten,
)
from digest.models import Article, Source, SourceKind, Summary

DAY = date(2026, 11, 24)
ADDRESS = 'Acme <b>News</b> & "Co"\n1 Main St\r\nSpringfield, ZZ 00000'


def summary(i, *, source="a", title=None):
    article = Article(
        url=f"https://e.org/{source}/{i}",
        title=title or f"Story {source}{i}",
        paragraphs=("word " * 300,),
        source=source,
        published=datetime(2026, 11, 20, 12 - i, tzinfo=UTC),
    )
    return Summary(article=article, sentences=(f"Point of {source}{i}.",), algorithm="lead")


def digest_of(counts, *, title="The Daily", **kw):
    """A digest with counts[name] stories from each source, in that order."""
    sources = tuple(Source(name=n, kind=SourceKind.FEED, location=f"https://{n}", title=n.upper()) for n in counts)
    items = [summary(i, source=name) for name, n in counts.items() for i in range(n)]
    return compose(items, list_name="daily", title=title, day=DAY, sources=sources, **kw)


def fields():
    return personal_fields(name="Ana", email="ana@example.org", unsubscribe_url="https://e.org/u", view_url="")


def document(html):
    return lxml.html.document_fromstring(html)


# The postal address


def test_the_postal_address_is_in_every_footer_escaped_one_line_per_line():
    rendered = render_digest(digest_of({"a": 2}), postal_address=ADDRESS)
    html, text = personalise(rendered, fields())
    cell = document(html).xpath('//td[contains(@class, "postal-address")]')[0]
    assert [line.strip() for line in cell.itertext()] == [
        'Acme <b>News</b> & "Co"',
        "1 Main St",
        "Springfield, ZZ 00000",
    ]
    assert [child.tag for child in cell] == ["br", "br"]  # the operator's HTML is text
    assert "Acme &lt;b&gt;News&lt;/b&gt; &amp;" in html
    assert text.endswith('Unsubscribe:\nhttps://e.org/u\n\nAcme <b>News</b> & "Co"\n1 Main St\nSpringfield, ZZ 00000\n')


def test_the_postal_address_is_rendered_once_not_per_reader():
    rendered = render_digest(digest_of({"a": 1}), postal_address="1 Main St")
    assert "1 Main St" in rendered.html and "1 Main St" in rendered.text  # before personalising
    factory = MessageFactory(rendered, sender="Daily <d@example.org>")
    for part in (factory._html, factory._text):  # encoded once, not a line substituted per reader
        assert any(b"1 Main St" in s for s in part.segments if isinstance(s, bytes))
        assert not any("1 Main St" in s for s in part.segments if isinstance(s, str))
    assert b"1 Main St" in factory.build(Recipient(email="r@example.org"))


def test_no_postal_address_no_empty_row():
    html, text = personalise(render_digest(digest_of({"a": 1}), postal_address=" \n "), fields())
    assert not document(html).xpath('//td[contains(@class, "postal-address")]')
    assert text.endswith("Unsubscribe:\nhttps://e.org/u\n")


def test_a_list_sending_through_an_smtp_server_needs_a_postal_address():
    lists = {"news": {"title": "News"}}
    with pytest.raises(ConfigError) as error:
        parse_settings({"smtp": {"host": "smtp.example.org"}, "lists": lists}, base_dir=Path("/cfg"))
    assert str(error.value) == "lists.news.postal_address: required when sending through an SMTP server (CAN-SPAM)"
    with pytest.raises(ConfigError, match=r"lists\.news\.postal_address"):
        parse_settings({"lists": lists}, base_dir=Path("/cfg"), environ={"DIGEST_SMTP_HOST": "smtp.example.org"})
    blank = {"news": {"postal_address": "  \n "}}
    with pytest.raises(ConfigError, match=r"lists\.news\.postal_address"):
        parse_settings({"smtp": {"host": "smtp.example.org"}, "lists": blank}, base_dir=Path("/cfg"))
    # The local capture server: nothing leaves the machine.
    assert parse_settings({"lists": lists}, base_dir=Path("/cfg")).list("news").postal_address == ""
    settings = parse_settings(
        {
            "smtp": {"host": "smtp.example.org"},
            "web": PUBLIC_WEB,
            "lists": {"news": {"postal_address": "1 Main St\nTown"}},
        },
        base_dir=Path("/cfg"),
    )
    assert settings.list("news").postal_address == "1 Main St\nTown"


PUBLIC_WEB = {"base_url": "https://news.example.org"}
POSTAL = {"postal_address": "1 Main St"}


@pytest.mark.parametrize(
    ("web", "links", "message"),
    [
        ({}, {}, "web.base_url: required when sending through an SMTP server"),
        ({"base_url": "https://127.0.0.1"}, {}, "web.base_url: https://127.0.0.1 is on this machine"),
        ({"base_url": "http://localhost:8080"}, {}, "web.base_url: http://localhost:8080 is on this machine"),
        (
            PUBLIC_WEB,
            {"unsubscribe_url": "https://localhost/u?t={token}"},
            "lists.news.unsubscribe_url: https://localhost/u?t={token} is on this machine",
        ),
        (PUBLIC_WEB, {"view_url": "http://[::1]/i/{issue}"}, "lists.news.view_url: http://[::1]/i/{issue} is on"),
    ],
)
def test_a_list_sending_through_an_smtp_server_needs_links_off_this_machine(web, links, message):
    lists = {"news": {**POSTAL, **links}}
    with pytest.raises(ConfigError) as error:
        parse_settings({"smtp": {"host": "smtp.example.org"}, "web": web, "lists": lists}, base_dir=Path("/cfg"))
    assert str(error.value).startswith(message) and "\n" not in str(error.value)
    # The local capture server: nothing leaves the machine.
    assert parse_settings({"web": web, "lists": lists}, base_dir=Path("/cfg")).list("news")


@pytest.mark.parametrize(
    ("web", "links", "warnings"),
    [
        (PUBLIC_WEB, {}, []),
        ({}, {"unsubscribe_url": "https://e.org/u?t={token}", "view_url": "http://e.org/i/{issue}"}, []),
        ({}, {"unsubscribe_url": "", "view_url": ""}, []),
        ({"base_url": "http://news.example.org"}, {}, ["is not https"]),
        ({"base_url": "https://10.0.0.5"}, {}, ["unsubscribe_url https://10.0.0.5", "view_url https://10.0.0.5"]),
        ({"base_url": "https://intranet:8443"}, {}, ["private or local network", "private or local network"]),
    ],
)
def test_links_off_this_machine_may_go_through_an_smtp_server_with_a_warning_where_readers_may_not_follow(
    web, links, warnings
):
    from digest.config import reader_link_warnings

    lists = {"news": {**POSTAL, **links}}
    settings = parse_settings({"smtp": {"host": "smtp.example.org"}, "web": web, "lists": lists}, base_dir=Path("/cfg"))
    assert settings.list("news").postal_address == "1 Main St"
    found = reader_link_warnings(settings.list("news"))
    assert len(found) == len(warnings) and all(w in f for w, f in zip(warnings, found, strict=True)), found


def test_the_demo_has_a_fictional_postal_address_and_may_send_through_a_server():
    environ = {"DIGEST_SMTP_HOST": "smtp.example.org", "DIGEST_WEB_BASE_URL": "https://news.example.org"}
    settings = load_settings(DEMO_CONFIG, environ=environ)
    address = settings.list("daily").postal_address
    assert "Example" in address and len(address.splitlines()) >= 2


# Dark mode


def test_the_email_declares_light_and_dark_schemes_and_styles_the_dark_one():
    html = render_digest(digest_of({"a": 3})).html
    root = document(html)
    metas = {m.get("name"): m.get("content") for m in root.xpath("//meta[@name]")}
    assert metas["color-scheme"] == "light dark" and metas["supported-color-schemes"] == "light dark"
    style = "".join(root.xpath("//style/text()"))
    assert re.search(r"color-scheme:\s*light dark", style)
    dark = style[style.index("prefers-color-scheme: dark") :]
    body_rule = re.search(r"body, \.wrapper \{([^}]*)\}", dark).group(1)
    assert "background-color: #0d1117 !important" in body_rule  # beats the inlined light colour
    assert "@media only screen and (max-width: 620px)" in style  # the narrow layout is kept too


# In this issue, the lead, sections


STORIES = [summary(i) for i in range(3)]


def test_no_width_or_height_attribute_is_anything_but_a_whole_number_of_pixels():
    # premailer copies a CSS width or height into an attribute: img { height: auto } made height="auto".
    pictured = [replace(s, article=replace(s.article, image=f"https://e.org/{i}.png")) for i, s in enumerate(STORIES)]
    root = document(render_digest(compose(pictured, list_name="d", title="D", day=DAY, show_images=True)).html)
    assert root.xpath("//img")
    sizes = [(e.tag, e.get(name)) for e in root.iter("img", "table", "td") for name in ("width", "height")]
    assert all(value.isdigit() or (tag, value) == ("table", "100%") for tag, value in sizes if value is not None)
    snippet = document(inline_css('<style>img { height: auto; width: 50% }</style><p><img src="x" width="40"></p>'))
    [image] = snippet.xpath("//img")
    assert (image.get("width"), image.get("height")) == ("40", None)


def test_an_image_says_nothing_in_its_place_when_it_does_not_load():
    # Its headline is just above it: an alt text would show it a second time where images
    # are blocked, and a screen reader would read it twice.
    pictured = [replace(s, article=replace(s.article, image=f"https://e.org/{i}.png")) for i, s in enumerate(STORIES)]
    root = document(render_digest(compose(pictured, list_name="d", title="D", day=DAY, show_images=True)).html)
    images = root.xpath("//img")
    assert len(images) == len(STORIES) and all(image.get("alt") == "" for image in images)


def test_in_this_issue_links_to_every_story_in_order():
    rendered = render_digest(digest_of({"a": 3, "b": 2}))
    html, text = personalise(rendered, fields())
    root = document(html)
    links = root.xpath('//td[contains(@class, "contents")]//a')
    titles = [item.article.title for item in rendered.digest.items]
    assert [a.text for a in links] == titles
    for link in links:
        target = root.xpath(f'//*[@id="{link.get("href")[1:]}"]')
        assert len(target) == 1, link.get("href")
        assert link.text in target[0].text_content()
    contents = text[text.index("IN THIS ISSUE") :].split("\n\n\n")[0].splitlines()
    assert contents == ["IN THIS ISSUE", *(f"- {t}" for t in titles)]  # plain text, no anchors
    assert "#item" not in text


def test_a_line_that_reads_right_to_left_has_room_for_its_bullet_on_the_right():
    items = [summary(0, title="A story"), summary(1, title="«عنوان» باللغة العربية"), summary(2, title="שלום")]
    items[0] = replace(items[0], sentences=("123 שלום עולם.", "An English point."))
    root = document(render_digest(compose(items, list_name="d", title="D", day=DAY)).html)
    lines = root.xpath('//ul[contains(@class, "contents-list") or contains(@class, "summary")]/li')
    by_text = {li.text_content().strip(): (li.get("dir"), li.get("style")) for li in lines}
    assert by_text["«عنوان» باللغة العربية"] == ("rtl", "margin:0 18px 4px 0")
    assert by_text["שלום"] == ("rtl", "margin:0 18px 4px 0")
    assert by_text["123 שלום עולם."] == ("rtl", "margin:0 18px 6px 0")  # digits have no direction
    assert by_text["An English point."] == ("ltr", "margin:0 0 6px 0")


def test_the_first_story_leads_and_is_not_repeated():
    rendered = render_digest(digest_of({"a": 3, "b": 2}))
    html, text = personalise(rendered, fields())
    root = document(html)
    lead = root.xpath('//td[contains(concat(" ", @class, " "), " lead ")]')[0]
    assert lead.xpath('.//h2[@class="lead-title"]')[0].text_content() == "Story a0"
    item_titles = [h.text_content() for h in root.xpath('//h3[@class="item-title"]')]
    assert item_titles == ["Story a1", "Story a2", "Story b0", "Story b1"]
    top = text.index("TOP STORY")
    assert top < text.index("Story a0", top) < text.index("\nA\n-") < text.index("Story a1", top)
    assert text.count("Story a0") == 2  # in the contents and as the lead


@pytest.mark.parametrize("counts", [{"a": 3, "b": 2}, {"a": 4}, {"a": 1}])
def test_the_headings_go_down_one_level_at_a_time(counts):
    """A screen reader lists the headings as an outline: the masthead, then the contents,
    the lead and each section, then the stories within them; never a level skipped, and
    never a story above the section that holds it."""
    html, _ = personalise(render_digest(digest_of(counts)), fields())
    levels = [int(h.tag[1]) for h in document(html).xpath("//h1|//h2|//h3|//h4|//h5|//h6")]
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(later <= earlier + 1 for earlier, later in pairwise(levels)), levels
    root = document(html)
    for section in root.xpath('//*[@class="section-title"]'):
        assert section.tag == "h2"
    assert {h.tag for h in root.xpath('//*[@class="item-title"]')} <= {"h3"}


def headings(html):
    return [h.text_content() for h in document(html).xpath('//h2[@class="section-title"]')]


def item_titles(html):
    return [h.text_content() for h in document(html).xpath('//h3[@class="item-title"]')]


def test_a_section_of_one_story_folds_into_the_one_before():
    html = render_digest(digest_of({"a": 3, "b": 1, "c": 2})).html
    assert headings(html) == ["A", "C"]
    assert item_titles(html) == ["Story a1", "Story a2", "Story b0", "Story c0", "Story c1"]


def test_a_lone_story_right_after_the_lead_goes_without_a_heading():
    rendered = render_digest(digest_of({"a": 2, "b": 1, "c": 2}))
    assert headings(rendered.html) == ["C"]
    assert item_titles(rendered.html) == ["Story a1", "Story b0", "Story c0", "Story c1"]
    assert "\nA\n-" not in rendered.text and "\nB\n-" not in rendered.text and "\nC\n-" in rendered.text


def test_one_story_is_a_lead_alone_without_contents():
    html, text = personalise(render_digest(digest_of({"a": 1})), fields())
    assert "In this issue" not in html and "IN THIS ISSUE" not in text
    assert "Story a0" in html and not item_titles(html) and not headings(html)


def test_an_empty_digest_renders_without_lead_or_contents():
    html, text = personalise(render_digest(digest_of({})), fields())
    assert "Top story" not in html and "TOP STORY" not in text and "In this issue" not in html


# The subject


def test_the_subject_leaves_out_the_list_when_the_from_name_says_it():
    digest = digest_of({"a": 3}, title="The Daily Digest")
    assert make_subject(digest) == "The Daily Digest — 24 Nov 2026: Story a0 (+2 more)"
    assert make_subject(digest, from_name="The Daily Digest") == "24 Nov 2026: Story a0 (+2 more)"
    assert make_subject(digest, from_name="the daily digest team") == "24 Nov 2026: Story a0 (+2 more)"
    assert make_subject(digest, from_name="Digest").startswith("The Daily Digest — ")
    assert make_subject(digest, from_name="The Daily Digestive").startswith("The Daily Digest — ")
    # An operator's own template is taken as written.
    assert make_subject(digest, template="{list}: {top}", from_name="The Daily Digest") == "The Daily Digest: Story a0"
    rendered = render_digest(digest, sender='"The Daily Digest" <digest@example.org>')
    assert rendered.subject == "24 Nov 2026: Story a0 (+2 more)"


def test_sender_name():
    assert sender_name("The Daily <d@example.org>") == "The Daily"
    assert sender_name('"Daily, The" <d@example.org>') == "Daily, The"
    assert sender_name("d@example.org") == ""


def long_digest(title):
    items = [summary(0, title=title), summary(1), summary(2)]
    return compose(items, list_name="daily", title="The Daily", day=DAY)


def test_a_long_headline_is_cut_at_a_word_and_the_count_kept():
    title = "Council approves the new riverside footbridge after a decade of delays and three public inquiries"
    subject = make_subject(long_digest(title))
    assert len(subject) <= SUBJECT_MAX
    assert subject.startswith("The Daily — 24 Nov 2026: Council approves the new riverside")
    assert subject.endswith("… (+2 more)")
    headline = subject.removeprefix("The Daily — 24 Nov 2026: ").removesuffix("… (+2 more)")
    assert title.startswith(headline) and title[len(headline)] == " "  # a whole word


def test_a_long_list_title_gives_way_to_the_headline():
    """The headline is what a reader opens the issue for: a list title that would leave it
    no room is cut instead, and the headline keeps at least a few words."""
    title = "The Brackenmoor and Lower Calder Valley Community Newsletter of Local Affairs"
    headline = "Council approves the new riverside footbridge after a decade of delays"
    subject = make_subject(compose([summary(0, title=headline), summary(1)], list_name="daily", title=title, day=DAY))
    assert len(subject) <= SUBJECT_MAX
    list_part, _, rest = subject.partition(" — 24 Nov 2026: ")
    assert list_part.endswith("…") and title.startswith(list_part.removesuffix("…").rstrip())
    assert rest.startswith("Council approves the new") and rest.endswith(" (+1 more)")


def test_a_subject_template_without_the_headline_is_cut_as_a_whole():
    digest = digest_of({"a": 1}, title="A list whose title goes on " * 5)
    subject = make_subject(digest, template="{list} {date}")
    assert len(subject) <= SUBJECT_MAX and subject.endswith("…")


@pytest.mark.parametrize(
    "unit",
    [
        "é",  # precomposed: two UTF-8 bytes
        "字",  # three
        "e\u0301",  # e + combining acute
        "👩\u200d👩\u200d👧\u200d👦",  # family: an emoji ZWJ sequence
        "🇬🇧",  # a flag: a pair of regional indicators
        "👍🏽",  # with a skin tone modifier
        "❤\ufe0f",  # with a variation selector
    ],
)
def test_a_cut_never_splits_a_character(unit):
    word = unit * (200 // len(unit))
    subject = make_subject(long_digest(word))
    assert len(subject) <= SUBJECT_MAX and subject.endswith("… (+2 more)")
    headline = subject.removeprefix("The Daily — 24 Nov 2026: ").removesuffix("… (+2 more)")
    assert headline and headline == unit * (len(headline) // len(unit))  # whole characters only
    for cut in range(1, 40):
        kept = shorten(word, cut).removesuffix("…")
        assert kept == unit * (len(kept) // len(unit)), (unit, cut)


def test_shorten():
    assert shorten("short", 80) == "short"
    assert shorten("one two three four", 12) == "one two…"
    assert shorten("one two, three four", 13) == "one two…"  # no dangling comma
    assert shorten("x" * 30, 10) == "x" * 9 + "…"
