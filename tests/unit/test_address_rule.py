"""One address rule: what import accepts, the message builder writes and the envelope
check lets through are the same addresses, and addresses that differ only in case are
one subscriber."""

from __future__ import annotations

import email
import email.policy
from datetime import date

import pytest
from hypothesis import given, strategies as st

from digest.errors import SubscriberError
from digest.mail.compose import compose
from digest.mail.message import MessageError, MessageFactory, Recipient
from digest.mail.render import render_digest
from digest.subscribers import is_envelope_address, new_subscriber, normalise_email, parse_subscriber_csv


def factory() -> MessageFactory:
    digest = compose([], list_name="daily", title="Daily", day=date(2026, 11, 24))
    return MessageFactory(render_digest(digest), sender="Daily <digest@example.org>")


def parse(raw: bytes) -> email.message.EmailMessage:
    """The stdlib parses bytes as ASCII; an RFC 6532 message is read as UTF-8 text."""
    return email.message_from_string(raw.decode("utf-8"), policy=email.policy.SMTPUTF8)


def head(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("utf-8")


# ---------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("given", "email"),
    [
        ("anna@bücher.de", "anna@xn--bcher-kva.de"),
        ("anna@BÜCHER.DE", "anna@xn--bcher-kva.de"),
        ("anna@xn--bcher-kva.de", "anna@xn--bcher-kva.de"),
        ("Anna@Bücher.de", "Anna@xn--bcher-kva.de"),
        ("用户@例子.广告", "用户@xn--fsqu00a.xn--4rr70v"),
    ],
)
def test_an_internationalised_domain_is_sent_as_its_a_labels(given, email):
    assert normalise_email(given).email == email
    assert is_envelope_address(email)


def test_a_non_ascii_local_part_is_accepted_and_needs_smtputf8():
    address = normalise_email("Dörte@Example.ORG")
    assert address.email == "Dörte@example.org"
    assert address.smtputf8
    assert not normalise_email("anna@bücher.de").smtputf8


def test_the_local_part_is_kept_in_nfc():
    assert normalise_email("Do\u0308rte@example.org").email == "D\u00f6rte@example.org"


@pytest.mark.parametrize(
    "variants",
    [
        ("dup@x.example", "DUP@x.example", "Dup@X.Example"),
        ("anna@bücher.de", "ANNA@BÜCHER.DE", "anna@xn--bcher-kva.de", "Anna@XN--BCHER-KVA.DE"),
        ("dörte@example.org", "DÖRTE@example.org", "Do\u0308rte@example.org"),
    ],
)
def test_addresses_that_differ_only_in_case_have_one_key(variants):
    keys = {normalise_email(v).key for v in variants}
    assert len(keys) == 1
    (key,) = keys
    assert key == key.casefold()
    assert normalise_email(key).key == key  # a key is an address the rule takes, giving the same key


def test_the_address_is_kept_as_given():
    assert normalise_email("DUP@X.example") == ("DUP@x.example", "dup@x.example")
    assert new_subscriber("DUP@X.example").email == "DUP@x.example"


@pytest.mark.parametrize(
    "text",
    [
        "dup@x.example",
        "DUP@X.EXAMPLE",
        "anna@bücher.de",
        "Dörte@example.org",
        "用户@例子.广告",
        "a.b+c@sub.example.org",
        "o'brien@example.ie",
        "x@" + "a" * 63 + ".example",
    ],
)
def test_what_the_rule_gives_the_envelope_check_takes(text):
    assert is_envelope_address(normalise_email(text).email)


@given(st.emails())
def test_what_the_rule_gives_the_envelope_check_takes_property(text):
    try:
        address = normalise_email(text)
    except SubscriberError:
        return
    assert is_envelope_address(address.email)
    assert normalise_email(address.email) == address


@given(st.text(max_size=80))
def test_what_the_rule_gives_the_envelope_check_takes_any_text(text):
    try:
        address = normalise_email(text)
    except SubscriberError:
        return
    assert is_envelope_address(address.email)


@pytest.mark.parametrize(
    "address",
    [
        "anna@bücher.de",
        "a b@example.org",
        "a@example.org>",
        "<a@example.org",
        "a@example.org\r\nRCPT TO:<x@y>",
        "a@exa mple.org",
        "a\u2028@example.org",
        "a\u00a0b@example.org",
        "@example.org",
        "a@",
        "a..b@example.org",
        ".a@example.org",
        "a@-x.example",
        "x" * 65 + "@example.org",
        "é" * 33 + "@example.org",
        "a@" + ("b" * 60 + ".") * 5 + "org",
        "",
        "a@[127.0.0.1]",
        '"a b"@example.org',
    ],
)
def test_the_envelope_check_refuses_what_the_rule_never_gives(address):
    assert not is_envelope_address(address)


def test_a_configured_sender_on_localhost_is_still_an_envelope_address():
    assert is_envelope_address("digest@localhost")


@pytest.mark.parametrize(
    "address",
    [
        "=?utf-8?q?victim=40example.com?=@example.org",
        "=?UTF-8?B?dmljdGltQGV4YW1wbGUuY29t?=@example.org",
        "news.=?iso-8859-1?Q?x?=.tail@example.org",
        "=?utf-8*en?q?a?=@example.org",
    ],
)
def test_a_local_part_holding_an_encoded_word_is_refused(address):
    """Mail programs decode an RFC 2047 encoded word even inside an address: the first of
    these is read as `"victim@example.com"@example.org`, someone else's mailbox."""
    with pytest.raises(SubscriberError, match="encoded word"):
        normalise_email(address)
    assert not is_envelope_address(address)
    with pytest.raises(MessageError):
        factory().build(Recipient(email=address))


@pytest.mark.parametrize("address", ["a=b?c@example.org", "a?=b@example.org", "q=?x@example.org", "x?q?y@example.org"])
def test_equals_signs_and_question_marks_outside_an_encoded_word_are_kept(address):
    assert normalise_email(address).email == address
    assert is_envelope_address(address)


# ---------------------------------------------------------------- import


def test_import_keeps_one_subscriber_for_addresses_that_differ_only_in_case():
    result = parse_subscriber_csv("email,name\ndup@x.example,First\nDUP@x.example,Second\nDup@X.EXAMPLE,Third\n")
    assert [(s.email, s.key, s.name) for s in result.subscribers] == [("dup@x.example", "dup@x.example", "First")]
    assert [(e.line, e.reason) for e in result.errors] == [
        (3, "duplicate of line 2: 'DUP@x.example'"),
        (4, "duplicate of line 2: 'Dup@x.example'"),
    ]


def test_import_takes_internationalised_addresses_in_their_sendable_form():
    result = parse_subscriber_csv("email\nanna@bücher.de\nANNA@xn--bcher-kva.de\nDörte@example.org\n")
    assert [s.email for s in result.subscribers] == ["anna@xn--bcher-kva.de", "Dörte@example.org"]
    assert [e.line for e in result.errors] == [3]


# ---------------------------------------------------------------- the message builder


def test_the_builder_writes_an_internationalised_domain_as_a_labels():
    raw = factory().build(Recipient(email="anna@bücher.de", name="Anna"))
    assert raw.split(b"\r\n\r\n", 1)[0].isascii()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["To"].addresses[0].addr_spec == "anna@xn--bcher-kva.de"


def test_the_builder_writes_a_utf8_local_part_as_utf8():
    raw = factory().build(Recipient(email="Dörte@Example.org", name="Dörte Ünal"))
    to = [line for line in head(raw).split("\r\n") if line.startswith("To:")]
    assert to == ["To: =?utf-8?b?RMO2cnRlIMOcbmFs?= <Dörte@example.org>"]
    msg = parse(raw)
    assert not msg.defects
    # The stdlib flags any non-ASCII local part, as RFC 5322 would; RFC 6532 allows it.
    assert [type(d).__name__ for d in msg["To"].defects] == ["NonASCIILocalPartDefect"]
    assert msg["To"].addresses[0].addr_spec == "Dörte@example.org"
    assert msg["To"].addresses[0].display_name == "Dörte Ünal"
    # Only the address is 8-bit: every other header line stays ASCII.
    assert all(line.isascii() for line in head(raw).split("\r\n") if not line.startswith("To:"))


def test_message_ids_agree_for_addresses_that_differ_only_in_case():
    built = factory()
    ids = {parse(built.build(Recipient(email=a)))["Message-ID"] for a in ("dörte@example.org", "DÖRTE@EXAMPLE.ORG")}
    assert len(ids) == 1


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("no-at-sign", "To: not an email address: 'no-at-sign' (there is no @)"),
        ("a@example.org\r\nBcc: x@evil.example", "U+000D, a control character"),
        ("a@localhost", "'a@localhost'"),
    ],
)
def test_the_builder_refuses_what_import_refuses_in_one_line(address, reason):
    with pytest.raises(SubscriberError):
        normalise_email(address)
    with pytest.raises(MessageError) as caught:
        factory().build(Recipient(email=address))
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value) and "\r" not in str(caught.value)
