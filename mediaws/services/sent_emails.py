"""Each email goes out once: a worker claims it (a unique row) before sending and marks it sent after.

Two workers claiming the same email insert the same (user, kind, key): PostgreSQL lets one insert and makes
the other wait, then do nothing, so only one sends. A failed send deletes its claim so a later run retries;
a claim left by a worker that died while sending is taken over once its lease has run out.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from mediaws.mail import Message
from mediaws.models import SentEmail

LEASE = timedelta(minutes=15)
"""How long a claim holds while its email is being sent; well past the SMTP timeout."""
SENT = SentEmail.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Owed:
    """An email due to a person: what it is about (sent once per kind and key) and how to write it."""

    user_id: uuid.UUID
    kind: str
    key: str
    write: Callable[[Session], Message | None]
    """The message, from the database as it is when sending; None when it is no longer owed."""


@dataclass(frozen=True)
class Sent:
    """An email the mail server took."""

    user_id: uuid.UUID
    kind: str
    key: str
    to: str
    subject: str


def taken(now: datetime) -> ColumnElement[bool]:
    """A condition on sent_emails rows: sent, or being sent by a worker whose lease still holds."""
    return or_(col(SentEmail.sent_at).is_not(None), col(SentEmail.claimed_at) > now - LEASE)


def handled(user_id: Any, kind: str, key: str, now: datetime) -> ColumnElement[bool]:
    """A condition true when this email was sent, or a worker is sending it now."""
    return exists().where(
        col(SentEmail.user_id) == user_id, col(SentEmail.kind) == kind, col(SentEmail.key) == key, taken(now)
    )


@lru_cache(maxsize=4)
def _claim_once(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(SENT).on_conflict_do_nothing(index_elements=["user_id", "kind", "key"]).returning(SENT.c.id)


def claim(session: Session, *, user_id: uuid.UUID, kind: str, key: str, now: datetime) -> uuid.UUID | None:
    """Claim an email for this worker (commit before sending); None when it is sent or being sent."""
    values = {"id": uuid.uuid4(), "user_id": user_id, "kind": kind, "key": key, "claimed_at": now}
    inserted = session.execute(_claim_once(session.get_bind().dialect.name), values).first()
    if inserted is not None:
        return inserted[0]
    stale = session.execute(
        update(SentEmail)
        .where(
            col(SentEmail.user_id) == user_id,
            col(SentEmail.kind) == kind,
            col(SentEmail.key) == key,
            col(SentEmail.sent_at).is_(None),
            col(SentEmail.claimed_at) <= now - LEASE,
        )
        .values(claimed_at=now)
        .returning(col(SentEmail.id))
    ).first()
    return stale[0] if stale is not None else None


def release(session: Session, claim_id: uuid.UUID) -> None:
    """Give up a claim whose email did not go, so a later run sends it."""
    session.execute(delete(SentEmail).where(col(SentEmail.id) == claim_id, col(SentEmail.sent_at).is_(None)))


def mark_sent(session: Session, claim_id: uuid.UUID, now: datetime) -> None:
    """Record that the mail server took the claimed email."""
    session.execute(update(SentEmail).where(col(SentEmail.id) == claim_id).values(sent_at=now))
