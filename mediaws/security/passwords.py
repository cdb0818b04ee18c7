"""Password hashing with argon2id and the password rules."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from mediaws.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 256
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "1234567890a",
        "password12",
        "password123",
        "password1234",
        "qwertyuiop",
        "qwerty1234",
        "qwerty12345",
        "iloveyou12",
        "letmein123",
        "welcome123",
        "abcdefghij",
        "abc1234567",
        "aaaaaaaaaa",
        "1111111111",
        "passw0rd12",
        "administrator",
        "changeme123",
        "football12",
        "baseball12",
        "monkey1234",
        "sunshine12",
        "princess12",
    }
)

_hasher = PasswordHasher()


def check_password_rules(password: str, *, email: str = "") -> None:
    """Raise a ValidationError that says what to fix if the password is weak."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"Password is too short: use at least {MIN_LENGTH} characters.", field="password"
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"Password is too long: use at most {MAX_LENGTH} characters.", field="password")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(lowered)) < 4:
        raise ValidationError(
            "Password is too easy to guess: pick a longer phrase or mix in other words.",
            field="password",
        )
    if email and lowered == email.lower():
        raise ValidationError("Password must not be your email address.", field="password")


def hash_password(password: str) -> str:
    """Hash with argon2id and a random salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return whether the password matches the hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Return whether the hash uses weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against for unknown emails, so they take as long as known ones."""
    return hash_password("mediaws-timing-equaliser")
