"""The fault, bad-input and attack tests use the shared helpers and fixtures
(tests/helpers.py, tests/fixtures.py) and a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from tests.helpers import (  # noqa: F401 - the fault tests import these from here
    DAY,
    FAST,
    LIST,
    NOW,
    REPO,
    SECRET,
    SHARED_DATA,
    digest_cli,
    integrity,
    report,
    save_issue,
    send,
    sent_in_ledger,
    subscribe,
)
from tests.smtp_server import smtp_server  # noqa: F401
