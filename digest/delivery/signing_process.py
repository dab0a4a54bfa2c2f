"""DKIM signatures made in a process of their own, beside the one that sends.

An Ed25519 signature and the body hash under it cost about 60 µs a message, a third of
what the rest of a message costs the event loop; on a thread they cost more than that in
hand-offs of the GIL. A second process has no GIL to share: the loop writes each batch of
prepared messages (their canonical bodies and what each key signs, less the body hash)
down a pipe, about 5 µs a message, and the process sends back each body hash and
signature while the loop builds and sends others. Where it cannot start, or ends during
the send, the messages are signed in the sending process, with a warning.

The private keys reach the process through its standard input, never its command line
or environment.

Frames, both ways: a 4-byte big-endian length, then `marshal` data (ours on both ends of
a private pipe). In: the keys [(domain, selector, PEM)], then batches
[(body, [(before, after), ...]), ...]; out: b"R" once the keys are read, then for each
batch [(bh, [signature, ...]), ...].
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import fcntl
import hashlib
import logging
import marshal
import signal
import struct
import sys
from typing import Any

from digest.mail.dkim import DkimKey, DkimSigner, Signed, Unsigned, load_private_key, private_pem

__all__ = ["SigningProcess"]

log = logging.getLogger(__name__)

_LENGTH = struct.Struct(">I")
# Batches at the process at once: one it signs while the next waits in the pipe.
IN_FLIGHT = 2
MAX_BATCH = 64
PIPE_SIZE = 1 << 20
START_TIMEOUT = 30.0  # seconds for the process to start and read its keys


class SigningProcess:
    """Signs prepared messages in a child process, a batch at a time: what the workers
    prepared while a batch was being signed goes as the next one."""

    # For the send's worker count: as many messages ahead as keep the process busy.
    threads = 4

    def __init__(self, signer: DkimSigner) -> None:
        self.signer = signer
        self.process: asyncio.subprocess.Process | None = None
        self.waiting: list[tuple[Unsigned, asyncio.Future[Signed]]] = []
        self.in_flight: collections.deque[list[tuple[Unsigned, asyncio.Future[Signed]]]] = collections.deque()
        self.ready = False
        self.broken = ""  # why signing went back to this process
        self.batches = 0
        self.signed = 0
        self._flush_due = False
        self._reader: asyncio.Task[None] | None = None

    async def sign(self, unsigned: Unsigned) -> Signed:
        """The message's body hash and signatures, once the process has made them."""
        if self.broken:
            return unsigned.sign()
        loop = asyncio.get_running_loop()
        if self._reader is None:
            self._reader = loop.create_task(self._run())
        future: asyncio.Future[Signed] = loop.create_future()
        self.waiting.append((unsigned, future))
        if not self._flush_due:
            self._flush_due = True
            loop.call_soon(self._flush)  # after the other workers' turns: they may add theirs
        return await future

    def _flush(self) -> None:
        self._flush_due = False
        process = self.process
        if not self.ready or process is None or process.stdin is None:
            return  # sent once the process is ready
        while self.waiting and len(self.in_flight) < IN_FLIGHT:
            batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
            payload = marshal.dumps([(unsigned.body, unsigned.around_bh()) for unsigned, _ in batch])
            process.stdin.write(_LENGTH.pack(len(payload)))
            process.stdin.write(payload)
            self.in_flight.append(batch)
            self.batches += 1
            self.signed += len(batch)

    async def _run(self) -> None:
        try:
            await asyncio.wait_for(self._start(), START_TIMEOUT)
            self._flush()
            assert self.process is not None and self.process.stdout is not None
            stdout = self.process.stdout
            while True:
                (size,) = _LENGTH.unpack(await stdout.readexactly(_LENGTH.size))
                results = marshal.loads(await stdout.readexactly(size))
                batch = self.in_flight.popleft()
                for (_, future), (bh, signatures) in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result((bh.decode("ascii"), list(signatures)))
                self._flush()
        except asyncio.CancelledError:
            raise
        except (OSError, EOFError, ValueError, TypeError, IndexError, TimeoutError, asyncio.IncompleteReadError) as exc:
            await self._give_up(exc)

    async def _start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            __name__,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        _widen(self.process.stdin)
        keys = marshal.dumps([(key.domain, key.selector, private_pem(key.private_key)) for key in self.signer.keys])
        self.process.stdin.write(_LENGTH.pack(len(keys)) + keys)
        if await self.process.stdout.readexactly(1) != b"R":
            raise ValueError("it did not start")
        self.ready = True

    async def _give_up(self, exc: BaseException) -> None:
        """Sign what is left here, and say why once."""
        reason = await self._reason(exc)
        self.broken = reason
        log.warning("the DKIM signing process stopped (%s): signing in the sending process", reason)
        pending = [item for batch in self.in_flight for item in batch] + self.waiting
        self.in_flight.clear()
        self.waiting = []
        for unsigned, future in pending:
            if not future.done():
                future.set_result(unsigned.sign())

    async def _reason(self, exc: BaseException) -> str:
        process = self.process
        if process is None:
            return f"could not start {sys.executable}: {exc}"
        said = b""
        if process.stderr is not None:
            with contextlib.suppress(OSError, TimeoutError):
                said = await asyncio.wait_for(process.stderr.read(2000), 2)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 2)
        line = " ".join(said.decode("utf-8", "replace").split())
        if isinstance(exc, TimeoutError):
            return f"no answer in {START_TIMEOUT:g} s"
        return f"exit status {process.returncode}" + (f": {line}" if line else "")

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        process = self.process
        if process is None or process.returncode is not None:
            return
        if process.stdin is not None:
            process.stdin.close()  # the process ends when its input does
        try:
            await asyncio.wait_for(process.wait(), 2)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()


def _widen(stream: asyncio.StreamWriter) -> None:
    """A pipe as wide as Linux allows (1 MiB, from 64 KiB): a batch goes down it in one
    write, not one turn of the event loop per 64 KiB."""
    pipe = stream.get_extra_info("pipe")
    size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if pipe is not None and size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(pipe.fileno(), size, PIPE_SIZE)


def _frame(read: Any) -> Any:
    head = read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    return marshal.loads(read(size))


def main() -> None:
    """The child: read the keys, then sign each batch until the input ends."""
    # Stopped with the sender (Ctrl-C reaches the whole process group): it ends when its input does.
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_IGN)
    read, out = sys.stdin.buffer.read, sys.stdout.buffer
    try:
        keys = [
            DkimKey(domain, selector, load_private_key(pem, where="the signing process"))
            for domain, selector, pem in _frame(read)
        ]
    except Exception as exc:  # noqa: BLE001 - one line for the sending process to show
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    out.write(b"R")
    out.flush()
    sha256, b64 = hashlib.sha256, base64.b64encode
    while (batch := _frame(read)) is not None:
        results = []
        for body, around in batch:
            bh = b64(sha256(body).digest())
            results.append(
                (bh, [key.sign(before + bh + after) for key, (before, after) in zip(keys, around, strict=True)])
            )
        payload = marshal.dumps(results)
        out.write(_LENGTH.pack(len(payload)) + payload)
        out.flush()


if __name__ == "__main__":
    with contextlib.suppress(BrokenPipeError):
        main()
