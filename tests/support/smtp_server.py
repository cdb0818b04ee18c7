"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives; STARTTLS, SSL and AUTH optional."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from mediaws.deps import Deps
from mediaws.mail import create_mailer

FROM = "mediaws <noreply@example.com>"


@dataclass(frozen=True)
class Received:
    """One message as the server took it."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    encrypted: bool
    login: str

    @property
    def subject(self) -> str:
        """The decoded Subject header."""
        return str(self.message["Subject"])

    def body(self, subtype: Literal["plain", "html"]) -> str:
        """The text or HTML part, with the wire's CRLF line ends made LF."""
        part = self.message.get_body(preferencelist=(subtype,))
        assert part is not None and part.get_content_subtype() == subtype
        return str(part.get_content()).replace("\r\n", "\n")


@dataclass
class MailServer:
    """The server's address and everything it received, oldest first."""

    host: str
    port: int
    refuse: frozenset[str] = frozenset()
    """Recipients the server answers 550 (no such mailbox)."""
    received: list[Received] = field(default_factory=list)
    refused_logins: int = 0

    def to(self, address: str) -> list[Received]:
        """The messages addressed to one recipient."""
        return [r for r in self.received if address in r.recipients]


class _Keeper:
    def __init__(self, server: MailServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, smtp: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.server.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else ""
        self.server.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message,
                encrypted=smtp.transport.get_extra_info("ssl_object") is not None,
                login=login,
            )
        )
        return "250 Message accepted"


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(
    *,
    port: int | None = None,
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    credentials: tuple[str, str] | None = None,
    refuse: frozenset[str] = frozenset(),
) -> Iterator[MailServer]:
    """Serve SMTP on 127.0.0.1; with ``starttls`` it requires STARTTLS, with ``credentials`` a login."""
    server = MailServer("127.0.0.1", port or free_port(), refuse)

    def authenticate(smtp: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login.decode(), data.password.decode()) == credentials
        if not ok:
            server.refused_logins += 1
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)

    options: dict[str, Any] = {}
    if starttls is not None:
        options |= {"tls_context": starttls, "require_starttls": True}
    if credentials is not None:
        options |= {"authenticator": authenticate, "auth_required": True, "auth_require_tls": True}
    controller = Controller(
        _Keeper(server), hostname=server.host, port=server.port, ssl_context=implicit_tls, **options
    )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for localhost and 127.0.0.1, its key, and a server context using them."""

    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """What the SMTP server presents."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def self_signed(folder: Path) -> Certificate:
    """Make a fresh self-signed certificate (its own CA) for localhost and 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mediaws test mail server")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return Certificate(cert_file, key_file)


def mailing(deps: Deps, port: int) -> Deps:
    """The same deps with a mailer sending to the test server on 127.0.0.1:``port`` (plain SMTP)."""
    settings = deps.settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none", "smtp_from": FROM}
    )
    return replace(deps, settings=settings, mailer=create_mailer(settings))
