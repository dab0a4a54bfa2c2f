"""A claim reads a bounded number of rows whatever the size of the ledger: the owed rows
are found through the partial index `ix_deliveries_owed`, never by reading past every row
already sent. Measured as work done, not time: SQLite's virtual-machine steps for one
claim, and the rows PostgreSQL's plan reads (EXPLAIN ANALYZE), with a small ledger and a
large one, 200 of their rows owed, and with one all owed.

The same for what follows a claim (its outcome written, its lease renewed, its release):
32 rows found by their key, whether the sender holds 200 rows or thousands.

The sizes differ by database. PostgreSQL's planner weighs the statistics of the rows
there, so its ledgers are as large as a list on which the plan matters: with a ledger of
10,000 rows it reads each issue's rows by the key, cheap at that size. SQLite's planner has
no statistics of these tables (the store collects them on PostgreSQL only), so its plan is
the same at any size, and one that reads past the sent rows or sorts every owed one does
work in proportion to them: several times the bound at SQLite's sizes here."""

from __future__ import annotations

import json
from datetime import timedelta
from functools import partial

import sqlalchemy as sa

from digest.config import ListSettings
from digest.models import DeliveryResult, DeliveryStatus, SubscriberStatus
from digest.store import Store, deliveries_table, subscribers_table
from digest.subscribers import new_subscriber
from tests.helpers import LIST, NOW, save_issue

OWED = 200
CLAIM = 100
# (small, large, all owed) ledgers for a claim, and (few, many) claims in flight for an outcome
CLAIM_LEDGERS = {"sqlite": (1_000, 15_000, 5_000), "postgresql": (2_000, 40_000, 20_000)}
IN_FLIGHT = {"sqlite": (200, 5_000), "postgresql": (200, 20_000)}


def readers_of(store: Store, list_name: str, total: int) -> None:
    """`total` active readers of `list_name`, written as rows in one statement (PostgreSQL)
    or one executemany (SQLite): the ledger's setting, not what is measured. (Through
    `add_subscribers`, which also keeps each one's history and checks each against the
    list, 60,000 take most of a minute on PostgreSQL.)"""
    people = [new_subscriber(f"{list_name}{i}@example.org", name=f"Reader {i}") for i in range(total)]
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "INSERT INTO subscribers (list_name, email, key, name, attributes, status, version, created_at,"
                    " updated_at) SELECT :list_name, email, key, name, CAST('{}' AS JSON), :status, 1, :now, :now"
                    " FROM unnest(CAST(:emails AS TEXT[]), CAST(:keys AS TEXT[]), CAST(:names AS TEXT[])) WITH ORDINALITY"
                    " AS people(email, key, name, n) ORDER BY n"
                ),
                {
                    "list_name": list_name,
                    "status": SubscriberStatus.ACTIVE.value,
                    "now": NOW,
                    "emails": [p.email for p in people],
                    "keys": [p.key for p in people],
                    "names": [p.name for p in people],
                },
            )
            return
        conn.execute(
            sa.insert(subscribers_table),
            [
                {
                    "list_name": list_name,
                    "email": p.email,
                    "key": p.key,
                    "name": p.name,
                    "attributes": {},
                    "status": SubscriberStatus.ACTIVE.value,
                    "version": 1,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for p in people
            ],
        )


def ledger_of(store: Store, total: int, *, owed: int = OWED) -> str:
    """An issue of its own list of `total` readers, all sent but the last `owed`."""
    name = f"list{total}-{owed}"
    readers_of(store, name, total)
    issue_id = save_issue(store, list_settings=ListSettings(name=name, title=name, sender=LIST.sender))
    issue_id = issue_id.rendered.digest.issue_id
    d = deliveries_table
    with store.engine.begin() as conn:
        cutoff = conn.execute(
            sa.select(d.c.subscriber_id)
            .where(d.c.issue_id == issue_id)
            .order_by(d.c.subscriber_id)
            .offset(total - owed)
            .limit(1)
        ).scalar_one()
        conn.execute(
            sa.update(d)
            .where(d.c.issue_id == issue_id, d.c.subscriber_id < cutoff)
            .values(status=DeliveryStatus.SENT.value, sent_at=NOW, attempts=1)
        )
    return issue_id


def sqlite_steps(store: Store, call) -> int:
    """Virtual-machine steps (in hundreds) SQLite runs for `call`'s statements."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    def install(conn, cursor, statement, parameters, context, executemany):
        conn.connection.driver_connection.set_progress_handler(count, 100)

    sa.event.listen(store.engine, "before_cursor_execute", install)
    try:
        call()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", install)
        with store.engine.connect() as conn:
            conn.connection.driver_connection.set_progress_handler(None, 100)
    return steps[0]


def claim_steps(store: Store, issue_id: str) -> int:
    """SQLite's steps (in hundreds) for one claim of CLAIM rows."""
    claimed: list = []
    steps = sqlite_steps(
        store, lambda: claimed.extend(store.claim(issue_id, limit=CLAIM, lease=60, now=NOW + timedelta(minutes=1)))
    )
    assert len(claimed) == CLAIM
    return steps


def postgres_rows_read(store: Store, issue_id: str) -> int:
    """Rows of the ledger the claim's plan reads."""
    statement = store._claim_statement(
        issue_id,
        limit=CLAIM,
        lease=60,
        now=NOW + timedelta(minutes=1),
        owner="t",
        subscribers=None,
        deferred_due=None,
    )
    compiled = statement.compile(store.engine, compile_kwargs={"literal_binds": True})
    with store.engine.connect() as conn:
        transaction = conn.begin()
        plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled}").scalar_one()
        transaction.rollback()
    return deliveries_rows_read(plan)


def deliveries_rows_read(plan, *, table: str | None = "deliveries") -> int:
    """What an EXPLAIN (ANALYZE, FORMAT JSON) plan read of the ledger (or of every table, with
    `table` None): each scan node's rows out plus those its filter removed."""
    plan = json.loads(plan) if isinstance(plan, str) else plan
    rows, nodes = 0, [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if "Scan" in node["Node Type"] and table in (None, node.get("Relation Name")):
            rows += node["Actual Rows"] * node.get("Actual Loops", 1) + node.get("Rows Removed by Filter", 0)
        nodes.extend(node.get("Plans", []))
    return rows


def test_a_claim_finds_the_owed_rows_without_reading_the_sent_ones(each_store):
    store = each_store
    small, large, fresh = CLAIM_LEDGERS[store.engine.dialect.name]
    ledgers = {
        "small": ledger_of(store, small),
        "large": ledger_of(store, large),  # all but 200 sent before the owed rows
        "fresh": ledger_of(store, fresh, owed=fresh),  # nothing sent yet: the first claim of a big list
    }
    if store.engine.dialect.name == "sqlite":
        work = {name: claim_steps(store, issue_id) for name, issue_id in ledgers.items()}
    else:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE deliveries")  # the sent rows' old versions gone, as autovacuum does
        work = {name: postgres_rows_read(store, issue_id) for name, issue_id in ledgers.items()}
        assert max(work.values()) <= 4 * CLAIM, work
    # Reading past the sent rows, or sorting every owed one, would be 10 to 20 times the work.
    assert work["large"] < 1.5 * work["small"] + 20 and work["fresh"] < 1.5 * work["small"] + 20, work


# ---------------------------------------------------------------- a claim's outcome


def in_flight_ledger(store: Store, total: int) -> str:
    """An issue of its own list of `total` readers, every delivery claimed by sender "t"."""
    issue_id = ledger_of(store, total, owed=total)
    while store.claim(issue_id, limit=5_000, lease=600, now=NOW, owner="t"):
        pass
    return issue_id


def statement_work(store: Store, call, *, kind: str = "UPDATE", table: str | None = "deliveries") -> int:
    """The work of the statements of `kind` that `call` runs: SQLite's virtual-machine steps
    (in hundreds), or the rows of `table` (None: of every table) PostgreSQL's plans read (each
    statement explained, with ANALYZE, in a transaction rolled back, before it runs for real)."""
    if store.engine.dialect.name == "sqlite":
        return sqlite_steps(store, call)
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(kind):
            captured.append((statement, parameters))

    sa.event.listen(store.engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", capture)
    rows = 0
    with store.engine.connect() as conn:
        for statement, parameters in captured:
            transaction = conn.begin()
            cursor = conn.connection.driver_connection.cursor()
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters)
            rows += deliveries_rows_read(cursor.fetchone()[0], table=table)
            transaction.rollback()
    return rows


def test_an_outcome_written_costs_the_same_however_many_claims_are_in_flight(each_store):
    """Recording, renewing or releasing 32 claims finds them by their key: the work does
    not grow with the other rows the sender holds (a fresh store has no planner statistics,
    and an index on the status would read every row in flight for each write)."""
    store = each_store
    few, many = IN_FLIGHT[store.engine.dialect.name]
    ledgers = {"few": in_flight_ledger(store, few), "many": in_flight_ledger(store, many)}
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE deliveries")
    d = deliveries_table
    work: dict[str, dict[str, int]] = {}
    for name, issue_id in ledgers.items():
        with store.engine.connect() as conn:
            ids = (
                conn.execute(
                    sa.select(d.c.subscriber_id).where(d.c.issue_id == issue_id).order_by(d.c.subscriber_id).limit(96)
                )
                .scalars()
                .all()
            )
        later = NOW + timedelta(minutes=1)
        results = [DeliveryResult(sid, DeliveryStatus.SENT, 250) for sid in ids[:32]]
        work[name] = {
            "record": statement_work(store, partial(store.record, issue_id, results, now=later, owner="t")),
            "renew": statement_work(store, partial(store.renew, issue_id, ids[32:64], owner="t", lease=600, now=later)),
            "release": statement_work(store, partial(store.release, issue_id, ids[64:96], now=later, owner="t")),
        }
        with store.engine.connect() as conn:
            states = dict(
                conn.execute(
                    sa.select(d.c.status, sa.func.count())
                    .where(d.c.issue_id == issue_id, d.c.subscriber_id.in_(ids))
                    .group_by(d.c.status)
                ).all()
            )
        assert states == {"sent": 32, "sending": 32, "pending": 32}, states
    for step in ("record", "renew", "release"):
        # Reading every row in flight would be 100 times the work.
        assert work["many"][step] < 1.5 * work["few"][step] + 20, (step, work)


def test_a_page_of_a_lists_readers_costs_the_same_however_long_the_list(tmp_path):
    """`subscribers list` pages through a list by id: on SQLite a page read by the
    (list_name, key) index had to read and sort the whole list (7 minutes for 2 million)."""
    import itertools

    from digest.subscribers import new_subscriber

    cost = {}
    for readers in (1_000, 10_000):
        with Store(f"sqlite:///{tmp_path / f'{readers}.db'}") as store:
            people = [new_subscriber(f"r{i:06d}@example.org") for i in range(readers)]
            store.add_subscribers("daily", people, at=NOW)
            store.add_subscribers("other", people[:500], at=NOW)
            cost[readers] = sqlite_steps(
                store, lambda s=store: list(itertools.islice(s.iter_subscribers("daily", batch=100), 100))
            )
    assert cost[10_000] < 2 * cost[1_000], cost
