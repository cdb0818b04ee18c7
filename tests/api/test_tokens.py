"""Personal access tokens in the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from mediaws.errors import ConflictError, NotFoundError, SessionExpired, ValidationError
from mediaws.models import PersonalAccessToken, User
from mediaws.models.base import utcnow
from mediaws.security.tokens import hash_token
from mediaws.services import tokens


def test_create_list_and_revoke_are_owner_scoped(session: Session, user: User, other_user: User) -> None:
    first = tokens.create_token(session=session, user_id=user.id, name="  laptop  ")
    second = tokens.create_token(session=session, user_id=user.id, name="ci")
    assert first.row.name == "laptop"
    assert first.row.token_hash == hash_token(first.plaintext)
    assert {t.id for t in tokens.list_tokens(session=session, user_id=user.id)} == {
        first.row.id,
        second.row.id,
    }
    assert tokens.list_tokens(session=session, user_id=other_user.id) == []

    with pytest.raises(NotFoundError):
        tokens.revoke_token(session=session, user_id=other_user.id, token_id=first.row.id)
    with pytest.raises(NotFoundError):
        tokens.revoke_token(session=session, user_id=user.id, token_id="not-a-uuid")
    assert tokens.user_for_pat(session=session, token=first.plaintext).id == user.id

    revoked = tokens.revoke_token(session=session, user_id=user.id, token_id=str(first.row.id))
    assert revoked.revoked_at is not None
    with pytest.raises(SessionExpired):
        tokens.user_for_pat(session=session, token=first.plaintext)
    assert tokens.user_for_pat(session=session, token=second.plaintext).id == user.id


def test_names_are_checked(session: Session, user: User) -> None:
    with pytest.raises(ValidationError, match="Token name is required") as empty:
        tokens.create_token(session=session, user_id=user.id, name="   ")
    assert empty.value.field == "name"
    with pytest.raises(ValidationError, match="too long"):
        tokens.create_token(session=session, user_id=user.id, name="x" * 101)


def test_live_token_names_are_unique_per_user(session: Session, user: User, other_user: User) -> None:
    first = tokens.create_token(session=session, user_id=user.id, name="Backup script")
    with pytest.raises(ConflictError, match="already have an active token named “backup script”") as clash:
        tokens.create_token(session=session, user_id=user.id, name="  backup script ")
    assert clash.value.field == "name"
    assert len(tokens.list_tokens(session=session, user_id=user.id)) == 1

    assert tokens.create_token(session=session, user_id=other_user.id, name="Backup script").plaintext
    tokens.revoke_token(session=session, user_id=user.id, token_id=first.row.id)
    again = tokens.create_token(session=session, user_id=user.id, name="Backup script")
    assert tokens.user_for_pat(session=session, token=again.plaintext).id == user.id


def test_unknown_tokens_are_refused(session: Session) -> None:
    for token in ("", "mws_", "mws_unknown", "no-prefix-at-all"):
        with pytest.raises(SessionExpired):
            tokens.user_for_pat(session=session, token=token)


def test_last_used_is_written_at_most_once_a_minute(session: Session, user: User) -> None:
    made = tokens.create_token(session=session, user_id=user.id, name="poller")
    tokens.user_for_pat(session=session, token=made.plaintext)
    row = session.get(PersonalAccessToken, made.row.id)
    assert row is not None and row.last_used_at is not None
    first_use = row.last_used_at
    tokens.user_for_pat(session=session, token=made.plaintext)
    assert row.last_used_at == first_use
    row.last_used_at = utcnow() - timedelta(minutes=2)
    session.commit()
    tokens.user_for_pat(session=session, token=made.plaintext)
    assert row.last_used_at > first_use
