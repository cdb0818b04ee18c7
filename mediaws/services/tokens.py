"""Personal access tokens for the REST API: made once, stored as hashes, revocable."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, select

from mediaws.errors import ConflictError, NotFoundError, SessionExpired
from mediaws.models import PersonalAccessToken, User
from mediaws.models.base import utcnow
from mediaws.security.tokens import hash_token, new_token
from mediaws.services.validation import clean_name

TOKEN_PREFIX = "mws_"  # noqa: S105  (a marker, not a secret)
NAME_MAX = 100
SHOWN_CHARS = 8
TOUCH_INTERVAL = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just made: its row and the plaintext, which is shown this once and never again."""

    row: PersonalAccessToken
    plaintext: str


def _ensure_unique_active(session: Session, user_id: uuid.UUID, name: str) -> None:
    """Refuse a name one of the user's live tokens already has (case-insensitive)."""
    live = session.exec(
        select(PersonalAccessToken.name).where(
            PersonalAccessToken.user_id == user_id, col(PersonalAccessToken.revoked_at).is_(None)
        )
    ).all()
    if any(existing.casefold() == name.casefold() for existing in live):
        raise ConflictError(
            f"You already have an active token named “{name}”. Pick another name or revoke that one first.",
            field="name",
        )


def create_token(*, session: Session, user_id: uuid.UUID, name: str) -> NewToken:
    """Make a named token for a user and return it with its plaintext."""
    clean = clean_name(name, what="Token name", field="name", max_length=NAME_MAX)
    if session.get(User, user_id) is None:
        raise NotFoundError("No such account.")
    _ensure_unique_active(session, user_id, clean)
    plaintext = TOKEN_PREFIX + new_token()
    row = PersonalAccessToken(
        user_id=user_id, name=clean, token_hash=hash_token(plaintext), prefix=plaintext[:SHOWN_CHARS]
    )
    session.add(row)
    session.commit()
    return NewToken(row=row, plaintext=plaintext)


def list_tokens(*, session: Session, user_id: uuid.UUID) -> list[PersonalAccessToken]:
    """Every token of a user, revoked ones included, newest first."""
    return list(
        session.exec(
            select(PersonalAccessToken)
            .where(PersonalAccessToken.user_id == user_id)
            .order_by(col(PersonalAccessToken.created_at).desc())
        ).all()
    )


def revoke_token(*, session: Session, user_id: uuid.UUID, token_id: str | uuid.UUID) -> PersonalAccessToken:
    """Revoke one of the user's tokens; anyone else's (or a malformed id) is not found."""
    try:
        wanted = uuid.UUID(str(token_id))
    except ValueError:
        raise NotFoundError("Token not found.") from None
    row = session.exec(
        select(PersonalAccessToken).where(
            PersonalAccessToken.id == wanted, PersonalAccessToken.user_id == user_id
        )
    ).first()
    if row is None:
        raise NotFoundError("Token not found.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
    return row


def user_for_pat(*, session: Session, token: str) -> User:
    """Return the user behind a live personal access token, or raise SessionExpired."""
    if not token or not token.startswith(TOKEN_PREFIX):
        raise SessionExpired("The access token is not valid.")
    row = session.exec(
        select(PersonalAccessToken).where(PersonalAccessToken.token_hash == hash_token(token))
    ).first()
    if row is None or row.revoked_at is not None:
        raise SessionExpired("The access token is not valid or was revoked.")
    user = session.get(User, row.user_id)
    if user is None:
        raise SessionExpired("The access token is not valid or was revoked.")
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
        row.last_used_at = now
        session.commit()
    return user
