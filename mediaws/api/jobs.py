"""Job status and cancellation."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mediaws.api.deps import SessionFactory, current_user, get_session_factory
from mediaws.api.schemas import JobOut
from mediaws.models import User
from mediaws.services import generation

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("/{job_id}/status", response_model=JobOut)
def job_status(
    job_id: str, user: User = Depends(current_user), sessions: SessionFactory = Depends(get_session_factory)
) -> JobOut:
    """Status, progress and message of one of the caller's jobs."""
    with sessions() as session:
        job, _ = generation.get_job(session=session, user_id=user.id, job_id=job_id)
        return JobOut.of(job)


@router.post("/{job_id}/cancel", response_model=JobOut)
def cancel_job(
    job_id: str, user: User = Depends(current_user), sessions: SessionFactory = Depends(get_session_factory)
) -> JobOut:
    """Ask a job to stop: a queued one stops at once, a running one at its next heartbeat."""
    with sessions() as session:
        _, owner_generation = generation.get_job(session=session, user_id=user.id, job_id=job_id)
        cancelled = generation.cancel_generation(
            session=session, user_id=user.id, generation_id=owner_generation.id
        )
        return JobOut.of(generation.job_for(session, cancelled))
