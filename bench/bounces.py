"""Bounce intake on hostile messages: how long reading one message takes (digest.mail.bounces),
for messages built to make the parsers work, each within the 10 MiB cap.

usage: python bench/bounces.py [--repeat N]

Prints one row per shape: its size, the best wall-clock time of N reads, and what the message
was read as. Times are on this machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from digest.mail.bounces import MAX_MESSAGE, read_report  # noqa: E402

HEAD = b"From: MAILER-DAEMON@mx.example.net\r\nTo: bounces@example.org\r\nSubject: Undelivered Mail\r\n"
NESTED = b"Content-Type: message/rfc822\r\n\r\n"
QMAIL = (REPO / "tests" / "data" / "bounces" / "qmail_01.txt").read_bytes()


def nested_multiparts(levels: int) -> bytes:
    body = b"x\r\n"
    for level in range(levels):
        mark = f"b{level}".encode()
        body = b"Content-Type: multipart/mixed; boundary=" + mark + b"\r\n\r\n--" + mark + b"\r\n" + body
        body += b"\r\n--" + mark + b"--\r\n"
    return HEAD + body


def many_parts(parts: int) -> bytes:
    body = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(parts))
    return HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + body + b"--b--\r\n"


def shapes() -> dict[str, bytes]:
    room = MAX_MESSAGE - 4096
    return {
        "a real qmail bounce (2 KiB)": QMAIL,
        "4 million short lines": HEAD + b"\r\n" + b"y\n" * (room // 2),
        "one 9 MiB line": HEAD + b"\r\n" + b"y" * (9 * 1024 * 1024),
        "60,000 commas on a line": HEAD + b"\r\n" + b"," * 60_000 + b"\n",
        "qmail bounce + 5 million lines": QMAIL + b"x\n" * ((room - len(QMAIL)) // 2),
        "To: of 700,000 addresses": b"From: a@b.example\r\nTo: " + b"a@b.example, " * 700_000 + b"\r\n\r\nx",
        "1 million header fields": HEAD + b"X-H: v\r\n" * 1_000_000 + b"\r\nx",
        "1,000 nested multiparts": nested_multiparts(1000),
        "10,000 MIME parts": many_parts(10_000),
        "10,000 nested message/rfc822": HEAD + NESTED * 10_000 + b"Subject: x\r\n\r\nx",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'message':34} {'size':>9} {'best s':>8}  read as")
    for name, data in shapes().items():
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = read_report(data)
            best = min(best, time.perf_counter() - start)
        read_as = report.problem.value if report.problem else f"{report.form}, {len(report.failures)} failure(s)"
        print(f"{name:34} {len(data) / 1e6:7.2f}MB {best:8.4f}  {read_as}: {report.detail}"[:150])


if __name__ == "__main__":
    main()
