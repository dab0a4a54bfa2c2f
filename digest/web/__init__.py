"""The subscriber-facing web service: one-click unsubscribe (RFC 8058), subscribing with
double opt-in, preferences, and the archive with its Atom feed.

A face over the use cases in `digest.app`, like the command line and the flows. It
needs Starlette and uvicorn; nothing else in `digest` imports it, so the commands that do
not serve the web never load them. `serve_web` runs it in the foreground; `WebServer`
runs it in a thread (for `digest schedule`, and the tests).
"""

from __future__ import annotations

from digest.web.app import create_app
from digest.web.server import WebServer, serve_web

__all__ = ["WebServer", "create_app", "serve_web"]
