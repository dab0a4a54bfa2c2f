"""What the web service keeps in the store, on SQLite and PostgreSQL: rate-limit counts
that many processes add to at once without losing one, confirmation links that work
once however many times they are followed at the same moment, and the history."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from digest.models import ChangeSource, SubscriberChange, SubscriberStatus
from digest.store import Confirmation
from digest.subscribers import new_subscriber
from tests.helpers import NOW


@pytest.fixture
def store(each_store):
    return each_store


def test_concurrent_hits_are_all_counted_and_old_windows_go(store):
    hour = timedelta(hours=1)
    with ThreadPoolExecutor(8) as pool:
        counts = list(pool.map(lambda _: store.count_hit("client/abc", at=NOW, window=hour), range(80)))
    assert sorted(counts) == list(range(1, 81))  # every hit saw its own count: none lost, none twice
    # The window slides: the burst still counts just after the hour turns, and less as it goes by.
    assert store.count_hit("client/abc", at=NOW + hour, window=hour) == 1 + 80
    assert store.count_hit("client/abc", at=NOW + hour * 1.75, window=hour) == 2 + 20
    assert store.count_hit("client/abc", at=NOW + hour * 2.5, window=hour) == 1 + 1  # ceil(2 * 0.5)
    assert store.count_hit("client/other", at=NOW + 5 * hour, window=hour) == 1
    import sqlalchemy as sa

    from digest.store import rate_limits_table

    with store.engine.connect() as conn:
        left = conn.execute(sa.select(rate_limits_table.c.bucket)).scalars().all()
    assert [b.split("@")[0] for b in left] == ["client/other"]  # ended windows were dropped


def test_a_confirmation_followed_many_times_at_once_confirms_once(store):
    reader = new_subscriber("zoe@example.org", name="Zoe")
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(lambda _: store.confirm_subscriber("daily", reader, version=0, at=NOW), range(6)))
    assert outcomes.count(Confirmation.CONFIRMED) == 1
    assert set(outcomes) <= {Confirmation.CONFIRMED, Confirmation.OUTDATED, Confirmation.ALREADY_ACTIVE}
    assert store.subscriber("daily", reader.key).version == 1
    changes = [e.change for e in store.subscriber_history(reader.key)]
    assert changes == [SubscriberChange.SUBSCRIBED]


def test_a_removed_reader_cannot_come_back_through_an_old_confirmation(store):
    reader = new_subscriber("ada@example.org")
    assert store.confirm_subscriber("daily", reader, version=0, at=NOW) is Confirmation.CONFIRMED
    assert store.remove_subscriber("daily", reader.key, at=NOW)
    assert store.confirm_subscriber("daily", reader, version=0, at=NOW) is Confirmation.OUTDATED
    assert store.token_version("daily", reader.key) == 1  # a new link starts above the old ones
    assert store.confirm_subscriber("daily", reader, version=1, at=NOW) is Confirmation.CONFIRMED
    assert store.subscriber("daily", reader.key).version == 2


def test_status_changes_are_recorded_once_with_their_source(store):
    store.add_subscribers("daily", [new_subscriber("bea@example.org")], at=NOW)
    for _ in range(2):
        store.set_subscriber_status(
            "daily", "bea@example.org", SubscriberStatus.UNSUBSCRIBED, at=NOW, source=ChangeSource.ONE_CLICK
        )
    store.set_subscriber_status("daily", "bea@example.org", SubscriberStatus.ACTIVE, at=NOW, source=ChangeSource.PAGE)
    store.set_subscriber_status("daily", "bea@example.org", SubscriberStatus.BOUNCED, at=NOW)
    history = [(e.change, e.source) for e in store.subscriber_history("bea@example.org")]
    assert history == [
        (SubscriberChange.SUBSCRIBED, ChangeSource.IMPORT),
        (SubscriberChange.UNSUBSCRIBED, ChangeSource.ONE_CLICK),
        (SubscriberChange.RESUBSCRIBED, ChangeSource.PAGE),
        (SubscriberChange.BOUNCED, ChangeSource.OPERATOR),
    ]
    assert store.subscriber("daily", "bea@example.org").version == 2  # back on the list: a new version
