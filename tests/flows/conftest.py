from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_harness(request):
    """One temporary Prefect server for every flow test: it takes seconds to start."""
    _check_grouped(request.session)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    # A loaded CI machine can take well over the default 30 s to start the server.
    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the marks into the node ids
def pytest_collection_modifyitems(items):
    """With pytest-xdist's --dist loadgroup, the flow tests share one worker and so one
    Prefect server."""
    flows = Path(__file__).parent
    for item in items:
        if flows in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("prefect"))


def _check_grouped(session) -> None:
    """Under --dist loadgroup the flow tests come to one worker, with the group in their ids.
    Without it each worker would start its own Prefect server and the README's schedule."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    flows = Path(__file__).parent
    loose = [item.nodeid for item in session.items if flows in item.path.parents and "@prefect" not in item.nodeid]
    if loose:
        pytest.fail(
            f"--dist loadgroup did not group the flow tests ({loose[0]} and {len(loose) - 1} more): "
            "pytest-xdist cannot suffix this pytest's node ids (pytest-xdist#1386)",
            pytrace=False,
        )


@pytest.fixture(scope="session", autouse=True)
def readme_early(request, tmp_path_factory):
    """The README's scheduling steps for test_readme.py, started with the first flow test
    when that file is to run, so that their waits (a Prefect server starting, a schedule
    firing) pass while the other flow tests run: `digest schedule` on a fresh clone, with its
    list sent every minute, and the work-pool steps on another, followed in a thread; and
    test_workers.py's Prefect server on PostgreSQL. The tests there check what came of them,
    and stop them; whatever is left is stopped here."""
    started: dict = {}
    names = {item.path.name for item in request.session.items}
    two_workers = any(
        item.path.name == "test_workers.py" and "two_workers" in item.name for item in request.session.items
    )
    try:
        if "test_readme.py" in names:
            from tests.flows import readme

            started["schedule"] = readme.start_schedule(tmp_path_factory.mktemp("readme-schedule"))
            started["work_pool"] = readme.start_work_pool(tmp_path_factory.mktemp("readme-work-pool"))
        if two_workers:
            # The "Beyond one machine" set-up of test_workers.py, up to its Prefect server on
            # PostgreSQL, whose start (half a minute of migrations) then passes meanwhile too.
            from tests.flows.test_workers import Cluster

            try:
                started["workers"] = Cluster.begin(tmp_path_factory.mktemp("workers"))
            except Exception:  # noqa: BLE001 - the test starts it again, and fails saying why
                started["workers"] = None
        yield started
    finally:
        for entry in started.values():
            if entry is not None:
                entry.stop()
