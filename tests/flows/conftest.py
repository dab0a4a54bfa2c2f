from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():
    """One temporary Prefect server for every flow test: it takes seconds to start."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.testing.utilities import prefect_test_harness

    # A loaded CI machine can take well over the default 30 s to start the server.
    with prefect_test_harness(server_startup_timeout=120):
        yield
