"""Random bearer tokens and their stored hashes."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """Return a new unguessable token (256 bits)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the SHA-256 hex digest stored in place of a token."""
    return hashlib.sha256(token.encode()).hexdigest()
