"""Reading a subscriber CSV a record at a time, and the quick path of the address rule
that makes a million rows affordable: it must give exactly what the full check gives."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import example, given, strategies as st

from digest import subscribers
from digest.errors import SubscriberError
from digest.subscribers import CsvRow, RowError, clean_name, normalise_email, read_subscriber_csv


def test_rows_come_one_by_one_in_file_order():
    rows = list(read_subscriber_csv("email,name\nana@example.org,Ana\nbob@,Bob\n\nANA@example.org,Again\n"))
    assert [type(r) for r in rows] == [CsvRow, RowError, CsvRow]
    assert [r.line for r in rows] == [2, 3, 5]
    assert rows[0].subscriber.name == "Ana"
    assert rows[2].subscriber.key == "ana@example.org"  # duplicates are the caller's to find


def test_reading_is_lazy():
    """A row is read when it is asked for, not before: the file is never held whole."""
    read = []

    def lines() -> Iterator[str]:
        for line in ["email\n", "a@example.org\n", "b@example.org\n", "c@example.org\n"]:
            read.append(line)
            yield line

    rows = read_subscriber_csv(lines())
    assert read == ["email\n"]  # the header, read before any row is asked for
    assert next(rows).line == 2
    assert len(read) == 2


def test_an_unusable_header_is_raised_before_any_row():
    def lines() -> Iterator[str]:
        yield "name,city\n"
        raise AssertionError("read past the header")

    with pytest.raises(SubscriberError, match="no 'email' column"):
        read_subscriber_csv(lines())


class _HugeLineFile:
    """A CSV file, as open() gives it, with a line of `size` characters (a gigabyte, say),
    made as it is read: it lets itself be read a line at a time only with a size."""

    def __init__(self, size: int, *, quote: bool = False, header: bool = True) -> None:
        head = ["email,name\n", "ok@example.org,Ok\n"] if header else []
        opened = ['spoof@example.org,"'] if quote else []
        closed = ['x",tail\n'] if quote else []
        self._segments: list[str | int] = [*head, *opened, size, "\n", *closed, "last@example.org,Last\n"]
        self.largest = 0  # characters asked for at once

    def __iter__(self):
        raise AssertionError("read a whole line, however long, into memory")

    def readline(self, size: int = -1) -> str:
        assert size > 0, "read a whole line, however long, into memory"
        self.largest = max(self.largest, size)
        out: list[str] = []
        room = size
        while room and self._segments and not (out and out[-1].endswith("\n")):
            segment = self._segments[0]
            if isinstance(segment, int):  # that many characters of one line
                taken = min(segment, room)
                out.append("a" * taken)
                rest: str | int = segment - taken
            else:
                taken = min(segment.find("\n") + 1 or len(segment), room)
                out.append(segment[:taken])
                rest = segment[taken:]
            room -= taken
            if rest:
                self._segments[0] = rest
            else:
                self._segments.pop(0)
        return "".join(out)


@pytest.mark.parametrize("quote", [False, True])
def test_a_gigantic_line_is_a_bad_row_read_past_in_bounded_memory(quote):
    """A line of a gigabyte (a file that is no CSV, a broken export) is one bad row, read
    past in pieces: memory stays bounded, and a quote it opens is closed where its field
    ends, as for a field too long for the csv reader."""
    huge = _HugeLineFile(1 << 30, quote=quote)
    rows = list(read_subscriber_csv(huge))
    assert [type(r) for r in rows] == [CsvRow, RowError, CsvRow]
    assert rows[1].line == 3 and "longer than" in rows[1].reason
    assert [r.subscriber.email for r in rows if isinstance(r, CsvRow)] == ["ok@example.org", "last@example.org"]
    assert rows[2].line == (5 if quote else 4)
    assert huge.largest <= 1 << 21


def test_a_gigantic_header_is_an_unusable_header():
    huge = _HugeLineFile(1 << 30, header=False)
    with pytest.raises(SubscriberError, match=r"\(line 1\): unreadable header \(.*longer than"):
        read_subscriber_csv(huge)


def full_check(address: str, monkeypatch) -> object:
    with monkeypatch.context() as patched:
        patched.setattr(subscribers, "_quick_address", lambda _address: None)
        try:
            return normalise_email(address)
        except SubscriberError as error:
            return str(error)


def outcome(address: str) -> object:
    try:
        return normalise_email(address)
    except SubscriberError as error:
        return str(error)


@pytest.mark.parametrize(
    "address",
    [
        "ana@example.org",
        "Ana.B+news@Example.ORG",
        "Postmaster@Example.org",  # an RFC 2142 name: the full check lower-cases it
        "INFO@example.org",
        "a@xn--bcher-kva.example",
        "a@localhost",
        "a@example.invalid",
        "a@-x.example.org",
        "a@x_y.example.org",
        "a..b@example.org",
        ".a@example.org",
        "a@example.org.",
        "a@example..org",
        "a@123.example.456",
        "x" * 64 + "@example.org",
        "x" * 65 + "@example.org",
        "a@" + ".".join(["x" * 63] * 3) + "." + "x" * 57,  # 254 octets in all
        "a@" + ".".join(["x" * 63] * 3) + "." + "x" * 58,
        "abc@" + "d" * 64 + ".org",
        "a@b",
        "a@1.2.3.4",
    ],
)
def test_the_quick_path_gives_what_the_full_check_gives(address, monkeypatch):
    assert outcome(address) == full_check(address, monkeypatch)
    assert outcome(address) == full_check(address, monkeypatch)  # and again, its domain cached


ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-."


@given(
    local=st.text(alphabet=ATEXT, min_size=1, max_size=70),
    domain=st.text(alphabet="abcxyzAZ09-.", min_size=1, max_size=30),
)
@example(local="postmaster", domain="example.org")
@example(local="a", domain="xn--bcher-kva.example")
def test_the_quick_path_agrees_on_generated_addresses(local, domain):
    address = f"{local}@{domain}"
    with pytest.MonkeyPatch.context() as patched:
        quick = outcome(address)
        patched.setattr(subscribers, "_quick_address", lambda _address: None)
        assert quick == outcome(address)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_names_of_printable_ascii_are_cleaned_as_before(name):
    slow = "".join(" " if c.isspace() and not c.isprintable() else c for c in name if c.isprintable() or c.isspace())
    assert clean_name(name) == slow.strip()[:200].rstrip()


@pytest.mark.parametrize(
    "text",
    [
        "email;name;city\nana@example.org;Ana;Paris, 7e\nbob@example.org;Bob;Lyon\n",
        "Email\tName\tcity\nana@example.org\tAna\tParis, 7e\nbob@example.org\tBob\tLyon\n",
        'sep=;\r\n"email";"name";"city"\r\nana@example.org;Ana;"Paris, 7e"\r\nbob@example.org;Bob;Lyon\r\n',
        "sep=\t\nemail\tname\tcity\nana@example.org\tAna\tParis, 7e\nbob@example.org\tBob\tLyon\n",
    ],
    ids=["semicolons", "tabs", "excel sep line", "excel sep tab"],
)
def test_a_spreadsheet_saved_with_semicolons_or_tabs_is_read(text):
    rows = list(read_subscriber_csv(text))
    assert [(r.subscriber.email, r.subscriber.name, dict(r.subscriber.attributes)) for r in rows] == [
        ("ana@example.org", "Ana", {"city": "Paris, 7e"}),
        ("bob@example.org", "Bob", {"city": "Lyon"}),
    ]
    first_data_line = 3 if text.startswith("sep=") else 2
    assert rows[0].line == first_data_line
