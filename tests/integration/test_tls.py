"""Delivery over STARTTLS (with a login) and over implicit TLS, against a real aiosmtpd
server on 127.0.0.1 with a certificate made for the test."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import socket
import ssl

import pytest

from digest.app import recipient_factory
from digest.config import SmtpSettings
from digest.delivery import send as deliver
from digest.delivery.connection import Connection
from digest.delivery.send import DeliveryOptions, deliver_issue
from digest.errors import ServerUnavailable
from tests.helpers import LIST, SECRET, save_issue, subscribe
from tests.smtp_server import RecordingSMTPServer, _BoundController, _Handler

x509 = pytest.importorskip("cryptography.x509")
PASSWORD = "tls-test-password"


@pytest.fixture
def store(sqlite_store):
    """SQLite only: the store is not what these tests are about."""
    return sqlite_store


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client


def _encrypted(server) -> bool:
    return server.transport.get_extra_info("ssl_object") is not None


class _TLSController(_BoundController):
    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock, ssl=self.ssl_context)


class _TLSHandler(_Handler):
    async def handle_DATA(self, server, session, envelope):
        self._owner.tls_sessions.append(_encrypted(server))
        return await super().handle_DATA(server, session, envelope)


def tls_server(server_context: ssl.SSLContext, *, implicit: bool) -> RecordingSMTPServer:
    from aiosmtpd.smtp import AuthResult

    recording = RecordingSMTPServer()
    recording.tls_sessions = []
    recording.logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        recording.logins.append(_encrypted(server))
        return AuthResult(success=auth_data.password == PASSWORD.encode(), handled=False)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((recording.host, 0))
    sock.listen(50)
    recording.port = sock.getsockname()[1]
    common = {
        "sock": sock,
        "server_hostname": "recording.localhost",
        "data_size_limit": None,
        "authenticator": authenticator,
        "auth_required": True,
    }
    if implicit:
        controller = _TLSController(
            _TLSHandler(recording), ssl_context=server_context, auth_require_tls=False, **common
        )
    else:
        controller = _BoundController(
            _TLSHandler(recording), tls_context=server_context, require_starttls=True, auth_require_tls=True, **common
        )
    recording._controller = controller
    controller.start()
    return recording


# aiosmtpd does not count implicit TLS as TLS for AUTH, so that server allows AUTH "without" it.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_delivery_over_tls_with_a_login(store, certificate, security, loop):
    """The connection's reply reader takes over the TLS transport after the login, on
    both event loops the sender may run on."""
    if loop == "uvloop":
        pytest.importorskip("uvloop")
    run = deliver.run if loop == "uvloop" else asyncio.run
    server_context, client_context = certificate
    server = tls_server(server_context, implicit=security == "tls")
    try:
        emails = subscribe(store, 12)
        issue = save_issue(store)
        smtp = SmtpSettings(
            host=server.host, port=server.port, security=security, timeout=10, username="digest", password=PASSWORD
        )
        report = run(
            deliver_issue(
                issue,
                store=store,
                smtp=smtp,
                sender=LIST.sender,
                recipient_for=recipient_factory(LIST, secret=SECRET),
                options=DeliveryOptions(connections=3, batch=5, backoff=0.01),
                tls_context=client_context,
            )
        )
    finally:
        server.stop()
    assert report.complete and not report.failed
    assert sorted(a.recipient for a in server.accepted) == sorted(emails)
    assert server.tls_sessions and all(server.tls_sessions)  # every message went over TLS
    assert server.logins and all(server.logins)  # every login too


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_a_certificate_the_client_does_not_trust_is_named_as_such(certificate, security):
    """Not a port or mode mismatch: the hint about smtp.security would send the operator
    the wrong way."""
    server = tls_server(certificate[0], implicit=security == "tls")
    try:
        settings = SmtpSettings(host=server.host, port=server.port, security=security, timeout=10)
        with pytest.raises(ServerUnavailable) as caught:
            await Connection(settings).check(tries=1)
    finally:
        server.stop()
    assert str(caught.value).startswith(
        f"SMTP server 127.0.0.1:{server.port} unusable: TLS certificate not trusted: "
    ), caught.value
    assert "smtp.security" not in str(caught.value)
