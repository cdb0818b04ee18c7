"""Outgoing email: one small interface and its SMTP sender (standard library only).

A message goes as multipart/alternative (plain text and HTML). STARTTLS and SSL verify the server's
certificate and host name; login happens only when a username is set, after the connection is encrypted.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path
from typing import Literal, Protocol

from pydantic import SecretStr

from mediaws.config import Settings
from mediaws.errors import MediawsError

Security = Literal["none", "starttls", "ssl"]


class MailError(MediawsError):
    """The mail server could not be reached, refused the login or refused the message."""


class RecipientRefused(MailError):
    """The server refused this message's recipient; other messages may still go."""


@dataclass(frozen=True)
class Message:
    """One email to one person, in plain text and HTML."""

    to: str
    subject: str
    text: str
    html: str


class Mailer(Protocol):
    """Sends messages; raises MailError when one does not go."""

    def send(self, message: Message) -> None:
        """Hand the message to the mail server."""
        ...


@dataclass(frozen=True)
class SmtpMailer:
    """Sends each message over its own SMTP connection."""

    host: str
    port: int
    security: Security
    sender: str
    username: str = ""
    password: SecretStr | None = None
    timeout: float = 30.0
    ca_file: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpMailer:
        """The mail server the MEDIAWS_SMTP_* settings name."""
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            sender=settings.smtp_from,
            username=settings.smtp_username,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
            ca_file=settings.smtp_ca_file,
        )

    def send(self, message: Message) -> None:
        """Connect, encrypt, log in if configured, send, disconnect."""
        email = self.envelope(message)
        try:
            with self._connect() as smtp:
                if self.username:
                    secret = self.password.get_secret_value() if self.password else ""
                    smtp.login(self.username, secret)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = ", ".join(f"{code}" for code, _ in exc.recipients.values())
            raise RecipientRefused(f"{self.host} refused the recipient ({codes})") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(f"email through {self.host}:{self.port} failed: {_reason(exc)}") from exc

    def envelope(self, message: Message) -> EmailMessage:
        """The message with its headers, the text part and the HTML alternative."""
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = format_datetime(datetime.now(UTC))
        email["Message-ID"] = make_msgid(domain=parseaddr(self.sender)[1].rpartition("@")[2] or None)
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.text)
        email.add_alternative(message.html, subtype="html")
        return email

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls())
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.starttls(context=self._tls())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        return f"{exc.smtp_code} {error.decode(errors='replace') if isinstance(error, bytes) else error}"
    return f"{type(exc).__name__}: {exc}"


def create_mailer(settings: Settings) -> Mailer | None:
    """The configured mail server, or None when MEDIAWS_SMTP_HOST is empty (no email is sent)."""
    return SmtpMailer.from_settings(settings) if settings.email_enabled else None
