"""Start generations and follow them."""

from __future__ import annotations

import uuid
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Query
from sqlmodel import Session

from mediaws.api.deps import SessionFactory, current_user, get_deps, get_session_factory
from mediaws.api.schemas import (
    GenerateRequest,
    GenerationDetail,
    GenerationOut,
    IdempotencyKey,
    QueuedFor,
    error_responses,
)
from mediaws.deps import Deps
from mediaws.errors import ConflictError
from mediaws.models import Generation, User
from mediaws.services import generation

router = APIRouter(prefix="/api", tags=["generations"])


def _detail(session: Session, row: Generation) -> GenerationDetail:
    return GenerationDetail.build(row, generation.job_for(session, row), generation.assets_of(session, row))


@router.post("/generate", response_model=GenerationDetail, status_code=202, responses=error_responses(409))
def generate(
    body: GenerateRequest,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
    deps: Deps = Depends(get_deps),
    idempotency_key: IdempotencyKey = None,
    queued_for: QueuedFor = None,
) -> GenerationDetail:
    """Check, price and queue a generation; poll it (or its job) for the result."""
    if queued_for is not None and unquote(queued_for).strip().casefold() != user.email.casefold():
        raise ConflictError(
            "This request was queued on this device by another account; it was not sent.",
            field="X-Queued-For",
        )
    with sessions() as session:
        row = generation.start_generation(
            session=session,
            deps=deps,
            user_id=user.id,
            project_id=body.project_id,
            capability=body.type,
            provider_id=body.provider,
            model=body.model,
            prompt=body.prompt,
            options=body.options,
            endpoint_id=body.endpoint_id,
            fallbacks=[f.model_dump() for f in body.fallbacks],
            idempotency_key=idempotency_key,
        )
        return _detail(session, row)


@router.get("/generations", response_model=list[GenerationOut])
def list_generations(
    project_id: uuid.UUID = Query(alias="projectId"),
    limit: int = Query(50, ge=1, le=200),
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> list[GenerationOut]:
    """The caller's generations in one of their projects, newest first."""
    with sessions() as session:
        rows = generation.list_generations(
            session=session, user_id=user.id, project_id=project_id, limit=limit
        )
        return [GenerationOut.of(r) for r in rows]


@router.get("/generations/{generation_id}", response_model=GenerationDetail)
def get_generation(
    generation_id: str,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> GenerationDetail:
    """One generation with its job status and result files."""
    with sessions() as session:
        row = generation.get_generation(session=session, user_id=user.id, generation_id=generation_id)
        return _detail(session, row)
