"""Run queued jobs (generations, previews) in the test process the way the app's worker does."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.jobs.worker import Worker
from mediaws.models import Generation
from mediaws.services import generation, job_runner


def run_jobs(deps: Deps) -> None:
    """Run the jobs that are due (a fallback or a retry after no wait is due at once) until none is left."""
    worker = Worker(
        session_factory=deps.session_factory,
        handler=lambda job_id, name, lease: job_runner.run_job(
            deps=deps, job_id=job_id, worker=name, lease_seconds=lease, heartbeat_every=0.2
        ),
        lease_seconds=30,
        name="w1",
    )
    while worker.run_once():
        pass


def run_generation(
    session: Session, deps: Deps, user_id: uuid.UUID, project_id: uuid.UUID, **values: Any
) -> Generation:
    """Queue a generation, run every due job, and return its row as the database has it then."""
    queued = generation.start_generation(
        session=session, deps=deps, user_id=user_id, project_id=project_id, **values
    )
    run_jobs(deps)
    with deps.session_factory() as fresh:
        row = fresh.get(Generation, queued.id)
        assert row is not None
        return row
