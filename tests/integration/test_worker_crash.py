"""A worker killed with SIGKILL mid-job leaves nothing stuck: the next worker takes over and finishes once.

When the provider had already accepted the job, the next worker follows it by its recorded id, so the
provider sees exactly one create call and the video is paid for once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from mediaws import migrations
from mediaws.config import Settings
from mediaws.db import make_engine
from mediaws.deps import Deps
from mediaws.models import Asset, AsyncJob, Generation
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import Keyring, KeyringSource
from mediaws.security.master_key import decode_key, generate_key
from mediaws.services import accounts, generation, keys, projects
from mediaws.storage import LocalStorage
from tests.providers.test_replicate import KEY, PID, ReplicateFake, prediction
from tests.support import media

WORKER = [sys.executable, "-m", "mediaws.cli", "worker"]


def _env(data_dir: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"}
    return env | {"MEDIAWS_DATA_DIR": str(data_dir), "DATABASE_URL": url}


def _wait_for(predicate: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


def _lease_expired(job: AsyncJob) -> bool:
    return job.lease_expires_at is not None and job.lease_expires_at < datetime.now(UTC)


def test_sigkill_mid_job_then_restart_completes_once(fresh_db_url: str, tmp_path: Path) -> None:
    """Kill the worker while a video renders; a new worker takes the expired lease and finishes it."""
    data_dir = tmp_path / "data"
    migrations.upgrade(fresh_db_url)
    engine = make_engine(fresh_db_url)
    with Session(engine, expire_on_commit=False) as session:
        user = accounts.sign_up(session=session, email="crash@example.com", password="correct horse battery")
        project = projects.create_project(session=session, owner_id=user.id, name="Crash")
        deps = Deps(
            settings=Settings(data_dir=data_dir, database_url=fresh_db_url),
            registry=default_registry(),
            keyring=Keyring([decode_key(generate_key())]),
            storage=LocalStorage(data_dir / "files"),
            session_factory=lambda: Session(engine, expire_on_commit=False),
        )
        queued = generation.start_generation(
            session=session,
            deps=deps,
            user_id=user.id,
            project_id=project.id,
            capability="video",
            provider_id="local",
            model="local-video",
            prompt="Slow waves",
            options={"duration_seconds": 12, "resolution": "1280x720"},
        )

    def job() -> AsyncJob:
        with Session(engine) as s:
            return s.exec(select(AsyncJob).where(AsyncJob.generation_id == queued.id)).one()

    first = subprocess.Popen(
        [*WORKER, "--lease", "3"],
        env=_env(data_dir, fresh_db_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: job().status == "running" and (job().progress_percent or 0) >= 10, "progress")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    crashed = job()
    assert (crashed.status, crashed.attempts) == ("running", 1)
    assert crashed.lease_owner is not None
    _wait_for(lambda: _lease_expired(job()), "the dead worker's lease to expire")

    second = subprocess.run(
        [*WORKER, "--once", "--lease", "10"],
        env=_env(data_dir, fresh_db_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert second.returncode == 0, second.stdout + second.stderr
    finished = job()
    assert (finished.status, finished.attempts, finished.lease_owner) == ("succeeded", 2, None)
    with Session(engine) as session:
        done = session.get(Generation, queued.id)
        assert done is not None and done.status == "succeeded"
        assets = session.exec(select(Asset)).all()
    assert len(assets) == 1
    stored = list((data_dir / "files").rglob("*.mp4"))
    assert [p.name for p in stored] == [f"{assets[0].id}.mp4"]
    assert not list((data_dir / "files").rglob(".upload-*"))
    engine.dispose()


def test_sigkill_after_the_provider_accepted_the_job_resumes_it_and_pays_once(
    fresh_db_url: str, tmp_path: Path
) -> None:
    """A Replicate video already running when the worker dies is followed by its id, never created twice."""
    data_dir = tmp_path / "data"
    migrations.upgrade(fresh_db_url)
    engine = make_engine(fresh_db_url)
    api = ReplicateFake()
    with api.server.running(), Session(engine, expire_on_commit=False) as session:
        settings = Settings(data_dir=data_dir, database_url=fresh_db_url, replicate_base_url=api.url)
        keyring = KeyringSource(settings).get()
        user = accounts.sign_up(session=session, email="resume@example.com", password="correct horse battery")
        project = projects.create_project(session=session, owner_id=user.id, name="Resume")
        keys.save_key(session=session, keyring=keyring, user_id=user.id, provider="replicate", secret=KEY)
        deps = Deps(
            settings=settings,
            registry=default_registry(),
            keyring=keyring,
            storage=LocalStorage(data_dir / "files"),
            session_factory=lambda: Session(engine, expire_on_commit=False),
        )
        queued = generation.start_generation(
            session=session,
            deps=deps,
            user_id=user.id,
            project_id=project.id,
            capability="video",
            provider_id="replicate",
            model="minimax/video-01",
            prompt="Waves at dusk",
            options={"duration_seconds": 6},
        )

        def job() -> AsyncJob:
            with Session(engine) as s:
                return s.exec(select(AsyncJob).where(AsyncJob.generation_id == queued.id)).one()

        env = _env(data_dir, fresh_db_url) | {"MEDIAWS_REPLICATE_BASE_URL": api.url}
        first = subprocess.Popen(
            [*WORKER, "--lease", "3"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_for(lambda: job().provider_job_id == PID, "the prediction id to be recorded")
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                os.killpg(first.pid, signal.SIGKILL)
        assert job().status == "running"
        _wait_for(lambda: _lease_expired(job()), "the dead worker's lease to expire")
        clip = api.file("clip.mp4", media.mp4(), "video/mp4")
        api.polls.append(prediction("succeeded", output=clip, metrics={"predict_time": 80.0}))

        second = subprocess.run(
            [*WORKER, "--once", "--lease", "10"],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert second.returncode == 0, second.stdout + second.stderr
        assert len(api.server.calls("POST", r"/v1/models/minimax/video-01/predictions")) == 1
        assert api.server.calls("POST", rf"/v1/predictions/{PID}/cancel") == []
    finished = job()
    assert (finished.status, finished.attempts, finished.provider_job_id) == ("succeeded", 2, PID)
    with Session(engine) as session:
        done = session.get(Generation, queued.id)
        assert done is not None and (done.status, done.cost_micros) == ("succeeded", 500_000)
        assert len(session.exec(select(Asset)).all()) == 1
    engine.dispose()
