"""A local SMTP server (aiosmtpd) on a socket bound up front, in a thread of its own: the
base of the capture sink and the bounce listener."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Callable
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from digest.errors import DeliveryError

log = logging.getLogger(__name__)

_READY_TIMEOUT = 5.0


def address(host: str, port: int) -> str:
    """`host:port`, with an IPv6 address in brackets (`[::1]:2525`)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def on_sigterm(callback) -> Any:
    """Install a SIGTERM handler; returns the old one, or None off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda signum, frame: callback())


class _BoundController(Controller):
    """A Controller serving on a socket we bound ourselves.

    Binding up front gives the real port before the thread starts (aiosmtpd's
    own readiness probe would otherwise dial port 0) and turns "address in use"
    into an immediate error instead of a ready_timeout wait.
    """

    def __init__(self, handler: Any, *, sock: socket.socket, max_sessions: int = 0, **kwargs: Any) -> None:
        host, port = sock.getsockname()[:2]
        super().__init__(handler, hostname=host, port=port, **kwargs)
        self._sock = sock
        self._max_sessions = max_sessions
        self._sessions: set[SMTP] = set()

    def factory(self) -> SMTP:
        if not self._max_sessions:
            return super().factory()
        return _CountedSMTP(self.handler, sessions=self._sessions, limit=self._max_sessions, **self.SMTP_kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class _CountedSMTP(SMTP):
    """An SMTP session that counts itself among the server's open ones and, beyond
    `limit` of them, answers 421 (try again later) and hangs up: each session may hold a
    message of up to the size limit in memory while it comes in."""

    def __init__(self, handler: Any, *, sessions: set[SMTP], limit: int, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._open_sessions = sessions
        self._limit = limit

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._open_sessions.add(self)
        if len(self._open_sessions) > self._limit:
            if self._handler_coroutine is not None:
                self._handler_coroutine.cancel()  # not started yet: no greeting goes out
            transport.write(b"421 4.3.2 Too many connections at once, try again later\r\n")
            transport.close()

    def connection_lost(self, error: Exception | None) -> None:
        self._open_sessions.discard(self)
        super().connection_lost(error)


def bind(host: str, port: int, *, what: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(100)
    except OSError as err:
        sock.close()
        reason = err.strerror or str(err)
        raise DeliveryError(f"{what} cannot listen on {address(host, port)}: {reason}") from err
    return sock


class _NoBodyLogs(logging.Filter):
    """aiosmtpd logs every DATA line at DEBUG; message bodies must never reach the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("DATA readline")


_aiosmtpd_log = logging.getLogger("mail.log")
if not any(isinstance(f, _NoBodyLogs) for f in _aiosmtpd_log.filters):
    _aiosmtpd_log.addFilter(_NoBodyLogs())
# Its INFO lines are a line or two per connection ("connection lost"), hundreds in a -v send.
_aiosmtpd_log.setLevel(logging.WARNING)


class LocalSmtpServer:
    """`with Server(...) as server:` serves `handler` on `server.port` until the block
    ends; a busy port or a failed start is one DeliveryError naming `what` and the
    address. `server_hostname` is given so aiosmtpd skips socket.getfqdn(), which can
    block on DNS."""

    what = "SMTP server"

    def __init__(
        self, *, host: str, port: int, server_hostname: str, data_size_limit: int, max_sessions: int = 0
    ) -> None:
        self.host = host
        self._port = port
        self._server_hostname = server_hostname
        self._data_size_limit = data_size_limit
        self._max_sessions = max_sessions  # 0: no limit
        self._controller: _BoundController | None = None

    @property
    def port(self) -> int:
        return self._port

    def handler(self) -> Any:
        raise NotImplementedError

    def start(self) -> Self:
        if self._controller is not None:
            return self
        handler = self.handler()
        sock = bind(self.host, self._port, what=self.what)
        self._port = sock.getsockname()[1]
        controller = _BoundController(
            handler,
            sock=sock,
            max_sessions=self._max_sessions,
            server_hostname=self._server_hostname,
            ready_timeout=_READY_TIMEOUT,
            data_size_limit=self._data_size_limit,
            enable_SMTPUTF8=True,
        )
        try:
            controller.start()
        except Exception as err:
            controller.stop(no_assert=True)
            sock.close()
            raise DeliveryError(f"{self.what} failed to start on {address(self.host, self._port)}: {err}") from err
        self._controller = controller
        return self

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
            log.info("%s on %s stopped", self.what, address(self.host, self._port))

    def serve_until_stopped(self, *, on_ready: Callable[[str], None] | None = None) -> bool:
        """Serve in the foreground until Ctrl-C or SIGTERM; whether Ctrl-C stopped it.
        `on_ready` gets the address (`host:port`, the real port when the port was 0) once
        it listens, and is not called when it cannot listen (a DeliveryError naming the
        address and the cause)."""
        stopping = threading.Event()
        previous = on_sigterm(stopping.set)
        try:
            with self:
                if on_ready is not None:
                    on_ready(address(self.host, self.port))
                stopping.wait()
        except KeyboardInterrupt:
            return True
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return False

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
