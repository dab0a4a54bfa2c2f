from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.fixtures import each_store, full_disk, http_server, sqlite_store, store  # noqa: F401 - shared by every folder

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SHARED_DATA = SHARED / "data"
SHARED_SEEDS = SHARED / "seeds"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            pass
    except OSError:
        return False
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
def shared_seeds() -> Path:
    if not SHARED_SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    return SHARED_SEEDS
