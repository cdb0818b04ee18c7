"""Checks shared by services (and the API's request bodies) for names, free text and plain values."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from mediaws.errors import ValidationError

HIDDEN_TRICKS = frozenset(
    "\u200b\u2060\ufeff"  # zero-width space, word joiner, byte-order mark
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2066\u2067\u2068\u2069"  # bidi isolates
)


def plain_problem(value: Any) -> tuple[str, str] | None:
    """Where a value holds a NUL, a lone surrogate or a non-finite number, and what; None if it is plain.

    Nested places are dotted paths ("extra.1.deep"); the value itself is "".
    """
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        return None if finite else ("", "must be a finite number, not NaN or Infinity")
    if isinstance(value, Mapping):
        for key, item in value.items():
            bad_key = plain_problem(key)
            if bad_key is not None:
                return "", bad_key[1]
            problem = plain_problem(item)
            if problem is not None:
                return _join(str(key), problem[0]), problem[1]
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            problem = plain_problem(item)
            if problem is not None:
                return _join(str(index), problem[0]), problem[1]
    return None


def check_plain(value: Any, *, field: str, bare_keys: bool = False) -> None:
    """Refuse NUL characters, lone surrogates and NaN/Infinity anywhere in a value, naming where.

    With ``bare_keys`` (for options) a nested entry is named by its own key, e.g. ``speed``.
    """
    problem = plain_problem(value)
    if problem is None:
        return
    inner, reason = problem
    where = (inner or field) if bare_keys else _join(field, inner)
    raise ValidationError(f"'{where}' {reason}.", field=where)


def _text_problem(text: str) -> tuple[str, str] | None:
    if "\x00" in text:
        return "", "contains a NUL character (U+0000); remove it"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return "", f"contains a lone surrogate (U+{code:04X}), which is not valid Unicode text"
    return None


def _join(outer: str, inner: str) -> str:
    return f"{outer}.{inner}" if outer and inner else outer or inner


def clean_name(value: str, *, what: str, field: str, max_length: int = 200) -> str:
    """Trim a name and refuse empty, over-long, control-character or invalid Unicode input."""
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
    check_plain(name, field=field)
    return name


def clean_text(value: str, *, what: str, field: str, max_length: int) -> str:
    """Trim free text and refuse it when over-long."""
    check_plain(value, field=field)
    text = unicodedata.normalize("NFC", value or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            f"{what} is too long ({len(text)} characters); the limit is {max_length}.",
            field=field,
        )
    return text
