"""The master-key format: 256 random bits, base64url-encoded, known by a short public id."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from mediaws.errors import ConfigError

KEY_BYTES = 32


def generate_key() -> str:
    """Return a new random 256-bit master key, base64url-encoded."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def decode_key(text: str) -> bytes:
    """Decode a base64 master key and check it is 256 bits."""
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ConfigError("A master key is not valid base64; use `mediaws keys generate`.") from exc
    if len(raw) != KEY_BYTES:
        raise ConfigError(
            f"A master key must be {KEY_BYTES} bytes (base64 of 256 bits); use `mediaws keys generate`."
        )
    return raw


def key_id_for(raw: bytes) -> str:
    """Derive a short public id for a master key (a hash; reveals nothing of the key)."""
    return hashlib.sha256(b"mediaws/master-key-id/" + raw).hexdigest()[:16]
