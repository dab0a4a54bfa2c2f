"""See a digest before anyone gets it: a standalone file, or a small local web server.

The server answers only its own routes (never files from disk), binds to
127.0.0.1 unless told otherwise, and re-renders when a template changes; the
index page polls /version and reloads itself.

It answers only requests addressed to it by name, so a web page whose domain
is re-pointed at 127.0.0.1 (DNS rebinding) cannot read the preview or the
capture Maildir's recipients. The Host header (any port, or none) must name:
- bound to a loopback address: `localhost`, `127.0.0.1`, `[::1]` or the bound address;
- bound to 0.0.0.0 (all interfaces): those, the machine's host name, or any IP
  address (a browser sends an address only when it was sent to that address,
  which no rebinding can arrange);
- bound to another address: that address or the machine's host name;
plus the names given as `allowed_hosts`. Any other Host gets 421 and one line of
plain text; an HTTP/1.1 request without Host gets 400. An HTTP/1.0 request
without Host is answered: browsers always send one.

Every page is sent with a Content-Security-Policy. The index and the 375 px page
run only their own script and styles (by a per-response nonce) and frame only
/email.html, which may be framed by this origin alone and runs no script at all;
the frames are sandboxed without allow-scripts.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import html
import json
import logging
import secrets
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from digest.config import ListSettings
from digest.host_policy import HostPolicy
from digest.mail.message import MessageFactory, Recipient
from digest.mail.render import TEMPLATES_DIR, clean, make_environment, render_digest, safe_url
from digest.models import Digest, RenderedDigest

log = logging.getLogger(__name__)

SAMPLE_RECIPIENT = Recipient(email="reader@example.org", name="Sample Reader")


@dataclass(frozen=True, slots=True)
class Preview:
    rendered: RenderedDigest
    message: bytes  # the whole message for the sample recipient

    @property
    def parsed(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.message, policy=email.policy.default)

    @property
    def html(self) -> str:
        return self._body("html")

    @property
    def text(self) -> str:
        return self._body("plain")

    def _body(self, subtype: str) -> str:
        part = self.parsed.get_body((subtype,))
        if part is None:
            raise ValueError(f"the message has no text/{subtype} part")
        return part.get_content()

    @property
    def headers(self) -> str:
        head = self.message.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
        return head.replace("\r\n", "\n")


def build_preview(
    digest: Digest,
    list_settings: ListSettings,
    *,
    templates_dir: Path = TEMPLATES_DIR,
    rendered: RenderedDigest | None = None,
) -> Preview:
    """The message a sample reader would get. `rendered` previews an issue as it was
    stored (already rendered); otherwise `digest` is rendered with the templates."""
    if rendered is None:
        rendered = render_digest(
            digest,
            subject_template=list_settings.subject,
            view_link=bool(list_settings.view_url.strip()),
            postal_address=list_settings.postal_address,
            sender=list_settings.sender,
            env=make_environment(templates_dir),
        )
    factory = MessageFactory(
        rendered,
        sender=list_settings.sender,
        list_id="",
        reply_to=list_settings.reply_to,
        view_url=list_settings.view_url.replace("{issue}", digest.issue_id),
    )
    recipient = Recipient(
        email=SAMPLE_RECIPIENT.email,
        name=SAMPLE_RECIPIENT.name,
        unsubscribe_url=list_settings.unsubscribe_url.replace("{token}", "preview"),
        unsubscribe_mailto=(
            list_settings.unsubscribe_mailto or f"mailto:unsubscribe@{factory.domain}?subject=unsubscribe%20{{token}}"
        ).replace("{token}", "preview"),
    )
    return Preview(rendered=rendered, message=factory.build(recipient))


def templates_fingerprint(templates_dir: Path = TEMPLATES_DIR) -> str:
    stats = sorted((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in templates_dir.rglob("*") if p.is_file())
    return hashlib.sha256(repr(stats).encode()).hexdigest()[:16]


class PreviewServer:
    """Serves one digest's preview; call `serve_forever` or use `start` for a thread."""

    def __init__(
        self,
        digest: Digest,
        list_settings: ListSettings,
        *,
        host: str = "127.0.0.1",
        port: int = 8025,
        templates_dir: Path = TEMPLATES_DIR,
        maildir: Path | None = None,
        rendered: RenderedDigest | None = None,
        allowed_hosts: Collection[str] = (),
    ) -> None:
        self.hosts = HostPolicy.for_address(host, extra=allowed_hosts)
        self.maildir = maildir
        self.rendered = rendered
        self.digest = digest
        self.list_settings = list_settings
        self.templates_dir = templates_dir
        self._lock = threading.Lock()
        self._cache: tuple[str, Preview] | None = None
        self._stored_version = templates_fingerprint(templates_dir) if rendered is not None else ""
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def preview(self) -> tuple[str, Preview]:
        version = templates_fingerprint(self.templates_dir)
        with self._lock:
            if self._cache is None or self._cache[0] != version:
                # A stored issue shows as stored until a template is edited; then, if its
                # items were kept, as the edited templates render it.
                stored = self.rendered if version == self._stored_version or not self.digest.items else None
                preview = build_preview(
                    self.digest, self.list_settings, templates_dir=self.templates_dir, rendered=stored
                )
                self._cache = (version, preview)
            return self._cache

    def start(self) -> PreviewServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# Pages that run nothing but their own nonce'd script and styles, and frame only /email.html.
_PAGE_POLICY = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
    "frame-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The email itself: its inlined styles and remote images, never a script; framed by this origin only.
_EMAIL_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src http: https: data:; font-src http: https: data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox"
)
_TEXT_POLICY = "default-src 'none'; frame-ancestors 'none'"


@dataclass(frozen=True, slots=True)
class _Response:
    content_type: str
    body: str
    policy: str = _TEXT_POLICY
    framed: bool = False  # may be framed by this origin (X-Frame-Options SAMEORIGIN rather than DENY)


def _handler(server: PreviewServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "digest-preview"
        sys_version = ""

        def log_message(self, fmt: str, *args: object) -> None:
            log.debug("preview: %s", fmt % args)

        def do_HEAD(self) -> None:
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            refusal = self._refusal()
            if refusal is not None:
                self._send(*refusal, head=head)
                return
            route = _ROUTES.get(urlsplit(self.path).path)
            if route is None:
                self._send(404, _Response("text/plain; charset=utf-8", "not found\n"), head=head)
                return
            try:
                version, preview = server.preview()
                response = route(server, version, preview, secrets.token_urlsafe(16))
            except Exception as exc:  # noqa: BLE001 - a template error must show in the page, not kill the server
                log.warning("preview failed: %s", exc)
                self._send(500, _Response("text/plain; charset=utf-8", f"preview failed: {exc}\n"), head=head)
                return
            self._send(200, response, head=head)

        def _refusal(self) -> tuple[int, _Response] | None:
            """400 or 421 for a request not addressed to this server by one of its names."""
            hosts = self.headers.get_all("Host") or []
            authority = urlsplit(self.path).netloc  # an absolute-form target names the host too
            if len(hosts) > 1:
                return 400, _Response("text/plain; charset=utf-8", "bad request: more than one Host header\n")
            if not hosts and not authority:
                if self.request_version == "HTTP/1.0":
                    return None
                return 400, _Response("text/plain; charset=utf-8", "bad request: no Host header\n")
            for host in (*hosts, *([authority] if authority else [])):
                if not server.hosts.allows(host):
                    shown = ascii(host[:100])
                    return 421, _Response(
                        "text/plain; charset=utf-8",
                        f"misdirected request: this preview server does not serve host {shown}\n",
                    )
            return None

        def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
            """The server's own errors (a method it does not take, a line or header too long)
            as plain text with the same headers as every page."""
            reason = " ".join((message or self.responses.get(code, ("error",))[0]).split())[:200]
            self.close_connection = True
            self._send(code, _Response("text/plain; charset=utf-8", f"{code} {reason}\n"), head=self.command == "HEAD")

        def _send(self, status: int, response: _Response, *, head: bool) -> None:
            data = response.body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", response.policy)
            self.send_header("X-Frame-Options", "SAMEORIGIN" if response.framed else "DENY")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            if status == 421:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if not head:
                self.wfile.write(data)

    return Handler


def _index(server: PreviewServer, version: str, preview: Preview, nonce: str) -> _Response:
    rendered = preview.rendered
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>".format(
            html.escape(clean(item.source_label)),
            html.escape(clean(item.article.title)),
            html.escape(safe_url(item.article.url) or ""),  # as the digest links it: no user or password
            "<br>".join(html.escape(clean(w)) for w in item.article.warnings) or "&mdash;",
        )
        for item in rendered.digest.items
    )
    warnings = "".join(f"<li>{html.escape(w)}</li>" for w in rendered.warnings) or "<li>none</li>"
    captured = _captured_rows(server)
    size_kb = len(preview.message) / 1024
    note = (
        '<p id="rerendered">A template changed: shown as the edited templates render this stored issue, '
        "which is sent as it was stored.</p>"
        if preview.rendered is not server.rendered and server.rendered is not None
        else ""
    )
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">{_VIEWPORT}<title>Preview: {html.escape(rendered.subject)}</title>
<style nonce="{nonce}">
body {{ font-family: system-ui, sans-serif; margin: 0; background: #eef0f3; color: #1f2328; }}
header {{ padding: 16px 24px; background: #1f2328; color: #fff; }}
header h1 {{ font-size: 18px; margin: 0 0 4px 0; }}
header p {{ margin: 0; font-size: 13px; opacity: .8; }}
nav a {{ color: #fff; margin-right: 16px; font-size: 13px; }}
main {{ padding: 16px 24px; }}
.frames {{ display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }}
.frame h2, section h2 {{ font-size: 14px; margin: 0 0 8px 0; }}
iframe {{ border: 1px solid #c9ced6; background: #fff; height: 900px; max-width: 100%; }}
#desktop {{ width: 600px; }} #mobile {{ width: 375px; }}
section {{ margin-top: 24px; }}
table {{ border-collapse: collapse; background: #fff; font-size: 13px; }}
td, th {{ border: 1px solid #d5dae1; padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }}
pre {{ background: #fff; padding: 12px; border: 1px solid #d5dae1; white-space: pre-wrap; font-size: 12px; }}
</style></head>
<body>
<header><h1 id="subject">{html.escape(rendered.subject)}</h1>
<p>{len(rendered.digest.items)} item(s), {rendered.digest.more} more not shown · HTML {rendered.size / 1024:.1f} KB ·
message {size_kb:.1f} KB · issue {html.escape(rendered.digest.issue_id)}</p>
{note}<nav><a href="/email.html">HTML email</a><a href="/email.txt">Text twin</a><a href="/mobile">375 px</a><a href="/headers">Headers</a></nav>
</header>
<main>
<div class="frames">
<div class="frame"><h2>600 px</h2><iframe id="desktop" src="/email.html" title="Email at 600 px" sandbox="{_SANDBOX}"></iframe></div>
<div class="frame"><h2>375 px</h2><iframe id="mobile" src="/email.html" title="Email at 375 px" sandbox="{_SANDBOX}"></iframe></div>
</div>
<section><h2>Warnings</h2><ul>{warnings}</ul></section>
<section><h2>Items</h2><table><tr><th>source</th><th>title</th><th>url</th><th>extraction warnings</th></tr>{rows}</table></section>
<section><h2>Captured messages</h2>{captured}</section>
<section><h2>Headers</h2><pre>{html.escape(preview.headers)}</pre></section>
<section><h2>Text twin</h2><pre>{html.escape(preview.text)}</pre></section>
</main>
<script nonce="{nonce}">
const version = {json.dumps(version)};
setInterval(async () => {{
  try {{
    const r = await fetch("/version", {{cache: "no-store"}});
    if ((await r.text()).trim() !== version) location.reload();
  }} catch (e) {{}}
}}, 1000);
</script>
</body></html>"""
    return _Response("text/html; charset=utf-8", page, _PAGE_POLICY.format(nonce=nonce))


def _captured_rows(server: PreviewServer, *, limit: int = 200) -> str:
    """What the local capture server received (newest first), when it has a Maildir."""
    if server.maildir is None:
        return "<p>No capture Maildir configured.</p>"
    from digest.delivery.sink import captured

    messages = captured(server.maildir, newest=limit)
    if not messages:
        return f"<p>Nothing captured yet in {html.escape(str(server.maildir))}.</p>"
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:,}</td></tr>".format(
            html.escape(m.date.isoformat() if m.date else ""),
            html.escape(m.envelope_to),
            html.escape(m.subject),
            m.size,
        )
        for m in reversed(messages[-limit:])
    )
    return (
        f"<p>The newest {len(messages)} message(s) in {html.escape(str(server.maildir))}</p>"
        f"<table><tr><th>date</th><th>to</th><th>subject</th><th>bytes</th></tr>{rows}</table>"
    )


def _mobile(server: PreviewServer, version: str, preview: Preview, nonce: str) -> _Response:
    page = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">{_VIEWPORT}<title>375 px preview</title>'
        f'<style nonce="{nonce}">body {{ margin: 0; background: #eef0f3; }} '
        "iframe { width: 375px; height: 100vh; border: 0; background: #fff; } "
        # The page's heading, for a screen reader: the frame fills the screen as a phone's would.
        "h1 { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); }</style></head>"
        f'<body><main><h1>Email at 375 px</h1><iframe src="/email.html" title="Email at 375 px" sandbox="{_SANDBOX}">'
        "</iframe></main></body></html>"
    )
    return _Response("text/html; charset=utf-8", page, _PAGE_POLICY.format(nonce=nonce))


# The email frames run no script; a link may still open in a new tab.
_SANDBOX = "allow-popups allow-popups-to-escape-sandbox"
_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'  # a phone lays it out at its width

_ROUTES: dict[str, Callable[[PreviewServer, str, Preview, str], _Response]] = {
    "/": _index,
    "/email.html": lambda server, version, preview, nonce: _Response(
        "text/html; charset=utf-8", preview.html, _EMAIL_POLICY, framed=True
    ),
    "/email.txt": lambda server, version, preview, nonce: _Response("text/plain; charset=utf-8", preview.text),
    "/headers": lambda server, version, preview, nonce: _Response(
        "text/plain; charset=utf-8",
        f"{preview.headers}\n\nmessage size: {len(preview.message)} bytes; HTML {preview.rendered.size} bytes\n",
    ),
    "/mobile": _mobile,
    "/version": lambda server, version, preview, nonce: _Response("text/plain; charset=utf-8", version),
}
