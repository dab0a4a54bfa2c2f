"""DKIM signing (digest.mail.dkim) checked by an independent verifier, dkimpy, with the
public key handed to it in place of DNS; the VERP bounce addresses; the [dkim] settings."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import os
import re
import sys
import threading
from datetime import date

import dkim
import pytest
from hypothesis import given, settings, strategies as st

from digest.app import render_for_list
from digest.app.deliverability import alignment_warnings, dkim_keys
from digest.config import parse_settings
from digest.delivery.claims import SendRun
from digest.delivery.connection import Outcome
from digest.delivery.options import DeliveryOptions, Stop
from digest.delivery.pace import RateLimiter
from digest.delivery.send import SIGNED_AHEAD, SIGNING_NICENESS, Signing, _deliver_one, _workers
from digest.errors import ConfigError
from digest.mail.compose import compose
from digest.mail.dkim import (
    SIGNED_HEADERS,
    DkimError,
    DkimKey,
    DkimSigner,
    dns_value,
    generate_private_key,
    load_private_key,
    private_pem,
    relaxed_body,
    sign_all,
)
from digest.mail.message import MessageFactory, Recipient
from digest.mail.verp import ForgedBounce, Verp, issue_tag
from digest.models import Article, DeliveryStatus, OutgoingMessage, Subscriber, Summary
from digest.store import Claim
from tests.helpers import LIST


@functools.cache
def rsa_key():
    return generate_private_key()


@functools.cache
def ed_key():
    return generate_private_key(ed25519=True)


def dns_for(*keys: DkimKey):
    records = {f"{k.record_name}.".encode(): dns_value(k.private_key).encode() for k in keys}

    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        return records.get(name if name.endswith(b".") else name + b".")

    return lookup


def verified(message: bytes, *keys: DkimKey) -> list[bool]:
    """Each DKIM-Signature of `message`, top first, checked by dkimpy."""
    count = sum(1 for line in message.split(b"\r\n\r\n")[0].split(b"\r\n") if line.lower().startswith(b"dkim-"))
    results = []
    for index in range(count):
        try:
            results.append(bool(dkim.DKIM(message).verify(idx=index, dnsfunc=dns_for(*keys))))
        except dkim.DKIMException:  # e.g. "body hash mismatch"
            results.append(False)
    return results


def keys() -> tuple[DkimKey, DkimKey]:
    return DkimKey("example.org", "rsa2026", rsa_key()), DkimKey("example.org", "ed2026", ed_key())


def factory(signer: DkimSigner | None, *, reply_to: str = "") -> MessageFactory:
    article = Article(url="https://news.example.org/1", title="Story  with   spaces", paragraphs=("Body. " * 80,))
    summary = Summary(article=article, sentences=("Body  sentence\tone.", "Two."), algorithm="lead")
    digest = compose([summary], list_name="daily", title="The Daily", day=date(2026, 11, 24))
    rendered = render_for_list(digest, LIST)
    return MessageFactory(
        rendered, sender=LIST.sender, reply_to=reply_to, view_url="https://news.example.org/v", signer=signer
    )


READERS = [
    Recipient("ana@example.org", "Ana", "https://news.example.org/u?token=a", "mailto:unsubscribe@example.org"),
    Recipient("zoe@example.org", "Zoë  Łukasiewicz\t(home)", "https://news.example.org/u?token=z"),
    Recipient("plain@example.org"),
    Recipient("long@example.org", "A " * 60, "https://news.example.org/u?token=" + "x" * 300),
]


@pytest.mark.parametrize("reader", READERS, ids=lambda r: r.email)
def test_every_personalised_message_carries_two_signatures_that_verify(reader):
    rsa, ed = keys()
    message = factory(DkimSigner([rsa, ed]), reply_to="Desk  <desk@example.org>").build(reader)
    assert message.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n\td=example.org; s=rsa2026;")
    assert b"\r\nDKIM-Signature: v=1; a=ed25519-sha256;" in message
    assert verified(message, rsa, ed) == [True, True]
    signatures = message[: message.index(b"\r\nFrom: ")].split(b"\r\n")
    assert all(len(line) <= 78 for line in signatures)


def test_the_fast_body_hash_is_the_canonical_body_hash():
    rsa, _ = keys()
    signed = factory(DkimSigner([rsa])).build(READERS[1])
    body = signed.partition(b"\r\n\r\n")[2]
    import base64
    import hashlib

    canonical = relaxed_body(body).rstrip(b" \t\r\n") + b"\r\n"
    bh = base64.b64encode(hashlib.sha256(canonical).digest())
    assert b"bh=" + bh + b";" in signed


def test_a_changed_body_or_header_fails_verification():
    rsa, ed = keys()
    message = factory(DkimSigner([rsa, ed])).build(READERS[0])
    assert verified(message.replace(b"Story", b"Stori", 1), rsa, ed) == [False, False]
    subject = message.index(b"\r\nSubject: ") + 11
    altered = message[:subject] + b"Win a prize! " + message[subject:]
    assert verified(altered, rsa, ed) == [False, False]
    assert verified(message.replace(b"To: Ana <ana@", b"To: Ana <bob@"), rsa, ed) == [False, False]


@pytest.mark.parametrize(
    "added",
    [
        b"Subject: A second subject\r\n",
        b"From: Someone Else <ceo@example.org>\r\n",
        b"Reply-To: phisher@example.net\r\n",
        b"List-Unsubscribe: <https://evil.example.net/>\r\n",
        b"Cc: someone@example.net\r\n",
        b"Sender: Someone Else <ceo@example.org>\r\n",
        b"In-Reply-To: <thread@example.net>\r\n",
        b"References: <thread@example.net>\r\n",
        b"List-Post: <mailto:post@example.net>\r\n",
        b"Content-Transfer-Encoding: base64\r\n",
    ],
)
def test_over_signed_headers_cannot_be_added(added):
    rsa, _ = keys()
    message = factory(DkimSigner([rsa])).build(READERS[2])  # no List-Unsubscribe, no Reply-To of its own
    head, _, body = message.partition(b"\r\n\r\n")
    assert verified(message, rsa) == [True]
    assert verified(head + b"\r\n" + added + b"\r\n" + body, rsa) == [False]
    assert verified(added + message, rsa) == [False]
    h_tag = head.split(b"h=")[1].split(b";")[0].replace(b"\r\n\t", b"").decode()
    names = h_tag.split(":")
    for name in ("from", "to", "subject", "date", "message-id", "list-unsubscribe"):
        assert names.count(name) >= 2 if name != "list-unsubscribe" else names.count(name) == 1
    assert set(names) == set(SIGNED_HEADERS)


def test_headers_added_on_the_way_that_are_not_signed_do_not_matter():
    rsa, ed = keys()
    message = factory(DkimSigner([rsa, ed])).build(READERS[0])
    travelled = b"Received: from x by y; Tue, 24 Nov 2026 07:00:00 +0000\r\nReturn-Path: <b@example.org>\r\n" + message
    assert verified(travelled, rsa, ed) == [True, True]


async def test_signing_on_threads_in_batches_gives_signatures_that_verify():
    rsa, ed = keys()
    made = factory(DkimSigner([rsa, ed]))
    signing = Signing(2)
    try:
        prepared = [made.prepare(reader) for reader in READERS * 2]
        signed = await asyncio.gather(*(signing.sign(unsigned) for unsigned in prepared))
    finally:
        signing.shutdown()
    assert signing.signed == 8 and signing.batches == 2  # made in one turn of the loop: 4 a thread
    for unsigned, signatures, reader in zip(prepared, signed, READERS * 2, strict=True):
        message = unsigned.complete(signatures)
        assert verified(message, rsa, ed) == [True, True]
        assert f"<{reader.email}>".encode() in message or f"To: {reader.email}".encode() in message
    # the same signatures as one by one (RSA PKCS#1 v1.5 and Ed25519 are deterministic)
    assert sign_all([(u, u.inputs()[1]) for u in prepared[:2]]) == [s for _, s in signed[:2]]


async def test_a_claim_lost_while_its_signature_is_made_is_not_sent():
    """The claim is checked after the signature, right before the message goes: a claim
    whose lease ran short (or another sender took) while its signature was made is
    neither sent nor counted."""
    rsa, _ = keys()
    made = factory(DkimSigner([rsa]))
    sent: list[OutgoingMessage] = []

    class Transport:
        concurrency = 1

        async def send(self, message: OutgoingMessage, *, may_send=None) -> Outcome:
            sent.append(message)
            return Outcome(DeliveryStatus.SENT, 250)

    run = SendRun(
        "issue", None, made, made.envelope_from, lambda s: Recipient(s.email), DeliveryOptions(), RateLimiter(0), Stop()
    )
    signing = Signing(1)
    held = threading.Event()
    signing.executor.submit(held.wait)  # the signing thread is busy: the signature waits
    claim = Claim(Subscriber(1, "daily", "ana@example.org", "ana@example.org"), attempts=1)
    holds = [True]
    try:
        task = asyncio.ensure_future(_deliver_one(claim, run, Transport(), may_send=lambda: holds[0], signing=signing))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not task.done() and signing.busy == 1
        holds[0] = False  # the lease could not be renewed meanwhile
        held.set()
        assert await task is None
        assert sent == []
        holds[0] = True  # and one still held is sent, signed
        result = await _deliver_one(claim, run, Transport(), may_send=lambda: holds[0], signing=signing)
    finally:
        held.set()
        signing.shutdown()
    assert result is not None and result.status is DeliveryStatus.SENT
    assert verified(sent[0].data, rsa) == [True]


def test_sign_message_signs_any_message_and_refolding_is_harmless():
    rsa, ed = keys()
    message = (
        b"From: Desk <desk@example.org>\r\nTo: someone@example.net\r\nSubject: Confirm   your\r\n subscription\r\n"
        b"Date: Tue, 24 Nov 2026 07:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
        b"Hello  there \t\r\n\r\n\r\n"
    )
    signed = DkimSigner([rsa, ed]).sign_message(message)
    assert verified(signed, rsa, ed) == [True, True]
    refolded = signed.replace(b"Confirm   your\r\n subscription", b"Confirm your subscription")
    assert verified(refolded, rsa, ed) == [True, True]  # relaxed/relaxed
    assert verified(signed.replace(b"Hello", b"Jello"), rsa, ed) == [False, False]


def test_keys_load_from_pem_and_errors_never_show_the_key():
    pem = private_pem(rsa_key()).decode()
    assert load_private_key(pem, where="x").key_size == 2048
    assert load_private_key(pem.replace("\n", "\\n"), where="x") is not None  # pasted into an environment variable
    with pytest.raises(DkimError, match=r"DIGEST_DKIM_KEY: not a PEM private key") as caught:
        load_private_key("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", where="DIGEST_DKIM_KEY")
    assert "MIIE" not in str(caught.value)
    broken = pem[:200] + "AAAA" + pem[204:]
    with pytest.raises(DkimError, match="not a usable private key") as caught:
        load_private_key(broken, where="dkim.key_file k.pem")
    assert pem[40:80] not in str(caught.value)


def _settings(tmp_path, dkim: str = "", environ=None, lists: str = ""):
    import tomllib

    text = dkim + (lists or '\n[lists.daily]\nfrom = "The Daily <digest@example.org>"\n')
    return parse_settings(tomllib.loads(text), base_dir=tmp_path, environ=environ or {})


def test_dkim_settings_key_file_environment_and_alignment(tmp_path):
    (tmp_path / "keys").mkdir()
    key_file = tmp_path / "keys" / "k.pem"
    key_file.write_bytes(private_pem(rsa_key()))
    key_file.chmod(0o600)
    settings = _settings(tmp_path, '[dkim]\ndomain = "Example.org"\nselector = "s1"\nkey_file = "keys/k.pem"\n')
    assert settings.dkim.domain == "example.org" and settings.dkim.key_file == str(key_file)
    assert [k.algorithm for k in dkim_keys(settings.dkim)] == ["rsa-sha256"]
    assert "key=" not in repr(settings.dkim) or "BEGIN" not in repr(settings.dkim)
    assert alignment_warnings(settings) == []

    pem = private_pem(ed_key()).decode()
    environ = {"DIGEST_DKIM_ED25519_KEY": pem, "DIGEST_DKIM_KEY": private_pem(rsa_key()).decode()}
    text = '[dkim]\ndomain = "mail.example.net"\nselector = "s1"\ned25519_selector = "e1"\n'
    both = _settings(tmp_path, text, environ=environ)
    assert [k.algorithm for k in dkim_keys(both.dkim)] == ["rsa-sha256", "ed25519-sha256"]
    [warning] = alignment_warnings(both)
    assert "From domain example.org does not align with the DKIM domain mail.example.net" in warning
    assert pem[40:80] not in repr(both)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[dkim]\nselector = "s1"\n', "dkim.domain: needed"),
        ('[dkim]\ndomain = "example.org"\n', "dkim.selector: needed"),
        ('[dkim]\ndomain = "exa mple.org"\nselector = "s"\n', "dkim.domain: 'exa mple.org' is not a DNS name"),
        ('[dkim]\ndomain = "org"\nselector = "s"\n', "dkim.domain: 'org' is not a domain"),
        ('[dkim]\ndomain = "example.org"\nselector = "s"\ned25519_key_file = "e.pem"\n', "dkim.ed25519_selector"),
        ('[dkim]\ndomian = "example.org"\n', "dkim.domian: unknown key (did you mean 'domain'?)"),
        ('[delivery]\nbounce_address = "bounces+x@example.org"\n', "delivery.bounce_address: expected a plain"),
        ('[delivery]\nbounce_address = "' + "b" * 30 + '@example.org"\n', "may have at most 25 characters"),
        ("[delivery]\nsoft_bounce_limit = 0\n", "delivery.soft_bounce_limit: must be at least 1"),
    ],
)
def test_bad_deliverability_settings_name_their_key(tmp_path, text, error):
    with pytest.raises(ConfigError, match=error.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        _settings(tmp_path, text)


def test_a_missing_key_is_one_line_naming_where_it_may_come_from(tmp_path):
    settings = _settings(tmp_path, '[dkim]\ndomain = "example.org"\nselector = "s1"\n')
    with pytest.raises(DkimError, match=r"no DKIM key: set dkim\.key_file, DIGEST_DKIM_KEY or the Prefect Secret"):
        dkim_keys(settings.dkim)
    settings = _settings(tmp_path, '[dkim]\ndomain = "example.org"\nselector = "s1"\nkey_file = "none.pem"\n')
    with pytest.raises(DkimError, match=r"dkim.key_file: cannot read .*none.pem"):
        dkim_keys(settings.dkim)


# ---------------------------------------------------------------- VERP


def test_verp_addresses_round_trip_and_fit_smtp():
    verp = Verp("bounces@example.org", secret="s3cret")
    address = verp.address(123456789, "daily-2026-11-24")
    local = address.rpartition("@")[0]
    assert address.endswith("@example.org") and local.startswith("bounces+") and len(local) <= 64
    assert address == address.lower()
    ref = verp.read(address)
    assert ref is not None and ref.subscriber_id == 123456789 and ref.is_issue("daily-2026-11-24")
    assert not ref.is_issue("daily-2026-11-25") and ref.issue_tag == issue_tag("daily-2026-11-24")
    assert verp.read(address.upper()) == ref  # a server that folds case does not break it
    assert verp.read("<" + address + ">") == ref
    assert verp.read("bounces@example.org") is None and verp.read("someone@example.org") is None
    assert verp.read(address.replace("@example.org", "@example.net")) is None
    assert verp.find(["reader@example.org", address]) == ref
    assert verp.address(1, "i") != verp.address(2, "i") != verp.address(1, "j")


@given(st.integers(min_value=0, max_value=10**12 - 1), st.text(min_size=1, max_size=40))
@settings(max_examples=200, deadline=None)
def test_a_verp_token_is_the_documented_hmac_in_base32(subscriber_id, issue_id):
    key = b"s3cret-key-of-enough-length"
    body = f"{subscriber_id}-{issue_tag(issue_id)}"
    mac = hmac.new(key, b"digest/verp/v1\x00" + body.encode(), hashlib.sha256).digest()[:10]
    expected = f"bounces+{body}-{base64.b32encode(mac).decode().lower()}@example.org"
    assert Verp("bounces@example.org", secret=key).address(subscriber_id, issue_id) == expected


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.replace("bounces+12-", "bounces+13-"),  # another reader
        lambda a: a[: a.index("@") - 1] + ("a" if a[a.index("@") - 1] != "a" else "b") + a[a.index("@") :],
        lambda a: a.replace("bounces+", "bounces+x"),  # malformed
        lambda a: Verp("bounces@example.org", secret="another").address(12, "daily-2026-11-24"),
    ],
)
def test_a_forged_or_altered_verp_address_is_refused(change):
    verp = Verp("bounces@example.org", secret="s3cret")
    with pytest.raises(ForgedBounce):
        verp.read(change(verp.address(12, "daily-2026-11-24")))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([b" ", b"\t", b"a", b"=", b"\r\n", b"  "]), max_size=40))
def test_relaxed_body_pieces_canonicalise_as_the_rfc_says(pieces):
    data = b"".join(pieces)
    reference = re.sub(rb"[ \t]+", b" ", data).replace(b" \r\n", b"\r\n")
    assert relaxed_body(data) == reference


@pytest.mark.skipif(not hasattr(os, "setpriority") or sys.platform != "linux", reason="per-thread priority is Linux's")
def test_signing_threads_yield_the_cores_to_the_event_loop():
    """Each signing thread runs at a lower priority than the thread that made it: the
    event loop, which every message goes through, is not kept waiting by signatures."""
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    signing = Signing(2)
    try:
        theirs = {
            signing.executor.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
            for _ in range(4)
        }
    finally:
        signing.shutdown()
    assert theirs == {min(mine + SIGNING_NICENESS, 19)}


def test_with_signing_threads_workers_wait_for_signatures_beside_those_at_the_connections():
    class Transport:
        concurrency = 8

    assert _workers(Transport(), None) == 8
    signing = Signing(2)
    try:
        assert _workers(Transport(), signing) == 8 + 2 * SIGNED_AHEAD
    finally:
        signing.shutdown()


def test_an_ed25519_signature_is_the_one_openssl_makes():
    """Made by libsodium for speed; RFC 8463's signature (PureEdDSA over the SHA-256 hash of
    the header input), byte for byte what `cryptography` gives for the same key."""
    import hashlib

    _, ed = keys()
    for data in (b"", b"dkim-signature:v=1; a=ed25519-sha256; b=", os.urandom(700)):
        assert ed.sign(data) == ed.private_key.sign(hashlib.sha256(data).digest())


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([" ", "\t", "a", "é", "=", ".", "\n", "  ", ". ", "x" * 30, "x" * 73, "." * 80]), max_size=60
    ).map("".join)
)
def test_quoted_printable_output_is_already_canonical(text):
    """The body is hashed as it is sent: quoted-printable writes the second space of a run
    and every tab as escapes, keeps lines within 76 characters and decodes to the text.
    No line starts with a dot (it is written =2E), so SMTP's dot-stuffing has nothing to do."""
    import binascii

    from digest.mail.message import _quoted_printable

    encoded = _quoted_printable(text)
    assert relaxed_body(encoded) == encoded
    assert all(len(line) <= 76 for line in encoded.split(b"\r\n"))
    assert not encoded.startswith(b".") and b"\n." not in encoded
    decoded = binascii.a2b_qp(encoded.replace(b"\r\n", b"\n")).decode("utf-8")
    assert decoded == text.replace("\r\n", "\n").replace("\r", "\n")


def test_a_message_body_is_its_own_canonical_form():
    rsa, _ = keys()
    reader = Recipient("ana@example.org", "Ana   de\tSouza", "https://news.example.org/u?token=a  b")
    body = factory(DkimSigner([rsa])).build(reader).partition(b"\r\n\r\n")[2]
    assert relaxed_body(body) == body


def test_personal_lines_with_runs_in_the_template_are_canonical_whatever_the_values():
    from digest.mail.message import _EncodedPart

    part = _EncodedPart("static  line\n  Hi MARK,\nby MAIL\n", (("name", "MARK"), ("email", "MAIL")), as_html=False)
    plain = part.encode({"name": "Ana", "email": "a@example.org"}, spaced=False)
    assert relaxed_body(plain) == plain
    assert b" =20Hi Ana," in plain
    spaced = part.encode({"name": "Ana\t  B", "email": "a  b@example.org"})
    assert relaxed_body(spaced) == spaced


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(["From ", "From", "F", " ", "\t", "a", "é", ".", "\n", "x" * 30, "x" * 72]), max_size=60
    ).map("".join)
)
def test_no_quoted_printable_line_starts_with_from(text):
    """An mbox delivery writes a line starting "From " as ">From ", which breaks the body
    hash: quoted-printable writes its "F" as =46 (RFC 2049 section 3 (8)), still canonical."""
    import binascii

    from digest.mail.message import _quoted_printable

    encoded = _quoted_printable(text)
    lines = encoded.split(b"\r\n")
    assert not any(line.startswith(b"From ") for line in lines)
    assert relaxed_body(encoded) == encoded and all(len(line) <= 76 for line in lines)
    assert binascii.a2b_qp(encoded.replace(b"\r\n", b"\n")).decode("utf-8") == text


def test_a_signed_message_with_lines_starting_from_survives_an_mbox_delivery():
    rsa, _ = keys()
    article = Article(url="https://news.example.org/1", title="From the desk", paragraphs=("Body. " * 80,))
    summary = Summary(article=article, sentences=("From here on.",), algorithm="lead")
    rendered = render_for_list(compose([summary], list_name="daily", title="D", day=date(2026, 11, 24)), LIST)
    reader = Recipient("ana@example.org", "Ana", "https://news.example.org/u?token=a")
    message = MessageFactory(rendered, sender=LIST.sender, signer=DkimSigner([rsa])).build(reader)
    body = message.partition(b"\r\n\r\n")[2]
    assert b"\r\n=46rom the desk" in body
    mbox = re.sub(rb"(?m)^From ", b">From ", message)  # what an mbox delivery writes
    assert mbox == message and verified(mbox, rsa) == [True]
