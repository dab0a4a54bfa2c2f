"""The SMTP reply reader on its own: replies however the bytes come, and the one timer
a connection keeps for the reply it awaits."""

from __future__ import annotations

import asyncio

import pytest

from digest.delivery.connection import Reply, _Lost, _ReplyReader


class Transport:
    def __init__(self) -> None:
        self.protocol = None
        self.closed = False

    def set_protocol(self, protocol) -> None:
        self.protocol = protocol

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


async def replies_of(chunks: list[bytes], count: int) -> list[Reply]:
    reader = _ReplyReader(Transport())  # type: ignore[arg-type]
    for chunk in chunks:
        reader.data_received(chunk)
    return [await reader.reply(1) for _ in range(count)]


STREAM = b"250 ok\r\n250-first line\r\n250 ok\r\n354 go ahead\n250 ok\r\n"
EXPECTED = [Reply(250, "ok"), Reply(250, "first line ok"), Reply(354, "go ahead"), Reply(250, "ok")]


@pytest.mark.parametrize("size", [1, 2, 5, 13, len(STREAM)])
async def test_replies_read_alike_however_the_bytes_are_cut(size):
    chunks = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    assert await replies_of(chunks, 4) == EXPECTED
    # A line read before as a whole reply, ending a multiline one, still ends that one.
    assert await replies_of([b"250 ok\r\n", b"250-a\r\n250-b\r\n", b"250 ok\r\n"], 2) == [
        Reply(250, "ok"),
        Reply(250, "a b ok"),
    ]


async def test_nothing_after_a_malformed_line_is_taken_for_a_reply():
    reader = _ReplyReader(Transport())  # type: ignore[arg-type]
    reader.data_received(b"250 ok\r\nnonsense\r\n")
    reader.data_received(b"250 ok\r\n")
    assert await reader.reply(1) == Reply(250, "ok")
    with pytest.raises(_Lost, match="malformed reply"):
        await reader.reply(1)


async def test_each_reply_gets_the_whole_timeout_from_when_it_is_awaited():
    """Replies 0.15 s apart with a timeout of 0.25 s: each comes in time, though the
    second comes after the first wait's deadline; a third that does not come times out
    0.25 s after it was awaited."""
    loop = asyncio.get_running_loop()
    reader = _ReplyReader(Transport())  # type: ignore[arg-type]
    start = loop.time()
    loop.call_later(0.15, reader.data_received, b"250 one\r\n")
    assert await reader.reply(0.25) == Reply(250, "one")
    await asyncio.sleep(0.05)
    loop.call_later(0.15, reader.data_received, b"250 two\r\n")
    assert await reader.reply(0.25) == Reply(250, "two")
    assert loop.time() - start > 0.25
    awaited = loop.time()
    with pytest.raises(_Lost, match="timed out"):
        await reader.reply(0.25)
    assert 0.24 <= loop.time() - awaited < 1.0
    reader.close()
