"""Sign-up, login throttled without locking the owner out, server-side sessions and password changes."""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

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
from mediaws.security.client_address import throttle_key
from mediaws.security.tokens import hash_token, new_token
from mediaws.services import ledger

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


Clock = Callable[[], datetime]


def log_in(
    *,
    session: Session,
    settings: Settings,
    email: str,
    password: str,
    client: str,
    backend: AuthBackend = LOCAL,
    clock: Clock = utcnow,
) -> LoginResult:
    """Check credentials under the throttle and open a session; ``client`` is the caller's address."""
    address = normalize_email(email)
    client = client[:255]
    key = throttle_key(client) if client else ""
    now = clock()
    check_throttle(session=session, settings=settings, email=address, client=key, now=now)
    try:
        user = backend.authenticate(session=session, email=address, password=password)
    except InvalidCredentials:
        session.add(LoginAttempt(email=address, client=key, succeeded=False, created_at=now))
        session.commit()
        raise
    session.add(LoginAttempt(email=address, client=key, succeeded=True, created_at=now))
    result = _open_session(session=session, settings=settings, user=user, client=client, now=now)
    session.commit()
    purge_old_attempts(session=session, settings=settings, now=now)
    return result


def check_throttle(*, session: Session, settings: Settings, email: str, client: str, now: datetime) -> None:
    """Raise TooManyAttempts if this address must wait before checking this account's password again.

    Three counters, each with free failures and then waits that double up to a cap:
    one account from one address (always), one account from every address (small cap), and one address
    over every account. The last two spare an address the account logged in from recently, so the owner
    is never locked out by failures made elsewhere.
    """
    since = now - timedelta(minutes=settings.login_window_minutes)
    pair = (LoginAttempt.email == email, LoginAttempt.client == client)
    waits = [
        _wait(
            _failures(session, pair, since=_after_success(session, pair, since)),
            free=settings.login_max_failures_per_account,
            first=settings.login_first_delay_seconds,
            cap=settings.login_max_delay_seconds,
            now=now,
        )
    ]
    known_since = now - timedelta(days=settings.login_known_address_days)
    if not _succeeded(session, pair, since=known_since):
        account = (LoginAttempt.email == email,)
        waits.append(
            _wait(
                _failures(session, account, since=_after_success(session, account, since)),
                free=settings.login_account_failures_before_delay,
                first=1,
                cap=settings.login_account_max_delay_seconds,
                now=now,
            )
        )
        if client:
            waits.append(
                _wait(
                    _failures(session, (LoginAttempt.client == client,), since=since),
                    free=settings.login_max_failures_per_client,
                    first=settings.login_first_delay_seconds,
                    cap=settings.login_max_delay_seconds,
                    now=now,
                )
            )
    wait = max(waits)
    if wait > 0:
        raise TooManyAttempts(throttle_message(wait), retry_after=wait)


def _after_success(session: Session, where: tuple[Any, ...], since: datetime) -> datetime:
    last = session.exec(
        select(func.max(LoginAttempt.created_at)).where(*where, col(LoginAttempt.succeeded).is_(True))
    ).one()
    return max(since, last) if last is not None else since


def _succeeded(session: Session, where: tuple[Any, ...], *, since: datetime) -> bool:
    found = session.exec(
        select(LoginAttempt.id)
        .where(*where, col(LoginAttempt.succeeded).is_(True), LoginAttempt.created_at > since)
        .limit(1)
    ).first()
    return found is not None


def _failures(session: Session, where: tuple[Any, ...], *, since: datetime) -> tuple[int, datetime | None]:
    count, last = session.exec(
        select(func.count(), func.max(LoginAttempt.created_at)).where(
            *where, col(LoginAttempt.succeeded).is_(False), LoginAttempt.created_at > since
        )
    ).one()
    return int(count), last


def _wait(failures: tuple[int, datetime | None], *, free: int, first: int, cap: int, now: datetime) -> int:
    """Seconds left: none for ``free`` failures, then ``first`` doubling each time, at most ``cap``."""
    count, last = failures
    if count < free or last is None:
        return 0
    delay = min(cap, first * 2 ** min(count - free, 30))
    return max(0, math.ceil((last + timedelta(seconds=delay) - now).total_seconds()))


def throttle_message(seconds: int) -> str:
    """What a throttled person reads: how long to wait, in seconds or whole minutes."""
    if seconds < 60:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        minutes = -(-seconds // 60)
        wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"Too many failed logins. Try again in {wait}."


def _open_session(
    *, session: Session, settings: Settings, user: User, client: str, now: datetime
) -> LoginResult:
    token = new_token()
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
    current_token: str = "",
    clock: Clock = utcnow,
) -> int:
    """Change the password and sign out every other session; return how many were signed out.

    The session behind ``current_token`` (the browser making the change) stays signed in. The
    current-password check is throttled like a login from ``client``. Personal access tokens are kept:
    they are separate credentials, listed with their last use on the same page to revoke one by one.
    """
    user = session.get(User, user_id)
    if user is None:
        raise SessionExpired("Your session has ended. Please log in again.")
    key = throttle_key(client) if client else ""
    now = clock()
    check_throttle(session=session, settings=settings, email=user.email, client=key, now=now)
    if not passwords.verify_password(user.password_hash, current_password):
        session.add(LoginAttempt(email=user.email, client=key, succeeded=False, created_at=now))
        session.commit()
        raise ValidationError("Current password is wrong.", field="current_password")
    if current_password == new_password:
        raise ValidationError("The new password must differ from the current one.", field="new_password")
    try:
        passwords.check_password_rules(new_password, email=user.email)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="new_password") from None
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    ended = revoke_all_sessions(session=session, user_id=user.id, now=now, keep_token=current_token)
    session.commit()
    return ended


def revoke_all_sessions(
    *, session: Session, user_id: uuid.UUID, now: datetime | None = None, keep_token: str = ""
) -> int:
    """Revoke every open session of a user (but the one of ``keep_token``) and return how many there were."""
    conditions = [col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None)]
    if keep_token:
        conditions.append(col(AuthSession.token_hash) != hash_token(keep_token))
    outcome = session.exec(update(AuthSession).where(*conditions).values(revoked_at=now or utcnow()))
    return int(outcome.rowcount or 0)


def purge_old_attempts(*, session: Session, settings: Settings, now: datetime | None = None) -> None:
    """Delete attempts that no longer count (done on each successful login).

    Failures count for the throttle window; successes mark known addresses for login_known_address_days.
    """
    now = now or utcnow()
    failures_before = now - max(timedelta(days=1), timedelta(minutes=settings.login_window_minutes))
    successes_before = now - timedelta(days=settings.login_known_address_days)
    session.exec(
        delete(LoginAttempt).where(
            col(LoginAttempt.succeeded).is_(False), col(LoginAttempt.created_at) < failures_before
        )
    )
    session.exec(
        delete(LoginAttempt).where(
            col(LoginAttempt.succeeded).is_(True), col(LoginAttempt.created_at) < successes_before
        )
    )
    session.commit()


def user_by_email(*, session: Session, email: str) -> User:
    """Find an account by email (for operators and the CLI)."""
    user = session.exec(select(User).where(User.email == normalize_email(email))).first()
    if user is None:
        raise NotFoundError(f"No account with the email {email.strip()}.")
    return user


def set_time_zone(*, session: Session, user_id: uuid.UUID, name: str) -> User:
    """Count the person's days and months in an IANA zone from now on, their totals recounted in it."""
    zone = ledger.zone_of(name.strip())
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("Account not found.")
    if user.time_zone != zone.key:
        user.time_zone = zone.key
        session.flush()
        ledger.rebuild(session, user_id)
    return user


def set_email_choices(
    *, session: Session, user_id: uuid.UUID, summary: bool | None = None, budgets: bool | None = None
) -> User:
    """Turn the monthly cost summary and the budget warnings on or off (None leaves one as it is)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFoundError("Account not found.")
    if summary is not None:
        user.summary_emails = summary
    if budgets is not None:
        user.budget_emails = budgets
    session.flush()
    return user
