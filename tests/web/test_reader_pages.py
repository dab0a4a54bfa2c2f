"""The reader's pages as a browser sees them: what their links, stylesheet and forms point
at, also when the service lives under a path of a site (`base_url` with a path, behind a
proxy that strips it)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urljoin

import httpx
import pytest

from tests.web.service import Service, confirm_url, form_token, start_service, stop_service

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
