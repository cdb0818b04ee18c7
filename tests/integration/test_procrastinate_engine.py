"""Jobs on procrastinate (MEDIAWS_JOB_ENGINE=procrastinate): real PostgreSQL, real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlmodel import Session, select

from mediaws import wiring
from mediaws.db import make_engine
from mediaws.deps import Deps
from mediaws.jobs import engine
from mediaws.models import Asset, AsyncJob, Generation
from mediaws.services import accounts, generation, projects

MEDIAWS = [sys.executable, "-m", "mediaws.cli"]


def _env(data_dir: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"}
    return env | {
        "MEDIAWS_DATA_DIR": str(data_dir),
        "DATABASE_URL": url,
        "MEDIAWS_JOB_ENGINE": "procrastinate",
    }


def _cli(data_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MEDIAWS, *args], env=_env(data_dir, url), capture_output=True, text=True, timeout=120, check=False
    )


def _worker(data_dir: Path, url: str, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*MEDIAWS, "worker", *args],
        env=_env(data_dir, url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)


def _wait_for(predicate: Callable[[], bool], what: str, seconds: float = 50) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def pg_url(postgres_databases: Any) -> Iterator[str]:
    """A brand-new PostgreSQL database, dropped afterwards."""
    url = postgres_databases.create()
    yield url
    engine.dispatcher(url).app.close()
    postgres_databases.drop(url)


@pytest.fixture
def deps(pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Deps:
    """The app's own deps for this database with the procrastinate engine, after `mediaws db upgrade`."""
    data_dir = tmp_path / "data"
    for _ in range(2):
        upgraded = _cli(data_dir, pg_url, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert upgraded.stdout.strip() == "database at head"
    for name, value in _env(data_dir, pg_url).items():
        if name.startswith("MEDIAWS_") or name == "DATABASE_URL":
            monkeypatch.setenv(name, value)
    return wiring.app_deps()


@pytest.fixture
def owner(deps: Deps) -> tuple[uuid.UUID, uuid.UUID]:
    """A user and their project, as (user id, project id)."""
    with deps.session_factory() as session:
        user = accounts.sign_up(session=session, email="engine@example.com", password="correct horse battery")
        project = projects.create_project(session=session, owner_id=user.id, name="Engine")
        return user.id, project.id


def _start(
    deps: Deps,
    owner: tuple[uuid.UUID, uuid.UUID],
    capability: str,
    model: str,
    prompt: str,
    **options: object,
) -> Generation:
    with deps.session_factory() as session:
        return generation.start_generation(
            session=session,
            deps=deps,
            user_id=owner[0],
            project_id=owner[1],
            capability=capability,
            provider_id="local",
            model=model,
            prompt=prompt,
            options=options,
        )


def _run_job_rows(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(engine.conninfo(url)) as conn:
        rows = conn.execute(
            "SELECT args->>'job_id', status FROM procrastinate_jobs WHERE task_name = %s", (engine.RUN_JOB,)
        ).fetchall()
    return [(str(job_id), str(status)) for job_id, status in rows]


def test_two_workers_run_every_generation_exactly_once(
    deps: Deps, owner: tuple[uuid.UUID, uuid.UUID], pg_url: str
) -> None:
    """Queued generations are handed to procrastinate at once; two workers finish each one a single time."""
    started = [_start(deps, owner, "image", "local-image", f"Lighthouse {n}") for n in range(4)]
    started.append(_start(deps, owner, "speech", "local-speech", "Hello from the queue", voice="en-us"))
    with deps.session_factory() as session:
        jobs = [generation.job_for(session, g) for g in started]
    assert sorted(_run_job_rows(pg_url)) == sorted((str(job.id), "todo") for job in jobs)

    data_dir = deps.settings.data_dir
    workers = [_worker(data_dir, pg_url, "--lease", "5", "--concurrency", "2") for _ in range(2)]
    db = make_engine(pg_url)
    try:

        def all_finished() -> bool:
            with Session(db) as session:
                states = session.exec(select(Generation.status)).all()
            return all(state in ("succeeded", "failed", "cancelled") for state in states)

        _wait_for(all_finished, "every generation to finish")
    finally:
        codes = [_stop(worker) for worker in workers]
    assert codes == [0, 0], [worker.stdout.read() if worker.stdout else b"" for worker in workers]

    with Session(db) as session:
        for made in started:
            done = session.get(Generation, made.id)
            assert done is not None and (done.status, done.error) == ("succeeded", None)
            job = generation.job_for(session, done)
            assert (job.status, job.attempts, job.lease_owner) == ("succeeded", 1, None)
            assert len(generation.assets_of(session, done)) == 1
    db.dispose()


def test_sigkill_mid_video_then_a_live_worker_takes_over(
    deps: Deps, owner: tuple[uuid.UUID, uuid.UUID], pg_url: str
) -> None:
    """A worker killed mid-render loses its lease; the live worker's sweep hands the job on; it finishes."""
    queued = _start(
        deps, owner, "video", "local-video", "Slow waves", duration_seconds=12, resolution="1280x720"
    )
    data_dir = deps.settings.data_dir
    db = make_engine(pg_url)

    def job() -> AsyncJob:
        with Session(db) as s:
            return s.exec(select(AsyncJob).where(AsyncJob.generation_id == queued.id)).one()

    first = _worker(data_dir, pg_url, "--lease", "3")
    second: subprocess.Popen[bytes] | None = None
    try:
        _wait_for(lambda: job().status == "running" and (job().progress_percent or 0) >= 10, "progress")
        assert f":{first.pid}:" in (job().lease_owner or "")
        second = _worker(data_dir, pg_url, "--lease", "3")
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        crashed = job()
        assert (crashed.status, crashed.attempts) == ("running", 1)

        _wait_for(lambda: job().status == "succeeded", "the second worker to finish the video")
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        if second is not None:
            assert _stop(second) == 0
    finished = job()
    assert (finished.attempts, finished.lease_owner) == (2, None)
    with Session(db) as session:
        done = session.get(Generation, queued.id)
        assert done is not None and done.status == "succeeded"
        assets = session.exec(select(Asset)).all()
    db.dispose()
    assert len(assets) == 1
    stored = list((data_dir / "files").rglob("*.mp4"))
    assert [p.name for p in stored] == [f"{assets[0].id}.mp4"]
    assert not list((data_dir / "files").rglob(".upload-*"))


def test_worker_refuses_procrastinate_on_sqlite(tmp_path: Path) -> None:
    """Asking for procrastinate on the default SQLite database fails with a clear message, no traceback."""
    result = _cli(tmp_path / "data", f"sqlite:///{tmp_path / 'data' / 'mediaws.db'}", "worker", "--once")
    assert result.returncode == 2
    assert "MEDIAWS_JOB_ENGINE=procrastinate" in result.stderr
    assert "PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
