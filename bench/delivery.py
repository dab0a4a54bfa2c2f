"""Delivery throughput: our sender (ledger included) against a naive one, into a local sink.

usage: python bench/delivery.py [--recipients 10000 100000] [--connections 8]

The sink is Postfix's `smtp-sink` when installed (Debian `postfix`), else a
discard-everything aiosmtpd server in its own process. For each size the run:
- the naive sender: one `EmailMessage` built per recipient (CSS inlined once),
  sent with aiosmtplib's `send_message` over one connection;
- ours: subscribers in a SQLite store, the issue saved, `deliver_issue` with the
  connection pool, claims and outcomes written to the ledger;
- the ceiling, where installed: Postfix's C client `smtp-source` (16 sessions,
  the same message size) against the same sink.
Peak RSS is the process's high-water mark (ru_maxrss) after each of our runs, so
it only ever rises; a flat figure from 10k to 100k means memory did not grow.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiosmtplib  # noqa: E402

from digest.app import recipient_factory, render_for_list  # noqa: E402
from digest.config import ListSettings, SmtpSettings  # noqa: E402
from digest.delivery.send import DeliveryOptions, deliver_issue, run  # noqa: E402
from digest.mail.compose import compose  # noqa: E402
from digest.mail.render import personal_fields, personalise  # noqa: E402
from digest.models import Article, DeliveryStatus, Summary  # noqa: E402
from digest.store import Store  # noqa: E402
from digest.subscribers import NewSubscriber  # noqa: E402

LIST = ListSettings(name="daily", title="The Daily Digest", sender="The Daily Digest <digest@example.org>")
SENTENCE = "The council approved the plan on Tuesday after a debate that lasted most of the evening."
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sink did not start on port {port}")


def _aiosmtpd_sink(port: int) -> None:
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    while True:
        time.sleep(3600)


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.smtp_sink = shutil.which("smtp-sink") or (
            "/usr/sbin/smtp-sink" if Path("/usr/sbin/smtp-sink").exists() else None
        )
        if self.smtp_sink:
            self.kind = "postfix smtp-sink"
            self.process = subprocess.Popen(
                [
                    self.smtp_sink,
                    *(["-u", "nobody"] if os.geteuid() == 0 else []),
                    "-c",
                    f"127.0.0.1:{self.port}",
                    "1000",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        else:
            self.kind = "aiosmtpd (own process)"
            self.process = multiprocessing.Process(target=_aiosmtpd_sink, args=(self.port,), daemon=True)
            self.process.start()
        wait_for_port(self.port)

    def close(self) -> None:
        self.process.terminate()


def make_rendered(items: int = 12):
    summaries = [
        Summary(
            article=Article(
                url=f"https://news.example.org/{i}",
                title=f"Story {i} about the footbridge",
                paragraphs=(SENTENCE * 20,) * 8,
                authors=("Dana Reyes",),
                source="news",
            ),
            sentences=(SENTENCE,) * 3,
            algorithm="pacsum",
        )
        for i in range(items)
    ]
    digest = compose(summaries, list_name="daily", title=LIST.title, day=date(2026, 11, 24), max_items=items)
    return digest, render_for_list(digest, LIST)


async def naive(rendered, n: int, port: int) -> float:
    smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, timeout=30)
    await smtp.connect()
    start = time.perf_counter()
    for i in range(n):
        html, text = personalise(
            rendered,
            personal_fields(
                name=f"Reader {i}",
                email=f"r{i}@example.org",
                unsubscribe_url=f"https://digest.example.org/u?token=t{i}",
                view_url="https://digest.example.org/v",
            ),
        )
        msg = EmailMessage()
        msg["From"] = LIST.sender
        msg["To"] = f"Reader {i} <r{i}@example.org>"
        msg["Subject"] = rendered.subject
        msg["List-Unsubscribe"] = f"<https://digest.example.org/u?token=t{i}>"
        msg.set_content(text)
        msg.add_alternative(html, subtype="html")
        await smtp.send_message(msg)
    elapsed = time.perf_counter() - start
    await smtp.quit()
    return elapsed


async def ours(digest, rendered, n: int, port: int, connections: int, workdir: Path) -> tuple[float, dict]:
    db = workdir / f"bench-{n}.db"
    db.unlink(missing_ok=True)
    with Store(f"sqlite:///{db}") as store:
        store.add_subscribers(
            "daily",
            (
                NewSubscriber(email=f"r{i}@example.org", key=f"r{i}@example.org", name=f"Reader {i}", attributes={})
                for i in range(n)
            ),
            at=NOW,
        )
        store.save_issue(rendered, article_urls=[i.article.url for i in digest.items], at=NOW)
        issue = store.issue(digest.issue_id)
        smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=30)
        start = time.perf_counter()
        report = await deliver_issue(
            issue,
            store=store,
            smtp=smtp,
            sender=LIST.sender,
            recipient_for=recipient_factory(LIST, secret="bench"),
            options=DeliveryOptions(connections=connections, batch=1000),
        )
        elapsed = time.perf_counter() - start
    return elapsed, report.totals


def smtp_source(port: int, n: int, size: int) -> float | None:
    tool = shutil.which("smtp-source") or ("/usr/sbin/smtp-source" if Path("/usr/sbin/smtp-source").exists() else None)
    if not tool:
        return None
    start = time.perf_counter()
    subprocess.run(
        [
            tool,
            "-s",
            "16",
            "-m",
            str(n),
            "-l",
            str(size),
            "-f",
            "digest@example.org",
            "-t",
            "reader@example.org",
            f"127.0.0.1:{port}",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--naive-max", type=int, default=20_000, help="cap the naive sender's run (it is slow)")
    args = parser.parse_args()

    digest, rendered = make_rendered()
    sink = Sink()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
            for n in args.recipients:
                naive_n = min(n, args.naive_max)
                naive_s = asyncio.run(naive(rendered, naive_n, sink.port))
                ours_s, totals = run(ours(digest, rendered, n, sink.port, args.connections, Path(tmp)))
                rss = peak_rss_mib()
                message_size = len(rendered.html.encode()) + len(rendered.text.encode()) + 1500
                ceiling = smtp_source(sink.port, n, message_size)
                rows.append(
                    (
                        n,
                        naive_n / naive_s,
                        n / ours_s,
                        totals[DeliveryStatus.SENT],
                        rss,
                        n / ceiling if ceiling else None,
                    )
                )
    finally:
        sink.close()

    print(
        f"sink: {sink.kind}; {args.connections} connections; message about {len(rendered.html) / 1024:.0f} KB HTML; "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'recipients':>10} {'naive msg/s':>12} {'ours msg/s':>11} {'ratio':>6} {'sent':>8} {'peak RSS MiB':>13} "
        f"{'smtp-source msg/s':>18} {'ours/ceiling':>13}"
    )
    for n, naive_rate, our_rate, sent, rss, ceiling in rows:
        print(
            f"{n:>10,} {naive_rate:>12,.0f} {our_rate:>11,.0f} {our_rate / naive_rate:>6.1f} {sent:>8,} {rss:>13.0f} "
            f"{(f'{ceiling:,.0f}' if ceiling else 'n/a'):>18} {(f'{our_rate / ceiling:.0%}' if ceiling else 'n/a'):>13}"
        )


if __name__ == "__main__":
    main()
