"""Running the service: `digest web` as an operator starts it, several web processes on
one PostgreSQL store (rate limits, form tokens and links hold across them), and the
operator's view of readers: `subscribers list --json` and `subscribers history`."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from digest.store import Store
from tests.fixtures import postgres_schema_url
from tests.helpers import REPO, digest_cli
from tests.smtp_server import RecordingSMTPServer
from tests.web.service import confirm_url, form_token

READY = re.compile(r"Serving the subscriber pages on (http://\S+)")


def write_config(folder: Path, *, store_url: str, smtp_port: int = 2525, web: str = "") -> Path:
    config = folder / "digest.toml"
    config.write_text(
        f'[store]\nurl = "{store_url}"\n\n[smtp]\nport = {smtp_port}\n\n'
        f"[web]\n{web}\n\n"
        '[lists.daily]\ntitle = "The Daily"\nfrom = "The Daily <digest@example.org>"\n'
        'postal_address = "1 Test Street, Testville"\n',
        encoding="utf-8",
    )
    return config


@contextmanager
def digest_web(config: Path, *args: str):
    """`digest web --port 0 ARGS` in a process of its own; (its URL, its stderr lines so far)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DIGEST_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "digest.cli", "--config", str(config), "web", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=environment,
    )
    try:
        line = process.stdout.readline()
        match = READY.search(line)
        assert match, f"not ready: {line!r} {process.stderr.read() if process.poll() is not None else ''}"
        yield match.group(1), process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.stdout.close()
        process.stderr.close()


def test_digest_web_serves_warns_about_plain_http_and_stops_on_ctrl_c(tmp_path):
    config = write_config(
        tmp_path, store_url=f"sqlite:///{tmp_path / 'digest.db'}", web='base_url = "http://news.example.org"'
    )
    with digest_web(config) as (url, process):
        assert httpx.get(f"{url}/health", timeout=10).text == "ok\n"
        index = httpx.get(url + "/", timeout=10)
        assert index.status_code == 200 and "http://news.example.org/lists/daily/subscribe" in index.text
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)
        stderr = process.stderr.read()
    assert "web.base_url http://news.example.org is not https" in stderr
    assert "Traceback" not in stderr and process.returncode in (0, 130)


def test_a_port_in_use_is_one_line(tmp_path):
    from digest.web.server import bind

    held = bind("127.0.0.1", 0)
    try:
        config = write_config(tmp_path, store_url=f"sqlite:///{tmp_path / 'digest.db'}")
        result = digest_cli("--config", str(config), "web", "--port", str(held.getsockname()[1]), timeout=60)
    finally:
        held.close()
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "cannot listen on 127.0.0.1:" in result.stderr


def test_subscribers_list_json_and_the_history_of_operator_changes(tmp_path):
    from digest.app import add_subscriber, import_subscribers, remove_subscriber, unsubscribe_subscriber
    from digest.config import load_settings

    config = write_config(tmp_path, store_url=f"sqlite:///{tmp_path / 'digest.db'}")
    daily = load_settings(config, environ={}).list("daily")
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as store:  # what the subscribers commands call
        import_subscribers(daily, "email,name\nwen@example.org,Wen\nxia@example.org,Xia\n", store=store)
        add_subscriber(daily, "yan@example.org", name="Yan", store=store)
        unsubscribe_subscriber(daily, "xia@example.org", store=store)
        remove_subscriber(daily, "wen@example.org", store=store)

    def run(*args: str):
        result = digest_cli("--config", str(config), *args, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout

    lines = [json.loads(line) for line in run("subscribers", "list", "--json").splitlines()]
    assert [(r["email"], r["name"], r["status"]) for r in lines] == [
        ("xia@example.org", "Xia", "unsubscribed"),
        ("yan@example.org", "Yan", "active"),
    ]
    assert all(set(r) == {"email", "name", "status", "changed_at"} for r in lines)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["changed_at"]) for r in lines)

    xia = [json.loads(line) for line in run("subscribers", "history", "xia@example.org", "--json").splitlines()]
    assert [(e["change"], e["source"]) for e in xia] == [("subscribed", "import"), ("unsubscribed", "operator")]
    wen = run("subscribers", "history", "WEN@example.org")
    assert "\tsubscribed\timport" in wen and "\tremoved\toperator" in wen  # kept after the reader is gone


@pytest.mark.postgres
def test_several_web_processes_on_postgresql_share_limits_form_tokens_and_links(tmp_path):
    with ExitStack() as stack:
        url = stack.enter_context(_postgres_url())
        smtp = stack.enter_context(RecordingSMTPServer())
        config = write_config(
            tmp_path,
            store_url=url,
            smtp_port=smtp.port,
            # Plain http: the form cookie is then not Secure, and this client talks plain http.
            web='base_url = "http://news.example.org"\nclient_limit = 4',
        )
        with Store(url):  # the schema exists before two processes race to open it
            pass
        first, _ = stack.enter_context(digest_web(config, "--proxy-headers"))
        second, _ = stack.enter_context(digest_web(config, "--proxy-headers"))
        client = stack.enter_context(httpx.Client(headers={"X-Forwarded-For": "192.0.2.7"}, timeout=20))

        # A form from one process posts to the other: the token's secret is the store's.
        page = client.get(f"{first}/lists/daily/subscribe")
        answers = []
        for i in range(10):
            at = (first, second)[i % 2]
            answers.append(
                client.post(
                    f"{at}/lists/daily/subscribe",
                    data={"form_token": form_token(page.text), "email": f"pg{i}@example.org", "website": ""},
                ).status_code
            )
        # The limit is one count in the store, whichever process answers.
        assert answers[:4] == [200] * 4 and set(answers[4:]) == {429}
        # Each process sends its confirmation messages after it answers.
        deadline = time.monotonic() + 30
        while len(smtp.accepted) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.2)  # and no more come
        assert len(smtp.accepted) == 4

        # The confirmation link (made for the proxy's address) followed through the other process.
        import email
        from email import policy

        # The two processes send at once: their messages arrive in either order.
        sent = next(a for a in smtp.accepted if a.recipient == "pg0@example.org")
        message = email.message_from_bytes(sent.data, policy=policy.default)
        link = confirm_url(message).replace("http://news.example.org", second)
        confirm_page = client.get(link)
        done = client.post(link, data={"form_token": form_token(confirm_page.text)})
        assert done.status_code == 200
        with Store(url) as store:
            assert store.subscriber("daily", "pg0@example.org").status.value == "active"


@contextmanager
def _postgres_url():
    generator = postgres_schema_url()
    url = next(generator)
    try:
        yield url
    finally:
        generator.close()
