"""Per-recipient message build time: render once, then build N personalised messages.

usage: python bench/messages.py [--recipients N] [--items N]

The digest is composed from synthetic articles (--items of them, each with a
3-sentence summary); rendering and CSS inlining run once, then every recipient
gets its own bytes (headers, personalised text and HTML, quoted-printable).
Prints one table; times are wall-clock on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from digest.mail.compose import compose  # noqa: E402
from digest.mail.message import MessageFactory, Recipient  # noqa: E402
from digest.mail.render import render_digest  # noqa: E402
from digest.models import Article, Summary  # noqa: E402

SENTENCE = "The council approved the plan on Tuesday after a debate that lasted most of the evening."


def make_digest(items: int):
    summaries = [
        Summary(
            article=Article(
                url=f"https://news.example.org/story/{i}",
                title=f"Story number {i} about the new footbridge",
                paragraphs=(SENTENCE * 20,) * 8,
                authors=("Dana Reyes",),
                published=datetime(2026, 11, 20, tzinfo=UTC),
                source="news",
            ),
            sentences=(SENTENCE,) * 3,
            algorithm="pacsum",
        )
        for i in range(items)
    ]
    return compose(summaries, list_name="daily", title="The Daily Digest", day=date(2026, 11, 24), max_items=items)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=12)
    args = parser.parse_args()

    digest = make_digest(args.items)
    start = time.perf_counter()
    rendered = render_digest(digest)
    render_ms = (time.perf_counter() - start) * 1000
    factory = MessageFactory(
        rendered, sender="The Daily Digest <digest@example.org>", view_url="https://digest.example.org/v"
    )
    recipients = [
        Recipient(
            email=f"reader{i}@example.org",
            name=f"Reader Number {i}" if i % 3 else "Zoë Łukasiewicz",
            unsubscribe_url=f"https://digest.example.org/unsubscribe?token=tok{i:08d}",
            unsubscribe_mailto="mailto:unsubscribe@example.org",
        )
        for i in range(args.recipients)
    ]
    factory.build(recipients[0])  # warm-up
    timings = []
    total_bytes = 0
    start_all = time.perf_counter()
    for recipient in recipients:
        t = time.perf_counter()
        total_bytes += len(factory.build(recipient))
        timings.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - start_all
    # Memory in a second pass: tracemalloc slows every allocation, so it stays out of the timings.
    tracemalloc.start()
    for recipient in recipients[:1000]:
        factory.build(recipient)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    timings.sort()
    print(
        f"{args.recipients:,} recipients, {args.items} items, HTML {rendered.size / 1024:.1f} KB, "
        f"message {total_bytes / args.recipients / 1024:.1f} KB"
    )
    print(f"{'render + inline (once)':<28}{render_ms:>10.1f} ms")
    print(f"{'build per recipient, mean':<28}{statistics.fmean(timings) * 1e6:>10.0f} µs")
    print(f"{'build per recipient, p50':<28}{timings[len(timings) // 2] * 1e6:>10.0f} µs")
    print(f"{'build per recipient, p99':<28}{timings[int(len(timings) * 0.99)] * 1e6:>10.0f} µs")
    print(f"{'all recipients':<28}{elapsed:>10.2f} s  ({args.recipients / elapsed:,.0f} messages/s)")
    print(f"{'peak memory while building':<28}{peak / 1024 / 1024:>10.1f} MiB  (tracemalloc, 1,000 messages)")


if __name__ == "__main__":
    main()
