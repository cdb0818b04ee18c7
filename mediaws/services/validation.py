"""Checks shared by services for names and free text typed by people."""

from __future__ import annotations

import unicodedata

from mediaws.errors import ValidationError


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
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} for ch in name):
        raise ValidationError(f"{what} must not contain control characters.", field=field)
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
