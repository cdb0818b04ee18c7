"""People, their login sessions, and the record of login attempts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from mediaws.models.base import UTCDateTime, created_field, id_field, time_field, utcnow


class User(SQLModel, table=True):
    """A person with an account."""

    __tablename__ = "users"

    id: uuid.UUID = id_field()
    email: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    auth_backend: str = Field(default="local", max_length=32)
    time_zone: str = Field(default="UTC", max_length=64, sa_column_kwargs={"server_default": "UTC"})
    """The IANA zone the person's days and months are counted in (analytics, reports)."""
    summary_emails: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    """Whether the person asked for a cost summary by email each month."""
    budget_emails: bool = Field(default=True, sa_column_kwargs={"server_default": "1"})
    """Whether the person is emailed when a project has used 80 % and 100 % of its monthly budget."""
    created_at: datetime = created_field()
    password_changed_at: datetime | None = time_field()


class AuthSession(SQLModel, table=True):
    """A server-side login session; the browser holds only the random token."""

    __tablename__ = "sessions"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = created_field()
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_seen_at: datetime | None = time_field()
    revoked_at: datetime | None = time_field()
    client: str = Field(default="", max_length=255)


class LoginAttempt(SQLModel, table=True):
    """One check of a password (login or password change), kept for throttling repeated failures."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_client_created_at", "email", "client", "created_at"),
        Index("ix_login_attempts_client_created_at", "client", "created_at"),
    )

    id: uuid.UUID = id_field()
    email: str = Field(max_length=254)
    client: str = Field(default="", max_length=255)
    succeeded: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
