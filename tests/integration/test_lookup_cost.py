"""Looking one reader up costs the same however long the list: by their key on every
list (the web pages, bounce intake), and the issues they were sent (a bounce's issues).
Measured as work, not time: SQLite's virtual-machine steps, or the rows PostgreSQL's
plans read (EXPLAIN ANALYZE), for a
reader of a list of 200 in a store of that list alone, then of a list of 20,000 added to
it, each list with an issue's ledger."""

from __future__ import annotations

import sqlalchemy as sa

from digest.store import Store, subscribers_table
from tests.integration.test_claim_cost import ledger_of, statement_work


def work(store: Store, call) -> int:
    """SQLite's steps (in hundreds) for `call`, or the rows of any table PostgreSQL's plans of its SELECTs read."""
    return statement_work(store, call, kind="SELECT", table=None)


def a_reader(store: Store, list_name: str) -> tuple[str, int]:
    """The key and id of the list's last reader."""
    s = subscribers_table
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(s.c.key, s.c.id).where(s.c.list_name == list_name).order_by(s.c.id.desc()).limit(1)
        ).one()
    return row.key, row.id


def test_one_reader_is_found_without_reading_the_list_or_the_ledgers(each_store):
    store = each_store
    cost: dict[str, dict[str, int]] = {}
    for size, readers in (("small", 200), ("large", 20_000)):  # the large list joins the small one's store
        ledger_of(store, readers, owed=readers)
        if store.engine.dialect.name == "postgresql":
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")  # the statistics autovacuum gathers
        name = f"list{readers}-{readers}"
        key, subscriber_id = a_reader(store, name)
        cost[size] = {
            "by key": work(store, lambda key=key: store.subscriptions(key)),
            "issues owed": work(store, lambda sid=subscriber_id: store.issues_owed_to(sid)),
        }
    for lookup in cost["small"]:
        small, large = cost["small"][lookup], cost["large"][lookup]
        # Reading the list or the ledgers would be about a hundred times the work.
        assert large < 1.5 * small + 20, (lookup, cost)
