"""Durable job records: claim with a lease, heartbeat, progress, cancel, finish, retry later.

Claiming is a conditional UPDATE on the row seen free, so two workers (threads, processes or
machines) on SQLite or PostgreSQL never run the same job at once; a worker that dies (even by
SIGKILL) stops renewing its lease and the next worker takes the job over when it expires.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, update
from sqlmodel import Session, col, select

from mediaws.models import AsyncJob
from mediaws.models.base import utcnow

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = "queued", "running", "succeeded", "failed", "cancelled"
FINISHED = (SUCCEEDED, FAILED, CANCELLED)
GENERATION = "generation"


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        (col(AsyncJob.status) == QUEUED) & (col(AsyncJob.run_after) <= now),
        (col(AsyncJob.status) == RUNNING) & (col(AsyncJob.lease_expires_at) < now),
    )


def claim(
    session: Session, *, worker: str, lease_seconds: float, now: datetime | None = None
) -> AsyncJob | None:
    """Take the oldest runnable job (queued, or running with an expired lease) for this worker.

    Generations go first: a backlog of preview jobs (a backfill) never keeps a person waiting.
    """
    moment = now or utcnow()
    candidates: list[uuid.UUID] = []
    for wanted in (col(AsyncJob.kind) == GENERATION, col(AsyncJob.kind) != GENERATION):
        candidates += session.exec(
            select(AsyncJob.id).where(_claimable(moment), wanted).order_by(col(AsyncJob.created_at)).limit(5)
        ).all()
    for job_id in candidates:
        if _take(session, job_id=job_id, worker=worker, lease_seconds=lease_seconds, now=moment):
            return session.get(AsyncJob, job_id, populate_existing=True)
    return None


def claim_job(
    session: Session, *, job_id: uuid.UUID, worker: str, lease_seconds: float, now: datetime | None = None
) -> AsyncJob | None:
    """Take this one job if it is runnable now; None when it is finished, waiting or held by a live worker."""
    if _take(session, job_id=job_id, worker=worker, lease_seconds=lease_seconds, now=now or utcnow()):
        return session.get(AsyncJob, job_id, populate_existing=True)
    return None


def claimable_ids(session: Session, *, limit: int, now: datetime | None = None) -> list[uuid.UUID]:
    """Ids of jobs any worker could claim now, oldest first."""
    moment = now or utcnow()
    return list(
        session.exec(
            select(AsyncJob.id).where(_claimable(moment)).order_by(col(AsyncJob.created_at)).limit(limit)
        ).all()
    )


def _take(session: Session, *, job_id: uuid.UUID, worker: str, lease_seconds: float, now: datetime) -> bool:
    """Start a new attempt: lease the job and clear what the previous attempt reported."""
    taken = session.exec(
        update(AsyncJob)
        .where(col(AsyncJob.id) == job_id, _claimable(now))
        .values(
            status=RUNNING,
            lease_owner=worker,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            heartbeat_at=now,
            attempts=AsyncJob.attempts + 1,
            started_at=func.coalesce(AsyncJob.started_at, now),
            progress_percent=None,
            eta_seconds=None,
            message="",
        )
    )
    session.commit()
    return taken.rowcount == 1


def heartbeat(
    session: Session,
    *,
    job_id: uuid.UUID,
    worker: str,
    lease_seconds: float,
    progress: int | None = None,
    message: str | None = None,
    eta_seconds: int | None = None,
) -> bool:
    """Renew the lease and record progress; return whether a cancel was asked for.

    Raises LeaseLost if another worker holds the job now.
    """
    now = utcnow()
    values: dict[str, object] = {
        "lease_expires_at": now + timedelta(seconds=lease_seconds),
        "heartbeat_at": now,
    }
    if progress is not None:
        values["progress_percent"] = max(0, min(100, progress))
    if message is not None:
        values["message"] = message[:500]
    values["eta_seconds"] = eta_seconds
    renewed = session.exec(
        update(AsyncJob)
        .where(
            col(AsyncJob.id) == job_id, col(AsyncJob.lease_owner) == worker, col(AsyncJob.status) == RUNNING
        )
        .values(**values)
    )
    session.commit()
    if renewed.rowcount != 1:
        raise LeaseLost(f"job {job_id} is no longer held by {worker}")
    cancel = session.exec(select(AsyncJob.cancel_requested).where(AsyncJob.id == job_id)).one()
    return bool(cancel)


def record_provider_job(session: Session, *, job_id: uuid.UUID, worker: str, provider_job_id: str) -> None:
    """Durably note the provider's id of an accepted job: a restart follows it instead of paying again."""
    recorded = session.exec(
        update(AsyncJob)
        .where(
            col(AsyncJob.id) == job_id, col(AsyncJob.lease_owner) == worker, col(AsyncJob.status) == RUNNING
        )
        .values(provider_job_id=provider_job_id[:200])
    )
    session.commit()
    if recorded.rowcount != 1:
        raise LeaseLost(f"job {job_id} is no longer held by {worker}")


def finish(session: Session, *, job: AsyncJob, worker: str, status: str, message: str = "") -> None:
    """Close a job this worker holds."""
    if job.lease_owner != worker:
        raise LeaseLost(f"job {job.id} is no longer held by {worker}")
    now = utcnow()
    job.status, job.message, job.completed_at = status, message[:500], now
    job.lease_owner = job.lease_expires_at = None
    if status == SUCCEEDED:
        job.progress_percent = 100
    session.add(job)


def retry_later(session: Session, *, job: AsyncJob, worker: str, delay_seconds: float, message: str) -> None:
    """Put a job back in the queue to run again after a delay, saying why, with no progress shown."""
    if job.lease_owner != worker:
        raise LeaseLost(f"job {job.id} is no longer held by {worker}")
    job.status, job.message = QUEUED, message[:500]
    job.progress_percent = job.eta_seconds = None
    job.run_after = utcnow() + timedelta(seconds=delay_seconds)
    job.lease_owner = job.lease_expires_at = None
    session.add(job)


def request_cancel(session: Session, *, job: AsyncJob) -> None:
    """Ask for a job to stop: a queued job stops at once, a running one at its next heartbeat."""
    job.cancel_requested = True
    if job.status == QUEUED:
        job.status, job.completed_at, job.message = CANCELLED, utcnow(), "Cancelled before it started."
    session.add(job)


class LeaseLost(Exception):
    """Another worker took the job over (this worker was too slow to renew its lease)."""
