"""Checks shared by services for names and free text typed by people."""

from __future__ import annotations

import unicodedata

from mediaws.errors import ValidationError

HIDDEN_TRICKS = frozenset(
    "\u200b\u2060\ufeff"  # zero-width space, word joiner, byte-order mark
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
)


def clean_name(value: str, *, what: str, field: str, max_length: int = 200) -> str:
    """Trim a name and refuse empty, over-long or control-character input."""
    name = unicodedata.normalize("NFC", value or "").strip()
    if not name:
        raise ValidationError(f"{what} is required.", field=field)
    if len(name) > max_length:
        raise ValidationError(
            f"{what} is too long ({len(name)} characters); the limit is {max_length}.",
            field=field,
        )
    if any(ch in HIDDEN_TRICKS or unicodedata.category(ch) in {"Cc", "Zl", "Zp"} for ch in name):
        raise ValidationError(
            f"{what} must not contain control characters or invisible formatting.", field=field
        )
    return name


def clean_text(value: str, *, what: str, field: str, max_length: int) -> str:
    """Trim free text and refuse it when over-long."""
    text = unicodedata.normalize("NFC", value or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            f"{what} is too long ({len(text)} characters); the limit is {max_length}.",
            field=field,
        )
    return text
