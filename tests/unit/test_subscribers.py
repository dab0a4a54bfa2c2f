from __future__ import annotations

import base64
import csv
import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from digest.errors import SubscriberError, TokenError
from digest.subscribers import (
    ImportResult,
    NewSubscriber,
    RowError,
    TokenClaims,
    make_token,
    new_subscriber,
    normalise_email,
    parse_subscriber_csv,
    read_token,
)

SEED = Path(__file__).resolve().parents[2] / "seeds" / "subscribers.csv"
SECRET = "correct horse battery staple"


def lines_of(result: ImportResult) -> list[int]:
    return [error.line for error in result.errors]


# ---------------------------------------------------------------- addresses


@pytest.mark.parametrize(
    ("address", "email", "key"),
    [
        ("ana@example.org", "ana@example.org", "ana@example.org"),
        ("Ben.Harlow@Example.ORG", "Ben.Harlow@example.org", "ben.harlow@example.org"),
        ("  ana@example.org ", "ana@example.org", "ana@example.org"),
        ("x@Bücher.Example", "x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
        ("x@xn--bcher-kva.example", "x@xn--bcher-kva.example", "x@xn--bcher-kva.example"),
        ("Dörte@Example.org", "Dörte@example.org", "dörte@example.org"),
    ],
)
def test_normalise_email(address, email, key):
    assert normalise_email(address) == (email, key)


def test_key_folds_the_whole_address():
    assert normalise_email("Ana@Example.ORG").key == normalise_email("ana@example.org").key == "ana@example.org"
    assert normalise_email("Ana@Example.ORG").email == "Ana@example.org"  # as given, for display and sending


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("", "no email address"),
        ("   ", "no email address"),
        ("bob@", "not an email address: 'bob@' (the domain is missing)"),
        ("no-at-sign", "not an email address: 'no-at-sign' (there is no @)"),
        ("a@b@c", "not an email address: 'a@b@c'"),
        ("a\nb@example.org", "U+000A, a control character"),
        ("ana@example.org\r\n", "U+000D, a control character"),
        ("ana@exa\x00mple.org", "U+0000, a control character"),
        ("ana\x7f@example.org", "U+007F, a control character"),
        ("Bob <bob@example.org>", "a display name and angle brackets are not allowed"),
        ("<bob@example.org>", "a display name and angle brackets are not allowed"),
        ('"Bob" bob@example.org', "not an email address"),
    ],
)
def test_normalise_email_rejects(address, reason):
    with pytest.raises(SubscriberError, match=r"^.*$") as caught:
        normalise_email(address)
    assert reason in str(caught.value)
    assert "\n" not in str(caught.value) and "\r" not in str(caught.value)


def test_long_address_is_shortened_in_the_reason():
    with pytest.raises(SubscriberError) as caught:
        normalise_email("x" * 5000)
    assert len(str(caught.value)) < 200


def test_new_subscriber_cleans_the_name():
    subscriber = new_subscriber("Ana@Example.ORG", name="  Ana\nMoreau\x00\u202e ", attributes={"city": " Millbrook "})
    assert subscriber == NewSubscriber(
        email="Ana@example.org", key="ana@example.org", name="Ana Moreau", attributes={"city": "Millbrook"}
    )
    assert len(new_subscriber("a@example.org", name="é" * 500).name) == 200


def test_new_subscriber_is_frozen_and_read_only():
    source = {"city": "Millbrook"}
    subscriber = new_subscriber("a@example.org", attributes=source)
    source["city"] = "Elsewhere"
    assert subscriber.attributes["city"] == "Millbrook"
    with pytest.raises(TypeError):
        subscriber.attributes["city"] = "x"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        subscriber.name = "x"  # type: ignore[misc]
    assert hash(subscriber) == hash(new_subscriber("a@example.org", attributes={"city": "Millbrook"}))
    assert NewSubscriber("a@example.org", "a@example.org", attributes={"k": "v"}).attributes["k"] == "v"


# ---------------------------------------------------------------- CSV import


def test_seed_file_imports_cleanly():
    result = parse_subscriber_csv(SEED.read_text(encoding="utf-8"))
    assert result.errors == ()
    assert len(result.subscribers) == 12
    by_email = {s.email: s for s in result.subscribers}
    assert "Ben.Harlow@example.org" in by_email
    assert "Keiko.Ashford@example.com" in by_email
    assert by_email["grace.whitfield@example.org"].name == "Whitfield, Grace"
    assert by_email["zoe.lukasiewicz@example.net"].name == "Zoë Łukasiewicz"
    assert by_email["tomas.oduya@example.net"].name == "Tomás Oduya"
    assert dict(by_email["lise.vandermeer@example.com"].attributes) == {"city": "Carver's Ford"}
    assert all(set(s.attributes) == {"city"} for s in result.subscribers)


def test_seed_file_streams_from_an_open_file():
    with SEED.open(encoding="utf-8", newline="") as lines:
        streamed = parse_subscriber_csv(lines)
    assert streamed == parse_subscriber_csv(SEED.read_text(encoding="utf-8"))


BAD = (
    "email,name,city\n"  # 1
    "ana@example.org,Ana,Millbrook\n"  # 2
    ",No Address,Eastfield\n"  # 3
    "bob@,Bob,Eastfield\n"  # 4
    "no-at-sign,Nobody,Eastfield\n"  # 5
    "a@b@c,Double,Eastfield\n"  # 6
    '"Bob <bob@example.org>",Bob,Eastfield\n'  # 7
    '"ctl\x07@example.org",Bell,Eastfield\n'  # 8
    '"cr\r\n@example.org",Return,Eastfield\n'  # 9-10
    "ANA@example.org,Upper Local,Millbrook\n"  # 11: duplicate of 2 (local parts are case-insensitive)
    "ana@EXAMPLE.ORG,Ana Again,Millbrook\n"  # 12: duplicate of 2
    '"carl@example.org","Carl\n'  # 13
    'the Second",Millbrook\n'  # 14
    "\n"  # 15
    "too@example.org,Too,Many,Fields\n"  # 16
    "few@example.org,Few\n"  # 17
    "dora@example.org,Dora,Millbrook\n"  # 18
    "carl@Example.org,Carl Again,Millbrook\n"  # 19: duplicate of 13
)


def test_bad_rows_are_reported_with_their_physical_lines():
    result = parse_subscriber_csv(BAD)
    assert [s.email for s in result.subscribers] == [
        "ana@example.org",
        "carl@example.org",
        "dora@example.org",
    ]
    reasons = {error.line: error.reason for error in result.errors}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 11, 12, 16, 17, 19]
    assert reasons[3] == "no email address"
    assert reasons[4] == "not an email address: 'bob@' (the domain is missing)"
    assert reasons[5].startswith("not an email address: 'no-at-sign'")
    assert reasons[6].startswith("not an email address: 'a@b@c'")
    assert "display name" in reasons[7]
    assert "U+0007" in reasons[8]
    assert "U+000D" in reasons[9]
    assert reasons[11] == "duplicate of line 2: 'ANA@example.org'"
    assert reasons[12].startswith("duplicate of line 2")
    assert reasons[16] == "expected 3 fields, found 4"
    assert reasons[17] == "expected 3 fields, found 2"
    assert reasons[19].startswith("duplicate of line 13")
    assert all("\n" not in r and "\r" not in r for r in reasons.values())
    carl = result.subscribers[1]
    assert carl.name == "Carl the Second"


def test_crlf_bom_blank_lines_and_header_spelling():
    text = "\ufeff Email , NAME ,Postcode, Tier \r\n\r\nana@example.org , Ana ,AB1, gold\r\n   \r\n"
    result = parse_subscriber_csv(text)
    assert result.errors == ()
    (ana,) = result.subscribers
    assert ana.email == "ana@example.org"
    assert ana.name == "Ana"
    assert dict(ana.attributes) == {"Postcode": "AB1", "Tier": "gold"}


def test_email_only_and_blank_header_columns():
    result = parse_subscriber_csv("email,\nana@example.org,\n")
    assert result.subscribers == (NewSubscriber("ana@example.org", "ana@example.org"),)


def test_unclosed_quote_is_one_bad_row():
    result = parse_subscriber_csv('email,name\nana@example.org,"Ana\nbob@example.org,Bob\n')
    assert result.subscribers == ()
    assert result.errors == (RowError(2, "unreadable row (unexpected end of data) (is a quote left open?)"),)


def test_text_after_a_closing_quote_is_a_row_error():
    result = parse_subscriber_csv('email,name\n"ana@example.org" x,Ana\nbob@example.org,Bob\n')
    assert [s.email for s in result.subscribers] == ["bob@example.org"]
    assert lines_of(result) == [2]


def test_oversized_field_is_a_row_error_and_reading_goes_on():
    limit = csv.field_size_limit()
    text = f'email,name\n"{"x" * (limit + 10)}",a\nok@example.org,b\nbob@,c\n'
    result = parse_subscriber_csv(text)
    assert [s.email for s in result.subscribers] == ["ok@example.org"]
    assert lines_of(result) == [2, 4]
    assert "field larger than field limit" in result.errors[0].reason


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n  \n",
        "\ufeff",
        "name,city\nAna,Millbrook\n",
        "ana@example.org,Ana\n",
        "e-mail,name\n",
    ],
)
def test_header_without_email_column(text):
    with pytest.raises(SubscriberError, match="the header has no 'email' column"):
        parse_subscriber_csv(text)


def test_header_with_a_repeated_column():
    with pytest.raises(SubscriberError, match="'City' more than once"):
        parse_subscriber_csv("email,city,City\n")


def test_header_only_is_an_empty_import():
    assert parse_subscriber_csv("email,name\n") == ImportResult(subscribers=(), errors=())


# ---------------------------------------------------------------- tokens


def token(**overrides) -> str:
    claims = {"list_name": "weekly", "key": "Ana@example.org", "version": 3} | overrides
    return make_token(secret=SECRET, **claims)


def test_token_round_trip():
    assert read_token(token(), secret=SECRET) == TokenClaims("weekly", "Ana@example.org", 3)
    assert read_token(token(), secret=SECRET.encode()) == TokenClaims("weekly", "Ana@example.org", 3)
    odd = make_token(secret=b"\x00\xff", list_name='a"b.c', key="zoë@bücher.example", version=0)
    assert read_token(odd, secret=b"\x00\xff") == TokenClaims('a"b.c', "zoë@bücher.example", 0)


def test_token_is_compact_and_url_safe():
    value = token()
    assert len(value) < 80
    assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def test_tokens_differ_by_every_claim():
    assert len({token(), token(list_name="daily"), token(key="ana@example.org"), token(version=4)}) == 4


def flip(part: str, index: int) -> str:
    return part[:index] + ("A" if part[index] != "A" else "B") + part[index + 1 :]


def resigned_payload(new_payload: bytes) -> str:
    return base64.urlsafe_b64encode(new_payload).rstrip(b"=").decode() + "." + token().split(".")[1]


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(flip(token(), 3), id="altered-payload"),
        pytest.param(resigned_payload(b'["weekly","bob@example.org",3]'), id="swapped-payload"),
        pytest.param(flip(token(), len(token()) - 3), id="altered-signature"),
        pytest.param(token()[:-1], id="truncated-signature-1"),
        pytest.param(token()[:-5], id="truncated-signature"),
        pytest.param(token().split(".")[0], id="no-signature"),
        pytest.param(token()[: len(token()) // 2], id="truncated-half"),
        pytest.param(token()[1:], id="truncated-front"),
        pytest.param(token() + "=", id="padding"),
        pytest.param(token() + ".x", id="extra-part"),
        pytest.param("", id="empty"),
        pytest.param(".", id="dot"),
        pytest.param("not a token", id="garbage"),
        pytest.param("🙂.🙂", id="emoji"),
        pytest.param("x" * 10_000 + ".y", id="huge"),
    ],
)
def test_bad_tokens_are_rejected(bad):
    with pytest.raises(TokenError):
        read_token(bad, secret=SECRET)


def test_non_canonical_base64_is_rejected():
    payload, mac = token().split(".")
    # 16 bytes -> 22 chars: the last char's 4 low bits are unused, so flipping them decodes to the same bytes.
    last = mac[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[(alphabet.index(last) & ~0b1111) | (~alphabet.index(last) & 0b1111)]
    with pytest.raises(TokenError):
        read_token(f"{payload}.{mac[:-1]}{twin}", secret=SECRET)


def test_wrong_secret_is_rejected():
    with pytest.raises(TokenError, match="signature does not match"):
        read_token(token(), secret="another secret")


@pytest.mark.parametrize("secret", ["", b"", None])
def test_empty_secret(secret):
    with pytest.raises(TokenError, match="no signing secret configured"):
        make_token(secret=secret, list_name="weekly", key="a@example.org", version=1)
    with pytest.raises(TokenError, match="no signing secret configured"):
        read_token(token(), secret=secret)


@pytest.mark.parametrize(
    "claims",
    [{"version": -1}, {"version": True}, {"version": "3"}, {"list_name": ""}, {"key": ""}],
)
def test_make_token_rejects_bad_claims(claims):
    with pytest.raises(TokenError):
        token(**claims)


@pytest.mark.parametrize(
    "bad",
    [flip(token(), 3), token()[:-4], "garbage", token() + ".x"],
)
def test_secret_never_in_errors(bad):
    with pytest.raises(TokenError) as caught:
        read_token(bad, secret=SECRET)
    error = caught.value
    for text in (str(error), repr(error), repr(error.__context__), repr(error.__cause__)):
        assert SECRET not in text
    assert SECRET not in repr(read_token(token(), secret=SECRET))


def test_surrogate_secret_never_leaks():
    secret = "secret-\ud800-value"
    value = make_token(secret=secret, list_name="weekly", key="a@example.org", version=1)
    assert read_token(value, secret=secret).version == 1
    with pytest.raises(TokenError) as caught:
        read_token(value, secret=secret + "x")
    assert caught.value.__context__ is None


# ---------------------------------------------------------------- properties


@given(st.text())
def test_normalise_email_raises_only_subscriber_error(text):
    try:
        email, key = normalise_email(text)
    except SubscriberError as error:
        assert "\n" not in str(error) and "\r" not in str(error)
    else:
        assert normalise_email(email) == (email, key)  # the rule's output is a fixed point
        assert normalise_email(key).key == key


@given(st.text(), st.text())
def test_new_subscriber_raises_only_subscriber_error(address, name):
    try:
        subscriber = new_subscriber(address, name=name, attributes={"x": name})
    except SubscriberError:
        return
    assert len(subscriber.name) <= 200
    assert subscriber.name == subscriber.name.strip()
    assert not any(ord(c) < 32 for c in subscriber.name)


@given(st.one_of(st.text(), st.lists(st.text())))
def test_parse_raises_only_subscriber_error(text):
    try:
        result = parse_subscriber_csv(text)
    except SubscriberError as error:
        assert "\n" not in str(error)
        return
    keys = [s.key for s in result.subscribers]
    assert len(keys) == len(set(keys))
    assert all(error.line >= 2 and "\n" not in error.reason for error in result.errors)


@given(st.text(alphabet='ab,"\n\r@.e m', max_size=200))
def test_parse_csv_like_text_raises_only_subscriber_error(text):
    try:
        parse_subscriber_csv("email,name\n" + text)
    except SubscriberError:
        pytest.fail("a valid header was refused")


@given(st.text(), st.one_of(st.text(), st.binary()))
def test_read_token_raises_only_token_error(text, secret):
    try:
        read_token(text, secret=secret)
    except TokenError as error:
        if len(secret) > 3:
            assert repr(secret) not in str(error)


@given(st.text(min_size=1), st.text(min_size=1), st.integers(min_value=0), st.text(min_size=1))
def test_token_round_trip_property(list_name, key, version, secret):
    value = make_token(secret=secret, list_name=list_name, key=key, version=version)
    assert read_token(value, secret=secret) == TokenClaims(list_name, key, version)


def test_a_header_cells_controls_are_no_part_of_the_column_name():
    result = parse_subscriber_csv("email,ci\x00ty,\u202eplan\nana@example.org,Millbrook,gold\n")
    assert dict(result.subscribers[0].attributes) == {"city": "Millbrook", "plan": "gold"}
    with pytest.raises(SubscriberError, match="the column 'city' more than once"):
        parse_subscriber_csv("email,city,ci\u200bty\nana@example.org,a,b\n")  # the same name once cleaned
