"""Sign-up, login throttling, sessions and password changes against a real database."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mediaws.config import Settings
from mediaws.errors import (
    AuthError,
    ConflictError,
    InvalidCredentials,
    SessionExpired,
    TooManyAttempts,
    ValidationError,
)
from mediaws.models import AuthSession, LoginAttempt, User
from mediaws.models.base import utcnow
from mediaws.security.passwords import hash_password, needs_rehash
from mediaws.security.tokens import hash_token
from mediaws.services import accounts

PASSWORD = "marble-canyon-river-88"
NEW_PASSWORD = "quiet-meadow-falcon-19"
PASSWORD_HASH = hash_password(PASSWORD)


def sign_up(session: Session, email: str = "ada@example.com") -> User:
    return accounts.sign_up(session=session, email=email, password=PASSWORD)


def add_account(session: Session, email: str = "ada@example.com") -> User:
    """Insert an account directly (hash computed once) for tests not about sign-up."""
    user = User(email=email, password_hash=PASSWORD_HASH)
    session.add(user)
    session.commit()
    return user


def log_in(
    session: Session,
    settings: Settings,
    email: str = "ada@example.com",
    password: str = PASSWORD,
    client: str = "203.0.113.7",
) -> accounts.LoginResult:
    return accounts.log_in(session=session, settings=settings, email=email, password=password, client=client)


def attempts(engine: Engine, email: str) -> list[LoginAttempt]:
    with Session(engine) as fresh:
        return list(fresh.exec(select(LoginAttempt).where(LoginAttempt.email == email)).all())


def test_sign_up_normalises_email_and_hashes_the_password(session: Session, engine: Engine) -> None:
    user = sign_up(session, "  Ada.Lovelace@Example.COM ")
    assert user.email == "ada.lovelace@example.com"
    with Session(engine) as fresh:
        stored = fresh.exec(select(User).where(User.id == user.id)).one()
    assert stored.email == "ada.lovelace@example.com"
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    assert stored.auth_backend == "local"


def test_timestamps_read_back_timezone_aware_utc(
    session: Session, settings: Settings, engine: Engine
) -> None:
    user = sign_up(session)
    log_in(session, settings)
    with Session(engine) as fresh:
        stored_user = fresh.exec(select(User).where(User.id == user.id)).one()
        stored_session = fresh.exec(select(AuthSession)).one()
    for value in (stored_user.created_at, stored_session.created_at, stored_session.expires_at):
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
    assert stored_session.expires_at > stored_session.created_at


def test_duplicate_email_in_any_case_is_a_conflict(session: Session, engine: Engine) -> None:
    sign_up(session, "ada@example.com")
    with pytest.raises(ConflictError) as caught:
        sign_up(session, "ADA@example.com")
    assert caught.value.field == "email"
    assert "already exists" in caught.value.message
    with Session(engine) as fresh:
        assert len(fresh.exec(select(User)).all()) == 1


@pytest.mark.parametrize(
    "email", ["", "   ", "ada", "ada@", "@example.com", "ada@example", "a b@example.com", "ada@@x.io"]
)
def test_malformed_email_is_refused(session: Session, engine: Engine, email: str) -> None:
    with pytest.raises(ValidationError) as caught:
        sign_up(session, email)
    assert caught.value.field == "email"
    assert caught.value.message
    with Session(engine) as fresh:
        assert fresh.exec(select(User)).all() == []


def test_weak_password_creates_no_account(session: Session, engine: Engine) -> None:
    with pytest.raises(ValidationError) as caught:
        accounts.sign_up(session=session, email="ada@example.com", password="short")
    assert caught.value.field == "password"
    with Session(engine) as fresh:
        assert fresh.exec(select(User)).all() == []


def test_log_in_returns_a_token_that_identifies_the_user(
    session: Session, settings: Settings, engine: Engine
) -> None:
    user = add_account(session)
    result = log_in(session, settings, email="ADA@Example.com ")
    assert result.user.id == user.id
    assert len(result.token) >= 43
    assert result.expires_at > utcnow()
    assert accounts.user_for_token(session=session, token=result.token).id == user.id
    with Session(engine) as fresh:
        stored = fresh.exec(select(AuthSession).where(AuthSession.user_id == user.id)).one()
    assert stored.token_hash == hash_token(result.token)
    assert stored.token_hash != result.token
    assert stored.client == "203.0.113.7"
    recorded = attempts(engine, "ada@example.com")
    assert [attempt.succeeded for attempt in recorded] == [True]


def test_each_login_opens_its_own_session(session: Session, settings: Settings) -> None:
    user = add_account(session)
    laptop = log_in(session, settings)
    phone = log_in(session, settings, client="198.51.100.2")
    assert laptop.token != phone.token
    assert accounts.user_for_token(session=session, token=laptop.token).id == user.id
    assert accounts.user_for_token(session=session, token=phone.token).id == user.id


def test_wrong_password_is_refused_and_recorded(session: Session, settings: Settings, engine: Engine) -> None:
    add_account(session)
    with pytest.raises(InvalidCredentials) as caught:
        log_in(session, settings, password="marble-canyon-river-89")
    assert str(caught.value) == "Wrong email or password."
    recorded = attempts(engine, "ada@example.com")
    assert [(a.succeeded, a.client) for a in recorded] == [(False, "203.0.113.7")]
    with Session(engine) as fresh:
        assert fresh.exec(select(AuthSession)).all() == []


def test_unknown_email_gets_the_same_message(session: Session, settings: Settings, engine: Engine) -> None:
    with pytest.raises(InvalidCredentials) as caught:
        log_in(session, settings, email="nobody@example.com")
    assert str(caught.value) == "Wrong email or password."
    assert [a.succeeded for a in attempts(engine, "nobody@example.com")] == [False]


def test_address_is_throttled_for_an_account_after_repeated_failures(
    session: Session, make_settings: Callable[..., Settings], engine: Engine
) -> None:
    settings = make_settings(login_max_failures_per_account=3, login_first_delay_seconds=30)
    user = add_account(session)
    for _ in range(3):
        with pytest.raises(InvalidCredentials):
            log_in(session, settings, password="wrong-password-0", client="10.0.0.9")
    with pytest.raises(TooManyAttempts) as caught:
        log_in(session, settings, client="10.0.0.9")
    assert 0 < caught.value.retry_after <= 30
    match = re.fullmatch(r"Too many failed logins\. Try again in (\d+) seconds?\.", str(caught.value))
    assert match is not None
    assert int(match.group(1)) == caught.value.retry_after
    assert isinstance(caught.value, AuthError)
    with Session(engine) as fresh:
        assert fresh.exec(select(AuthSession)).all() == []
    assert log_in(session, settings, client="10.0.0.99").user.id == user.id


def test_throttle_message_uses_singular_minute(
    session: Session, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(login_first_delay_seconds=60, login_max_failures_per_account=2)
    add_account(session)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            log_in(session, settings, password="wrong-password-0")
    with pytest.raises(TooManyAttempts) as caught:
        log_in(session, settings)
    assert str(caught.value) == "Too many failed logins. Try again in 1 minute."
    assert 0 < caught.value.retry_after <= 60


def test_old_failures_outside_the_window_do_not_count(
    session: Session, make_settings: Callable[..., Settings], engine: Engine
) -> None:
    settings = make_settings(login_max_failures_per_account=2)
    user = add_account(session)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            log_in(session, settings, password="wrong-password-0")
    long_ago = utcnow() - timedelta(minutes=settings.login_window_minutes + 1)
    with Session(engine) as other:
        other.exec(update(LoginAttempt).values(created_at=long_ago))
        other.commit()
    assert log_in(session, settings).user.id == user.id


def test_successful_login_resets_the_account_counter(
    session: Session, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(login_max_failures_per_account=3)
    add_account(session)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            log_in(session, settings, password="wrong-password-0")
    log_in(session, settings)
    for _ in range(2):
        with pytest.raises(InvalidCredentials):
            log_in(session, settings, password="wrong-password-0")
    assert log_in(session, settings).token


def test_one_client_guessing_many_accounts_is_throttled(
    session: Session, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(login_max_failures_per_account=10, login_max_failures_per_client=3)
    add_account(session, "victim@example.com")
    for number in range(3):
        with pytest.raises(InvalidCredentials):
            log_in(session, settings, email=f"guess{number}@example.com", client="192.0.2.66")
    with pytest.raises(TooManyAttempts) as caught:
        log_in(session, settings, email="victim@example.com", client="192.0.2.66")
    assert caught.value.retry_after > 0
    other_client = log_in(session, settings, email="victim@example.com", client="192.0.2.67")
    assert other_client.token


def test_expired_session_is_refused(session: Session, settings: Settings, engine: Engine) -> None:
    add_account(session)
    result = log_in(session, settings)
    with Session(engine) as other:
        other.exec(
            update(AuthSession)
            .where(col(AuthSession.token_hash) == hash_token(result.token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        other.commit()
    session.expire_all()
    with pytest.raises(SessionExpired):
        accounts.user_for_token(session=session, token=result.token)


@pytest.mark.parametrize("token", ["", "not-a-real-token"])
def test_unknown_or_empty_token_is_refused(session: Session, token: str) -> None:
    with pytest.raises(SessionExpired):
        accounts.user_for_token(session=session, token=token)


def test_session_lifetime_setting_sets_expiry(
    session: Session, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(session_lifetime_hours=2)
    add_account(session)
    before = utcnow()
    result = log_in(session, settings)
    assert before + timedelta(hours=2) <= result.expires_at
    assert result.expires_at <= utcnow() + timedelta(hours=2)
    assert result.expires_at.tzinfo is not None
    assert result.expires_at.astimezone(UTC) == result.expires_at


def test_log_out_revokes_only_that_session(session: Session, settings: Settings) -> None:
    add_account(session)
    laptop = log_in(session, settings)
    phone = log_in(session, settings)
    accounts.log_out(session=session, token=laptop.token)
    with pytest.raises(SessionExpired):
        accounts.user_for_token(session=session, token=laptop.token)
    assert accounts.user_for_token(session=session, token=phone.token)
    accounts.log_out(session=session, token=laptop.token)
    accounts.log_out(session=session, token="unknown-token")
    accounts.log_out(session=session, token="")


def test_change_password_signs_out_every_other_session_and_keeps_this_one(
    session: Session, settings: Settings, engine: Engine
) -> None:
    user = add_account(session)
    laptop = log_in(session, settings)
    phone = log_in(session, settings)
    tablet = log_in(session, settings)
    ended = accounts.change_password(
        session=session,
        settings=settings,
        user_id=user.id,
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        client="203.0.113.7",
        current_token=laptop.token,
    )
    assert ended == 2
    session.expire_all()
    for old in (phone, tablet):
        with pytest.raises(SessionExpired):
            accounts.user_for_token(session=session, token=old.token)
    assert accounts.user_for_token(session=session, token=laptop.token).id == user.id
    with pytest.raises(InvalidCredentials):
        log_in(session, settings, password=PASSWORD)
    assert log_in(session, settings, password=NEW_PASSWORD).user.id == user.id
    with Session(engine) as other:
        stored = other.exec(select(User).where(User.id == user.id)).one()
    assert stored.password_changed_at is not None
    assert stored.password_changed_at.utcoffset() == timedelta(0)
    assert stored.password_hash.startswith("$argon2id$")


def test_change_password_with_wrong_current_password_changes_nothing(
    session: Session, settings: Settings, engine: Engine
) -> None:
    user = add_account(session)
    laptop = log_in(session, settings)
    with Session(engine) as other:
        hash_before = other.exec(select(User).where(User.id == user.id)).one().password_hash
    with pytest.raises(ValidationError) as caught:
        accounts.change_password(
            session=session,
            settings=settings,
            user_id=user.id,
            current_password="not-my-password-1",
            new_password=NEW_PASSWORD,
            client="laptop",
        )
    assert caught.value.field == "current_password"
    session.expire_all()
    assert accounts.user_for_token(session=session, token=laptop.token).id == user.id
    with Session(engine) as other:
        stored = other.exec(select(User).where(User.id == user.id)).one()
        assert stored.password_hash == hash_before
        assert stored.password_changed_at is None
        assert len(other.exec(select(AuthSession)).all()) == 1
    assert log_in(session, settings).user.id == user.id


@pytest.mark.parametrize(
    ("new_password", "field"),
    [("short", "new_password"), (PASSWORD, "new_password"), ("ada@example.com", "new_password")],
)
def test_change_password_refuses_weak_or_unchanged_passwords(
    session: Session, settings: Settings, new_password: str, field: str
) -> None:
    user = add_account(session)
    laptop = log_in(session, settings)
    with pytest.raises(ValidationError) as caught:
        accounts.change_password(
            session=session,
            settings=settings,
            user_id=user.id,
            current_password=PASSWORD,
            new_password=new_password,
            client="laptop",
        )
    assert caught.value.field == field
    assert accounts.user_for_token(session=session, token=laptop.token).id == user.id


def test_deleted_user_sessions_disappear(session: Session, settings: Settings, engine: Engine) -> None:
    user = add_account(session)
    result = log_in(session, settings)
    with Session(engine) as other:
        other.delete(other.exec(select(User).where(User.id == user.id)).one())
        other.commit()
    session.expire_all()
    with pytest.raises(SessionExpired):
        accounts.user_for_token(session=session, token=result.token)


def test_login_upgrades_a_weaker_password_hash(session: Session, settings: Settings, engine: Engine) -> None:
    weak_hash = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    user = User(email="ada@example.com", password_hash=weak_hash)
    session.add(user)
    session.commit()
    log_in(session, settings)
    with Session(engine) as fresh:
        stored = fresh.exec(select(User).where(User.id == user.id)).one()
    assert stored.password_hash != weak_hash
    assert stored.password_hash.startswith("$argon2id$")
    assert not needs_rehash(stored.password_hash)
    assert log_in(session, settings).user.id == user.id


def test_using_a_session_marks_it_seen(session: Session, settings: Settings, engine: Engine) -> None:
    add_account(session)
    result = log_in(session, settings)
    long_ago = utcnow() - timedelta(hours=1)
    with Session(engine) as other:
        other.exec(update(AuthSession).values(last_seen_at=long_ago))
        other.commit()
    session.expire_all()
    accounts.user_for_token(session=session, token=result.token)
    with Session(engine) as fresh:
        stored = fresh.exec(select(AuthSession)).one()
    assert stored.last_seen_at is not None
    assert stored.last_seen_at > long_ago


def test_revoke_all_sessions_counts_open_sessions(session: Session, settings: Settings) -> None:
    user = add_account(session)
    first = log_in(session, settings)
    log_in(session, settings)
    accounts.log_out(session=session, token=first.token)
    assert accounts.revoke_all_sessions(session=session, user_id=user.id) == 1
    session.commit()
    assert accounts.revoke_all_sessions(session=session, user_id=user.id) == 0


def test_purge_old_attempts_keeps_recent_ones(session: Session, settings: Settings, engine: Engine) -> None:
    session.add(LoginAttempt(email="old@example.com", created_at=utcnow() - timedelta(days=8)))
    session.add(LoginAttempt(email="new@example.com", created_at=utcnow() - timedelta(hours=1)))
    session.commit()
    accounts.purge_old_attempts(session=session, settings=settings)
    with Session(engine) as fresh:
        emails = [a.email for a in fresh.exec(select(LoginAttempt)).all()]
    assert emails == ["new@example.com"]


def test_successful_login_clears_stale_attempts(session: Session, settings: Settings) -> None:
    """Attempts older than a week are removed when someone logs in, so the table does not grow forever."""
    user = add_account(session)
    session.add(LoginAttempt(email="old@example.com", created_at=utcnow() - timedelta(days=8)))
    session.commit()
    accounts.log_in(session=session, settings=settings, email=user.email, password=PASSWORD, client="c")
    emails = [a.email for a in session.exec(select(LoginAttempt)).all()]
    assert emails == [user.email]
