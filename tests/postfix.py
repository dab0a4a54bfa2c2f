"""A private Postfix instance for the tests (Debian's postfix, which .ci/run installs): its
own configuration, queue and log under a temporary folder, an SMTP listener on a loopback
port, every domain relayed to one loopback server (the "internet") and the bounce domain
to another (the bounce listener). Mail is tried once (`maximal_queue_lifetime = 0`), so
a temporary failure comes back as a DSN at once instead of days later."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

MASTER = Path("/usr/lib/postfix/sbin/master")
POSTFIX = shutil.which("postfix") or "/usr/sbin/postfix"

_SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> str | None:
    """Why a private Postfix cannot run here, or None."""
    if not MASTER.exists() or not Path(POSTFIX).exists():
        return "Postfix is not installed (Debian package postfix)"
    if os.geteuid() != 0:
        return "a private Postfix instance needs root"
    return None


@dataclass(frozen=True)
class Postfix:
    port: int
    folder: Path

    def log(self) -> str:
        path = self.folder / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def postfix(*, relay_port: int, bounce_domain: str, bounce_port: int) -> Iterator[Postfix]:
    """Start an instance in a folder of its own (one the postfix user can reach, which
    pytest's temporary folders are not); its SMTP port and folder while the block runs."""
    reason = available()
    if reason:
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="digest-postfix-"))
    folder.chmod(0o755)
    try:
        with _running(folder, relay_port=relay_port, bounce_domain=bounce_domain, bounce_port=bounce_port) as port:
            yield Postfix(port, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _running(folder: Path, *, relay_port: int, bounce_domain: str, bounce_port: int) -> Iterator[int]:
    conf, queue, data = folder / "conf", folder / "queue", folder / "data"
    for path in (conf, queue, data):
        path.mkdir(parents=True)
    shutil.chown(data, user="postfix")
    port = free_port()
    (conf / "main.cf").write_text(
        f"""compatibility_level = 3.6
queue_directory = {queue}
data_directory = {data}
command_directory = /usr/sbin
daemon_directory = {MASTER.parent}
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.localhost
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_dns_support_level = disabled
relayhost = [127.0.0.1]:{relay_port}
transport_maps = inline:{{ {bounce_domain}=smtp:[127.0.0.1]:{bounce_port} }}
maximal_queue_lifetime = 0
bounce_queue_lifetime = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
maillog_file = {folder / "maillog"}
maillog_file_prefixes = {folder}
alias_maps =
alias_database =
biff = no
"""
    )
    (conf / "master.cf").write_text(f"127.0.0.1:{port} inet n - n - - smtpd\n" + _SERVICES)
    started = subprocess.run([POSTFIX, "-c", str(conf), "start"], capture_output=True, text=True, timeout=60)
    if started.returncode != 0:
        log = (folder / "maillog").read_text() if (folder / "maillog").exists() else ""
        raise RuntimeError(f"postfix did not start: {started.stderr.strip()} {log[-500:]}")
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        subprocess.run([POSTFIX, "-c", str(conf), "stop"], capture_output=True, timeout=60)
