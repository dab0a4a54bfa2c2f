"""The reader's pages as a browser sees them, and their errors as the operator's log does:
what their links, stylesheet and forms point at (also when the service lives under a path
of a site: `base_url` with a path, behind a proxy that strips it), forms left open too
long that come back with what was typed, and one log line naming each error's cause."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import httpx
import pytest

from digest.app.web import epoch_seconds
from digest.errors import StoreError
from digest.tokens import make_form_token, make_preferences_token
from tests.web.service import SECRET, Service, confirm_url, form_token, start_service, stop_service

PREFIX = "/news"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class PrefixProxy:
    """A reverse proxy on 127.0.0.1 that passes PREFIX/... to the service as /... and
    answers 404 for anything else, as `location /news/ { proxy_pass http://svc/; }`."""

    def __init__(self) -> None:
        self.upstream = ""
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                if not self.path.startswith(PREFIX + "/"):
                    self._answer(404, {"content-type": "text/plain"}, b"not the newsletter")
                    return
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                headers["X-Forwarded-For"] = "198.51.100.200"
                with httpx.Client(timeout=20) as client:
                    upstream = client.request(
                        self.command, proxy.upstream + self.path[len(PREFIX) :], headers=headers, content=body
                    )
                kept = [(k, v) for k, v in upstream.headers.multi_items() if k.lower() not in _HOP_BY_HOP]
                self._answer(upstream.status_code, kept, upstream.content)

            def _answer(self, status: int, headers, body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items() if isinstance(headers, dict) else headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def behind_prefix(tmp_path_factory) -> Iterator[tuple[Service, PrefixProxy]]:
    proxy = PrefixProxy()
    running, _ = start_service(
        f"sqlite:///{tmp_path_factory.mktemp('prefixed') / 'digest.db'}", base_url=proxy.url + PREFIX
    )
    proxy.upstream = running.url
    yield running, proxy
    stop_service(running)
    proxy.close()


def _references(html: str) -> list[tuple[str, str]]:
    """(attribute, URL) of every link, stylesheet and form of a page; a form with no action
    posts to the page's own address."""
    found = re.findall(r'\b(href|src|action)="([^"]*)"', html)
    found += [("action", "") for form in re.findall(r"<form\b[^>]*>", html) if "action=" not in form]
    return [(attribute, url.replace("&amp;", "&")) for attribute, url in found]


def test_every_link_stylesheet_and_form_of_a_page_stays_under_a_base_url_with_a_path(behind_prefix):
    service, proxy = behind_prefix
    base = proxy.url + PREFIX
    service.subscribe("pat@example.org")
    issue = service.publish()
    unsubscribe = re.search(r"<(http[^>]+)>", str(service.last_message_to("pat@example.org")["List-Unsubscribe"]))
    assert unsubscribe is not None and unsubscribe.group(1).startswith(base + "/unsubscribe?")
    pages = [
        f"{base}/",
        f"{base}/lists/daily/subscribe",
        f"{base}/lists/daily/archive",
        f"{base}/issues/{issue}",
        f"{base}/no/such/page",
        unsubscribe.group(1),
    ]
    with httpx.Client(timeout=20) as browser:
        for url in pages:
            page = browser.get(url)
            assert page.status_code in (200, 404), url
            references = _references(page.text)
            assert references, url
            for attribute, reference in references:
                target = urljoin(url, reference)
                if target.startswith(proxy.url):  # ours: not a story's link to its site
                    assert target.startswith(base + "/"), (url, attribute, reference)
                    if attribute != "action":
                        assert browser.get(target).status_code == 200, (url, reference)


def test_subscribe_and_confirm_through_a_proxy_that_serves_the_service_under_a_path(behind_prefix):
    service, proxy = behind_prefix
    address = "prefixed@example.org"
    with httpx.Client(timeout=20) as browser:
        page_url = f"{proxy.url}{PREFIX}/lists/daily/subscribe"
        form = browser.get(page_url)
        stylesheet = urljoin(page_url, re.search(r'<link rel="stylesheet" href="([^"]*)"', form.text).group(1))
        assert browser.get(stylesheet).headers["content-type"].startswith("text/css")
        action = urljoin(page_url, dict(_references(form.text))["action"])
        sent = browser.post(action, data={"form_token": form_token(form.text), "email": address, "website": ""})
        assert sent.status_code == 200 and "Check your inbox" in sent.text

        link = confirm_url(service.last_message_to(address))
        assert link.startswith(f"{proxy.url}{PREFIX}/confirm?token=")
        confirm = browser.get(link)
        action = urljoin(link, dict(_references(confirm.text))["action"])
        done = browser.post(action, data={"form_token": form_token(confirm.text)})
    assert done.status_code == 200 and "You are subscribed" in done.text
    assert service.status(address) == "active"


def _old_token(browser: httpx.Client) -> str:
    """The token of a form left open longer than a form token lives, for this browser's cookie."""
    return make_form_token(secret=SECRET, nonce=browser.cookies["digest_form"], issued_at=epoch_seconds() - 13 * 3600)


def _resend(browser: httpx.Client, url: str, answer: httpx.Response, **fields: str) -> httpx.Response:
    """Press the button of the page `answer` showed, as the reader would."""
    return browser.post(url, data={"form_token": form_token(answer.text), **fields})


def test_a_subscribe_form_left_open_too_long_comes_back_with_what_the_reader_typed(service):
    address = "slowpoke@example.org"
    with service.client() as browser:
        browser.get("/lists/daily/subscribe")
        typed = {"email": address, "name": "Sam <Slow>", "website": ""}
        stale = browser.post("/lists/daily/subscribe", data={"form_token": _old_token(browser), **typed})
        assert stale.status_code == 403 and 'role="alert"' in stale.text
        assert f'value="{address}"' in stale.text and 'value="Sam &lt;Slow&gt;"' in stale.text
        assert service.messages_to(address) == []
        sent = _resend(browser, "/lists/daily/subscribe", stale, **typed)
        # A browser that kept no cookie gets the form again with one, and then gets through.
        browser.cookies.clear()
        again = browser.post("/lists/daily/subscribe", data={"form_token": form_token(stale.text), **typed})
        assert again.status_code == 403 and "digest_form" in again.headers["set-cookie"]
        assert _resend(browser, "/lists/daily/subscribe", again, **typed).status_code == 200
    assert sent.status_code == 200 and "Check your inbox" in sent.text
    assert len(service.messages_to(address)) == 2


def test_a_confirmation_page_left_open_too_long_confirms_at_the_next_press(service):
    address = "later@example.org"
    with service.client() as browser:
        form = browser.get("/lists/daily/subscribe")
        browser.post("/lists/daily/subscribe", data={"form_token": form_token(form.text), "email": address})
        link = confirm_url(service.last_message_to(address))
        browser.get(link)
        stale = browser.post(link, data={"form_token": _old_token(browser)})
        assert stale.status_code == 403 and "Yes, subscribe me" in stale.text and 'role="alert"' in stale.text
        assert service.status(address) is None
        done = _resend(browser, link, stale)
    assert done.status_code == 200 and "You are subscribed" in done.text
    assert service.status(address) == "active"


def test_a_preferences_page_left_open_too_long_changes_nothing_and_takes_the_next_press(service):
    service.subscribe("idle@example.org")
    link = "/preferences?token=" + make_preferences_token(
        secret=SECRET, key="idle@example.org", issued_at=epoch_seconds()
    )
    with service.client() as browser:
        browser.get(link)
        stale = browser.post(link, data={"form_token": _old_token(browser), "action": "unsubscribe", "list": "daily"})
        assert stale.status_code == 403 and "Your preferences" in stale.text and 'role="alert"' in stale.text
        assert service.status("idle@example.org") == "active"
        done = _resend(browser, link, stale, action="unsubscribe", list="daily")
    assert done.status_code == 200 and service.status("idle@example.org") == "unsubscribed"


def test_a_post_another_site_makes_is_refused_without_showing_its_fields(service):
    with service.client() as browser:
        browser.get("/lists/daily/subscribe")
        refused = browser.post(
            "/lists/daily/subscribe",
            data={"form_token": _old_token(browser), "email": "planted@example.org"},
            headers={"origin": "https://evil.example"},
        )
    assert refused.status_code == 403 and "planted@example.org" not in refused.text


def wait_until(condition, *, seconds: float = 10) -> None:
    """The access log line is written as the answer starts: it may follow the response."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def _logged(caplog, path: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("digest.web") and path in r.getMessage()]


def test_an_error_page_is_logged_in_one_line_that_names_its_cause_and_never_the_token(service, caplog):
    forged = make_preferences_token(secret="another secret", key="pat@example.org", issued_at=epoch_seconds())
    expired = make_preferences_token(secret=SECRET, key="pat@example.org", issued_at=epoch_seconds() - 90 * 86400)
    causes = {}
    with caplog.at_level(logging.INFO, logger="digest.web"), service.client() as browser:
        for case, token in (("forged", forged), ("expired", expired)):
            caplog.clear()
            assert browser.get("/preferences", params={"token": token}).status_code in (400, 410)
            wait_until(lambda: _logged(caplog, "/preferences"))
            [line] = [r.getMessage() for r in _logged(caplog, "/preferences")]
            assert token not in line and token[:20] not in line, line
            causes[case] = line
        form = browser.get("/lists/daily/subscribe")
        caplog.clear()
        typed = {"form_token": form_token(form.text), "email": "pat.quist.1974@example"}  # a mistyped real one
        refused = browser.post("/lists/daily/subscribe", data=typed)
        assert refused.status_code == 400
        wait_until(lambda: _logged(caplog, "/lists/daily/subscribe"))
        [causes["bad address"]] = [r.getMessage() for r in _logged(caplog, "/lists/daily/subscribe")]
    assert "signature does not match" in causes["forged"], causes
    assert "expired" in causes["expired"], causes
    assert "not an email address" in causes["bad address"], causes
    # The log names why, never whose: a reader's address is kept out of it, as tokens are.
    assert "pat.quist" not in causes["bad address"] and "@example" in causes["bad address"], causes


def test_a_store_outage_is_one_error_line_with_its_cause(service, caplog, monkeypatch):
    import digest.web.archive as routes

    def outage(*args, **kwargs):
        raise StoreError("store sqlite:///digest.db: archive failed: database is locked")

    monkeypatch.setattr(routes, "archive", outage)
    with caplog.at_level(logging.INFO, logger="digest.web"), service.client() as browser:
        assert browser.get("/lists/daily/archive").status_code == 503
        wait_until(lambda: _logged(caplog, "/lists/daily/archive"))
    [line] = _logged(caplog, "/lists/daily/archive")
    assert line.levelno == logging.ERROR and "database is locked" in line.getMessage() and "503" in line.getMessage()


def _title(html: str) -> str:
    return re.search(r"<title>([^<]*)</title>", html).group(1)


def _email_field(html: str) -> str:
    return re.search(r'<input id="email"[^>]*>', html).group(0)


def test_a_form_shown_again_with_an_error_says_so_in_its_title_and_marks_only_the_field_at_fault(service):
    with service.client() as browser:
        form = browser.get("/lists/daily/subscribe")
        assert not _title(form.text).startswith("Error") and "aria-invalid" not in _email_field(form.text)
        refused = browser.post("/lists/daily/subscribe", data={"form_token": form_token(form.text), "email": "nope"})
        stale = browser.post(
            "/lists/daily/subscribe", data={"form_token": _old_token(browser), "email": "a@example.org"}
        )
    assert _title(refused.text) == "Error: Subscribe to The Daily"
    field = _email_field(refused.text)
    assert 'aria-invalid="true"' in field and 'aria-describedby="form-error"' in field
    # An expired form is no fault of the address.
    assert _title(stale.text) == "Error: Subscribe to The Daily" and "aria-invalid" not in _email_field(stale.text)
