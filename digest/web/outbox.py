"""Confirmation messages sent after the answer, by a few threads of the service's own.

A slow or refusing mail server then delays no page (the shared thread pool every route
uses is never held by SMTP), and the answer to the form is the same whatever the server
said: how long it took or what it answered tells nothing about an address. Each thread
keeps its connection between messages, so a burst of sign-ups pays for one greeting, TLS
handshake and login a thread; a connection idle for `IDLE_SECONDS` is closed.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading

from digest.app.mailing import Mailer
from digest.app.sending import smtp_target
from digest.app.subscribing import ConfirmationMail, send_confirmation
from digest.config import Settings
from digest.errors import DigestError
from digest.store import Store
from digest.text import hide_mailboxes

log = logging.getLogger(__name__)

MAIL_THREADS = 4
DRAIN_SECONDS = 10.0  # at shutdown, how long the messages still queued may take
IDLE_SECONDS = 30.0  # a connection without a message for this long is closed (servers close at 60-300 s)


class Outbox:
    def __init__(
        self, settings: Settings, store: Store, *, threads: int = MAIL_THREADS, idle: float = IDLE_SECONDS
    ) -> None:
        self.settings = settings
        self.store = store
        self._idle_seconds = idle
        self._queue: queue.SimpleQueue[ConfirmationMail | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"digest-confirmations-{n}", daemon=True) for n in range(threads)
        ]
        self._pending = 0
        self._started = False
        self._dropping = False  # set at shutdown, once the drain time is up
        self._dropped = 0
        self._idle = threading.Condition()
        # The local capture server (no [smtp] host) is kept from the first message to the
        # service's end: started and stopped for each message, it could vanish under a
        # `digest send` of another process that found it listening and used it.
        self._held = contextlib.ExitStack()
        self._holding = threading.Lock()
        self._target_held = False

    def post(self, mail: ConfirmationMail) -> None:
        with self._idle:
            if self._dropping:
                log.warning("web: a confirmation message for %s was not sent: the service is stopping", mail.list_name)
                return
            self._pending += 1
            if not self._started:
                self._started = True
                for thread in self._threads:
                    thread.start()
            self._queue.put(mail)  # under the lock: never behind the stop marks close() queues

    def _work(self) -> None:
        mailer: Mailer | None = None
        try:
            while True:
                try:
                    mail = self._queue.get(timeout=self._idle_seconds if mailer is not None else None)
                except queue.Empty:
                    self._closed(mailer)
                    mailer = None
                    continue
                if mail is None:
                    return
                mailer = self._send(mail, mailer)
        finally:
            self._closed(mailer)

    def _send(self, mail: ConfirmationMail, mailer: Mailer | None) -> Mailer | None:
        try:
            if self._dropping:
                with self._idle:
                    self._dropped += 1
                return mailer
            self._hold_target()
            mailer = mailer or Mailer(self.settings)
            send_confirmation(self.settings, mail, store=self.store, mailer=mailer)
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
        return mailer

    @staticmethod
    def _closed(mailer: Mailer | None) -> None:
        if mailer is None:
            return
        try:
            mailer.close()
        except Exception as exc:  # noqa: BLE001 -- the connection is going anyway
            log.debug("web: closing a confirmation connection: %s", exc)

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
        with self._idle:
            self._dropping = True
            started = self._threads if self._started else []
            for _ in started:
                self._queue.put(None)
        for thread in started:
            thread.join()
        with self._idle:
            dropped, self._dropped, self._pending = self._dropped, 0, 0
        with self._holding:
            self._held.close()
            self._target_held = False
        if dropped:
            log.warning("web: %d confirmation message(s) not sent within %g s of the service stopping", dropped, drain)
