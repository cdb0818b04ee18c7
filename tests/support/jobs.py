"""Run queued jobs (generations, previews) in the test process the way the app's worker does."""

from __future__ import annotations

from mediaws.jobs.worker import Worker
from mediaws.services import generation, job_runner


def run_jobs(deps: generation.Deps) -> None:
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
