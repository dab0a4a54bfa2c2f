"""Confirmation messages sent after the answer, by a few threads of the service's own.

A slow or refusing mail server then delays no page (the shared thread pool every route
uses is never held by SMTP), and the answer to the form is the same whatever the server
said: how long it took or what it answered tells nothing about an address.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from digest.app.sending import smtp_target
from digest.app.subscribing import ConfirmationMail, send_confirmation
from digest.config import Settings
from digest.errors import DigestError
from digest.store import Store
from digest.text import hide_mailboxes

log = logging.getLogger(__name__)

MAIL_THREADS = 4
DRAIN_SECONDS = 10.0  # at shutdown, how long the messages still queued may take


class Outbox:
    def __init__(self, settings: Settings, store: Store, *, threads: int = MAIL_THREADS) -> None:
        self.settings = settings
        self.store = store
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="digest-confirmations")
        self._pending = 0
        self._idle = threading.Condition()
        # The local capture server (no [smtp] host) is kept from the first message to the
        # service's end: started and stopped for each message, it could vanish under a
        # `digest send` of another process that found it listening and used it.
        self._held = contextlib.ExitStack()
        self._holding = threading.Lock()
        self._target_held = False

    def post(self, mail: ConfirmationMail) -> None:
        with self._idle:
            self._pending += 1
        self._pool.submit(self._send, mail)

    def _send(self, mail: ConfirmationMail) -> None:
        try:
            self._hold_target()
            send_confirmation(self.settings, mail, store=self.store)
        except DigestError as exc:
            log.warning("web: a confirmation message for %s was not sent: %s", mail.list_name, hide_mailboxes(str(exc)))
        except Exception as exc:  # noqa: BLE001 -- a thread of its own: nothing above it would log it
            log.error(
                "web: a confirmation message for %s failed: %s: %s",
                mail.list_name,
                type(exc).__name__,
                hide_mailboxes(str(exc)),
            )
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait(self, timeout: float | None = None) -> bool:
        """Whether every message posted so far has been sent (or failed) within `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _hold_target(self) -> None:
        with self._holding:
            if not self.settings.smtp.host and not self._target_held:
                self._held.enter_context(smtp_target(self.settings))
                self._target_held = True

    def close(self, *, drain: float = DRAIN_SECONDS) -> None:
        """Send what is queued, for up to `drain` seconds (a restart should not drop the
        confirmations readers were told of); what is left then is dropped, and counted
        (its reader asks again)."""
        self.wait(timeout=drain)
        self._pool.shutdown(wait=True, cancel_futures=True)
        with self._idle:
            dropped, self._pending = self._pending, 0
        with self._holding:
            self._held.close()
            self._target_held = False
        if dropped:
            log.warning("web: %d confirmation message(s) not sent within %g s of the service stopping", dropped, drain)
