from __future__ import annotations

import pytest

from tests.integration import httpserver


@pytest.fixture
def http_server():
    server, stop = httpserver.start()
    yield server
    stop()
