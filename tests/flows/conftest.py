from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():
    """One temporary Prefect server for every flow test: it takes seconds to start."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    # A loaded CI machine can take well over the default 30 s to start the server.
    with prefect_test_harness(server_startup_timeout=120):
        yield


def pytest_collection_modifyitems(items):
    """With pytest-xdist's --dist loadgroup, the flow tests share one worker and so one
    Prefect server."""
    flows = Path(__file__).parent
    for item in items:
        if flows in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("prefect"))


@pytest.fixture(scope="session", autouse=True)
def readme_early(request, tmp_path_factory):
    """The README's scheduling steps for test_readme.py, started with the first flow test
    when that file is to run, so that their waits (a Prefect server starting, a schedule
    firing) pass while the other flow tests run: `digest schedule` on a fresh clone, with its
    list sent every minute, and the work-pool steps on another, followed in a thread. The
    tests there check what came of them, and stop them; whatever is left is stopped here."""
    started: dict = {}
    if not any(item.path.name == "test_readme.py" for item in request.session.items):
        yield started
        return
    from tests.flows import readme

    try:
        started["schedule"] = readme.start_schedule(tmp_path_factory.mktemp("readme-schedule"))
        started["work_pool"] = readme.start_work_pool(tmp_path_factory.mktemp("readme-work-pool"))
        yield started
    finally:
        for entry in started.values():
            entry.clone.stop_all()
