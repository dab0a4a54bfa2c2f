"""The preview server answers only its own host names and sends a strict page policy;
invisible format characters (every bidi control) never reach a subject, the HTML or
the text; extraction libraries stay quiet on stderr unless asked with -v."""

from __future__ import annotations

import re
import smtplib
import socket
import subprocess
import sys
import unicodedata
from datetime import date

import pytest

from digest.config import ListSettings
from digest.mail.compose import compose
from digest.mail.message import MessageFactory, Recipient
from digest.mail.render import clean, personal_fields, personalise, render_digest, safe_url
from digest.models import Article, Summary
from digest.preview import PreviewServer
from digest.subscribers import new_subscriber
from tests.faults.conftest import REPO, digest_cli, report

DAY = date(2026, 11, 24)
RECIPIENT = "captured.reader@example.org"

# ---------------------------------------------------------------- the preview server


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    from digest.delivery.sink import CaptureSink

    maildir = tmp_path_factory.mktemp("preview") / "mail"
    with CaptureSink(maildir=maildir, port=0) as sink, smtplib.SMTP("127.0.0.1", sink.port) as client:
        client.sendmail("d@example.org", [RECIPIENT], b"Subject: Captured one\r\n\r\nhello\r\n")
    article = Article(url="https://news.example.org/1", title="A story", paragraphs=("Body.",), source="s")
    digest = compose([Summary(article, ("Body.",), "lead")], list_name="daily", title="Daily", day=DAY)
    running = PreviewServer(
        digest, ListSettings(name="daily", sender="Daily <d@example.org>"), port=0, maildir=maildir
    ).start()
    yield running
    running.close()


def request(
    server, path: str = "/", *, host: str | None, version: str = "HTTP/1.1", extra: str = ""
) -> tuple[int, dict[str, str], bytes]:
    """One raw request (the Host header exactly as given, or none); status, headers, body."""
    address, port = server.httpd.server_address[:2]
    head = f"GET {path} {version}\r\n" + (f"Host: {host}\r\n" if host is not None else "") + extra
    with socket.create_connection((address, port), timeout=10) as sock:
        sock.sendall(f"{head}Connection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    raw_head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    lines = raw_head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split(" ", 2)[1]), headers, body


OWN_NAMES = [
    "127.0.0.1:{port}",
    "127.0.0.1",
    "localhost:{port}",
    "localhost",
    "LocalHost:{port}",
    "localhost.",
    "[::1]:{port}",
    "[::1]",
    "[0:0::1]:{port}",
]


@pytest.mark.parametrize("host", OWN_NAMES)
def test_preview_answers_its_own_names(preview, host):
    status, _, body = request(preview, host=host.format(port=preview.httpd.server_address[1]))
    assert status == 200 and b'id="desktop"' in body and RECIPIENT.encode() in body


FOREIGN = [
    "evil.example",
    "evil.example:{port}",
    "127.0.0.1.evil.example:{port}",
    "localhost.evil.example",
    "rebind.127.0.0.1.nip.io:{port}",
    "",
    " ",
    "127.0.0.2:{port}",
    "10.0.0.1",
    "0.0.0.0:{port}",
    "127.0.0.1:{port}:{port}",
    "127.0.0.1:x",
    "[::1",
    "[::1]x",
    "evil.example@127.0.0.1",
    "localhost\tx",
]


@pytest.mark.parametrize("path", ["/", "/email.html", "/headers", "/email.txt", "/version", "/mobile", "/nowhere"])
@pytest.mark.parametrize("host", FOREIGN)
def test_preview_refuses_other_hosts_with_one_line(preview, host, path):
    status, headers, body = request(preview, path, host=host.format(port=preview.httpd.server_address[1]))
    assert status == 421, (host, path, status)
    assert headers["content-type"].startswith("text/plain") and headers["x-content-type-options"] == "nosniff"
    text = body.decode()
    assert text.startswith("misdirected request:") and text.count("\n") == 1 and len(body) < 200
    assert RECIPIENT not in text and "<" not in text and "Captured" not in text


def test_dns_rebinding_figures(preview):
    port = preview.httpd.server_address[1]
    status, _, body = request(preview, host=f"evil.example:{port}")
    ok_status, _, page = request(preview, host=f"127.0.0.1:{port}")
    report(
        "preview, Host: evil.example (DNS rebinding)",
        {
            "status": status,
            "body bytes": len(body),
            "body": body.decode().strip(),
            "page bytes for 127.0.0.1": f"{len(page)} (status {ok_status})",
        },
    )
    assert status == 421 and b"id=" not in body


def test_preview_refuses_a_missing_doubled_or_foreign_authority(preview):
    port = preview.httpd.server_address[1]
    status, _, body = request(preview, host=None)
    assert status == 400 and body == b"bad request: no Host header\n"
    status, _, _ = request(preview, host="127.0.0.1", extra="Host: evil.example\r\n")
    assert status == 400
    status, _, body = request(preview, f"http://evil.example:{port}/", host=f"127.0.0.1:{port}")
    assert status == 421 and RECIPIENT.encode() not in body
    # No browser sends HTTP/1.0 without Host, so no rebinding page can; tools may.
    status, _, body = request(preview, host=None, version="HTTP/1.0")
    assert status == 200 and b'id="desktop"' in body


def test_host_policy_for_all_interfaces_and_for_one_address():
    from digest.preview import HostPolicy

    hostname = socket.gethostname()
    everywhere = HostPolicy.for_address("0.0.0.0")
    for host in (
        hostname,
        f"{hostname.upper()}:8025",
        "localhost:8025",
        "127.0.0.1",
        "192.168.1.20:8025",
        "[fe80::1]:8025",
        "0.0.0.0:8025",
    ):
        assert everywhere.allows(host), host
    for host in ("evil.example", f"{hostname}.evil.example", "192.168.1.20.nip.io", "localhost:x"):
        assert not everywhere.allows(host), host
    one = HostPolicy.for_address("192.168.1.20")
    for host in ("192.168.1.20:8025", "192.168.1.20", hostname):
        assert one.allows(host), host
    for host in ("10.0.0.1", "evil.example", "192.168.1.21"):
        assert not one.allows(host), host
    loopback = HostPolicy.for_address("127.0.0.1", extra=["preview.internal"])
    assert loopback.allows("preview.internal:9000") and loopback.allows("[::1]:8025")
    assert not loopback.allows(hostname) and not loopback.allows("192.168.1.20")
    assert HostPolicy.for_address("::1").allows("[::1]:8025") and HostPolicy.for_address("::1").allows("localhost")


def _directives(policy: str) -> dict[str, str]:
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("path", ["/", "/mobile"])
def test_pages_run_only_their_own_nonced_script_and_styles(preview, path):
    _, headers, body = request(preview, path, host="127.0.0.1")
    policy = _directives(headers["content-security-policy"])
    assert policy["default-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-inline" not in policy["style-src"]
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{16,})'", policy["script-src"]).group(1)
    page = body.decode()
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", page):
        assert f'nonce="{nonce}"' in tag, tag
    assert " style=" not in page  # attributes would need 'unsafe-inline'
    frames = re.findall(r"<iframe\b[^>]*>", page)
    assert frames and all('sandbox="allow-popups allow-popups-to-escape-sandbox"' in f for f in frames)
    assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"
    _, again, _ = request(preview, path, host="127.0.0.1")
    assert again["content-security-policy"] != headers["content-security-policy"]  # a nonce per response


def test_the_email_frame_runs_no_script_and_is_framed_by_its_own_origin_only(preview):
    _, headers, body = request(preview, "/email.html", host="localhost")
    policy = _directives(headers["content-security-policy"])
    assert policy["default-src"] == "'none'" and "script-src" not in policy
    assert policy["frame-ancestors"] == "'self'" and headers["x-frame-options"] == "SAMEORIGIN"
    assert "allow-scripts" not in policy["sandbox"] and "allow-same-origin" not in policy["sandbox"]
    assert b"<table" in body
    for path in ("/email.txt", "/headers", "/version", "/nowhere"):
        _, headers, _ = request(preview, path, host="localhost")
        assert _directives(headers["content-security-policy"]) == {"default-src": "'none'", "frame-ancestors": "'none'"}
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"


# ---------------------------------------------------------------- invisible characters

# Unicode's Bidi_Control property, all of it (PropList.txt).
BIDI_CONTROLS = [
    "\u061c",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]
KEPT_FORMAT = set("\u200c\u200d\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd")


def rendered_for(title: str, *, sentence: str, source: str = "s", name: str = "Reader"):
    article = Article(url="https://news.example.org/1", title=title, paragraphs=(sentence,), source=source)
    digest = compose([Summary(article, (sentence,), "lead")], list_name="daily", title="Daily", day=DAY)
    rendered = render_digest(digest)
    fields = personal_fields(
        name=name, email="r@example.org", unsubscribe_url="https://e.example/u", view_url="https://e.example/v"
    )
    html, text = personalise(rendered, fields)
    factory = MessageFactory(rendered, sender="Daily <d@example.org>")
    message = factory.build(Recipient(email="r@example.org", name=name, unsubscribe_url="https://e.example/u"))
    return rendered.subject, html, text, message.decode("utf-8", "replace")


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_every_bidi_control_is_removed_from_subject_html_and_text(control):
    subject, html, text, message = rendered_for(
        f"Invoice{control}fdp.exe",
        sentence=f"Pay {control}now{control} please.",
        source=f"Desk{control}",
        name=f"Ana{control}Lee",
    )
    for where, value in (("subject", subject), ("html", html), ("text", text)):
        assert control not in value, where
        assert "Invoicefdp.exe" in value, where  # removed, not replaced: the word reads as it is stored
    assert "Pay now please." in text and "Hi AnaLee," in text
    assert control not in email_decoded(message)


def email_decoded(raw: str) -> str:
    import email
    import email.policy

    parsed = email.message_from_string(raw, policy=email.policy.default)
    parts = [str(parsed[h]) for h in parsed]
    parts += [part.get_content() for part in parsed.walk() if part.get_content_maintype() == "text"]
    return "\n".join(parts)


def test_every_invisible_format_character_goes_by_category():
    format_characters = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]
    dropped = [c for c in format_characters if c not in KEPT_FORMAT]
    assert len(dropped) > 140 and set(BIDI_CONTROLS) <= set(dropped)
    survivors = [f"U+{ord(c):04X}" for c in dropped if clean(f"a{c}b") != "ab"]
    assert not survivors
    for c in KEPT_FORMAT:
        assert clean(f"a{c}b") == f"a{c}b"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (
            "Family \U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 day",
            "Family \U0001f469\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466 day",
        ),  # ZWJ joins the emoji
        (
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        ),  # ZWNJ in Persian
        (
            "Flag \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f!",
            "Flag \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f!",
        ),  # Scotland
        ("hidden\U000e0041\U000e0042 tags", "hidden tags"),  # tag letters outside a flag are invisible text
        ("Donau\u00addampf\u00adschiff", "Donaudampfschiff"),  # soft hyphens go, the word stays whole
        (
            "\u05e9\u05dc\u05d5\u05dd\u200f \u05e2\u05d5\u05dc\u05dd",
            "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd",
        ),
        ("\u0639\u0646\u0648\u0627\u0646 \u0661\u0662", "\u0639\u0646\u0648\u0627\u0646 \u0661\u0662"),
        ("zero\u200bwidth\ufeff word\u2060joiner", "zerowidth wordjoiner"),
        ("caf\u00e9 \u2014 na\u00efve", "caf\u00e9 \u2014 na\u00efve"),
    ],
)
def test_legitimate_text_survives(given, expected):
    assert clean(given) == expected
    subject, _html, text, _ = rendered_for(given, sentence=f"{given} is here.")
    assert expected in subject and expected in text


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_subscriber_names_and_attributes_lose_every_bidi_control(control):
    subscriber = new_subscriber(
        "ana@example.org", name=f"Ana{control} Moreau{control}", attributes={"city": f"Mill{control}brook"}
    )
    assert subscriber.name == "Ana Moreau" and subscriber.attributes["city"] == "Millbrook"


@pytest.mark.parametrize(
    "char", ["\u061c", "\u200e", "\u202e", "\u200d", "\u00ad", "\ufeff"], ids=lambda c: f"U+{ord(c):04X}"
)
def test_a_link_with_an_invisible_character_is_dropped(char):
    assert safe_url(f"https://news.example.org/a{char}b") is None
    assert safe_url("https://news.example.org/caf\u00e9") == "https://news.example.org/caf\u00e9"


# ---------------------------------------------------------------- library logs

# Text in a bare <div>: trafilatura's precision pass finds no body and logs
# "discarding data" before the next pass finds it.
DIV_PAGE = (
    "<html><head><title>A story kept in a div</title></head><body><div>"
    + "This is a sentence of a reasonably long article body that talks about things. " * 6
    + "</div></body></html>"
)


def test_extraction_libraries_stay_off_stderr_without_verbose(tmp_path):
    page = tmp_path / "story.html"
    page.write_text(DIV_PAGE)
    quiet = digest_cli("extract", str(page))
    verbose = digest_cli("-v", "extract", str(page))
    report(
        "library log records on stderr, digest extract of a page trafilatura warns about",
        {
            "without -v": repr(quiet.stderr),
            "with -v": repr(verbose.stderr.strip()),
        },
    )
    assert quiet.returncode == 0 and "A story kept in a div" in quiet.stdout
    assert quiet.stderr == ""
    assert verbose.returncode == 0 and "discarding data" in verbose.stderr  # the page does make it warn


def test_our_own_warnings_still_reach_stderr_without_verbose():
    code = (
        "import logging\n"
        "from digest.cli import _configure_logging\n"
        "_configure_logging(verbose=False)\n"
        "logging.getLogger('digest.mail.render').warning('own warning %s', 1)\n"
        "for name in ('trafilatura.core', 'htmldate.core', 'readability.readability', 'justext.core', 'courlan.core'):\n"
        "    logging.getLogger(name).error('library record from %s', name)\n"
        "    logging.getLogger(name).warning('library record from %s', name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60, check=True
    )
    assert result.stderr == "WARNING digest.mail.render: own warning 1\n"
