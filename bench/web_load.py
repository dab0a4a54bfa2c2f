"""The subscriber web service under a burst of readers: `digest web` in a process of its
own, over a fresh SQLite file or PostgreSQL database, confirmations going to a local sink.

usage: python bench/web_load.py [--concurrency 10 50 100] [--requests 3000]
                                [--stores sqlite postgres] [--postgres URL] [--readers 5000]

Each virtual reader walks what readers do, in turn: the archive page, the subscribe form
and its POST (a new address each time, so each one writes a subscriber and posts a
confirmation), and an unsubscribe link's page and its one-click POST (for a reader
imported beforehand). Every request comes from an address of its own (X-Forwarded-For,
the service runs with --proxy-headers) so the per-client limits stay out of the way.
Prints, per store and concurrency: requests a second, latency percentiles, the worst, and
requests that did not get the status a reader gets (errors). The server's CPU seconds
come from /proc. PostgreSQL gets a scratch database (default `bench_web`), created for each
run and dropped afterwards; it is skipped when the server is not reachable.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_web"
SECRET = "bench-web-secret"
_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sink() -> tuple[object, int]:
    """An SMTP server that takes every message and keeps none (aiosmtpd, in a thread)."""
    from aiosmtpd.controller import Controller

    class Discard:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    port = free_port()
    controller = Controller(Discard(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def write_config(folder: Path, *, store_url: str, smtp_port: int, web_port: int) -> Path:
    config = folder / "digest.toml"
    config.write_text(
        f"""
[store]
url = "{store_url}"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
timeout = 10

[unsubscribe]
secret = "{SECRET}"

[web]
base_url = "http://news.bench.example"
port = {web_port}
client_limit = 1000000
address_limit = 1000000

[lists.daily]
title = "The Daily"
from = "The Daily <digest@example.org>"
postal_address = "The Daily, 1 Example Street, Exampleton"
""",
        encoding="utf-8",
    )
    return config


def prepare_store(url: str, readers: int) -> list[str]:
    """Import `readers` subscribers; return an unsubscribe token for each."""
    from digest.app import import_subscribers
    from digest.config import ListSettings
    from digest.store import Store
    from digest.subscribers import make_token

    chosen = ListSettings(name="daily", title="The Daily", sender="The Daily <digest@example.org>")
    lines = ["email,name"] + [f"reader.{i}@bench.example.org,Reader {i}" for i in range(readers)]
    with Store(url) as store:
        import_subscribers(chosen, lines, store=store)
        return [
            make_token(secret=SECRET, list_name="daily", key=s.key, version=s.version)
            for s in store.iter_subscribers("daily")
        ]


def server_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def load(
    base: str, *, concurrency: int, requests: int, tokens: list[str], run: int
) -> tuple[list[float], int, float]:
    import httpx

    latencies: list[float] = []
    errors = 0
    addresses = itertools.count(1)
    spare = iter(tokens)
    left = requests

    async def timed(client: httpx.AsyncClient, method: str, url: str, expect: int, **kw) -> httpx.Response | None:
        nonlocal errors, left
        left -= 1
        n = next(addresses)
        headers = {"X-Forwarded-For": f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", **kw.pop("headers", {})}
        start = time.perf_counter()
        try:
            response = await client.request(method, url, headers=headers, **kw)
        except httpx.HTTPError:
            errors += 1
            latencies.append(time.perf_counter() - start)
            return None
        latencies.append(time.perf_counter() - start)
        if response.status_code != expect:
            errors += 1
            return None
        return response

    async def reader(index: int, client: httpx.AsyncClient) -> None:
        async with client:
            step = 0
            while left > 0:
                step += 1
                await timed(client, "GET", "/lists/daily/archive", 200)
                form = await timed(client, "GET", "/lists/daily/subscribe", 200)
                if form is not None and (found := _TOKEN.search(form.text)):
                    data = {"email": f"new.{run}.{index}.{step}@bench.example.org", "name": "New Reader"}
                    data["form_token"] = found.group(1)
                    await timed(client, "POST", "/lists/daily/subscribe", 200, data=data, headers={"Origin": base})
                token = next(spare, None)
                if token is None:
                    continue
                await timed(client, "GET", "/unsubscribe", 200, params={"token": token})
                await timed(
                    client, "POST", "/unsubscribe", 200, params={"token": token}, data={"List-Unsubscribe": "One-Click"}
                )

    # Each reader a browser of its own (its own connection and cookies), made before the
    # clock starts: a client builds an SSL context, tens of milliseconds that would stall
    # the other readers' responses. One context serves them all (the service is plain http).
    context = ssl.create_default_context()
    clients = [httpx.AsyncClient(base_url=base, timeout=60, verify=context) for _ in range(concurrency)]
    began = time.perf_counter()
    await asyncio.gather(*(reader(i, client) for i, client in enumerate(clients)))
    return latencies, errors, time.perf_counter() - began


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_store(name: str, url: str, args: argparse.Namespace, folder: Path) -> None:
    tokens = prepare_store(url, args.readers)
    sink, smtp_port = start_sink()
    web_port = free_port()
    config = write_config(folder, store_url=url, smtp_port=smtp_port, web_port=web_port)
    env = {**os.environ, "DIGEST_CONFIG": str(config), "FORWARDED_ALLOW_IPS": "127.0.0.1"}
    digest = Path(sys.executable).with_name("digest")
    log = (folder / f"web-{name}.log").open("w")
    server = subprocess.Popen(
        [str(digest), "web", "--port", str(web_port), "--proxy-headers"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        assert server.stdout is not None
        if not server.stdout.readline().startswith("Serving"):
            log.flush()
            said = Path(log.name).read_text().strip().splitlines()
            raise SystemExit(f"{name}: digest web did not start: {said[-1] if said else 'no reason given'}")
        threading.Thread(target=server.stdout.read, daemon=True).start()
        base = f"http://127.0.0.1:{web_port}"
        for run, concurrency in enumerate(args.concurrency):
            cpu = server_cpu(server.pid)
            per_run = tokens[run * args.requests // 5 : (run + 1) * args.requests // 5]
            latencies, errors, seconds = asyncio.run(
                load(base, concurrency=concurrency, requests=args.requests, tokens=per_run, run=run)
            )
            cpu = server_cpu(server.pid) - cpu
            print(
                f"{name:<9} {concurrency:>5} {len(latencies):>8,} {len(latencies) / seconds:>7,.0f} "
                f"{percentile(latencies, 0.5) * 1000:>7.0f} {percentile(latencies, 0.95) * 1000:>7.0f} "
                f"{percentile(latencies, 0.99) * 1000:>7.0f} {max(latencies) * 1000:>7.0f} "
                f"{cpu * 1e6 / len(latencies):>10,.0f} {errors:>6}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        sink.stop()


def postgres_ready(url: str) -> bool:
    import sqlalchemy as sa

    admin = url.rsplit("/", 1)[0] + "/postgres"
    database = url.rsplit("/", 1)[1]
    try:
        engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
        engine.dispose()
        return True
    except Exception as exc:  # noqa: BLE001 (a bench: say why and go on)
        print(f"postgres: skipped ({str(exc).splitlines()[0]})")
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[10, 50, 100])
    parser.add_argument("--requests", type=int, default=3000, help="requests per concurrency level")
    parser.add_argument("--stores", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--readers", type=int, default=5000, help="subscribers imported beforehand")
    args = parser.parse_args()
    print(f"digest web, {args.requests:,} requests per row; {os.cpu_count()} cores")
    print(
        f"{'store':<9} {'conc':>5} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'max ms':>7} {'server µs':>10} {'errors':>6}"
    )
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        for name in args.stores:
            if name == "sqlite":
                run_store(name, f"sqlite:///{folder / 'web.db'}", args, folder)
            elif postgres_ready(args.postgres):
                run_store(name, args.postgres, args, folder)


if __name__ == "__main__":
    main()
