"""Sign-up, login with throttling, server-side sessions and password changes."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mediaws.config import Settings
from mediaws.errors import (
    ConflictError,
    InvalidCredentials,
    NotFoundError,
    SessionExpired,
    TooManyAttempts,
    ValidationError,
)
from mediaws.models import AuthSession, LoginAttempt, User
from mediaws.models.base import utcnow
from mediaws.security import passwords
from mediaws.security.tokens import hash_token, new_token

EMAIL_RE = re.compile(
    r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
SESSION_TOUCH_INTERVAL = timedelta(minutes=5)


@dataclass(frozen=True)
class LoginResult:
    """A user who just logged in and the token to hand to their browser."""

    user: User
    token: str
    expires_at: datetime


class AuthBackend(Protocol):
    """Where identities live; local today, Supabase Auth can stand beside it."""

    name: str

    def register(self, *, session: Session, email: str, password: str) -> User:
        """Create an identity and return its user row."""
        ...

    def authenticate(self, *, session: Session, email: str, password: str) -> User:
        """Return the user if the credentials are right, else raise InvalidCredentials."""
        ...


class LocalAuthBackend:
    """Identities stored in our own users table, passwords hashed with argon2id."""

    name = "local"

    def register(self, *, session: Session, email: str, password: str) -> User:
        """Create a local user with a hashed password."""
        passwords.check_password_rules(password, email=email)
        if session.exec(select(User).where(User.email == email)).first() is not None:
            raise ConflictError("An account with this email already exists. Log in instead.", field="email")
        user = User(email=email, password_hash=passwords.hash_password(password), auth_backend=self.name)
        session.add(user)
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            raise ConflictError(
                "An account with this email already exists. Log in instead.", field="email"
            ) from None
        return user

    def authenticate(self, *, session: Session, email: str, password: str) -> User:
        """Check the password against the stored argon2id hash."""
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            passwords.verify_password(passwords.dummy_hash(), password)
            raise InvalidCredentials("Wrong email or password.")
        if not passwords.verify_password(user.password_hash, password):
            raise InvalidCredentials("Wrong email or password.")
        if passwords.needs_rehash(user.password_hash):
            user.password_hash = passwords.hash_password(password)
        return user


LOCAL = LocalAuthBackend()


def normalize_email(email: str) -> str:
    """Lower-case and validate an email address."""
    value = (email or "").strip().lower()
    if not value:
        raise ValidationError("Email is required.", field="email")
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise ValidationError("Enter a valid email address, like name@example.com.", field="email")
    return value


def sign_up(*, session: Session, email: str, password: str, backend: AuthBackend = LOCAL) -> User:
    """Create an account."""
    user = backend.register(session=session, email=normalize_email(email), password=password)
    session.commit()
    return user


def log_in(
    *,
    session: Session,
    settings: Settings,
    email: str,
    password: str,
    client: str,
    backend: AuthBackend = LOCAL,
) -> LoginResult:
    """Check credentials under the throttle and open a session."""
    address = normalize_email(email)
    client = client[:255]
    now = utcnow()
    _check_throttle(session=session, settings=settings, email=address, client=client, now=now)
    try:
        user = backend.authenticate(session=session, email=address, password=password)
    except InvalidCredentials:
        session.add(LoginAttempt(email=address, client=client, succeeded=False, created_at=now))
        session.commit()
        raise
    session.add(LoginAttempt(email=address, client=client, succeeded=True, created_at=now))
    result = _open_session(session=session, settings=settings, user=user, client=client)
    session.commit()
    purge_old_attempts(session=session)
    return result


def _check_throttle(*, session: Session, settings: Settings, email: str, client: str, now: datetime) -> None:
    since = now - timedelta(minutes=settings.login_window_minutes)
    last_success = session.exec(
        select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.email == email, col(LoginAttempt.succeeded).is_(True)
        )
    ).one()
    account_since = max(since, last_success) if last_success else since
    checks = [(LoginAttempt.email == email, account_since, settings.login_max_failures_per_account)]
    if client:
        checks.append((LoginAttempt.client == client, since, settings.login_max_failures_per_client))
    for condition, start, limit in checks:
        failures = session.exec(
            select(LoginAttempt.created_at)
            .where(condition, col(LoginAttempt.succeeded).is_(False), LoginAttempt.created_at > start)
            .order_by(col(LoginAttempt.created_at).desc())
            .limit(limit)
        ).all()
        if len(failures) >= limit:
            window_ends = min(failures) + timedelta(minutes=settings.login_window_minutes)
            wait = max(1, int((window_ends - now).total_seconds()) + 1)
            minutes = -(-wait // 60)
            raise TooManyAttempts(
                f"Too many failed logins. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
                retry_after=wait,
            )


def _open_session(*, session: Session, settings: Settings, user: User, client: str) -> LoginResult:
    token = new_token()
    now = utcnow()
    expires = now + timedelta(hours=settings.session_lifetime_hours)
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=hash_token(token),
            expires_at=expires,
            last_seen_at=now,
            client=client,
        )
    )
    return LoginResult(user=user, token=token, expires_at=expires)


def user_for_token(*, session: Session, token: str) -> User:
    """Return the user behind a live session token, or raise SessionExpired."""
    if not token:
        raise SessionExpired("Please log in.")
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == hash_token(token))).first()
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise SessionExpired("Your session has ended. Please log in again.")
    if row.last_seen_at is None or now - row.last_seen_at > SESSION_TOUCH_INTERVAL:
        row.last_seen_at = now
        session.commit()
    user = session.get(User, row.user_id)
    if user is None:
        raise SessionExpired("Your session has ended. Please log in again.")
    return user


def log_out(*, session: Session, token: str) -> None:
    """Revoke the session behind a token; unknown tokens are ignored."""
    if token:
        session.exec(
            update(AuthSession)
            .where(
                col(AuthSession.token_hash) == hash_token(token),
                col(AuthSession.revoked_at).is_(None),
            )
            .values(revoked_at=utcnow())
        )
        session.commit()


def change_password(
    *,
    session: Session,
    settings: Settings,
    user_id: uuid.UUID,
    current_password: str,
    new_password: str,
    client: str,
) -> LoginResult:
    """Change the password, revoke every session of the user and open a fresh one."""
    user = session.get(User, user_id)
    if user is None:
        raise SessionExpired("Your session has ended. Please log in again.")
    if not passwords.verify_password(user.password_hash, current_password):
        raise ValidationError("Current password is wrong.", field="current_password")
    if current_password == new_password:
        raise ValidationError("The new password must differ from the current one.", field="new_password")
    try:
        passwords.check_password_rules(new_password, email=user.email)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="new_password") from None
    now = utcnow()
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    revoke_all_sessions(session=session, user_id=user.id, now=now)
    result = _open_session(session=session, settings=settings, user=user, client=client)
    session.commit()
    return result


def revoke_all_sessions(*, session: Session, user_id: uuid.UUID, now: datetime | None = None) -> int:
    """Revoke every open session of a user and return how many there were."""
    outcome = session.exec(
        update(AuthSession)
        .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
        .values(revoked_at=now or utcnow())
    )
    return int(outcome.rowcount or 0)


def purge_old_attempts(*, session: Session, older_than: timedelta = timedelta(days=7)) -> None:
    """Delete login attempts that no longer count for throttling (done on each successful login)."""
    session.exec(delete(LoginAttempt).where(col(LoginAttempt.created_at) < utcnow() - older_than))
    session.commit()


def user_by_email(*, session: Session, email: str) -> User:
    """Find an account by email (for operators and the CLI)."""
    user = session.exec(select(User).where(User.email == normalize_email(email))).first()
    if user is None:
        raise NotFoundError(f"No account with the email {email.strip()}.")
    return user
