"""Delivery throughput against the limit: our sender on SQLite and PostgreSQL, a naive
sender, and Postfix's C client `smtp-source` with and without `-d`, into one sink.

usage: python bench/delivery.py [--recipients 10000 100000 1000000] [--stores sqlite postgres]
                                [--connections 8] [--naive-max 20000]

The sink is Postfix's `smtp-sink` when installed (Debian `postfix`), else a
discard-everything aiosmtpd server in its own process. For each size, in one run:
- ours: a fresh store (a SQLite file, or a new schema on the local PostgreSQL at
  127.0.0.1:5432, database `test`) with the readers and the issue saved (not timed),
  then `deliver_issue` with the connection pool and the ledger, in a process of its
  own, so its CPU time and peak RSS are its own;
- the naive sender: one `EmailMessage` built per recipient (CSS inlined once), sent
  with aiosmtplib's `send_message` over one connection (capped: it is slow);
- `smtp-source -s 16` opening a connection per message, and `smtp-source -d -s 16`
  reusing its connections as our pool does: the ceiling, with the same message size.
The sink's CPU per message is read from /proc around each run.
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
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from functools import partial
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
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Row:
    recipients: int
    sender: str
    messages: int
    seconds: float
    cpu: float | None  # the sender's CPU seconds (None: not measured)
    sink_cpu: float | None
    rss_mib: float | None = None

    @property
    def rate(self) -> float:
        return self.messages / self.seconds


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


def postfix_tool(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        tool = postfix_tool("smtp-sink")
        if tool:
            self.kind = "postfix smtp-sink"
            command = [tool, *(["-u", "nobody"] if os.geteuid() == 0 else []), "-c", f"127.0.0.1:{self.port}", "1000"]
            self.process: subprocess.Popen | multiprocessing.Process = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        else:
            self.kind = "aiosmtpd (own process)"
            self.process = multiprocessing.Process(target=_aiosmtpd_sink, args=(self.port,), daemon=True)
            self.process.start()
        wait_for_port(self.port)

    def cpu(self) -> float | None:
        """The sink's CPU seconds so far (user and system), from /proc."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / TICK

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


def message_size(rendered) -> int:
    return len(rendered.html.encode()) + len(rendered.text.encode()) + 1500


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


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _naive_child(n: int, port: int, results) -> None:
    _, rendered = make_rendered()
    before = _cpu_self()
    seconds = asyncio.run(naive(rendered, n, port))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.put((seconds, _cpu_self() - before, n, rss))


def _ours_child(store_url: str, n: int, port: int, connections: int, results) -> None:
    digest, rendered = make_rendered()
    with Store(store_url) as store:
        issue = saved_issue(store, digest, rendered, readers=n)
        smtp = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=30)
        before = _cpu_self()
        start = time.perf_counter()
        report = run(
            deliver_issue(
                issue,
                store=store,
                smtp=smtp,
                sender=LIST.sender,
                recipient_for=recipient_factory(LIST, secret="bench"),
                options=DeliveryOptions(connections=connections, batch=1000),
            )
        )
        seconds = time.perf_counter() - start
        cpu = _cpu_self() - before
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    results.put((seconds, cpu, report.totals[DeliveryStatus.SENT], rss))


def saved_issue(store: Store, digest, rendered, *, readers: int):
    """`readers` subscribers on the list and the issue saved, owed to each of them."""
    store.add_subscribers(
        "daily",
        (
            NewSubscriber(email=f"r{i}@example.org", key=f"r{i}@example.org", name=f"Reader {i}", attributes={})
            for i in range(readers)
        ),
        at=NOW,
    )
    store.save_issue(rendered, article_urls=[i.article.url for i in digest.items], at=NOW)
    return store.issue(digest.issue_id)


def in_child(target, *args) -> tuple[float, float, int, float]:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=target, args=(*args, results))
    process.start()
    answer = results.get()
    process.join()
    return answer


def store_url(kind: str, workdir: Path, n: int) -> tuple[str, str | None]:
    """A fresh store's URL, and the PostgreSQL schema to drop afterwards."""
    if kind == "sqlite":
        path = workdir / f"bench-{n}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}", None
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(POSTGRES)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    engine.dispose()
    return f"{POSTGRES}?options=-csearch_path%3D{schema}", schema


def drop_schema(schema: str | None) -> None:
    if schema is None:
        return
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    engine.dispose()


def smtp_source(port: int, n: int, size: int, *, reuse: bool, sessions: int = 16) -> tuple[float, float, int, None]:
    """(seconds, CPU seconds of smtp-source, messages, no RSS) for n messages over `sessions` sessions."""
    tool = postfix_tool("smtp-source") or "smtp-source"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [
            tool,
            *(["-d"] if reuse else []),
            "-s",
            str(sessions),
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
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), n, None


def measure(sink: Sink, recipients: int, sender: str, action: Callable[[], tuple]) -> Row:
    sink_before = sink.cpu()
    seconds, cpu, messages, rss = action()
    sink_after = sink.cpu()
    sink_cpu = sink_after - sink_before if sink_before is not None and sink_after is not None else None
    return Row(recipients, sender, messages, seconds, cpu, sink_cpu, rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--stores", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--naive-max", type=int, default=20_000, help="cap the naive sender's run (it is slow)")
    args = parser.parse_args()

    _, rendered = make_rendered()
    size = message_size(rendered)
    sink = Sink()
    rows: list[Row] = []
    try:
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
            for n in args.recipients:
                for kind in args.stores:
                    url, schema = store_url(kind, Path(tmp), n)
                    try:
                        ours = partial(in_child, _ours_child, url, n, sink.port, args.connections)
                        rows.append(measure(sink, n, f"ours, {kind}", ours))
                    finally:
                        drop_schema(schema)
                    print(f"  {n:,} ours, {kind}: {rows[-1].rate:,.0f} msg/s", file=sys.stderr)
                rows.append(
                    measure(sink, n, "naive", partial(in_child, _naive_child, min(n, args.naive_max), sink.port))
                )
                if postfix_tool("smtp-source"):
                    for reuse in (False, True):
                        label = "smtp-source -d" if reuse else "smtp-source"
                        rows.append(measure(sink, n, label, partial(smtp_source, sink.port, n, size, reuse=reuse)))
    finally:
        sink.close()
    print_table(rows, sink=sink, connections=args.connections, size=size)


def print_table(rows: list[Row], *, sink: Sink, connections: int, size: int) -> None:
    print(
        f"sink: {sink.kind}; ours with {connections} connections, smtp-source with 16 sessions; "
        f"message about {size / 1024:.0f} KB; {os.cpu_count()} cores"
    )
    print(
        f"{'recipients':>10}  {'sender':<16} {'msg/s':>7} {'x source -d':>11} {'CPU µs/msg':>10} "
        f"{'sink µs/msg':>11} {'peak RSS MiB':>12}"
    )
    ceilings = {r.recipients: r.rate for r in rows if r.sender == "smtp-source -d"}
    for r in rows:
        ceiling = ceilings.get(r.recipients)
        ratio = f"{r.rate / ceiling:.2f}" if ceiling else "n/a"
        cpu = f"{r.cpu / r.messages * 1e6:,.0f}" if r.cpu is not None else "n/a"
        sink_cpu = f"{r.sink_cpu / r.messages * 1e6:,.0f}" if r.sink_cpu is not None else "n/a"
        rss = f"{r.rss_mib:,.0f}" if r.rss_mib is not None else "-"
        print(f"{r.recipients:>10,}  {r.sender:<16} {r.rate:>7,.0f} {ratio:>11} {cpu:>10} {sink_cpu:>11} {rss:>12}")
    ours = [r for r in rows if r.sender.startswith("ours") and r.cpu is not None]
    for sender in sorted({r.sender for r in ours}):
        mine = sorted((r for r in ours if r.sender == sender), key=lambda r: r.recipients)
        if len(mine) > 1:
            first, last = mine[0], mine[-1]
            growth = (last.cpu / last.messages) / (first.cpu / first.messages)
            print(
                f"{sender}: CPU per message at {last.recipients:,} is {growth:.2f}x that at {first.recipients:,}; "
                f"peak RSS {first.rss_mib:,.0f} -> {last.rss_mib:,.0f} MiB"
            )


if __name__ == "__main__":
    main()
