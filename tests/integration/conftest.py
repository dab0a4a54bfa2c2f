from __future__ import annotations

import pytest

from digest.store import Store
from tests.fixtures import postgres_schema_url
from tests.smtp_server import smtp_server  # noqa: F401 - the fixture, for every test here


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """A fresh store on a SQLite file, and again in a new schema on the local PostgreSQL."""
    if request.param == "sqlite":
        with Store(f"sqlite:///{tmp_path / 'digest.db'}") as s:
            yield s
        return
    for url in postgres_schema_url():
        with Store(url) as s:
            yield s
