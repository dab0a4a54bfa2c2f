"""Serving the web service with uvicorn: in the foreground (`digest web`), or in a
thread next to other work (`digest schedule`, the tests)."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from digest.config import Settings
from digest.errors import DigestError
from digest.store import Store
from digest.web.app import create_app

log = logging.getLogger(__name__)


class WebServer:
    """The service on `host`:`port` (default: [web] host and port; port 0: any free
    one), in a thread of its own: `start()`, `url`, `stop()`, or use it as a context
    manager. The socket is bound at once, so a port in use is a DigestError here."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str | None = None,
        port: int | None = None,
        proxy_headers: bool = False,
        store: Store | None = None,
    ) -> None:
        self.settings = settings
        self.host = host = host if host is not None else settings.web.host
        self.socket = bind(host, port if port is not None else settings.web.port)
        self.port = self.socket.getsockname()[1]
        try:
            app = create_app(settings, store=store)
        except BaseException:
            self.socket.close()
            raise
        self.app = app
        self.server = uvicorn.Server(_config(app, host=host, port=self.port, proxy_headers=proxy_headers))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> WebServer:
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="digest-web", daemon=True
        )
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise DigestError(f"the web service on {self.url} did not start")
            self._thread.join(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self.socket.close()

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_web(
    settings: Settings,
    *,
    host: str | None = None,
    port: int | None = None,
    proxy_headers: bool = False,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the service until SIGINT or SIGTERM (host and port default to [web]);
    `on_ready` gets the address once it listens. The setup's warnings (`web_warnings`)
    are the caller's to show."""
    host = host if host is not None else settings.web.host
    sock = bind(host, settings.web.port if port is None else port)
    bound = sock.getsockname()[1]
    try:
        app = create_app(settings)
        server = uvicorn.Server(_config(app, host=host, port=bound, proxy_headers=proxy_headers))
        if on_ready is not None:
            shown = f"[{host}]" if ":" in host else host
            on_ready(f"http://{shown}:{bound}")
        server.run(sockets=[sock])
    finally:
        sock.close()


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line DigestError naming the address and the cause."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError as exc:
        sock.close()
        raise DigestError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def _config(app, *, host: str, port: int, proxy_headers: bool) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,  # our logging, as configured by the command line
        access_log=False,  # uvicorn's would log the query string, where the tokens are
        proxy_headers=proxy_headers,  # uvicorn trusts FORWARDED_ALLOW_IPS (default 127.0.0.1)
        server_header=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=10,
        h11_max_incomplete_event_size=16 * 1024,
        http=HeadInTime,
        lifespan="on",
    )


# Seconds a connection has to send a whole request, head and body, from when it opens or
# its last answer ends. uvicorn has no such limit: a client sending nothing, a header a
# byte a second (slowloris) or a form's body a byte a second held its socket for ever, and
# enough of them use up the process's file descriptors.
REQUEST_SECONDS = 10.0
# Seconds answers may wait for a client that takes none of them (its buffers full) before
# the connection is closed: pipelined requests from a client that never reads held a
# socket and a task for ever.
STALLED_WRITE_SECONDS = 10.0
# What the client still owes while the request timer runs: its head, then its body.
_OWED = (h11.IDLE, h11.SEND_BODY)


class HeadInTime(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request (head and body) is
    not complete within REQUEST_SECONDS, or whose client has taken none of its answer for
    STALLED_WRITE_SECONDS."""

    _request_timer: asyncio.TimerHandle | None = None
    _write_timer: asyncio.TimerHandle | None = None

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            self._write_timer = self.loop.call_later(STALLED_WRITE_SECONDS, self._write_stalled)

    def resume_writing(self) -> None:
        self._stop_write_timer()
        super().resume_writing()

    def _stop_write_timer(self) -> None:
        if self._write_timer is not None:
            self._write_timer.cancel()
            self._write_timer = None

    def _write_stalled(self) -> None:
        self._write_timer = None
        if not self.transport.is_closing():
            self.transport.abort()  # close() would wait for the buffered answer to be taken

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_request()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._await_request()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._await_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_request_timer()
        self._stop_write_timer()
        super().connection_lost(exc)

    def _await_request(self) -> None:
        """The timer runs while the client owes a request's head or body (h11's IDLE and
        SEND_BODY), and only then: one timer for both, so a request cannot take 10 s for
        its head and then as long again for each byte of its body."""
        if self.conn.their_state not in _OWED or self.transport.is_closing():
            self._stop_request_timer()
        elif self._request_timer is None:
            self._request_timer = self.loop.call_later(REQUEST_SECONDS, self._request_too_late)

    def _stop_request_timer(self) -> None:
        if self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def _request_too_late(self) -> None:
        self._request_timer = None
        if self.conn.their_state in _OWED and not self.transport.is_closing():
            self.transport.close()
