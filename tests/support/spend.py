"""Finished generations as a worker leaves them, and their spend entered in the ledger."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from mediaws.models import Generation, User
from mediaws.services import ledger

DEFAULTS: dict[str, Any] = {
    "capability": "text",
    "provider": "openai",
    "model": "gpt-4.1",
    "prompt": "p",
    "status": "succeeded",
    "cost_source": "provider_usage",
    "video_seconds": Decimal(0),
    "duration_ms": 1_500,
}


def finished(
    owner_id: uuid.UUID, project_id: uuid.UUID, completed_at: datetime, cost_picos: int | None, **fields: Any
) -> Generation:
    """A finished generation row, not stored: a text from gpt-4.1 unless ``fields`` say otherwise."""
    return Generation(
        owner_id=owner_id,
        project_id=project_id,
        completed_at=completed_at,
        cost_picos=cost_picos,
        **(DEFAULTS | fields),
    )


def enter(session: Session, generation: Generation) -> Generation:
    """Store a finished generation and enter it in the ledger, as the worker does (not committed)."""
    session.add(generation)
    session.flush()
    ledger.enter(session, generation)
    return generation


def spend(
    session: Session, owner: User, project_id: uuid.UUID, when: datetime, picos: int, **fields: Any
) -> None:
    """Enter one finished generation of the owner's in the ledger, committed."""
    enter(session, finished(owner.id, project_id, when, picos, **fields))
    session.commit()
