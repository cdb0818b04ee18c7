"""procrastinate on PostgreSQL as the job engine: the run_job task, the sweep, the deferrer and the worker.

The lease in ``async_jobs`` stays the guard against running a job twice: a procrastinate job only says
"look at job X now"; ``run_job`` claims X with a lease and does nothing when it is not claimable. The
sweep re-submits every claimable job, which covers a deferral lost after the commit and a worker killed
mid-job (its lease expires, then the sweep hands the job to a live worker).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import procrastinate
import psycopg
from procrastinate import exceptions as procrastinate_errors
from procrastinate.jobs import JobDeferrer, Status
from procrastinate.schema import SchemaManager
from sqlalchemy.engine import make_url

from mediaws.errors import ConfigError
from mediaws.jobs import queue
from mediaws.jobs.worker import Handler
from mediaws.media import scratch
from mediaws.models import AsyncJob

if TYPE_CHECKING:
    from mediaws.deps import Deps

log = logging.getLogger(__name__)

RUN_JOB = "mediaws.run_job"
SWEEP = "mediaws.sweep_jobs"
SWEEP_CRON = "* * * * * */5"
SWEEP_BATCH = 1000
SCHEMA_LOCK = 0x6D656469  # advisory lock id held while creating procrastinate's tables
Sweep = Callable[[], Awaitable[int]]


def conninfo(database_url: str) -> str:
    """The libpq connection string for a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://…``)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(database_url: str) -> bool:
    """Create procrastinate's tables unless they are there; return whether they were created."""
    with psycopg.connect(conninfo(database_url)) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        if _has_schema(conn):
            return False
        conn.execute(SchemaManager.get_schema())
    return True


def has_schema(database_url: str) -> bool:
    """Whether procrastinate's tables exist in the database."""
    with psycopg.connect(conninfo(database_url)) as conn:
        return _has_schema(conn)


def _has_schema(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL").fetchone()
    return bool(row and row[0])


def _run_job_deferrer(app: procrastinate.App, job_id: uuid.UUID, run_after: datetime | None) -> JobDeferrer:
    if run_after is not None and run_after.tzinfo is None:
        run_after = run_after.replace(tzinfo=UTC)
    return app.configure_task(RUN_JOB, queueing_lock=str(job_id), schedule_at=run_after)


def defer(app: procrastinate.App, job_id: uuid.UUID, run_after: datetime | None = None) -> bool:
    """Queue run_job for a job; False when procrastinate already holds it waiting."""
    try:
        _run_job_deferrer(app, job_id, run_after).defer(job_id=str(job_id))
    except procrastinate_errors.AlreadyEnqueued:
        return False
    return True


async def defer_async(app: procrastinate.App, job_id: uuid.UUID, run_after: datetime | None = None) -> bool:
    """Queue run_job for a job from async code; False when procrastinate already holds it waiting."""
    try:
        await _run_job_deferrer(app, job_id, run_after).defer_async(job_id=str(job_id))
    except procrastinate_errors.AlreadyEnqueued:
        return False
    return True


class Dispatcher:
    """Hands a freshly queued job to procrastinate; never raises (the sweep catches what it misses)."""

    def __init__(self, database_url: str) -> None:
        connector = procrastinate.SyncPsycopgConnector(
            conninfo=conninfo(database_url), min_size=1, max_size=4
        )
        self.app = procrastinate.App(connector=connector)
        self._lock = threading.Lock()
        self._opened = False

    def __call__(self, job_id: uuid.UUID) -> None:
        """Defer run_job for the job, logging (not raising) when the database refuses."""
        try:
            with self._lock:
                if not self._opened:
                    self.app.open()
                    self._opened = True
                    atexit.register(self.app.close)
            defer(self.app, job_id)
        except Exception:
            log.exception("job %s stays queued for the sweep: handing it to procrastinate failed", job_id)


_dispatchers: dict[str, Dispatcher] = {}
_dispatchers_lock = threading.Lock()


def dispatcher(database_url: str) -> Dispatcher:
    """The process-wide dispatcher for a database (one connection pool, opened on first use)."""
    with _dispatchers_lock:
        if database_url not in _dispatchers:
            _dispatchers[database_url] = Dispatcher(database_url)
        return _dispatchers[database_url]


def worker_app(
    deps: Deps,
    *,
    handler: Handler,
    chores: Sequence[Callable[[], object]] = (),
    lease_seconds: float,
    concurrency: int = 1,
) -> tuple[procrastinate.App, Sweep]:
    """A procrastinate App whose run_job task hands each claimed job to ``handler``, and its sweep."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(deps.settings.database_url), min_size=1, max_size=concurrency + 4
    )
    app = procrastinate.App(connector=connector)
    holder_prefix = f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

    def run_claimed(job_id: uuid.UUID, holder: str) -> tuple[str, datetime | None]:
        with deps.session_factory() as session:
            if queue.claim_job(session, job_id=job_id, worker=holder, lease_seconds=lease_seconds) is None:
                return "skipped", None
        status = handler(job_id, holder, lease_seconds)
        if status != queue.QUEUED:
            return status, None
        with deps.session_factory() as session:
            job = session.get(AsyncJob, job_id)
            return status, job.run_after if job is not None else None

    @app.task(name=RUN_JOB, pass_context=True)
    async def run_job(context: procrastinate.JobContext, job_id: str) -> str:
        wanted = uuid.UUID(job_id)
        status, run_after = await asyncio.to_thread(run_claimed, wanted, f"{holder_prefix}:{context.job.id}")
        if status == queue.QUEUED:
            await defer_async(app, wanted, run_after)
        log.info("job %s: %s", wanted, status)
        return status

    def claimable() -> list[uuid.UUID]:
        with deps.session_factory() as session:
            return queue.claimable_ids(session, limit=SWEEP_BATCH)

    def run_chores() -> None:
        for chore in chores:
            try:
                chore()
            except Exception:
                log.exception("a chore failed; the next sweep runs it again")

    async def sweep_now() -> int:
        await _close_stalled(app)
        await asyncio.to_thread(run_chores)
        wanted = await asyncio.to_thread(claimable)
        waiting = await _waiting(app, wanted)
        deferred = 0
        for job_id in wanted:
            if str(job_id) not in waiting and await defer_async(app, job_id):
                deferred += 1
        if deferred:
            log.info("sweep handed %d waiting job(s) to procrastinate", deferred)
        return deferred

    @app.periodic(cron=SWEEP_CRON)
    @app.task(name=SWEEP)
    async def sweep(timestamp: int) -> int:
        return await sweep_now()

    return app, sweep_now


async def _waiting(app: procrastinate.App, job_ids: list[uuid.UUID]) -> set[str]:
    if not job_ids:
        return set()
    rows = await app.connector.execute_query_all_async(
        "SELECT queueing_lock FROM procrastinate_jobs "
        "WHERE status = 'todo' AND task_name = %(task)s AND queueing_lock = ANY(%(locks)s)",
        task=RUN_JOB,
        locks=[str(job_id) for job_id in job_ids],
    )
    return {row["queueing_lock"] for row in rows}


async def _close_stalled(app: procrastinate.App) -> None:
    for job in await app.job_manager.get_stalled_jobs():
        if job.id is not None:
            await app.job_manager.finish_job_by_id_async(
                job_id=job.id, status=Status.FAILED, delete_job=False
            )


def run_worker(
    deps: Deps,
    *,
    handler: Handler,
    chores: Sequence[Callable[[], object]] = (),
    lease_seconds: float,
    concurrency: int = 1,
    once: bool = False,
) -> None:
    """Run a procrastinate worker until SIGTERM/SIGINT (graceful), or with once until the queue is empty."""
    if not has_schema(deps.settings.database_url):
        raise ConfigError(
            "procrastinate's tables are missing: run `mediaws db upgrade` "
            "with MEDIAWS_JOB_ENGINE=procrastinate."
        )
    scratch.remove_abandoned()
    app, sweep_now = worker_app(
        deps, handler=handler, chores=chores, lease_seconds=lease_seconds, concurrency=concurrency
    )

    async def serve() -> None:
        async with app.open_async():
            await sweep_now()
            await app.run_worker_async(
                concurrency=concurrency, wait=not once, delete_jobs="successful", name=socket.gethostname()
            )

    asyncio.run(serve())
