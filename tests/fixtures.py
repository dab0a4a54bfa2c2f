"""Fixtures every test folder shares: a SQLite file store and a real HTTP server on
127.0.0.1 (tests/integration overrides `store` to run on PostgreSQL too)."""

from __future__ import annotations

import pytest

from digest.store import Store
from tests.integration import httpserver


@pytest.fixture
def sqlite_store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as s:
        yield s


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


@pytest.fixture
def http_server():
    server, stop = httpserver.start()
    yield server
    stop()
