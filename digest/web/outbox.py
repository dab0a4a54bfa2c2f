"""Confirmation messages sent after the answer, by a few threads of the service's own.

A slow or refusing mail server then delays no page (the shared thread pool every route
uses is never held by SMTP), and the answer to the form is the same whatever the server
said: how long it took or what it answered tells nothing about an address.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from digest.app.subscribing import ConfirmationMail, send_confirmation
from digest.config import Settings
from digest.errors import DigestError
from digest.store import Store

log = logging.getLogger(__name__)

MAIL_THREADS = 4


class Outbox:
    def __init__(self, settings: Settings, store: Store, *, threads: int = MAIL_THREADS) -> None:
        self.settings = settings
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="digest-confirmations")
        self._pending = 0
        self._idle = threading.Condition()

    def post(self, mail: ConfirmationMail) -> None:
        with self._idle:
            self._pending += 1
        self._pool.submit(self._send, mail)

    def _send(self, mail: ConfirmationMail) -> None:
        try:
            send_confirmation(self.settings, mail, store=self.store)
        except DigestError as exc:
            log.warning("web: a confirmation message for %s was not sent: %s", mail.list_name, exc)
        except Exception as exc:  # noqa: BLE001 -- a thread of its own: nothing above it would log it
            log.error("web: a confirmation message for %s failed: %s: %s", mail.list_name, type(exc).__name__, exc)
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether every message posted so far has been sent (or failed) within `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Send what is being sent; what waits for a thread is dropped (its reader asks again)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._idle:
            dropped, self._pending = self._pending, 0
        if dropped:
            log.warning("web: %d confirmation message(s) not sent: the service stopped", dropped)
