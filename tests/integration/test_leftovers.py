"""What a killed or retried attempt leaves behind: render folders on disk, progress in the job's status."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session

from mediaws.api.schemas import JobOut
from mediaws.deps import Deps
from mediaws.jobs import queue
from mediaws.jobs.worker import Worker
from mediaws.models import AsyncJob, User
from mediaws.models.base import utcnow
from mediaws.services import generation, projects

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120  # seconds: far beyond a 4-frame render; reaching it means the render process is stuck

RENDER = """
import sys, time
from pathlib import Path
from PIL import Image
from mediaws.media import video

ready, go = Path(sys.argv[1]), Path(sys.argv[2])

def on_frame(index):
    if index == 1:
        ready.touch()
        while not go.exists():
            time.sleep(0.05)

frames = (Image.new("RGB", (64, 64), (60 * i, 90, 200)) for i in range(4))
print(len(video.encode_mp4(frames, width=64, height=64, fps=4, on_frame=on_frame)))
"""


class Render:
    """A process rendering a short video that stops after its first frame until told to go on."""

    def __init__(self, temp: Path, marks: Path, name: str) -> None:
        self.ready, self.go = marks / f"{name}.ready", marks / f"{name}.go"
        self.process = subprocess.Popen(
            [sys.executable, "-c", RENDER, str(self.ready), str(self.go)],
            cwd=ROOT,
            env=os.environ | {"TMPDIR": str(temp), "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def wait_mid_render(self) -> None:
        """Return once the render has its folder and wrote a frame."""
        deadline = time.monotonic() + WAIT
        while not self.ready.exists():
            assert self.process.poll() is None, self.process.communicate()[1]
            assert time.monotonic() < deadline, "the render never started"
            time.sleep(0.05)

    def finish(self) -> tuple[int, str]:
        """Let the render go on to its end; return its exit code and what it printed."""
        self.go.touch()
        out, err = self.process.communicate(timeout=WAIT)
        return self.process.returncode, out.strip() or err


def _folders(temp: Path) -> set[Path]:
    return {p for p in temp.iterdir() if p.name.startswith("mediaws-video-") and p.is_dir()}


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp folder, for this process and the render processes it starts."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def renders(temp: Path, tmp_path: Path) -> Iterator[Callable[[str], Render]]:
    """Start render processes; kill any still running at the end."""
    started: list[Render] = []

    def start(name: str) -> Render:
        render = Render(temp, tmp_path, name)
        started.append(render)
        return render

    yield start
    for render in started:
        if render.process.poll() is None:
            render.process.kill()
            render.process.communicate()


def _no_jobs() -> Session:
    raise AssertionError("a stopped worker claims no job")


def test_worker_start_removes_a_killed_renders_folder_and_spares_a_live_one(
    temp: Path, renders: Callable[[str], Render]
) -> None:
    """After a SIGKILL mid-render, the next worker start deletes that folder; a running render goes on."""
    killed = renders("killed")
    killed.wait_mid_render()
    [killed_folder] = _folders(temp)
    live = renders("live")
    live.wait_mid_render()
    [live_folder] = _folders(temp) - {killed_folder}
    killed.process.send_signal(signal.SIGKILL)
    killed.process.communicate()

    worker = Worker(session_factory=_no_jobs, handler=lambda *_: "succeeded")
    worker.stop()
    worker.run_forever()  # its start-up only: stopped before the first claim

    assert not killed_folder.exists()
    assert live_folder.exists()
    code, printed = live.finish()
    assert code == 0 and int(printed) > 0, printed
    assert sorted(p.name for p in temp.iterdir()) == []


@pytest.fixture
def job_id(session: Session, user: User, make_deps: Callable[..., Deps]) -> uuid.UUID:
    """A queued job of an offline image generation."""
    project = projects.create_project(session=session, owner_id=user.id, name="Retries")
    row = generation.start_generation(
        session=session,
        deps=make_deps(),
        user_id=user.id,
        project_id=project.id,
        capability="image",
        provider_id="local",
        model="local-image",
        prompt="A lighthouse",
        options={"size": "512x512"},
    )
    return generation.job_for(session, row).id


def _status(session: Session, user: User, job_id: uuid.UUID) -> dict[str, object]:
    session.expire_all()
    job, _ = generation.get_job(session=session, user_id=user.id, job_id=str(job_id))
    shown = JobOut.of(job).model_dump(by_alias=True, mode="json")
    return {k: shown[k] for k in ("status", "progressPercent", "etaSeconds", "message", "attempts")}


def _half_done(session: Session, job_id: uuid.UUID, worker: str) -> None:
    job = queue.claim_job(session, job_id=job_id, worker=worker, lease_seconds=30)
    assert job is not None
    queue.heartbeat(
        session,
        job_id=job_id,
        worker=worker,
        lease_seconds=30,
        progress=60,
        message="Rendering frame 36 of 60",
        eta_seconds=40,
    )


def test_a_retried_job_shows_no_progress_from_the_attempt_before(
    session: Session, user: User, job_id: uuid.UUID
) -> None:
    """Waiting to retry it says why, at no percent; the new attempt starts from nothing, not from 60 %."""
    _half_done(session, job_id, "w1")
    job = session.get(AsyncJob, job_id)
    assert job is not None
    queue.retry_later(session, job=job, worker="w1", delay_seconds=0, message="The provider is busy.")
    session.commit()
    assert _status(session, user, job_id) == {
        "status": "queued",
        "progressPercent": None,
        "etaSeconds": None,
        "message": "The provider is busy.",
        "attempts": 1,
    }
    assert queue.claim_job(session, job_id=job_id, worker="w2", lease_seconds=30) is not None
    assert _status(session, user, job_id) == {
        "status": "running",
        "progressPercent": None,
        "etaSeconds": None,
        "message": "",
        "attempts": 2,
    }


def test_a_job_taken_over_from_a_dead_worker_starts_without_its_progress(
    session: Session, user: User, job_id: uuid.UUID
) -> None:
    """When a worker dies at 60 % and its lease runs out, the next worker's attempt shows no stale 60 %."""
    _half_done(session, job_id, "dead")
    later = utcnow() + timedelta(seconds=31)
    assert queue.claim(session, worker="next", lease_seconds=30, now=later) is not None
    assert _status(session, user, job_id) == {
        "status": "running",
        "progressPercent": None,
        "etaSeconds": None,
        "message": "",
        "attempts": 2,
    }
