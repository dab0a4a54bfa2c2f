"""One web service per test module (uvicorn starts once), on a SQLite file store."""

from __future__ import annotations

import pytest

from tests.web.service import start_service, stop_service


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    running, _ = start_service(f"sqlite:///{folder / 'digest.db'}")
    yield running
    stop_service(running)
