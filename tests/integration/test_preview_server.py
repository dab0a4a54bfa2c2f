from __future__ import annotations

import dataclasses
import http.client
import re
import shutil
import time

import pytest

from digest.mail.render import TEMPLATES_DIR
from digest.preview import PreviewServer
from tests.seeded import seeded_digest


@pytest.fixture(scope="module")
def seeded():
    return seeded_digest()


@pytest.fixture
def server(seeded, tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    digest, daily = seeded
    running = PreviewServer(digest, daily, port=0, templates_dir=templates).start()
    yield running, templates
    running.close()


def get(server, path):
    host, port = server.httpd.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.getheader("Content-Type"), response.read().decode("utf-8")


def test_pages(server, seeded):
    running, _ = server
    digest, _ = seeded
    status, kind, index = get(running, "/")
    assert status == 200 and kind.startswith("text/html")
    assert 'id="mobile"' in index and "375" in index and "Headers" in index
    assert '<meta name="viewport" content="width=device-width' in index  # a phone lays it out at its width
    mobile = get(running, "/mobile")[2]
    assert '<meta name="viewport" content="width=device-width' in mobile
    assert re.search(r"<main><h1[^>]*>Email at 375 px</h1><iframe", mobile)  # named for a screen reader
    for item in digest.items:
        assert item.article.title.replace("'", "&#x27;") in index
    status, _, email_html = get(running, "/email.html")
    assert status == 200 and "<table" in email_html and 'style="' in email_html
    status, kind, text = get(running, "/email.txt")
    assert kind.startswith("text/plain") and digest.items[0].article.title in text
    status, _, headers = get(running, "/headers")
    assert "List-Unsubscribe: <http://127.0.0.1:8080/unsubscribe?token=preview>" in headers
    assert "List-Unsubscribe-Post" not in headers  # the demo's link is plain http: no one-click (RFC 8058)
    assert "message size:" in headers


def test_only_its_own_routes(server):
    running, _ = server
    for path in (
        "/../../etc/passwd",
        "/etc/passwd",
        "/templates/digest.css",
        "/digest.css",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/static/",
    ):
        status, _, body = get(running, path)
        assert status == 404, path
        assert "root:" not in body


def test_the_servers_own_errors_carry_every_pages_headers(server):
    running, _ = server
    host, port = running.httpd.server_address[:2]
    for method, path, headers in (
        ("POST", "/", {}),
        ("OPTIONS", "*", {}),
        ("GET", "/" + "x" * 70_000, {}),
        ("GET", "/", {"X-Big": "y" * 70_000}),
    ):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        body = response.read().decode()
        assert response.status >= 400, (method, path[:20])
        assert response.getheader("Content-Security-Policy") and response.getheader("X-Frame-Options") == "DENY"
        assert response.getheader("X-Content-Type-Options") == "nosniff"
        assert response.getheader("Content-Type").startswith("text/plain") and "<" not in body
        conn.close()


def test_binds_to_loopback_by_default(seeded):
    digest, daily = seeded
    running = PreviewServer(digest, daily, port=0)
    try:
        assert running.httpd.server_address[0] == "127.0.0.1"
    finally:
        running.httpd.server_close()


def test_template_edit_is_picked_up_without_restart(server):
    running, templates = server
    _, _, before_version = get(running, "/version")
    footer = templates / "partials" / "footer.html.j2"
    time.sleep(0.01)
    footer.write_text(footer.read_text().replace("View in your browser", "Open this digest online"))
    _, _, after_version = get(running, "/version")
    assert after_version != before_version
    _, _, email_html = get(running, "/email.html")
    assert "Open this digest online" in email_html


def test_template_error_shows_as_a_500_page(server):
    running, templates = server
    (templates / "partials" / "footer.html.j2").write_text("{{ nope }}")
    status, _, body = get(running, "/email.html")
    assert status == 500 and "preview failed" in body and "nope" in body


def test_index_lists_captured_messages(seeded, tmp_path):
    import smtplib

    from digest.delivery.sink import CaptureSink

    digest, daily = seeded
    maildir = tmp_path / "mail"
    with CaptureSink(maildir=maildir, port=0) as sink, smtplib.SMTP("127.0.0.1", sink.port) as client:
        client.sendmail("a@example.org", ["reader@example.org"], b"Subject: Captured one\r\n\r\nhello\r\n")
    running = PreviewServer(digest, daily, port=0, maildir=maildir).start()
    try:
        _, _, index = get(running, "/")
    finally:
        running.close()
    assert "Captured one" in index and "reader@example.org" in index and "1 message(s)" in index


def test_a_stored_issue_shows_as_stored_then_as_edited_templates_render_it(seeded, tmp_path):
    from digest.app import render_for_list

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES_DIR, templates)
    digest, daily = seeded
    stored = render_for_list(digest, daily)
    stored = dataclasses.replace(stored, html=stored.html + "<!--s-->")  # what the store kept
    running = PreviewServer(digest, daily, port=0, templates_dir=templates, rendered=stored).start()
    try:
        _, _, email_html = get(running, "/email.html")
        _, _, index = get(running, "/")
        assert "<!--s-->" in email_html and 'id="rerendered"' not in index
        footer = templates / "partials" / "footer.html.j2"
        time.sleep(0.01)
        footer.write_text(footer.read_text().replace("View in your browser", "Open this digest online"))
        _, _, email_html = get(running, "/email.html")
        _, _, index = get(running, "/")
        assert "Open this digest online" in email_html and "<!--s-->" not in email_html
        assert 'id="rerendered"' in index and f"{len(digest.items)} item(s)" in index
    finally:
        running.close()
