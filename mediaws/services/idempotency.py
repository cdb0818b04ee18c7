"""Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header): one request, one generation."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from mediaws.errors import ConflictError, ValidationError
from mediaws.models import Generation
from mediaws.models.base import utcnow

IDEMPOTENCY_KEY_MAX = 255
IDEMPOTENCY_TTL = timedelta(hours=24)
IDEMPOTENCY_KEY_FIELD = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = re.compile(rf"[!#-\[\]-~]{{1,{IDEMPOTENCY_KEY_MAX}}}")


def parse_key(value: str | None) -> str | None:
    """An Idempotency-Key as sent (a plain token, or a quoted structured-field string), checked."""
    if value is None:
        return None
    key = value.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise ValidationError(
            f"The Idempotency-Key must be 1 to {IDEMPOTENCY_KEY_MAX} visible ASCII characters "
            "(a UUID is a good choice).",
            field=IDEMPOTENCY_KEY_FIELD,
        )
    return key


def request_fingerprint(
    *,
    project_id: str | uuid.UUID,
    capability: str,
    provider_id: str,
    model: str,
    prompt: str,
    options: Mapping[str, Any] | None = None,
    endpoint_id: str | uuid.UUID | None = None,
    fallbacks: Sequence[Mapping[str, Any]] | None = None,
) -> str:
    """A SHA-256 of a generation request as given, to tell a repeat from a different request."""
    request = {
        "project_id": str(project_id),
        "type": capability,
        "provider": provider_id,
        "model": model,
        "prompt": prompt,
        "options": dict(options or {}),
        "endpoint_id": str(endpoint_id) if endpoint_id else None,
        "fallbacks": [
            {
                "provider": f.get("provider"),
                "model": f.get("model"),
                "endpoint_id": str(f["endpoint_id"]) if f.get("endpoint_id") else None,
            }
            for f in fallbacks or ()
        ],
    }
    text = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def earlier_generation(session: Session, user_id: uuid.UUID, key: str, fingerprint: str) -> Generation | None:
    """The generation an earlier request with this key started; a key past its 24 h is let go."""
    row = session.exec(
        select(Generation).where(Generation.owner_id == user_id, Generation.idempotency_key == key)
    ).first()
    if row is None:
        return None
    if row.created_at < utcnow() - IDEMPOTENCY_TTL:
        row.idempotency_key = None
        session.commit()
        return None
    if row.request_fingerprint != fingerprint:
        raise ValidationError(
            "This Idempotency-Key was already used for a different request; send a new key.",
            field=IDEMPOTENCY_KEY_FIELD,
        )
    return row


def raced_generation(session: Session, user_id: uuid.UUID, key: str, fingerprint: str) -> Generation:
    """A request with the same key was queued while this one was checked: answer with that one."""
    earlier = earlier_generation(session, user_id, key, fingerprint)
    if earlier is None:
        raise ConflictError(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            field=IDEMPOTENCY_KEY_FIELD,
        )
    return earlier
