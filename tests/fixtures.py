"""Fixtures every test folder shares: a SQLite file store and a real HTTP server on
127.0.0.1 (`each_store` runs on PostgreSQL too; tests/integration makes it its `store`)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from digest.store import Store
from tests.integration import httpserver


@pytest.fixture
def sqlite_store(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'digest.db'}") as s:
        yield s


@pytest.fixture
def store(sqlite_store):
    return sqlite_store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def each_store(request, tmp_path):
    """A fresh store on a SQLite file, and again in a new schema on the local PostgreSQL."""
    if request.param == "sqlite":
        with Store(f"sqlite:///{tmp_path / 'digest.db'}") as s:
            yield s
        return
    for url in postgres_schema_url():
        with Store(url) as s:
            yield s


@pytest.fixture
def http_server():
    server, stop = httpserver.start()
    yield server
    stop()


def postgres_schema_url():
    """A URL on a new schema of the local PostgreSQL, dropped afterwards (a generator for
    fixtures to `yield from`); skips where the server is not reachable."""
    from tests.conftest import POSTGRES_URL, postgres_reachable

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
        # The application name lets a test find (and kill) the connections of this schema.
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def full_disk(tmp_path):
    """A small file system of its own (tmpfs; needs root), filled up by the test."""
    import os
    import subprocess

    mount = tmp_path / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)]).returncode:
        pytest.skip("needs root to mount a small tmpfs")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def fill(folder) -> None:
    """Write into `folder` until its file system is full."""
    import os

    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
