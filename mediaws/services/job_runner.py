"""The one handler every worker runs: a claimed job goes to the service of its kind."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from mediaws.deps import Deps
from mediaws.models import AsyncJob
from mediaws.services import asset_previews, email_outbox, execution, ledger, storage_cleanup


def run_job(
    *, deps: Deps, job_id: uuid.UUID, worker: str, lease_seconds: float, heartbeat_every: float = 2.0
) -> str:
    """Run a claimed job (a generation or an asset's previews) to its end; return its final status."""
    with deps.session_factory() as session:
        job = session.get(AsyncJob, job_id)
        kind = job.kind if job is not None else None
    if kind == asset_previews.PREVIEWS:
        return asset_previews.run_previews(
            deps=deps, job_id=job_id, worker=worker, lease_seconds=lease_seconds
        )
    return execution.execute(
        deps=deps, job_id=job_id, worker=worker, lease_seconds=lease_seconds, heartbeat_every=heartbeat_every
    )


def job_handler(deps: Deps) -> Callable[[uuid.UUID, str, float], str]:
    """The function a Worker calls for each claimed job."""
    return lambda job_id, worker, lease: run_job(deps=deps, job_id=job_id, worker=worker, lease_seconds=lease)


def chores(deps: Deps) -> list[Callable[[], object]]:
    """Between jobs: delete the stored objects still owed, catch the ledger up hourly, send the emails due."""
    found: list[Callable[[], object]] = [
        lambda: storage_cleanup.drain(session_factory=deps.session_factory, storage=deps.storage),
        ledger.CatchUp(deps.session_factory),
    ]
    if deps.mailer is not None:
        found.append(email_outbox.EmailChore(deps))
    return found
