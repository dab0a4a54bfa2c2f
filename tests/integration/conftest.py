from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from digest.store import Store
from tests.conftest import POSTGRES_URL, postgres_reachable
from tests.smtp_server import smtp_server  # noqa: F401 - the fixture, for every test here


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    """A fresh store on a SQLite file, and again in a new schema on the local PostgreSQL."""
    if request.param == "sqlite":
        with Store(f"sqlite:///{tmp_path / 'digest.db'}") as s:
            yield s
        return
    if not postgres_reachable():
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        pytest.skip(f"PostgreSQL unusable: {exc}")
    try:
        with Store(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}") as s:
            yield s
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
