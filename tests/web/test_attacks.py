"""Bad input and attacks against the real service: cross-site forms, huge bodies, open
redirects, header injection through the form, a flood of subscribe requests, and no
stack trace in any response, whatever breaks."""

from __future__ import annotations

import logging
import socket
import time
from datetime import UTC, datetime

import pytest

from digest.app.web import epoch_seconds
from digest.errors import StoreError
from digest.models import SubscriberStatus
from digest.store import Store
from digest.subscribers import new_subscriber
from digest.text import one_line
from digest.tokens import make_form_token, make_preferences_token
from digest.web import server as server_module
from tests.fixtures import postgres_schema_url
from tests.smtp_server import Faults, RecordingSMTPServer
from tests.web.service import SECRET, form_token, start_service, stop_service

NEVER = ("Traceback", 'File "', "sqlite:", "postgresql", "Exception", SECRET)


def _form(client, list_name: str = "daily"):
    page = client.get(f"/lists/{list_name}/subscribe")
    return form_token(page.text)


def _post(client, token: str, email: str, **headers: str):
    return client.post(
        "/lists/daily/subscribe", data={"form_token": token, "email": email, "website": ""}, headers=headers
    )


def test_cross_site_form_posts_are_refused_and_send_nothing(service):
    with service.client() as victim:
        token = _form(victim)
        refused = {
            "another site's Origin": _post(victim, token, "csrf1@example.org", origin="https://evil.example"),
            "Origin null": _post(victim, token, "csrf2@example.org", origin="null"),
            "Sec-Fetch-Site cross-site": _post(victim, token, "csrf3@example.org", **{"sec-fetch-site": "cross-site"}),
        }
        victim.cookies.clear()
        refused["no cookie"] = _post(victim, token, "csrf4@example.org")
    with service.client() as attacker:
        _form(attacker)  # the attacker's own cookie...
        refused["another browser's token"] = _post(attacker, token, "csrf5@example.org")  # ...with the victim's token
        refused["no token"] = _post(attacker, "", "csrf6@example.org")
        old = make_form_token(
            secret=SECRET, nonce=attacker.cookies["digest_form"], issued_at=epoch_seconds() - 13 * 3600
        )
        refused["an old token"] = _post(attacker, old, "csrf7@example.org")
        forged = make_form_token(secret="guessed", nonce=attacker.cookies["digest_form"], issued_at=epoch_seconds())
        refused["a forged token"] = _post(attacker, forged, "csrf8@example.org")
    for case, response in refused.items():
        assert response.status_code == 403, case
    assert not [a for a in service.smtp.accepted if a.recipient.startswith("csrf")]
    with service.client() as person:  # the same form from our own page goes through
        ok = _post(
            person, _form(person), "csrf-ok@example.org", origin=service.url, **{"sec-fetch-site": "same-origin"}
        )
    assert ok.status_code == 200 and len(service.messages_to("csrf-ok@example.org")) == 1


def test_the_form_cookie_is_httponly_and_samesite(service):
    with service.client() as browser:
        cookie = browser.get("/lists/daily/subscribe").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie


def test_header_injection_through_the_address_is_refused(service):
    with service.client() as browser:
        token = _form(browser)
        for address in (
            "mallory@example.org\r\nBcc: victim@example.org",
            "mallory@example.org\nBcc: victim@example.org",
            "mallory@example.org>\r\nRCPT TO:<victim@example.org",
            "victim@example.org, mallory@example.org",
            "Mallory <mallory@example.org>",
        ):
            assert _post(browser, token, address).status_code == 400, address
    assert not [a for a in service.smtp.accepted if "victim" in a.recipient or "mallory" in a.recipient]


def test_huge_bodies_are_refused_before_they_are_read(service):
    with service.client() as browser:
        token = _form(browser)
        big = browser.post(
            "/lists/daily/subscribe", data={"form_token": token, "email": "big@example.org", "name": "x" * 2_000_000}
        )
        assert big.status_code == 413

        def chunks():
            for _ in range(100):
                yield b"a" * 10_000

        streamed = browser.post(
            "/unsubscribe?token=x", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert streamed.status_code == 413
        many = browser.post("/lists/daily/subscribe", content="&".join(f"f{i}=1" for i in range(500)))
        assert many.status_code == 400
    assert service.messages_to("big@example.org") == []


def test_there_is_no_redirect_anywhere_so_none_can_be_open(service):
    paths = [
        "//evil.example/",
        "/\\evil.example",
        "/lists/daily/subscribe/",
        "/unsubscribe/?token=x",
        "/preferences/",
        "/issues/",
        "/%2F%2Fevil.example",
        "/lists/daily/archive?next=https://evil.example",
    ]
    with service.client() as browser:
        for path in paths:
            for method in ("GET", "POST"):
                response = browser.request(method, path)
                assert not 300 <= response.status_code < 400, (method, path)
                assert "location" not in response.headers, (method, path)


def _raw(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_no_stack_trace_whatever_the_input(service):
    with service.client() as browser:
        token = _form(browser)
        responses = [
            browser.post("/lists/daily/subscribe", content=b"email=%FF%FE&form_token=" + token.encode()),
            browser.post(
                "/lists/daily/subscribe",
                content=b"\xff\xfe\x00",
                headers={"content-type": "application/x-www-form-urlencoded"},
            ),
            browser.post(
                "/lists/daily/subscribe",
                content=b"--x\r\ngarbage",
                headers={"content-type": "multipart/form-data; boundary=x"},
            ),
            browser.post("/lists/daily/subscribe", json={"email": "a@example.org"}),
            browser.post("/unsubscribe", params={"token": "a" * 10_000}, data={"List-Unsubscribe": "One-Click"}),
            browser.get("/unsubscribe", params={"token": "\x00\u202e"}),
            browser.get("/confirm", params={"token": "e30.e30"}),
            browser.get("/preferences", params={"token": "W10.AAAAAAAAAAAAAAAAAAAAAA"}),
            browser.get("/issues/..%2F..%2Fetc%2Fpasswd"),
            browser.get("/lists/%00/archive"),
            browser.request("PATCH", "/unsubscribe"),
            browser.request("DELETE", "/"),
        ]
    for response in responses:
        assert 400 <= response.status_code < 500, (response.request.url, response.status_code)
        assert response.headers["content-type"].startswith("text/html")
        for word in NEVER:
            assert word not in response.text, (response.request.url, word)
    port = int(service.url.rsplit(":", 1)[1])
    raw = _raw(port, b"GET /unsubscribe?token=" + b"A" * 40_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 4") and b"Traceback" not in raw


@pytest.fixture
def broken_service(tmp_path, monkeypatch):
    running, _ = start_service(f"sqlite:///{tmp_path / 'digest.db'}")
    yield running, monkeypatch
    stop_service(running)


def test_an_internal_error_or_a_store_outage_is_a_page_without_details(broken_service):
    service, monkeypatch = broken_service
    import digest.web.archive as routes

    def crash(*args, **kwargs):
        raise RuntimeError("secret detail from deep inside")

    def outage(*args, **kwargs):
        raise StoreError("store postgresql://digest:hunter2@db/digest: archive failed: connection refused")

    with service.client() as browser:
        monkeypatch.setattr(routes, "archive", crash)
        crashed = browser.get("/lists/daily/archive")
        monkeypatch.setattr(routes, "archive", outage)
        down = browser.get("/lists/daily/archive")
    assert crashed.status_code == 500 and "Something went wrong" in crashed.text
    assert down.status_code == 503 and down.headers["retry-after"] == "60"
    for response in (crashed, down):
        for word in (*NEVER, "secret detail", "hunter2", "RuntimeError"):
            assert word not in response.text, word


def test_a_flood_of_subscribe_requests_is_limited_and_nothing_is_sent_beyond_the_limit(tmp_path):
    service, _ = start_service(f"sqlite:///{tmp_path / 'digest.db'}", client_limit=5, address_limit=3)
    try:
        with service.client(ip="203.0.113.9") as bot:
            token = _form(bot)
            answers = [_post(bot, token, f"flood{i}@example.org") for i in range(40)]
        with service.client(ip="203.0.113.10") as neighbour:
            other = _post(neighbour, _form(neighbour), "neighbour@example.org")
    finally:
        stop_service(service)
    codes = [a.status_code for a in answers]
    assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}
    assert all(int(a.headers["retry-after"]) > 0 for a in answers[5:])
    assert len({a.recipient for a in service.smtp.accepted if a.recipient.startswith("flood")}) == 5
    assert other.status_code == 200  # another client is not held back


def test_a_client_that_hangs_up_mid_body_is_no_server_error(service, caplog):
    port = int(service.url.rsplit(":", 1)[1])
    with caplog.at_level(logging.INFO, logger="digest.web"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /unsubscribe?token=x HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 100\r\n\r\nList-Unsu"
            )
        deadline = time.monotonic() + 10
        while not any("/unsubscribe" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)
    answered = [r for r in caplog.records if "/unsubscribe" in r.getMessage()]
    assert answered, "the request was never answered"
    assert all(r.levelno < logging.ERROR and not r.exc_info for r in answered), [r.getMessage() for r in answered]


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/health", {"GET", "HEAD"}),
        ("/unsubscribe", {"GET", "HEAD", "POST"}),  # POST: the one-click
        ("/lists/daily/unsubscribe", {"GET", "HEAD", "POST"}),
        ("/confirm", {"GET", "HEAD", "POST"}),
        ("/preferences", {"GET", "HEAD", "POST"}),
        ("/lists/daily/subscribe", {"GET", "HEAD", "POST"}),
    ],
)
def test_a_method_a_page_does_not_take_is_answered_with_the_ones_it_does(service, path, methods):
    with service.client() as browser:
        response = browser.put(path)
        head = browser.head(path)
    assert response.status_code == 405
    assert response.headers["allow"] == ", ".join(sorted(methods))
    assert head.status_code != 405 and head.content == b""


def test_each_path_is_one_route_so_its_405_names_every_method_it_takes():
    from digest.web.app import ROUTES

    paths = [route.path for route in ROUTES]
    assert len(paths) == len(set(paths)), paths


def test_tagged_and_dotted_forms_of_one_mailbox_share_its_limit(service):
    with service.client() as bot:
        token = _form(bot)
        for i in range(8):
            assert _post(bot, token, f"victim+{i}@example.net").status_code == 200
            dotted = "".join(c + ("." if i >> n & 1 else "") for n, c in enumerate("victi")) + "m"
            assert _post(bot, token, f"{dotted}@gmail.com").status_code == 200
    service.settle()
    tagged = [a for a in service.smtp.accepted if a.recipient.endswith("@example.net")]
    dotted = [a for a in service.smtp.accepted if a.recipient.endswith("@gmail.com")]
    assert (len(tagged), len(dotted)) == (3, 3), [a.recipient for a in tagged]  # address_limit: 3 an hour


def test_a_mail_server_that_hangs_or_refuses_delays_no_page_and_changes_no_answer(tmp_path):
    from digest.web.server import WebServer
    from tests.web.service import free_port, web_settings

    hang = socket.create_server(("127.0.0.1", 0))  # accepts, then never says a word
    hang.listen(64)
    port = free_port()
    settings = web_settings(f"sqlite:///{tmp_path / 'digest.db'}", hang.getsockname()[1], port=port)
    try:
        with WebServer(settings, port=port, proxy_headers=True) as server:
            answers = []
            started = time.monotonic()
            for i in range(6):
                with _client(server.url, f"198.51.100.{i + 1}") as browser:
                    answers.append(_post(browser, _form(browser), f"slow{i}@example.org"))
            with _client(server.url, "198.51.100.99") as reader:
                archive = reader.get("/lists/daily/archive")
            elapsed = time.monotonic() - started
            # Coming back from the preferences page mails a confirmation too: not while the page waits.
            with Store(settings.store.url) as store:
                store.add_subscribers("daily", [new_subscriber("back@example.org")], at=datetime.now(UTC))
                store.set_subscriber_status(
                    "daily", "back@example.org", SubscriberStatus.UNSUBSCRIBED, at=datetime.now(UTC)
                )
            link = f"/preferences?token={make_preferences_token(secret=SECRET, key='back@example.org', issued_at=epoch_seconds())}"
            with _client(server.url, "198.51.100.98") as reader:
                started = time.monotonic()
                page = reader.get(link)
                again = reader.post(
                    link, data={"form_token": form_token(page.text), "action": "resubscribe", "list": "daily"}
                )
                coming_back = time.monotonic() - started
    finally:
        hang.close()
    assert [a.status_code for a in answers] == [200] * 6 and archive.status_code == 200
    assert len({a.text for a in answers}) == 1
    assert elapsed < 10, f"pages waited for the mail server: {elapsed:.1f} s"  # its timeout is 10 s a try
    assert (again.status_code, "We sent you a message" in again.text) == (200, True), again.text
    assert coming_back < 10, f"the preferences page waited for the mail server: {coming_back:.1f} s"

    with RecordingSMTPServer(Faults(reject={"nosuch@example.org": 5})) as smtp:
        settings = web_settings(f"sqlite:///{tmp_path / 'digest2.db'}", smtp.port, port=free_port())
        with WebServer(settings, port=settings.web.port, proxy_headers=True) as server:
            with _client(server.url, "198.51.100.7") as browser:
                token = _form(browser)
                refused, taken = _post(browser, token, "nosuch@example.org"), _post(browser, token, "real@example.org")
            server.app.state.outbox.wait(timeout=30)
    assert (refused.status_code, taken.status_code) == (200, 200) and refused.text == taken.text
    assert [a.recipient for a in smtp.accepted] == ["real@example.org"]


def _client(url: str, ip: str):
    import httpx

    return httpx.Client(base_url=url, headers={"X-Forwarded-For": ip}, follow_redirects=False, timeout=30)


def test_public_pages_answer_a_conditional_get_and_may_be_indexed(service):
    service.publish(titles=("Feed story",))
    with service.client() as reader:
        for path in ("/lists/daily/feed.atom", "/lists/daily/archive", "/", f"/issues/{service.sent_issues[-1]}"):
            first = reader.get(path)
            assert first.status_code == 200 and first.headers["etag"], path
            assert "noindex" not in first.headers.get("x-robots-tag", ""), path
            again = reader.get(path, headers={"If-None-Match": first.headers["etag"]})
            assert (again.status_code, again.content) == (304, b""), path
            assert reader.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
        personal = reader.get("/lists/daily/subscribe")
    assert personal.headers["x-robots-tag"] == "noindex" and "etag" not in personal.headers


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def service_on_each_store(request, tmp_path):
    if request.param == "sqlite":
        running, _ = start_service(f"sqlite:///{tmp_path / 'digest.db'}")
        yield running
        stop_service(running)
        return
    for url in postgres_schema_url():
        running, _ = start_service(url)
        yield running
        stop_service(running)


HOSTILE = "x%00%1b%5b31mRED%1b%5d0;pwned%07%e2%80%ae"


def test_a_path_parameter_with_control_characters_is_not_found_and_logged_printable(service_on_each_store, caplog):
    service = service_on_each_store
    with caplog.at_level(logging.INFO, logger="digest.web"), service.client() as browser:
        answers = [
            browser.get(f"/issues/{HOSTILE}"),
            browser.get(f"/lists/{HOSTILE}/archive"),
            browser.get(f"/lists/{HOSTILE}/feed.atom"),
            browser.get(f"/lists/{HOSTILE}/subscribe"),
            browser.get(f"/lists/{HOSTILE}/unsubscribe", params={"token": "e30.e30"}),
            browser.get(f"/lists/weekly/archive?page=1{HOSTILE}"),
            # HEAD is answered by the GET of a path that takes POST too: the same check
            browser.head(f"/lists/{HOSTILE}/subscribe"),
            browser.head(f"/lists/{HOSTILE}/unsubscribe", params={"token": "e30.e30"}),
            browser.head(f"/issues/{HOSTILE}"),
        ]
    assert [a.status_code for a in answers] == [404] * len(answers), [(a.request.url, a.status_code) for a in answers]
    lines = [r.getMessage() for r in caplog.records]
    assert lines and all(line == one_line(line) for line in lines), lines
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def _trickle(conn: socket.socket, byte: bytes, *, every: float, seconds: float) -> bytes:
    """Send `byte` every `every` seconds until the server answers or hangs up (b"") or
    `seconds` pass: what it sent back."""
    conn.settimeout(every)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return conn.recv(1024)
        except TimeoutError:
            try:
                conn.sendall(byte)
            except OSError:
                return b""
        except OSError:
            return b""
    return b"x"


def test_a_connection_that_never_finishes_its_request_head_is_closed(service, monkeypatch):
    """Slowloris: connections that send nothing, or a header a byte at a time, are closed
    once the time for a request's head is up, instead of holding a socket for ever; the
    service answers others meanwhile, and a connection that ends a request in time is served."""
    monkeypatch.setattr(server_module, "REQUEST_SECONDS", 2.0)
    host, port = "127.0.0.1", service.server.port
    idle = socket.create_connection((host, port))
    slow = socket.create_connection((host, port))
    slow.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    with service.client() as browser:
        assert browser.get("/health").status_code == 200
    closed = []
    for conn, byte in ((idle, b""), (slow, b"X")):
        got = _trickle(conn, byte, every=1, seconds=60)  # a byte a second, as a slow client sends
        closed.append(got == b"" or got.startswith(b"HTTP/1.1 408"))
        conn.close()
    assert closed == [True, True]
    with service.client() as browser:
        assert browser.get("/health").status_code == 200


def test_a_request_body_sent_a_byte_at_a_time_is_cut_off(service, monkeypatch):
    """A slow body (slowloris after the head): a form posted a byte at a time holds its
    connection only as long as a whole request may take, and its request changes nothing."""
    monkeypatch.setattr(server_module, "REQUEST_SECONDS", 2.0)
    host, port = "127.0.0.1", service.server.port
    slow = socket.create_connection((host, port))
    slow.sendall(
        b"POST /unsubscribe?token=x HTTP/1.1\r\nHost: x\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
    )
    started = time.monotonic()
    got = _trickle(slow, b"a", every=0.25, seconds=30)
    waited = time.monotonic() - started
    slow.close()
    assert got == b"" or got.startswith(b"HTTP/1.1 4"), got[:80]
    assert waited < 10, f"the connection was held {waited:.0f} s"
    with service.client() as browser:
        assert browser.get("/health").status_code == 200


def test_a_client_that_never_reads_its_answers_is_disconnected(service, monkeypatch):
    """Pipelined requests from a client that reads nothing fill the socket's buffers; the
    connection is closed once its answers have waited too long to be taken, instead of
    holding a socket and a task for ever."""
    monkeypatch.setattr(server_module, "STALLED_WRITE_SECONDS", 2.0)
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    reader.connect(("127.0.0.1", service.server.port))
    reader.sendall(b"GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n" * 2000)
    state = service.server.server.server_state
    with service.client() as browser:  # served in turn, so the reader's connection is open by now
        assert browser.get("/health").status_code == 200
    assert state.connections
    for _ in range(60):
        if not state.connections:
            break
        time.sleep(1)
    assert not state.connections
    reader.close()
    with service.client() as browser:
        assert browser.get("/health").status_code == 200
