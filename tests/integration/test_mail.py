"""The SMTP sender against a real SMTP server on loopback: TLS verified, login only when encrypted."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediaws.config import Settings
from mediaws.errors import ConfigError
from mediaws.mail import MailError, Message, SmtpMailer, create_mailer
from tests.support.smtp_server import FROM, free_port, self_signed, smtp_server

LOGIN, PASSWORD = "mailer", "tangerine-quarry-88-secret"
MESSAGE = Message(
    to="ada@example.com",
    subject="Spend in November: $1.50",
    text="You spent $1.50.\n",
    html="<p>You spent <b>$1.50</b>.</p>\n",
)


def mailer(port: int, **settings: object) -> SmtpMailer:
    """The mailer the settings would build, for a server on 127.0.0.1."""
    values: dict[str, object] = {"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": FROM}
    built = create_mailer(Settings(**(values | settings)))
    assert isinstance(built, SmtpMailer)
    return built


def test_starttls_with_a_trusted_self_signed_certificate_and_a_login(tmp_path: Path) -> None:
    """The connection is upgraded and verified against the CA file, then the login and both parts go."""
    cert = self_signed(tmp_path / "tls")
    with smtp_server(starttls=cert.server_context(), credentials=(LOGIN, PASSWORD)) as server:
        mailer(
            server.port,
            smtp_security="starttls",
            smtp_username=LOGIN,
            smtp_password=PASSWORD,
            smtp_ca_file=cert.cert_file,
        ).send(MESSAGE)
    [got] = server.received
    assert (got.encrypted, got.login, got.recipients) == (True, LOGIN, ["ada@example.com"])
    assert got.sender == "noreply@example.com" and got.subject == MESSAGE.subject
    assert got.message.get_content_type() == "multipart/alternative"
    assert got.body("plain") == MESSAGE.text and got.body("html") == MESSAGE.html
    assert got.message["Auto-Submitted"] == "auto-generated" and got.message["Message-ID"]


def test_implicit_tls_on_the_ssl_port(tmp_path: Path) -> None:
    """security=ssl speaks TLS from the first byte (SMTPS), verifying the certificate the same way."""
    cert = self_signed(tmp_path / "tls")
    with smtp_server(implicit_tls=cert.server_context()) as server:
        mailer(server.port, smtp_security="ssl", smtp_ca_file=cert.cert_file).send(MESSAGE)
    assert [r.encrypted for r in server.received] == [True]


def test_a_certificate_nobody_vouches_for_is_refused(tmp_path: Path) -> None:
    """Without the CA file the self-signed certificate fails verification: nothing is sent, no login."""
    cert = self_signed(tmp_path / "tls")
    with smtp_server(starttls=cert.server_context(), credentials=(LOGIN, PASSWORD)) as server:
        sender = mailer(server.port, smtp_username=LOGIN, smtp_password=PASSWORD)
        with pytest.raises(MailError, match="CERTIFICATE_VERIFY_FAILED"):
            sender.send(MESSAGE)
    assert server.received == [] and server.refused_logins == 0


def test_no_quiet_fallback_to_plain_text_when_starttls_is_missing() -> None:
    """A server that does not offer STARTTLS gets nothing when starttls is asked for."""
    with smtp_server() as server, pytest.raises(MailError, match="STARTTLS"):
        mailer(server.port, smtp_security="starttls").send(MESSAGE)
    assert server.received == []


def test_a_wrong_password_is_an_error_that_does_not_repeat_it(tmp_path: Path) -> None:
    """The server's refusal is reported with its code; the password is in neither message nor repr."""
    cert = self_signed(tmp_path / "tls")
    wrong = "not-the-password-1234"
    with smtp_server(starttls=cert.server_context(), credentials=(LOGIN, PASSWORD)) as server:
        sender = mailer(server.port, smtp_username=LOGIN, smtp_password=wrong, smtp_ca_file=cert.cert_file)
        with pytest.raises(MailError, match="535") as refused:
            sender.send(MESSAGE)
    assert wrong not in str(refused.value) and wrong not in repr(sender)
    assert server.received == [] and server.refused_logins >= 1


def test_a_server_that_is_down_is_a_mail_error() -> None:
    """Nothing listens on the port: the send fails fast with a MailError naming the server."""
    with pytest.raises(MailError, match=r"127\.0\.0\.1"):
        mailer(free_port(), smtp_security="none").send(MESSAGE)


def test_settings_for_email() -> None:
    """No host means no mailer; the port follows the security mode; unsafe or incomplete setups refuse."""
    assert create_mailer(Settings()) is None and not Settings().email_enabled
    ports = {
        mode: Settings(smtp_host="mail.example.com", smtp_from=FROM, smtp_security=mode).smtp_port
        for mode in ("ssl", "starttls", "none")
    }
    assert ports == {"ssl": 465, "starttls": 587, "none": 25}
    with pytest.raises(ConfigError, match="MEDIAWS_SMTP_FROM"):
        Settings(smtp_host="mail.example.com")
    with pytest.raises(ConfigError, match="unencrypted"):
        Settings(smtp_host="mail.example.com", smtp_from=FROM, smtp_security="none", smtp_username=LOGIN)
    assert Settings(smtp_host="localhost", smtp_from=FROM, smtp_security="none", smtp_username=LOGIN)
