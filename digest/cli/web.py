"""`digest web`: the subscriber web service (one-click unsubscribe, subscribe with double
opt-in, preferences, the archive), served by uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from digest.cli import app, err, errors, out, state


@app.command()
def web(
    host: Annotated[str | None, typer.Option(help="Address to bind (default: [web] host, 127.0.0.1).")] = None,
    port: Annotated[
        int | None, typer.Option(min=0, max=65535, help="Port to listen on (default: [web] port, 8080; 0: any).")
    ] = None,
    proxy_headers: Annotated[
        bool,
        typer.Option(
            "--proxy-headers",
            help="Behind a reverse proxy: take the client address and scheme from its X-Forwarded-For and "
            "X-Forwarded-Proto (trusted from the addresses in FORWARDED_ALLOW_IPS, default 127.0.0.1).",
        ),
    ] = False,
) -> None:
    """Serve the pages readers reach from their messages: one-click unsubscribe (RFC 8058),
    subscribing with a confirmation message, preferences, and each list's archive and Atom
    feed. Links in messages point at [web] base_url; run it behind an HTTPS proxy there."""
    with errors():
        from digest.app.web import web_warnings
        from digest.web import serve_web

        settings = state.settings
        for warning in web_warnings(settings):
            err.print(f"digest: warning: {warning}", markup=False)

        def listening(where: str) -> None:
            public = settings.web.public_url
            shown = "" if public == where else f" (links in messages point at {public})"
            out.print(f"Serving the subscriber pages on {where}{shown} (Ctrl-C to stop)", markup=False)

        serve_web(settings, host=host, port=port, proxy_headers=proxy_headers, on_ready=listening)
