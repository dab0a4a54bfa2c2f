"""Subscriber import, streamed: a chunk at a time into the store, on SQLite and PostgreSQL.
Duplicates across chunks, bad rows in line order, all or nothing, importing again, the
status of readers already on the list, and memory that does not grow with the file."""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from digest.app import import_subscribers
from digest.config import ListSettings
from digest.models import ChangeSource, SubscriberChange, SubscriberStatus
from digest.subscribers import RowError, new_subscriber
from tests.helpers import LIST

CSV = (
    "email,name,city\n"  # 1
    "ana@example.org,Ana,Millbrook\n"  # 2
    "bob@example.org,Bob,Eastfield\n"  # 3
    "not-an-address,Nobody,Nowhere\n"  # 4
    "cy@example.org,Cy,Ashby\n"  # 5
    "dee@example.org,Dee,Wenlow\n"  # 6
    "ANA@example.org,Ana Again,Millbrook\n"  # 7: duplicate of 2, in a later chunk
    "eve@example.org,Eve\n"  # 8: one field short
    "Bob@Example.ORG,Bob Again,Eastfield\n"  # 9: duplicate of 3
    "fay@example.org,Fay,Northgate\n"  # 10
    "fay@EXAMPLE.org,Fay Again,Northgate\n"  # 11: duplicate of 10, in the same chunk
)
GOOD = ["ana@example.org", "bob@example.org", "cy@example.org", "dee@example.org", "fay@example.org"]


def run(store, source, *, skip_invalid: bool = False, chunk: int = 3, chosen: ListSettings = LIST):
    errors: list[RowError] = []
    result = import_subscribers(
        chosen, source, store=store, skip_invalid=skip_invalid, on_error=errors.append, chunk=chunk
    )
    return result, errors


def emails(store, list_name: str = "daily") -> list[str]:
    return [s.email for s in store.iter_subscribers(list_name)]


def test_bad_rows_and_duplicates_across_chunks_are_reported_in_line_order(store):
    result, errors = run(store, CSV)
    assert [(e.line, e.reason.split(":")[0]) for e in errors] == [
        (4, "not an email address"),
        (7, "duplicate of line 2"),
        (8, "expected 3 fields, found 2"),
        (9, "duplicate of line 3"),
        (11, "duplicate of line 10"),
    ]
    assert errors[1].reason == "duplicate of line 2: 'ANA@example.org'"
    assert (result.added, result.present, result.bad, result.imported) == (0, 0, 5, False)
    assert emails(store) == []  # all or nothing: the chunks staged before the bad rows are gone too
    again, _ = run(store, CSV, skip_invalid=True)  # nothing staged is left over on the connection
    assert (again.added, again.present) == (5, 0)


def test_skip_invalid_imports_the_first_of_each_address_in_file_order(store):
    result, errors = run(store, CSV, skip_invalid=True)
    assert (result.added, result.present, result.bad, result.imported) == (5, 0, 5, True)
    assert len(errors) == 5
    assert emails(store) == GOOD
    ana = store.subscriber("daily", "ana@example.org")
    assert (ana.name, dict(ana.attributes), ana.status, ana.version) == (
        "Ana",
        {"city": "Millbrook"},
        SubscriberStatus.ACTIVE,
        1,
    )
    [event] = store.subscriber_history("ana@example.org")
    assert (event.change, event.source) == (SubscriberChange.SUBSCRIBED, ChangeSource.IMPORT)


@pytest.mark.parametrize("chunk", [1, 2, 5000])
def test_importing_again_adds_nobody_whatever_the_chunks(store, chunk):
    text = "email,name\n" + "".join(f"r{i}@example.org,R {i}\n" for i in range(12))
    first, _ = run(store, text, chunk=chunk)
    again, errors = run(store, text, chunk=chunk)
    assert (first.added, first.present) == (12, 0)
    assert (again.added, again.present, again.stopped, again.bad, errors) == (0, 12, 0, 0, [])
    assert store.count_subscribers("daily") == 12
    assert len(store.subscriber_history("r7@example.org")) == 1  # subscribed once, recorded once


def test_readers_already_on_the_list_keep_their_status_and_take_the_new_details(store):
    store.add_subscribers(
        "daily",
        [new_subscriber("ana@example.org", name="Ana", attributes={"city": "Old"}), new_subscriber("bob@example.org")],
        at=datetime.now(UTC),
    )
    store.set_subscriber_status("daily", "ana@example.org", SubscriberStatus.UNSUBSCRIBED, at=datetime.now(UTC))
    store.set_subscriber_status("daily", "bob@example.org", SubscriberStatus.BOUNCED, at=datetime.now(UTC))
    result, errors = run(
        store, "email,name,city\nANA@example.org,Ana B,Millbrook\nbob@example.org,,\ncy@example.org,,\n"
    )
    assert (result.added, result.present, result.stopped, errors) == (1, 2, 2, [])
    ana = store.subscriber("daily", "ana@example.org")
    assert (ana.status, ana.version, ana.name, dict(ana.attributes)) == (
        SubscriberStatus.UNSUBSCRIBED,
        1,
        "Ana B",
        {"city": "Millbrook"},
    )
    bob = store.subscriber("daily", "bob@example.org")
    assert (bob.status, bob.name) == (SubscriberStatus.BOUNCED, "")  # an empty cell changes nothing
    assert [e.change for e in store.subscriber_history("ana@example.org")] == [
        SubscriberChange.SUBSCRIBED,
        SubscriberChange.UNSUBSCRIBED,
    ]


def test_a_removed_reader_imported_again_starts_above_their_old_links(store):
    run(store, "email\nana@example.org\n")
    store.set_subscriber_status("daily", "ana@example.org", SubscriberStatus.UNSUBSCRIBED, at=datetime.now(UTC))
    store.set_subscriber_status("daily", "ana@example.org", SubscriberStatus.ACTIVE, at=datetime.now(UTC))
    assert store.subscriber("daily", "ana@example.org").version == 2
    store.remove_subscriber("daily", "ana@example.org")
    result, _ = run(store, "email\nana@example.org\n")
    assert result.added == 1
    assert store.subscriber("daily", "ana@example.org").version == 3


def test_lists_are_apart(store):
    other = ListSettings(name="weekly", sender="Weekly <w@example.org>")
    run(store, "email\nana@example.org\n")
    result, _ = run(store, "email\nana@example.org\n", chosen=other)
    assert (result.added, result.present) == (1, 0)


def test_a_failure_half_way_writes_nothing_and_the_next_import_works(store):
    def lines() -> Iterator[str]:
        yield "email\n"
        for i in range(10):
            yield f"r{i}@example.org\n"
        raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")

    with pytest.raises(UnicodeDecodeError):
        run(store, lines())
    assert store.count_subscribers("daily") == 0
    result, _ = run(store, "email\nr1@example.org\n")
    assert result.added == 1


def generated(rows: int) -> Iterator[str]:
    """A CSV of `rows` distinct readers, made line by line: the file itself takes no memory."""
    header = ("email,name,city\n",)
    body = (f"reader.{i}@mail{i % 40}.example.org,Reader Number {i},Town {i % 13}\n" for i in range(rows))
    return itertools.chain(header, body)


def test_import_memory_does_not_grow_with_the_file(store):
    """Python's peak for 5x the rows stays within 1.5x (about 0.6 MB either way, in chunks
    of 500): the rows are staged a chunk at a time. Keeping every row would take several
    times as much, and even keeping every key would more than double it."""
    run(store, generated(1_000), chunk=500, chosen=ListSettings(name="warm", sender="W <w@example.org>"))
    peaks = {}
    for rows in (2_000, 10_000):
        chosen = ListSettings(name=f"l{rows}", sender="L <l@example.org>")
        tracemalloc.start()
        try:
            result, _ = run(store, generated(rows), chunk=500, chosen=chosen)
            peaks[rows] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert result.added == rows
    assert peaks[10_000] < 1.5 * peaks[2_000], peaks


def test_reading_the_file_leaves_the_store_free_for_other_writers(store):
    """The rows are staged on the import's own connection: another writer (a sender
    recording outcomes) goes on while a long file is read, and waits only for the apply."""

    def write_elsewhere(_duplicates) -> None:
        added, _ = store.add_subscribers("other", [new_subscriber(f"o{len(seen)}@example.org")], at=datetime.now(UTC))
        seen.append(added)

    seen: list[int] = []
    chunks = [[(2, new_subscriber("a@example.org"))], [(3, new_subscriber("b@example.org"))]]
    assert store.import_subscribers("daily", chunks, at=datetime.now(UTC), on_chunk=write_elsewhere) == (2, 0)
    assert seen == [1, 1]
    assert store.count_subscribers("other") == 2 and store.count_subscribers("daily") == 2


def test_two_imports_of_one_list_at_once_lose_nothing(store):
    """Both stage their rows, then apply at the same moment: the second sees the first's
    readers (as already subscribed) and gives them its names, instead of adding nobody."""
    import threading

    staged = [threading.Event(), threading.Event()]
    results: list[tuple[int, int]] = []

    def one_import(mine: int, name: str) -> None:
        def keep() -> bool:  # both are staged before either applies
            staged[mine].set()
            return staged[1 - mine].wait(10)

        chunks = [[(i + 2, new_subscriber(f"r{i}@example.org", name=name)) for i in range(300)]]
        results.append(store.import_subscribers("daily", chunks, at=datetime.now(UTC), keep=keep))

    threads = [threading.Thread(target=one_import, args=(n, f"Name {n}")) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [(0, 300), (300, 0)]
    # Every reader has the name of the import applied last, none a mix or a lost one.
    assert len({s.name for s in store.iter_subscribers("daily")}) == 1


def test_a_blank_attribute_cell_keeps_the_stored_value_and_a_given_one_replaces_it(store):
    first, _ = run(store, "email,name,city,plan\nana@example.org,Ann,Paris,gold\nbob@example.org,Bob,,\n")
    assert (first.added, dict(store.subscriber("daily", "bob@example.org").attributes)) == (2, {})
    again, errors = run(store, "email,name,city,plan\nANA@example.org,,,\n")
    assert (again.present, errors) == (1, [])
    ana = store.subscriber("daily", "ana@example.org")
    assert (ana.name, dict(ana.attributes)) == ("Ann", {"city": "Paris", "plan": "gold"})
    run(store, "email,city,plan\nana@example.org,Lyon,\n")
    assert dict(store.subscriber("daily", "ana@example.org").attributes) == {"city": "Lyon", "plan": "gold"}
    # The same through `subscribers add`'s path.
    store.add_subscribers(
        "daily", [new_subscriber("ana@example.org", attributes={"plan": "silver"})], at=datetime.now(UTC)
    )
    assert dict(store.subscriber("daily", "ana@example.org").attributes) == {"city": "Lyon", "plan": "silver"}
