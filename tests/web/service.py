"""The subscriber web service as the tests run it: the real application under uvicorn on
a loopback port, over a store of its own, mailing through a recording SMTP server.

`Service` also sends issues the way `digest send` does (the same use case), so a test
can take a link from a captured message and follow it."""

from __future__ import annotations

import email
import itertools
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import httpx

from digest.app import send_list
from digest.config import ListSettings, Settings, parse_settings
from digest.mail.compose import compose
from digest.models import Article, Summary
from digest.store import Store, StoredIssue
from digest.subscribers import new_subscriber
from digest.web import WebServer
from digest.web.server import bind
from tests.helpers import DAY, NOW
from tests.smtp_server import RecordingSMTPServer

SECRET = "web-test-secret"
POSTAL = "The Daily, 1 Example Street, Exampleton"
_articles = itertools.count(1)
_issues = itertools.count(1)
_clients = itertools.count(1)


def free_port() -> int:
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    sock.close()
    return port


def web_settings(store_url: str, smtp_port: int, *, port: int, **web: object) -> Settings:
    raw = {
        "store": {"url": store_url},
        "smtp": {"port": smtp_port, "timeout": 10},
        "unsubscribe": {"secret": SECRET},
        "web": {"base_url": f"http://127.0.0.1:{port}", "client_limit": 1000, "address_limit": 3, **web},
        "lists": {
            "daily": {"title": "The Daily", "from": "The Daily <digest@example.org>", "postal_address": POSTAL},
            "weekly": {"title": "The Weekly", "from": "The Weekly <weekly@example.org>", "postal_address": POSTAL},
        },
    }
    settings = parse_settings(raw, base_dir=Path.cwd())
    # The recording server as the relay: a config file may not pair one with links on this
    # machine (readers could not follow them), but the tests follow them here.
    return replace(settings, smtp=replace(settings.smtp, host="127.0.0.1"))


@dataclass
class Service:
    settings: Settings
    server: WebServer
    smtp: RecordingSMTPServer
    store: Store
    sent_issues: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, *, ip: str | None = None) -> httpx.Client:
        """A browser of its own (its own cookies), coming from its own address (the service
        runs with proxy headers, as behind a proxy on 127.0.0.1)."""
        ip = ip or f"198.51.100.{next(_clients) % 250 + 1}"
        return httpx.Client(base_url=self.url, headers={"X-Forwarded-For": ip}, follow_redirects=False, timeout=20)

    def list(self, name: str = "daily") -> ListSettings:
        return self.settings.list(name)

    def subscribe(self, *emails: str, list_name: str = "daily", name: str = "") -> None:
        self.store.add_subscribers(list_name, [new_subscriber(e, name=name) for e in emails], at=NOW)

    def publish(self, list_name: str = "daily", *, titles: tuple[str, ...] = ("Story",), days: int = 0) -> str:
        """A new issue of the list, sent to its active readers through the configured
        SMTP server as `digest send` sends it; its id."""
        chosen = self.list(list_name)
        summaries = []
        for title in titles:
            n = next(_articles)
            article = Article(
                url=f"https://news.example.org/{n}", title=f"{title} {n}", paragraphs=(f"Body {n}. " * 40,), source="s"
            )
            self.store.add_article(article, gathered_at=NOW)
            summaries.append(Summary(article=article, sentences=(f"Body {n}.",), algorithm="lead"))
        digest = compose(summaries, list_name=chosen.name, title=chosen.title, day=DAY + timedelta(days=days))
        from digest.app import render_for_list

        rendered = render_for_list(digest, chosen)
        # A second apiece: an issue published later is newer than one of the same day, to
        # the whole second an HTTP date (Last-Modified) is given in.
        at = NOW + timedelta(days=days, seconds=next(_issues))
        assert self.store.save_issue(rendered, article_urls=[i.article.url for i in digest.items], at=at)
        result = send_list(self.settings, chosen, store=self.store, issue_id=digest.issue_id)
        assert result.ok, result
        self.sent_issues.append(digest.issue_id)
        return digest.issue_id

    def issue(self, issue_id: str) -> StoredIssue:
        found = self.store.issue(issue_id)
        assert found is not None
        return found

    def settle(self) -> None:
        """Wait for the confirmation messages the service sends after its answers."""
        assert self.server.app.state.outbox.wait(timeout=30), "confirmation messages still being sent"

    def messages_to(self, address: str) -> list[EmailMessage]:
        self.settle()
        return [
            email.message_from_bytes(a.data, policy=policy.default)  # type: ignore[misc]
            for a in self.smtp.accepted
            if a.recipient == address
        ]

    def last_message_to(self, address: str) -> EmailMessage:
        found = self.messages_to(address)
        assert found, f"no message to {address}"
        return found[-1]

    def status(self, address: str, list_name: str = "daily") -> str | None:
        found = self.store.subscriber(list_name, new_subscriber(address).key)
        return found.status.value if found else None


def unsubscribe_url(message: EmailMessage) -> str:
    """The https? URL of a message's List-Unsubscribe header."""
    header = str(message["List-Unsubscribe"])
    return re.search(r"<(https?://[^>]+)>", header).group(1)


def confirm_url(message: EmailMessage) -> str:
    text = message.get_body(("plain",)).get_content()
    return re.search(r"(https?://\S+/confirm\?token=\S+)", text).group(1)


def form_token(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


def start_service(store_url: str, **web: object) -> tuple[Service, RecordingSMTPServer]:
    smtp = RecordingSMTPServer().start()
    port = free_port()
    settings = web_settings(store_url, smtp.port, port=port, **web)
    store = Store(store_url)
    server = WebServer(settings, port=port, proxy_headers=True).start()
    return Service(settings, server, smtp, store), smtp


def stop_service(service: Service) -> None:
    service.server.stop()
    service.store.close()
    service.smtp.stop()
