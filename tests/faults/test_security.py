"""Attacks: header injection, hostile article content, unsubscribe tokens, the preview
server, and secrets in logs."""

from __future__ import annotations

import socket
from datetime import date

import pytest

from digest.config import ListSettings
from digest.extract.article import article_from_fragment, extract_article
from digest.mail.compose import compose
from digest.mail.message import MessageError, MessageFactory, Recipient
from digest.mail.render import render_digest
from digest.models import Article, Page, Summary
from digest.summarize.algorithms import summarize
from tests.faults.conftest import NOW
from tests.faults.test_properties import check_html, check_message

DAY = date(2026, 11, 24)
ENCODED_CRLF = "=?utf-8?q?=0D=0ABcc:_victim@evil.example?="
INJECTIONS = [
    "Evil\r\nBcc: victim@evil.example",
    "Evil\nBcc: victim@evil.example",
    "Evil\rBcc: victim@evil.example",
    "Evil\u2028Bcc: victim@evil.example",
    "Evil\x00\x0b\x1b[2J",
    ENCODED_CRLF,
    "=?utf-8?b?DQpCY2M6IHZpY3RpbUBldmlsLmV4YW1wbGU=?=",
    "x" * 5000,
    "é" * 400,
    "日本語の名前" * 60,
]


def message(
    *,
    title="Story",
    list_title="The Daily",
    list_name="daily",
    sender_name="The Daily",
    reply_name="Desk",
    name="Reader",
    address="reader@example.org",
) -> bytes:
    article = Article(url="https://news.example.org/1", title=title, paragraphs=("Body.",), source="s")
    digest = compose([Summary(article, ("Body.",), "lead")], list_name=list_name, title=list_title, day=DAY)
    factory = MessageFactory(
        render_digest(digest),
        sender=f"{sender_name} <digest@example.org>",
        reply_to=f"{reply_name} <desk@example.org>",
        view_url="https://digest.example.org/v/1",
    )
    return factory.build(
        Recipient(
            email=address,
            name=name,
            unsubscribe_url="https://digest.example.org/u?t=1",
            unsubscribe_mailto="mailto:unsubscribe@example.org",
        )
    )


@pytest.mark.parametrize("text", INJECTIONS, ids=range(len(INJECTIONS)))
@pytest.mark.parametrize("where", ["title", "list_title", "sender_name", "reply_name", "name"])
def test_header_injection_never_reaches_a_header(where, text):
    raw = message(**{where: text})
    parsed = check_message(raw)  # CRLF only, lines <= 998, no extra header, no CR/LF/NUL in decoded values
    assert parsed["Bcc"] is None
    assert "victim@evil.example" not in str(parsed["To"]) or where == "name"
    for header in ("Subject", "From", "Reply-To", "To", "List-Id"):
        assert "\r" not in str(parsed[header]) and "\n" not in str(parsed[header])


@pytest.mark.parametrize("list_name", ["daily\r\nBcc: victim@evil.example", "dai ly", "日報", "a" * 300])
def test_a_list_name_never_breaks_the_header_block(list_name):
    raw = message(list_name=list_name)
    parsed = check_message(raw)
    assert parsed["Bcc"] is None
    assert parsed["Message-ID"].startswith("<") and " " not in parsed["Message-ID"]


@pytest.mark.parametrize(
    "address",
    [
        "victim@evil.example\r\nBcc: x@evil.example",
        "a@example.org>, <x@evil.example",
        "a@example.org\x00",
        "<a@example.org>",
        "a@exa mple.org",
        "a@example.org\u2028",
    ],
)
def test_a_bad_recipient_address_is_refused(address):
    with pytest.raises(MessageError):
        message(address=address)


@pytest.mark.parametrize(
    "sender",
    ["nobody", "Evil <x@evil.example\r\nBcc: y@evil.example>", "Äddress <ä@exämple.org>", "<@>", "a <@example.org>"],
)
def test_a_bad_sender_is_a_message_error(sender):
    digest = compose([], list_name="daily", title="Daily", day=DAY)
    try:
        factory = MessageFactory(render_digest(digest), sender=sender)
        raw = factory.build(Recipient(email="reader@example.org"))
    except MessageError:
        return
    parsed = check_message(raw)
    assert parsed["Bcc"] is None


# ---------------------------------------------------------------- hostile article content

HOSTILE_PAGE = b"""<!doctype html><html><head><title>Hostile &lt;img src=x onerror=alert(1)&gt;</title>
<meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="javascript:alert(1)//">
<style>body { background: url(javascript:alert(1)); width: expression(alert(1)); }</style>
<script>alert("head")</script></head>
<body onload="alert(1)"><article>
<h1 onclick="alert(1)">The council <script>alert(1)</script>votes</h1>
<p style="width: expression(alert(1)); background:url('javascript:alert(1)')">The council met on Tuesday to vote on
the bridge. <a href="javascript:alert(1)">Read the minutes</a> and <a href="data:text/html,<script>alert(1)</script>">the
annex</a>. <img src="data:image/svg+xml,<svg onload=alert(1)>" onerror="alert(1)"></p>
<iframe src="https://evil.example/frame"></iframe><object data="evil.swf"></object><embed src="evil.swf">
<form action="https://evil.example/steal"><input name="password"></form>
<svg><script>alert(1)</script><a xlink:href="javascript:alert(1)">x</a></svg>
<p>Members said the repairs would begin in spring. The vote was seven to two. Residents welcomed the decision,
which had been delayed twice. &lt;script&gt;alert("escaped")&lt;/script&gt; was printed on a protest sign.</p>
<p>The work will cost four million. The state pays half. <span onmouseover="alert(1)">Traffic will be diverted.</span></p>
</article></body></html>"""


def test_hostile_article_content_never_reaches_the_email():
    page = Page(url="https://news.example.org/council", body=HOSTILE_PAGE, content_type="text/html", fetched_at=NOW)
    from_page = extract_article(page)
    from_feed = article_from_fragment(
        HOSTILE_PAGE.decode(), url="javascript:alert(1)", title="<script>alert(1)</script>"
    )
    assert from_page is not None and from_feed is not None
    hostile = Article(
        url="javascript:alert(1)",
        title="<img src=x onerror=alert(1)>",
        image="data:image/png;base64,AAAA",
        paragraphs=("<b onclick=alert(1)>bold</b> claim. Another sentence here.",),
        source="s",
    )
    evil_image = Article(
        url="https://news.example.org/2",
        title="Image",
        image="javascript:alert(1)",
        paragraphs=("Text here. More text.",),
        source="s",
    )
    summaries = [summarize(a, sentences=3) for a in (from_page, from_feed, hostile, evil_image)]
    digest = compose(summaries, list_name="daily", title="The <b>Daily</b>", day=DAY, show_images=True)
    rendered = render_digest(digest)
    factory = MessageFactory(rendered, sender="The Daily <digest@example.org>", view_url="https://digest.example.org/v")
    parsed = check_message(
        factory.build(
            Recipient(
                email="reader@example.org",
                name="<script>alert(1)</script>",
                unsubscribe_url="https://digest.example.org/u?t=1",
            )
        )
    )
    html = parsed.get_body(("html",)).get_content()
    lowered = html.lower()
    for bad in (
        "<script",
        "<iframe",
        "<object",
        "<embed",
        "<form",
        "<svg",
        "<base",
        "http-equiv",
        "javascript:",
        "data:text",
        "data:image",
        "expression(",
        "onerror",
        "onclick",
        "onload",
        "onmouseover",
    ):
        assert bad not in lowered, bad
    assert "https://evil.example" not in html
    assert "The council met on Tuesday" in html  # the article itself made it


# ---------------------------------------------------------------- unsubscribe tokens


def token_setup(tmp_path):
    from tests.faults.conftest import digest_cli

    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "digest.db"}"\n[unsubscribe]\nsecret = "token-test-secret"\n'
        '[lists.daily]\nfrom = "Daily <d@example.org>"\n[lists.weekly]\nfrom = "Weekly <w@example.org>"\n'
    )

    def run(*args):
        return digest_cli("--config", str(config), *args, timeout=60)

    people = tmp_path / "people.csv"
    people.write_text("email\nana@example.org\n")
    for list_name in ("daily", "weekly"):
        assert run("subscribers", "import", str(people), "--list", list_name).returncode == 0
    run.store_url = f"sqlite:///{tmp_path / 'digest.db'}"
    return run


def status(run, list_name: str) -> str:
    from digest.store import Store

    with Store(run.store_url) as store:
        return store.subscriber(list_name, "ana@example.org").status.value


def refused(result, reason: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and reason in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_unsubscribe_tokens_forged_truncated_other_list_and_replayed(tmp_path):
    import base64

    from digest.subscribers import make_token

    run = token_setup(tmp_path)

    def token(**claims):
        return make_token(
            **({"secret": "token-test-secret", "list_name": "daily", "key": "ana@example.org", "version": 1} | claims)
        )

    good = token()
    # forged: another secret; altered: the claims changed under the old signature; truncated
    refused(run("unsubscribe", token(secret="guessed-secret")), "signature does not match")
    payload, mac = good.split(".")
    other = base64.urlsafe_b64encode(b'["weekly","ana@example.org",1]').rstrip(b"=").decode()
    refused(run("unsubscribe", f"{other}.{mac}"), "signature does not match")
    refused(run("unsubscribe", good[:-4]), "unsubscribe token")
    refused(run("unsubscribe", payload), "malformed")
    assert status(run, "daily") == "active"

    # a token for another list acts on that list only
    assert run("unsubscribe", token(list_name="weekly")).returncode == 0
    assert (status(run, "weekly"), status(run, "daily")) == ("unsubscribed", "active")
    # a list the address is not on, or no list at all
    refused(run("unsubscribe", token(list_name="monthly")), "no longer valid")

    # the real link works, and again (the same state: nothing changes)
    assert run("unsubscribe", good).returncode == 0 and status(run, "daily") == "unsubscribed"
    assert run("unsubscribe", good).returncode == 0 and status(run, "daily") == "unsubscribed"

    # reactivated: the old link is outdated, the new version's works
    assert run("subscribers", "reactivate", "ana@example.org", "--list", "daily").returncode == 0
    refused(run("unsubscribe", good), "no longer valid")
    assert status(run, "daily") == "active"
    assert run("unsubscribe", token(version=2)).returncode == 0 and status(run, "daily") == "unsubscribed"


def test_a_link_from_before_a_removal_does_not_work_after_the_address_is_added_again(tmp_path):
    from digest.store import Store
    from digest.subscribers import make_token

    run = token_setup(tmp_path)
    with Store(run.store_url) as store:
        version = store.subscriber("daily", "ana@example.org").version
    old = make_token(secret="token-test-secret", list_name="daily", key="ana@example.org", version=version)
    assert run("subscribers", "remove", "ana@example.org", "--list", "daily").returncode == 0
    assert run("subscribers", "add", "ana@example.org", "--list", "daily").returncode == 0
    refused(run("unsubscribe", old), "no longer valid")
    assert status(run, "daily") == "active"


# ---------------------------------------------------------------- the preview server


@pytest.fixture(scope="module")
def hostile_preview():
    from digest.preview import PreviewServer

    article = Article(
        url='https://news.example.org/1"><script>alert(1)</script>',
        title="<script>alert('title')</script>",
        paragraphs=("Body.",),
        source="<b>src</b>",
        warnings=("<img src=x onerror=alert(1)>",),
    )
    digest = compose(
        [Summary(article, ("<script>alert('s')</script>",), "lead")], list_name="daily", title="Daily", day=DAY
    )
    running = PreviewServer(digest, ListSettings(name="daily", sender="Daily <d@example.org>"), port=0).start()
    yield running
    running.close()


def raw_request(server, request: bytes) -> tuple[int, bytes]:
    host, port = server.httpd.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    response = b"".join(chunks)
    return int(response.split(b" ", 2)[1]), response


@pytest.mark.parametrize(
    "target",
    [
        "/../../../../etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/email.html/../../../etc/passwd",
        "/\\..\\..\\etc\\passwd",
        "/templates/",
        "/templates/digest.css",
        "/digest/",
        "/seeds/digest.toml",
        "/.git/config",
        "/%00",
        "/email.html%00.txt",
        "http://127.0.0.1/../../etc/passwd",
        "file:///etc/passwd",
    ],
)
def test_preview_refuses_paths_outside_its_routes(hostile_preview, target):
    code, response = raw_request(hostile_preview, f"GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
    assert code in (400, 404), response[:200]
    assert b"root:" not in response and b"[core]" not in response and b"Index of" not in response


def test_preview_has_no_directory_listing_and_no_writes(hostile_preview):
    code, response = raw_request(hostile_preview, b"GET / HTTP/1.0\r\n\r\n")
    assert code == 200 and b'id="desktop"' in response and b"Directory listing" not in response
    for method in (b"POST", b"PUT", b"DELETE"):
        code, _ = raw_request(hostile_preview, method + b" / HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
        assert code == 501


def test_preview_pages_escape_hostile_articles(hostile_preview):
    _, index = raw_request(hostile_preview, b"GET / HTTP/1.0\r\n\r\n")
    page = index.split(b"\r\n\r\n", 1)[1].decode()
    assert page.count("<script") == 1  # its own reload script, nothing from the articles
    assert "<img src=x" not in page and "&lt;script&gt;" in page
    _, email_page = raw_request(hostile_preview, b"GET /email.html HTTP/1.0\r\n\r\n")
    check_html(email_page.split(b"\r\n\r\n", 1)[1].decode())


def test_preview_command_binds_loopback_by_default(tmp_path):
    import os
    import select
    import subprocess
    import sys

    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "digest.db"}"\n[lists.daily]\nfrom = "D <d@example.org>"\n'
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "digest.cli", "--config", str(config), "preview", "--serve", "--port", "0"],
        cwd=tmp_path,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready, _, _ = select.select([process.stdout], [], [], 90)
        assert ready, "the preview server did not start"
        line = process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert " at http://127.0.0.1:" in line, line


# ---------------------------------------------------------------- secrets

PASSWORD = "pw-Zq8v1s7WkT3pL0x"
SIGNING = "sk-Hd93kLmQ02xVbN7"


class AuthSMTPServer:
    """The recording SMTP server, with AUTH (PLAIN/LOGIN) over plain text on loopback."""

    def __init__(self, *, accept: bool) -> None:
        from tests.smtp_server import RecordingSMTPServer

        self.logins: list[tuple[bytes, bytes]] = []
        self.server = RecordingSMTPServer()
        self.accept = accept

    def __enter__(self):
        import socket as sockets

        from aiosmtpd.smtp import AuthResult

        from tests.smtp_server import _BoundController, _Handler

        def authenticator(server, session, envelope, mechanism, auth_data):
            self.logins.append((auth_data.login, auth_data.password))
            return AuthResult(success=self.accept and auth_data.password == PASSWORD.encode(), handled=False)

        recording = self.server
        sock = sockets.socket(sockets.AF_INET, sockets.SOCK_STREAM)
        sock.bind((recording.host, 0))
        sock.listen(50)
        recording.port = sock.getsockname()[1]
        recording._controller = _BoundController(
            _Handler(recording),
            sock=sock,
            server_hostname="recording.localhost",
            data_size_limit=None,
            authenticator=authenticator,
            auth_require_tls=False,
            auth_required=True,
        )
        recording._controller.start()
        return self

    def __exit__(self, *exc):
        self.server.stop()


def secret_run(tmp_path, port: int, *, username: str = "digest-user", attempts: int = 2):
    from tests.faults.conftest import REPO, digest_cli

    config = tmp_path / "digest.toml"
    config.write_text(
        f'[store]\nurl = "sqlite:///{tmp_path / "digest.db"}"\n'
        '[web]\nbase_url = "https://news.example.org"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nusername = "{username}"\ntimeout = 10\n'
        f"[delivery]\nconnections = 2\nattempts = {attempts}\n"
        f'[sources.pages]\npath = "{REPO / "seeds" / "pages"}"\n'
        '[lists.daily]\nfrom = "Daily <digest@example.org>"\npostal_address = "1 Test Street"\n'
    )
    people = tmp_path / "people.csv"
    people.write_text("email,name\n" + "".join(f"r{i}@example.org,Reader {i}\n" for i in range(5)))
    env = {"DIGEST_SMTP_PASSWORD": PASSWORD, "DIGEST_UNSUBSCRIBE_SECRET": SIGNING}
    return [
        digest_cli("--config", str(config), "-v", *args, env=env, timeout=120)
        for args in (("gather",), ("subscribers", "import", str(people)), ("send",))
    ]


def assert_no_secret(*texts: str | bytes) -> None:
    for text in texts:
        data = text.encode() if isinstance(text, str) else text
        for secret in (PASSWORD, SIGNING):
            assert secret.encode() not in data, f"{secret} leaked"


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
def test_secrets_never_appear_in_logs_messages_or_the_store(tmp_path):
    with AuthSMTPServer(accept=True) as smtp:
        # a deferral and a permanent failure, so the send path logs at INFO and WARNING
        smtp.server.faults.transient_rcpt = {"r0@example.org": 10}
        smtp.server.faults.reject = {"r1@example.org": 550}
        gathered, imported, sent = secret_run(tmp_path, smtp.server.port)
        assert sent.returncode == 1, sent.stdout + sent.stderr
    assert smtp.logins and smtp.logins[0] == (b"digest-user", PASSWORD.encode())  # the password was used
    assert len(smtp.server.accepted) == 3
    assert "INFO digest.delivery.send: deferred r0@example.org" in sent.stderr  # -v logs
    assert "WARNING digest.delivery.send: failed to r1@example.org" in sent.stderr
    for result in (gathered, imported, sent):
        assert_no_secret(result.stdout, result.stderr)
    assert_no_secret(*(a.data for a in smtp.server.accepted))
    for path in tmp_path.glob("digest.db*"):
        assert_no_secret(path.read_bytes())


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # loopback only
def test_a_refused_login_is_one_line_without_the_password(tmp_path):
    with AuthSMTPServer(accept=False) as smtp:
        _, _, sent = secret_run(tmp_path, smtp.server.port)
    assert smtp.logins  # it tried
    assert sent.returncode == 2 and "Traceback" not in sent.stderr
    errors = [line for line in sent.stderr.splitlines() if line.startswith("digest: error:")]
    assert len(errors) == 1 and "login" in errors[0] and "refused" in errors[0]
    assert_no_secret(sent.stdout, sent.stderr)
    assert smtp.server.accepted == []


def test_a_server_without_auth_for_a_username_is_one_line_without_the_password(tmp_path, smtp_server):
    _, _, sent = secret_run(tmp_path, smtp_server.port, attempts=1)
    assert sent.returncode == 2 and "Traceback" not in sent.stderr
    errors = [line for line in sent.stderr.splitlines() if line.startswith("digest: error:")]
    assert errors == [
        (
            f"digest: error: SMTP server 127.0.0.1:{smtp_server.port} unusable: "
            "the server offers no AUTH, but smtp.username is set and smtp.security is 'none' "
            "(servers offer AUTH over TLS: 'starttls' for port 587, 'tls' for 465; or leave smtp.username empty)"
        )
    ]
    assert smtp_server.accepted == []
    assert_no_secret(sent.stdout, sent.stderr)
