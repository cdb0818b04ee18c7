"""The emails owed or sent to people, one row per email, so each goes out once however many workers run."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from mediaws.models.base import UTCDateTime, id_field, time_field


class SentEmail(SQLModel, table=True):
    """A claim on one email (a kind for a period), taken before sending and kept once it is sent."""

    __tablename__ = "sent_emails"
    __table_args__ = (UniqueConstraint("user_id", "kind", "key", name="uq_sent_emails_once"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    kind: str = Field(max_length=16)
    key: str = Field(max_length=80)
    """What the email is about, e.g. the month '2026-11' or '<project id>:2026-11:<budget>'."""
    claimed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    sent_at: datetime | None = time_field()
    """When the mail server took it; None while a worker is sending it."""
