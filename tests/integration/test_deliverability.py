"""Signed mail after a round trip through real SMTP servers (the recording aiosmtpd server,
and the capture server `digest send` starts), verified by dkimpy with the public key from
`digest dkim keygen`'s own DNS record; the VERP envelope sender of every copy; `digest dns`."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import stat

import dkim
import pytest

from digest.app.deliverability import generate_dkim_key
from digest.delivery.send import deliver_issue
from digest.mail.dkim import DkimKey, DkimSigner, generate_private_key, load_private_key
from digest.mail.verp import Verp
from digest.models import DeliveryStatus
from tests.helpers import FAST, LIST, SECRET, digest_cli, save_issue, subscribe
from tests.unit.test_dkim import verified


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_every_copy_is_signed_and_has_its_own_bounce_address(store, smtp_server):
    from digest.app import recipient_factory
    from digest.config import SmtpSettings

    emails = subscribe(store, 6)
    issue = save_issue(store)
    issue_id = issue.rendered.digest.issue_id
    rsa = DkimKey("example.org", "rsa2026", generate_private_key())
    ed = DkimKey("example.org", "ed2026", generate_private_key(ed25519=True))
    verp = Verp("bounces@example.org", secret=SECRET)
    report = await deliver_issue(
        issue,
        store=store,
        smtp=SmtpSettings(host=smtp_server.host, port=smtp_server.port, security="none", timeout=5),
        sender=LIST.sender,
        recipient_for=recipient_factory(LIST, secret=SECRET),
        options=FAST,
        signer=DkimSigner([rsa, ed]),
        verp=verp,
    )
    assert report.complete
    received = smtp_server.by_recipient()
    assert sorted(received) == sorted(emails)
    ids = {s.email: s.id for s in store.iter_subscribers("daily")}
    senders = set()
    for address, [copy] in received.items():
        assert verified(copy.data, rsa, ed) == [True, True], address
        ref = verp.read(copy.mail_from)
        assert ref is not None and ref.subscriber_id == ids[address] and ref.is_issue(issue_id)
        senders.add(copy.mail_from)
        # A header or the body changed on the way: both signatures fail.
        assert verified(copy.data.replace(b"Story 1", b"Story 2"), rsa, ed) == [False, False]
    assert len(senders) == len(emails)


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(tmp_path):
    key_file = tmp_path / "keys" / "digest.pem"
    result = digest_cli(
        "dkim", "keygen", "--domain", "Example.org", "--selector", "d2026", "--key-file", str(key_file), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "d2026._domainkey.example.org. IN TXT (" in result.stdout and '"v=DKIM1; k=rsa; p=' in result.stdout
    assert "PRIVATE KEY" not in result.stdout + result.stderr
    key = load_private_key(key_file.read_bytes(), where="test")
    assert key.key_size == 2048
    # The printed record is the key's: a signature made with the file verifies against it.
    [txt] = [line for line in result.stdout.splitlines() if " IN TXT " in line]
    printed = "".join(txt.split('"')[1::2])
    signed = DkimSigner([DkimKey("example.org", "d2026", key)]).sign_message(
        b"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nhello\r\n"
    )
    assert dkim.verify(signed, dnsfunc=lambda name, timeout=5: printed.encode())

    before = key_file.read_bytes()
    again = digest_cli(
        "dkim", "keygen", "--domain", "example.org", "--selector", "d2026", "--key-file", str(key_file), cwd=tmp_path
    )
    assert again.returncode == 2 and again.stdout == ""
    assert (
        again.stderr.strip()
        == f"digest: error: {key_file} exists; not overwritten (--force replaces it, and the old key's record with it)"
    )
    assert key_file.read_bytes() == before

    made = generate_dkim_key(domain="example.org", selector="e1", key_file=key_file, ed25519=True, force=True)
    assert made.algorithm == "ed25519-sha256" and made.record.startswith("v=DKIM1; k=ed25519; p=")
    assert key_file.read_bytes() != before and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not [p for p in key_file.parent.iterdir() if p.name.startswith(".")]  # no temporary file left


@pytest.fixture
def signed_config(tmp_path, sqlite_store):
    """A config with [dkim] (an RSA key and an Ed25519 one, as keygen makes them), a bounce address
    and the capture server on a free port; the store with an issue and three readers."""
    for selector, ed25519 in (("rsa1", False), ("ed1", True)):
        path = tmp_path / f"{selector}.example.org.pem"
        generate_dkim_key(domain="example.org", selector=selector, key_file=path, ed25519=ed25519)
    subscribe(sqlite_store, 3)
    issue = save_issue(sqlite_store)
    config = tmp_path / "digest.toml"
    config.write_text(
        f"""
[store]
url = {json.dumps(sqlite_store.url)}

[smtp]
port = {_free_port()}

[delivery]
maildir = "mail"
bounce_address = "bounces@example.org"

[dkim]
domain = "example.org"
selector = "rsa1"
key_file = "rsa1.example.org.pem"
ed25519_selector = "ed1"
ed25519_key_file = "ed1.example.org.pem"

[lists.daily]
title = "The Daily"
from = "The Daily <digest@example.org>"
"""
    )
    return config, issue.rendered.digest.issue_id


def test_what_the_capture_server_keeps_verifies(signed_config, tmp_path):
    config, _ = signed_config
    result = digest_cli("--config", str(config), "send", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "mail" / "new").iterdir())
    assert len(files) == 3
    keys = [
        DkimKey("example.org", s, load_private_key((tmp_path / f"{s}.example.org.pem").read_bytes(), where="t"))
        for s in ("rsa1", "ed1")
    ]
    for path in files:
        # The Maildir keeps LF line ends and the sink's own X-Digest-Envelope-To line on top.
        data = path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        assert verified(data, *keys) == [True, True]
        message = email.message_from_bytes(data)
        assert message["X-Digest-Envelope-To"].startswith("reader")

    dns = digest_cli("--config", str(config), "dns", cwd=tmp_path)
    assert dns.returncode == 0, dns.stderr
    text = dns.stdout
    for key in keys:
        assert f"{key.record_name}. IN TXT" in text
    published = {line.split(".", 1)[0]: line for line in text.splitlines() if "._domainkey." in line}
    record = "".join(published["rsa1"].split('"')[1::2]).encode()
    data = files[0].read_bytes().replace(b"\n", b"\r\n")
    assert dkim.DKIM(data).verify(idx=0, dnsfunc=lambda name, timeout=5: record)
    assert 'example.org. IN TXT "v=spf1 mx ~all"' in text
    assert (
        '_dmarc.example.org. IN TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.org; adkim=r; aspf=r"' in text
    )
    assert " IN MX " not in text  # the From domain's own mail must not go to the listener
    assert "; route bounces@example.org (and bounces+*@example.org) to `digest bounces listen`" in text
    assert dns.stderr == ""  # everything aligns


def test_a_test_message_goes_out_signed_to_one_address_outside_the_ledger(signed_config, tmp_path, sqlite_store):
    config, issue_id = signed_config
    result = digest_cli("--config", str(config), "send", "--test-to", "Proof@Example.org", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    files = sorted((tmp_path / "mail" / "new").iterdir())
    assert len(files) == 1 and "Proof@example.org" in result.stdout
    data = files[0].read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    keys = [
        DkimKey("example.org", s, load_private_key((tmp_path / f"{s}.example.org.pem").read_bytes(), where="t"))
        for s in ("rsa1", "ed1")
    ]
    assert verified(data, *keys) == [True, True]
    message = email.message_from_bytes(data)
    assert message["X-Digest-Envelope-To"] == "Proof@example.org" and message["To"] == "Proof@example.org"
    totals = sqlite_store.ledger_totals(issue_id)
    assert totals.get(DeliveryStatus.SENT, 0) == 0 and totals[DeliveryStatus.PENDING] == 3  # the readers are still owed


def test_each_proof_has_a_message_id_of_its_own_and_no_unsubscribe_link_that_looks_real(sqlite_store, smtp_server):
    from digest.app import send_proof
    from digest.config import parse_settings
    from tests.helpers import REPO

    save_issue(sqlite_store)
    raw = {
        "store": {"url": sqlite_store.url},
        "smtp": {"host": smtp_server.host, "port": smtp_server.port, "timeout": 5},
        "web": {"base_url": "https://news.example.org"},
        "unsubscribe": {"secret": SECRET},
        "lists": {"daily": {"title": LIST.title, "from": LIST.sender, "postal_address": "1 Main St"}},
    }
    settings = parse_settings(raw, base_dir=REPO)
    for _ in range(2):
        send_proof(settings, settings.list("daily"), "proof@example.org", store=sqlite_store)
    first, second = (email.message_from_bytes(a.data, policy=email.policy.default) for a in smtp_server.accepted)
    # Gmail drops a message whose Message-ID it has seen: the second proof would not arrive.
    assert first["Message-ID"] != second["Message-ID"]
    for proof in (first, second):
        assert proof["List-Unsubscribe-Post"] is None and proof["List-Unsubscribe"] is None
        text = proof.get_body(("plain",)).get_content() + proof.get_body(("html",)).get_content()
        assert "token=" not in text  # the reader's link in the footer: a proof's reader has none


def test_dns_warns_about_a_from_domain_that_does_not_align(signed_config, tmp_path):
    config, _ = signed_config
    text = config.read_text().replace('from = "The Daily <digest@example.org>"', 'from = "The Daily <news@other.net>"')
    text = text.replace('bounce_address = "bounces@example.org"', 'bounce_address = "b@bounces.example.org"')
    text = text.replace(
        'from = "The Daily <news@other.net>"\n', 'from = "The Daily <news@other.net>"\npostal_address = "1 Main St"\n'
    )
    text = text.replace("[smtp]\n", '[web]\nbase_url = "https://news.example.org"\n[smtp]\nhost = "192.0.2.25"\n')
    config.write_text(text)
    result = digest_cli("--config", str(config), "dns", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "its From domain other.net does not align with the DKIM domain example.org" in result.stderr
    assert "_dmarc.other.net. IN TXT" in result.stdout
    assert 'bounces.example.org. IN TXT "v=spf1 mx ip4:192.0.2.25 ~all"' in result.stdout
    assert "bounces.example.org. IN MX 10 bounces-host.bounces.example.org." in result.stdout


def test_a_missing_key_stops_the_send_before_anything_goes_out(signed_config, tmp_path):
    config, _ = signed_config
    config.write_text(config.read_text().replace('key_file = "rsa1.example.org.pem"\n', ""))
    result = digest_cli("--config", str(config), "send", cwd=tmp_path, env={"DIGEST_DKIM_KEY": ""})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "digest: error: dkim.key_file: no DKIM key: set dkim.key_file, DIGEST_DKIM_KEY "
        "or the Prefect Secret block digest-dkim-key"
    )
    assert not (tmp_path / "mail" / "new").exists() or not list((tmp_path / "mail" / "new").iterdir())
    broken = tmp_path / "rsa1.example.org.pem"
    config.write_text(config.read_text().replace("[dkim]\n", '[dkim]\nkey_file = "rsa1.example.org.pem"\n'))
    secret = broken.read_text()
    broken.write_text(secret[:300] + "AAAA" + secret[304:])
    result = digest_cli("--config", str(config), "send", cwd=tmp_path)
    assert result.returncode == 2 and "not a usable private key" in result.stderr
    assert secret[100:140] not in result.stderr + result.stdout


def test_a_dry_run_finds_the_key_the_send_would_stop_at(signed_config, tmp_path):
    """A dry run says what a send would do: one that cannot sign is refused there too."""
    config, _ = signed_config
    config.write_text(config.read_text().replace('key_file = "rsa1.example.org.pem"\n', 'key_file = "gone.pem"\n'))
    result = digest_cli("--config", str(config), "send", "--dry-run", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("digest: error: dkim.key_file: cannot read ") and "gone.pem" in result.stderr
    assert result.stdout == ""
