"""Password hashing (argon2id) and the password rules people see."""

from __future__ import annotations

import pytest

from mediaws.errors import ValidationError
from mediaws.security.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)
from mediaws.security.tokens import hash_token, new_token

GOOD = "tangerine-orbit-47"


def test_hash_is_argon2id_and_salted() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$")
    assert GOOD not in first
    assert first != second
    assert not needs_rehash(first)


def test_verify_accepts_the_right_password_only() -> None:
    stored = hash_password(GOOD)
    assert verify_password(stored, GOOD)
    assert not verify_password(stored, GOOD.upper())
    assert not verify_password(stored, "")


def test_verify_with_a_malformed_hash_is_false_not_an_error() -> None:
    assert not verify_password("not-a-hash", GOOD)
    assert not verify_password(GOOD, GOOD)


@pytest.mark.parametrize(
    ("password", "email", "words"),
    [
        ("short1!", "", ["too short", str(MIN_LENGTH)]),
        ("", "", ["too short"]),
        ("x" * (MAX_LENGTH - 10) + "abcdefghijk", "", ["too long", str(MAX_LENGTH)]),
        ("password123", "", ["too easy"]),
        ("PassWord123", "", ["too easy"]),
        ("qwertyuiop", "", ["too easy"]),
        ("aaaaaaaaaaaaaaaa", "", ["too easy"]),
        ("abababababab", "", ["too easy"]),
        ("ann.lee@example.com", "Ann.Lee@Example.com", ["email"]),
    ],
)
def test_weak_passwords_are_refused_with_a_helpful_message(
    password: str, email: str, words: list[str]
) -> None:
    with pytest.raises(ValidationError) as caught:
        check_password_rules(password, email=email)
    assert caught.value.field == "password"
    for word in words:
        assert word in caught.value.message
    assert caught.value.message == str(caught.value)


@pytest.mark.parametrize(
    "password",
    [
        "a" * 6 + "bcd" + "e",
        GOOD,
        "x" * (MAX_LENGTH - 4) + "abcd",
        "correct horse battery staple",
        "пароль-надёжный-42",
    ],
)
def test_reasonable_passwords_pass(password: str) -> None:
    check_password_rules(password, email="someone@example.com")


def test_exact_length_limits() -> None:
    check_password_rules("abcd" + "x" * (MIN_LENGTH - 4))
    with pytest.raises(ValidationError):
        check_password_rules("abcd" + "x" * (MIN_LENGTH - 5))
    check_password_rules("abcd" + "x" * (MAX_LENGTH - 4))
    with pytest.raises(ValidationError):
        check_password_rules("abcd" + "x" * (MAX_LENGTH - 3))


def test_tokens_are_long_random_and_stored_only_as_sha256() -> None:
    first, second = new_token(), new_token()
    assert first != second
    assert len(first) >= 43
    digest = hash_token(first)
    assert len(digest) == 64
    assert first not in digest
    assert digest == hash_token(first)
    assert digest != hash_token(second)
