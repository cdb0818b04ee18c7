"""The composition root: builds this process's deps and job workers from the settings; nothing else does."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator

from sqlmodel import Session

from mediaws.config import get_settings
from mediaws.db import get_engine
from mediaws.deps import Deps
from mediaws.jobs.worker import Worker
from mediaws.mail import create_mailer
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import keyring_source
from mediaws.services import job_runner, model_lifecycle
from mediaws.storage.factory import shared_storage


def check_startup() -> None:
    """Read the settings and master keys and load every provider and the catalogue, or refuse to start."""
    get_settings()
    keyring_source().get()
    # Every provider module is imported here, before any thread or worker process starts (their SDKs load on
    # first use, see providers.sdk), and the catalogue with the operator's overrides is checked (prices,
    # families): if it is not valid the app does not start.
    default_registry().all_models()


def app_deps() -> Deps:
    """The configured database, storage, keyring, providers and mail server of this process."""
    settings = get_settings()
    engine = get_engine()
    dispatch = None
    if settings.job_engine == "procrastinate":
        from mediaws.jobs.engine import dispatcher  # procrastinate loads only when it is the engine

        dispatch = dispatcher(settings.database_url)
    return Deps(
        settings=settings,
        registry=default_registry(),
        keyring=keyring_source().get(),
        storage=shared_storage(settings),
        session_factory=lambda: Session(engine, expire_on_commit=False),
        dispatch=dispatch,
        mailer=create_mailer(settings),
    )


def job_worker(
    deps: Deps, *, lease_seconds: float = 30.0, idle_seconds: float = 1.0, with_chores: bool = True
) -> Worker:
    """An embedded-engine worker running every kind of job, and between jobs the owed storage deletes."""
    return Worker(
        session_factory=deps.session_factory,
        handler=job_runner.job_handler(deps),
        lease_seconds=lease_seconds,
        idle_seconds=idle_seconds,
        chores=job_runner.chores(deps) if with_chores else (),
    )


def run_procrastinate_worker(deps: Deps, *, lease_seconds: float, concurrency: int, once: bool) -> None:
    """Run a procrastinate worker for every kind of job (see ``mediaws.jobs.engine.run_worker``)."""
    from mediaws.jobs.engine import run_worker  # procrastinate loads only when it is the engine

    run_worker(
        deps,
        handler=job_runner.job_handler(deps),
        chores=job_runner.chores(deps),
        lease_seconds=lease_seconds,
        concurrency=concurrency,
        once=once,
    )


def _serve_jobs(stop: threading.Event) -> None:
    worker = job_worker(app_deps())
    worker.stopping = stop
    worker.run_forever()


@contextlib.asynccontextmanager
async def embedded_worker() -> AsyncIterator[None]:
    """Run generation jobs in the app server, unless `mediaws worker` processes do (see README, Jobs)."""
    stop = threading.Event()
    settings = get_settings()
    model_lifecycle.log_warnings(default_registry())
    if settings.embedded_worker and settings.job_engine == "embedded":
        threading.Thread(target=_serve_jobs, args=(stop,), name="embedded-worker", daemon=True).start()
    try:
        yield
    finally:
        stop.set()
