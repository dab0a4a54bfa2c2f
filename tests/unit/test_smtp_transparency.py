"""SMTP transparency (RFC 5321 4.5.2): each line of the message that starts with a dot
gets another, and the data ends with a line holding a single dot."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from digest.delivery.connection import _dot_stuffed


def reference(message: bytes) -> bytes:
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    lines = message[:-2].split(b"\r\n")
    return b"".join((b"." + line if line.startswith(b".") else line) + b"\r\n" for line in lines) + b".\r\n"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from([b".", b"..", b"\r\n", b"\n", b"\r", b"a", b" ", b".\r\n"]), max_size=40).map(b"".join))
def test_every_line_that_starts_with_a_dot_gets_another(message):
    assert _dot_stuffed(message) == reference(message)


def test_a_bare_line_feed_does_not_start_a_line():
    assert _dot_stuffed(b"a\n.b\r\n.c") == b"a\n.b\r\n..c\r\n.\r\n"


def test_a_message_its_sender_vouches_for_goes_out_unscanned():
    """The message factory writes no line that starts with a dot and says so: its copies
    get only the line that ends the data, not a scan."""
    assert _dot_stuffed(b"a\r\nb", dot_free=True) == b"a\r\nb\r\n.\r\n"
    assert _dot_stuffed(b"a\r\nb\r\n", dot_free=True) == b"a\r\nb\r\n.\r\n"
