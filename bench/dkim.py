"""DKIM signing cost: messages built per second with and without signatures, and the
delivery bench's sender (ledger included) unsigned and signed, in turns, in one run.

usage: python bench/dkim.py [--build N] [--recipients N] [--rounds N] [--connections N]

- build: `MessageFactory.build` for N recipients of the delivery bench's 12-item digest,
  unsigned, RSA-2048, Ed25519, both; CPU µs a message (best of the rounds);
- send: `deliver_issue` into the delivery bench's sink (Postfix's `smtp-sink` when
  installed, else aiosmtpd in its own process) with VERP senders, unsigned and signed,
  each variant `--rounds` times in turns; the best rate of each, its ratio to the
  unsigned rate of the same run, and the CPU µs a message of this process (all its
  threads) and of the event loop's thread alone. Signed rows run as the sender does by
  default (with an RSA key, the signatures on a thread a core beside the event loop,
  made by OpenSSL without the GIL, several messages a hand-off; Ed25519 alone inline, on
  the loop's thread, by libsodium), and the other way: RSA on one thread and inline, RSA
  signed by `cryptography` (which keeps the GIL while it signs), Ed25519 on one thread and
  signed by `cryptography` (OpenSSL).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.delivery import LIST, Sink, make_rendered, saved_issue  # noqa: E402
from digest.app import recipient_factory  # noqa: E402
from digest.config import SmtpSettings  # noqa: E402
from digest.delivery.send import DeliveryOptions, deliver_issue, run  # noqa: E402
from digest.mail import openssl  # noqa: E402
from digest.mail.dkim import DkimKey, DkimSigner, generate_private_key  # noqa: E402
from digest.mail.message import MessageFactory, Recipient  # noqa: E402
from digest.mail.verp import Verp  # noqa: E402
from digest.models import DeliveryStatus  # noqa: E402
from digest.store import Store  # noqa: E402


def gil_kept(key: DkimKey) -> DkimSigner:
    """The key's signer as it would be without a usable libcrypto: `cryptography` signs."""
    with mock.patch.object(openssl, "_library", return_value=None):
        return DkimSigner([DkimKey(key.domain, key.selector, key.private_key)])


def openssl_ed25519(key: DkimKey) -> DkimSigner:
    """The Ed25519 key's signer with `cryptography` (OpenSSL) signing instead of libsodium."""
    slow = DkimKey(key.domain, key.selector, key.private_key)
    slow._sign = lambda data: key.private_key.sign(hashlib.sha256(data).digest())  # type: ignore[misc]
    return DkimSigner([slow])


def variants() -> list[tuple[str, DkimSigner | None]]:
    rsa = DkimKey("example.org", "rsa", generate_private_key())
    ed = DkimKey("example.org", "ed", generate_private_key(ed25519=True))
    return [
        ("unsigned", None),
        ("rsa-sha256", DkimSigner([rsa])),
        ("ed25519-sha256", DkimSigner([ed])),
        ("rsa + ed25519", DkimSigner([rsa, ed])),
    ]


def build_rows(rendered, n: int, rounds: int, signers) -> list[tuple[str, float]]:
    recipients = [
        Recipient(
            email=f"reader{i}@example.org",
            name=f"Reader Number {i}" if i % 3 else "Zoë Łukasiewicz",
            unsubscribe_url=f"https://digest.example.org/unsubscribe?token=tok{i:08d}",
            unsubscribe_mailto="mailto:unsubscribe@example.org",
        )
        for i in range(n)
    ]
    best: dict[str, float] = {}
    for _ in range(rounds):
        for name, signer in signers:
            factory = MessageFactory(
                rendered, sender=LIST.sender, view_url="https://digest.example.org/v", signer=signer
            )
            factory.build(recipients[0])
            start = time.process_time()
            for recipient in recipients:
                factory.build(recipient)
            cost = (time.process_time() - start) / n * 1e6
            best[name] = min(best.get(name, cost), cost)
    return [(name, best[name]) for name, _ in signers]


async def send(
    digest, rendered, n: int, port: int, connections: int, db: Path, signer, verp, threads: int | None
) -> tuple[float, float, float]:
    """Seconds, CPU seconds of this process and of the event loop's thread, of the send alone."""
    with Store(f"sqlite:///{db}") as store:
        issue = saved_issue(store, digest, rendered, readers=n)
        start, cpu, loop_cpu = time.perf_counter(), time.process_time(), time.thread_time()
        report = await deliver_issue(
            issue,
            store=store,
            smtp=SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=30),
            sender=LIST.sender,
            recipient_for=recipient_factory(LIST, secret="bench"),
            options=DeliveryOptions(connections=connections, batch=1000),
            signer=signer,
            verp=verp,
            signing_threads=threads,
        )
        spent = (time.perf_counter() - start, time.process_time() - cpu, time.thread_time() - loop_cpu)
    assert report.totals[DeliveryStatus.SENT] == n, report.totals
    return spent


def send_rows(
    digest, rendered, n: int, rounds: int, connections: int, signers
) -> list[tuple[str, float, float, float]]:
    verp = Verp("bounces@example.org", secret="bench")
    runs: list[tuple[str, DkimSigner | None, Verp | None, int | None]] = [("unsigned, no VERP", None, None, None)]
    cores = os.cpu_count() or 1
    for name, signer in signers:
        runs.append((name, signer, verp, None))
        if signer is not None and signer.rsa:
            if cores > 1:
                runs.append((f"{name}, 1 thread", signer, verp, 1))
            runs.append((f"{name}, inline", signer, verp, 0))  # on the event loop's thread
            if len(signer.keys) == 1:
                runs.append((f"{name}, GIL kept", gil_kept(signer.keys[0]), verp, None))
        elif signer is not None:
            runs.append((f"{name}, 1 thread", signer, verp, 1))
            runs.append((f"{name}, by OpenSSL", openssl_ed25519(signer.keys[0]), verp, None))
    best: dict[str, tuple[float, float, float]] = {}
    sink = Sink()
    try:
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
            for _ in range(rounds):
                for name, signer, envelope, threads in runs:
                    (Path(tmp) / "b.db").unlink(missing_ok=True)
                    seconds, cpu, loop_cpu = run(
                        send(digest, rendered, n, sink.port, connections, Path(tmp) / "b.db", signer, envelope, threads)
                    )
                    if name not in best or n / seconds > best[name][0]:
                        best[name] = (n / seconds, cpu / n * 1e6, loop_cpu / n * 1e6)
    finally:
        sink.close()
    print(f"sink: {sink.kind}; {connections} connections; {os.cpu_count()} cores")
    return [(name, *best[name]) for name, *_ in runs]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=int, default=2_000, help="recipients of the build rows (0: none)")
    parser.add_argument("--recipients", type=int, default=10_000, help="recipients of the send rows (0: none)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each row, in turns; the best counts")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    digest, rendered = make_rendered()
    signers = variants()
    if args.build:
        rows = build_rows(rendered, args.build, args.rounds, signers)
        plain = rows[0][1]
        print(f"build, {args.build:,} messages of about {len(rendered.html) / 1024:.0f} KB HTML, best of {args.rounds}")
        print(f"{'variant':<18} {'CPU µs/msg':>11} {'signing µs':>11}")
        for name, cost in rows:
            print(f"{name:<18} {cost:>11.0f} {cost - plain:>11.0f}")
    if args.recipients:
        rows2 = send_rows(digest, rendered, args.recipients, args.rounds, args.connections, signers)
        unsigned = rows2[1][1]
        print(f"send, {args.recipients:,} recipients, VERP senders but the first row, best of {args.rounds}, in turns")
        print(f"{'variant':<26} {'msg/s':>8} {'x unsigned':>11} {'CPU µs/msg':>11} {'loop µs/msg':>12}")
        for name, rate, cpu_us, loop_us in rows2:
            print(f"{name:<26} {rate:>8,.0f} {rate / unsigned:>11.2f} {cpu_us:>11.0f} {loop_us:>12.0f}")


if __name__ == "__main__":
    main()
