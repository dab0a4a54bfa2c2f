from __future__ import annotations

import pytest

from tests.smtp_server import smtp_server  # noqa: F401 - the fixture, for every test here


@pytest.fixture
def store(each_store):
    return each_store
