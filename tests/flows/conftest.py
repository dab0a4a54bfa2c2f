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
