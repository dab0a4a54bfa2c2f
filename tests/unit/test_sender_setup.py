"""What the operator's sender and key settings turn into: the DNS records to publish, the
unsubscribe mailto, the confirmation message's From and envelope, and the errors for a key
given in the wrong place."""

from __future__ import annotations

import email
import tomllib
from email import policy

import pytest

from digest.app.deliverability import dns_records, envelope_sender, generate_dkim_key
from digest.app.issues import recipient_factory
from digest.config import parse_settings
from digest.errors import ConfigError
from digest.mail.confirmation import confirmation_message
from digest.mail.dkim import generate_private_key, private_pem
from digest.models import Subscriber
from digest.subscribers import mailbox_address

COMMA_SENDER = "Smith, John <digest@example.org>"


def _settings(tmp_path, text: str = "", *, sender: str = COMMA_SENDER, environ=None):
    toml = f'{text}\n[lists.daily]\nfrom = {sender!r}\npostal_address = "1 Main St, Springfield"\n'
    return parse_settings(tomllib.loads(toml), base_dir=tmp_path, environ=environ or {})


def test_a_sender_whose_name_has_a_comma_is_read_as_one_mailbox_everywhere(tmp_path):
    settings = _settings(tmp_path)
    chosen = settings.list("daily")
    assert mailbox_address(chosen.sender) == "digest@example.org"
    assert envelope_sender(settings, chosen) == "digest@example.org"

    reader = Subscriber(id=1, list_name="daily", email="ana@example.net", key="ana@example.net")
    recipient = recipient_factory(chosen, secret="s" * 32)(reader)
    assert recipient.unsubscribe_mailto.startswith("mailto:unsubscribe@example.org?subject=unsubscribe%20")

    names = {record.name for record in dns_records(settings).records}
    assert names == {"example.org", "_dmarc.example.org"}
    assert not dns_records(settings).warnings or all("smith" not in w.lower() for w in dns_records(settings).warnings)

    envelope, data = confirmation_message(
        sender=chosen.sender, to="ana@example.net", list_title="Daily", confirm_url="https://x/c", hours=48
    )
    message = email.message_from_bytes(data, policy=policy.default)
    assert envelope == "digest@example.org"
    [mailbox] = message["From"].addresses
    assert (mailbox.display_name, mailbox.addr_spec) == ("Smith, John", "digest@example.org")


def test_the_confirmation_message_goes_out_from_the_bounce_address(tmp_path):
    settings = _settings(tmp_path, '[delivery]\nbounce_address = "bounces@bounces.example.org"\n')
    chosen = settings.list("daily")
    envelope, data = confirmation_message(
        sender=chosen.sender,
        to="ana@example.net",
        list_title="Daily",
        confirm_url="https://x/c",
        hours=48,
        envelope_from=envelope_sender(settings, chosen),
    )
    assert envelope == "bounces@bounces.example.org"
    assert email.message_from_bytes(data, policy=policy.default)["From"].addresses[0].domain == "example.org"


@pytest.mark.parametrize("where", ["toml", "environment"])
def test_a_key_pasted_where_its_file_name_goes_is_refused_and_never_echoed(tmp_path, where):
    pem = private_pem(generate_private_key(ed25519=True)).decode()
    body = pem.splitlines()[1]
    dkim = '[dkim]\ndomain = "example.org"\nselector = "s1"\n'
    if where == "toml":
        text, environ = dkim + f"key_file = {pem!r}\n", {}
    else:
        text, environ = dkim, {"DIGEST_DKIM_KEY_FILE": pem}
    with pytest.raises(ConfigError) as caught:
        _settings(tmp_path, text, sender="digest@example.org", environ=environ)
    assert "dkim.key_file: holds a key, not a file name; give the key itself in DIGEST_DKIM_KEY" in str(caught.value)
    assert body not in str(caught.value) and "BEGIN" not in str(caught.value)


@pytest.mark.parametrize(
    ("host", "mechanism", "note"),
    [
        ("[2a00:1450:4001::1]", "ip6:2a00:1450:4001::1", "the relay 2a00:1450:4001::1"),
        ("172.16.5.4", None, "is a private address"),
        ("10.0.0.5", None, "is a private address"),
        ("127.0.0.1", None, "is a private address"),
        ("smtp.example.org", "a:smtp.example.org", "the relay smtp.example.org"),
    ],
)
def test_the_spf_suggestion_is_publishable_and_names_no_private_address(tmp_path, host, mechanism, note):
    web = '[web]\nbase_url = "https://news.example.org"\n'
    settings = _settings(tmp_path, f'[smtp]\nhost = "{host}"\n{web}', sender="digest@example.org")
    [spf] = [r for r in dns_records(settings).records if r.value.startswith("v=spf1")]
    assert spf.value == (f"v=spf1 mx {mechanism} ~all" if mechanism else "v=spf1 mx ~all")
    assert "[" not in spf.value and note in spf.note


def test_an_unusable_ed25519_key_leaves_the_rsa_record_and_names_where_it_came_from(tmp_path):
    rsa = private_pem(generate_private_key()).decode()
    dkim = '[dkim]\ndomain = "example.org"\nselector = "s1"\ned25519_selector = "e1"\n'
    environ = {"DIGEST_DKIM_KEY": rsa, "DIGEST_DKIM_ED25519_KEY": rsa}
    advice = dns_records(_settings(tmp_path, dkim, sender="digest@example.org", environ=environ))
    assert [r.name for r in advice.records if "_domainkey" in r.name] == ["s1._domainkey.example.org"]
    assert "no DKIM record: DIGEST_DKIM_ED25519_KEY: not an Ed25519 key" in advice.warnings


def test_a_long_txt_record_is_also_given_as_one_text_for_a_dns_panel(tmp_path):
    made = generate_dkim_key(domain="example.org", selector="s1", key_file=tmp_path / "k.pem")
    zone, panel = made.lines()
    assert zone.startswith('s1._domainkey.example.org. IN TXT ( "v=DKIM1; k=rsa; p=')
    assert panel == f"; in a DNS panel, s1._domainkey.example.org TXT is this one text: {made.record}"
    short = generate_dkim_key(domain="example.org", selector="e1", key_file=tmp_path / "e.pem", ed25519=True)
    assert len(short.lines()) == 1


def test_keygen_into_a_folder_that_is_a_file_says_so(tmp_path):
    (tmp_path / "afile").write_text("")
    for force in (False, True):
        with pytest.raises(ConfigError, match=r"cannot make the folder .*afile: a file of that name is in the way"):
            generate_dkim_key(domain="example.org", selector="s1", key_file=tmp_path / "afile" / "x.pem", force=force)


def test_a_bad_key_from_a_secret_block_is_named_by_its_block(tmp_path):
    from dataclasses import replace

    from digest.app.deliverability import dkim_keys

    settings = _settings(tmp_path, '[dkim]\ndomain = "example.org"\nselector = "s1"\n', sender="digest@example.org")
    dkim = replace(
        settings.dkim,
        key="-----BEGIN PRIVATE KEY-----\nnot a key\n",
        key_origin="the Prefect Secret block digest-dkim-key",
    )
    with pytest.raises(ConfigError, match=r"^the Prefect Secret block digest-dkim-key: not a usable private key"):
        dkim_keys(dkim)


@pytest.mark.parametrize(
    "title", ["=?utf-8?q?Hi=0D=0ABcc:_x@evil.example?=", "Zoë's =?utf-8?q?x?= list", "The Daily", "Long " * 30]
)
def test_the_confirmation_subject_carries_the_list_title_literally(title):
    _, data = confirmation_message(
        sender="D <d@example.org>", to="ana@example.net", list_title=title, confirm_url="https://x/c", hours=48
    )
    message = email.message_from_bytes(data, policy=policy.default)
    assert message["Bcc"] is None and message.get_all("Subject") == [f"Confirm your subscription to {title}".strip()]
    head = data.split(b"\r\n\r\n")[0]
    assert head.isascii() and all(len(line) <= 78 for line in head.split(b"\r\n"))


@pytest.mark.parametrize(
    "to", ["=?utf-8?q?x?=@example.org", "=?utf-8?q?victim=40bank.example?=@evil.example", "ana@example.net"]
)
def test_the_confirmation_is_addressed_to_the_address_as_written(to):
    """An address the rule lets in that looks like an encoded word is written as it is: the
    email package decoded it (showing another address) or refused it."""
    _, data = confirmation_message(
        sender="D <d@example.org>", to=to, list_title="The Daily", confirm_url="https://x/c", hours=48
    )
    head = data.split(b"\r\n\r\n")[0].decode()
    assert f"\r\nTo: {to}\r\n" in f"\r\n{head}\r\n" and head.count("\r\nTo:") == 1


def test_the_confirmation_text_fits_72_columns_with_a_long_address_and_list_title():
    title = "The Greater Metropolitan Area Residents' Weekly Roundup of Transit News"
    address = "ana.maria.de.la.santisima.trinidad@correo.universidad.example.org"
    url = "https://news.example.org/confirm?token=" + "x" * 120
    _, data = confirmation_message(sender="D <d@example.org>", to=address, list_title=title, confirm_url=url, hours=48)
    text = email.message_from_bytes(data, policy=policy.default).get_body(("plain",)).get_content()
    assert [line for line in text.splitlines() if len(line) > 72] == [url]  # a link is never cut
    assert f"subscribe {address} to {title}. Nothing is sent" in " ".join(text.split())
