"""Subscriber import at scale: a generated CSV into a fresh SQLite file and a fresh
PostgreSQL database, through the import use case (`digest subscribers import` minus
the command line around it).

usage: python bench/import.py [--rows 10000 100000 1000000] [--stores sqlite postgres]
                              [--postgres URL] [--profile]

For each size one CSV is written to a temporary folder (email, name, city: unique
addresses over 40 domains, as a real list has few domains). Each import runs in its own
child process, so its peak RSS is its own: the child's ru_maxrss, from os.wait4. The
seconds are the import's alone (the file read, checked, staged and applied; not the
interpreter's start), wall clock; `CPU s` is the import process's CPU time and `+server`
the PostgreSQL backend's (from /proc), which on a busy machine say more than the clock. PostgreSQL gets a scratch database (default `bench_import`),
created for each run and dropped afterwards; it is skipped when the server is not
reachable. --profile prints where the time goes (cProfile) for each import instead.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_import"
DOMAINS = [f"{name}.example.{tld}" for name in ("mail", "post", "news", "inbox", "letters") for tld in "abcdefgh"]
CITIES = ("Millbrook", "Eastfield", "Carver's Ford", "Northgate", "Ashby", "Wenlow")


def write_csv(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,name,city\n")
        for i in range(rows):
            domain = DOMAINS[i % len(DOMAINS)]
            out.write(f"Reader.{i}@{domain},Reader Number {i},{CITIES[i % len(CITIES)]}\n")


def child(url: str, csv_path: str, profile: bool) -> None:
    """Run one import and print what it did, as JSON, on the last line."""
    from digest.app import import_subscribers
    from digest.config import ListSettings
    from digest.store import Store

    chosen = ListSettings(name="daily", title="Daily", sender="Daily <digest@example.org>")
    with Store(url) as store:
        server = server_cpu(store)
        cpu = time.process_time()
        start = time.perf_counter()
        with Path(csv_path).open(encoding="utf-8-sig", newline="") as lines:
            if profile:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                result = profiler.runcall(import_subscribers, chosen, lines, store=store)
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
            else:
                result = import_subscribers(chosen, lines, store=store)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
        server = server_cpu(store) - server
        count = store.count_subscribers("daily")
    report = {
        "seconds": seconds,
        "cpu": cpu,
        "server": server,
        "added": result.added,
        "bad": result.bad,
        "count": count,
    }
    print(json.dumps(report))


def server_cpu(store) -> float:
    """CPU seconds the PostgreSQL backend of the store's pooled connection has used (0 on
    SQLite): the import runs on that connection, the only one in the pool."""
    if store.engine.dialect.name != "postgresql":
        return 0.0
    with store.engine.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_database(url: str, *, drop_only: bool = False) -> bool:
    """A fresh, empty database at `url` (dropped and created again); False if unreachable."""
    import sqlalchemy as sa

    name = sa.engine.make_url(url).database
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            if not drop_only:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL skipped: {str(exc).splitlines()[0]}", file=sys.stderr)
        return False
    finally:
        admin.dispose()
    return True


def run_child(url: str, csv_path: Path, profile: bool) -> tuple[dict, float]:
    """The child's report and its peak RSS in MiB."""
    args = [sys.executable, __file__, "--child", url, str(csv_path)] + (["--profile"] if profile else [])
    with subprocess.Popen(args, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"import into {url} failed (exit {proc.returncode})")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--stores", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--postgres", default=POSTGRES, help="a scratch database, dropped and created for each run")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions for each import")
    parser.add_argument("--child", nargs=2, metavar=("URL", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.profile)
        return

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    print(
        f"{'store':<10} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'CPU s':>6} {'+server':>7} {'peak RSS MiB':>13}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for rows in args.rows:
            csv_path = Path(tmp) / f"readers-{rows}.csv"
            write_csv(csv_path, rows)
            for store in args.stores:
                if store == "sqlite":
                    url = f"sqlite:///{Path(tmp) / f'digest-{rows}.db'}"
                elif postgres_database(args.postgres):
                    url = args.postgres
                else:
                    continue
                try:
                    report, rss = run_child(url, csv_path, args.profile)
                finally:
                    if store == "postgres":
                        postgres_database(args.postgres, drop_only=True)
                assert report["added"] == report["count"] == rows and report["bad"] == 0, report
                seconds, cpu, server = report["seconds"], report["cpu"], report["server"]
                print(
                    f"{store:<10} {rows:>10,} {seconds:>8.1f} {rows / seconds:>9,.0f} {cpu:>6.1f} {server:>7.1f}"
                    f" {rss:>13.0f}",
                    flush=True,
                )
            csv_path.unlink()
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
