"""Sending over a link with a round-trip time: messages a second into one sink through a
proxy that holds every chunk, each way, for half the round trip.

usage: python bench/latency.py [--recipients N] [--rtt MS ...] [--connections N]

Rows, for each round-trip time, in one run:
- ours: the delivery bench's sender (SQLite store), the next message's MAIL, RCPT and
  DATA written with a message's data, so a message costs one round trip;
- ours, envelope after the reply: the same with that turned off (two round trips);
- `smtp-source -d` with as many sessions as we have connections, when Postfix is there.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
from collections import deque
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.delivery import (  # noqa: E402
    Sink,
    _ours_child,
    free_port,
    in_child,
    make_rendered,
    message_size,
    postfix_tool,
    smtp_source,
    store_url,
    wait_for_port,
)
from digest.delivery.connection import Connection  # noqa: E402


def _proxy(port: int, target: int, delay: float) -> None:
    """Forward 127.0.0.1:port to 127.0.0.1:target, each chunk `delay` seconds late, in order."""

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        held: deque[tuple[float, bytes]] = deque()
        more = asyncio.Event()

        async def release() -> None:
            while True:
                while not held:
                    more.clear()
                    await more.wait()
                due, chunk = held.popleft()
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                if not chunk:
                    writer.close()
                    return
                writer.write(chunk)

        releasing = asyncio.create_task(release())
        while True:
            chunk = await reader.read(1 << 16)
            held.append((loop.time() + delay, chunk))
            more.set()
            if not chunk:
                break
        await releasing

    async def session(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
        await asyncio.gather(
            pump(client_reader, server_writer), pump(server_reader, client_writer), return_exceptions=True
        )

    async def serve() -> None:
        server = await asyncio.start_server(session, "127.0.0.1", port)
        await server.serve_forever()

    asyncio.run(serve())


def _ours(store: str, n: int, port: int, connections: int, ahead: bool, results) -> None:
    if not ahead:
        Connection._following = lambda self, following: None  # type: ignore[method-assign]
    _ours_child(store, n, port, connections, results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=4_000)
    parser.add_argument("--rtt", type=float, nargs="+", default=[2.0, 10.0], help="round-trip times, ms")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    _, rendered = make_rendered()
    size = message_size(rendered)
    sink = Sink()
    rows: list[tuple[float, str, float]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
            for rtt in args.rtt:
                port = free_port()
                context = multiprocessing.get_context("spawn")
                proxy = context.Process(target=_proxy, args=(port, sink.port, rtt / 2000), daemon=True)
                proxy.start()
                try:
                    wait_for_port(port)

                    def ours(ahead: bool, port: int = port) -> tuple:
                        url, _ = store_url("sqlite", Path(tmp), args.recipients)
                        return in_child(_ours, url, args.recipients, port, args.connections, ahead)

                    runs = [("ours", partial(ours, True)), ("ours, envelope after the reply", partial(ours, False))]
                    if postfix_tool("smtp-source"):
                        source = partial(
                            smtp_source, port, args.recipients, size, reuse=True, sessions=args.connections
                        )
                        runs.append((f"smtp-source -d -s {args.connections}", source))
                    for label, action in runs:
                        _, _, messages, _ = result = action()
                        rows.append((rtt, label, messages / result[0]))
                        print(f"  {rtt:g} ms {label}: {rows[-1][2]:,.0f} msg/s", file=sys.stderr)
                finally:
                    proxy.terminate()
    finally:
        sink.close()
    print(
        f"sink: {sink.kind}; {args.recipients:,} messages of about {size / 1024:.0f} KB; "
        f"{args.connections} connections; each chunk held half the round trip each way"
    )
    print(f"{'rtt ms':>6}  {'sender':<32} {'msg/s':>8} {'x ours':>7}")
    for rtt, label, rate in rows:
        ours = next(r for t, s, r in rows if t == rtt and s == "ours")
        print(f"{rtt:>6g}  {label:<32} {rate:>8,.0f} {rate / ours:>7.2f}")


if __name__ == "__main__":
    main()
