"""Generations through the service and the durable job worker, on a real database and real files."""

from __future__ import annotations

import functools
import io
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import update
from sqlmodel import Session, col, select

from mediaws.deps import Deps
from mediaws.errors import NotFoundError, ValidationError
from mediaws.jobs import queue
from mediaws.jobs.worker import Worker
from mediaws.models import ApiKey, Asset, AsyncJob, Generation, User
from mediaws.models.base import utcnow
from mediaws.services import generation as generations
from mediaws.services import job_runner, keys, projects
from mediaws.storage import LocalStorage, StorageError
from tests.providers.fakeserver import FakeServer
from tests.support.chat_server import chat_server

OPENAI_KEY = "sk-test-generation-0000000001"


@pytest.fixture
def fake_openai() -> Iterator[FakeServer]:
    """OpenAI's chat endpoint on loopback, answering with reported usage."""
    with chat_server() as fake:
        yield fake


@pytest.fixture
def deps(make_deps: Callable[..., Deps], fake_openai: FakeServer) -> Deps:
    """Real database, real files in a temp dir, the real provider registry; OpenAI is the fake."""
    return make_deps(openai_base_url=f"{fake_openai.url}/v1")


def worker_for(deps: Deps, name: str = "w1", lease: float = 30.0) -> Worker:
    """A worker that runs jobs (generations, and the previews of their results)."""
    return Worker(
        session_factory=deps.session_factory,
        handler=lambda job_id, worker, lease_s: job_runner.run_job(
            deps=deps, job_id=job_id, worker=worker, lease_seconds=lease_s, heartbeat_every=0.2
        ),
        lease_seconds=lease,
        name=name,
    )


def start(session: Session, deps: Deps, user: User, project_id: uuid.UUID, **kw: Any) -> Generation:
    """Start a generation with defaults for the offline image model."""
    values: dict[str, Any] = {
        "capability": "image",
        "provider_id": "local",
        "model": "local-image",
        "prompt": "A lighthouse at dusk",
        "options": {"size": "512x512", "seed": 3},
    }
    values.update(kw)
    return generations.start_generation(
        session=session, deps=deps, user_id=user.id, project_id=project_id, **values
    )


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Launch").id


def test_local_image_is_generated_stored_and_free(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """Queued → run by the worker → a PNG asset in storage, priced $0 by rule, job at 100%."""
    queued = start(session, deps, user, project_id)
    assert (queued.status, queued.estimated_cost_micros) == ("queued", 0)
    assert worker_for(deps).run_once() == "succeeded"
    assert worker_for(deps).run_once() == "succeeded"  # the result's thumbnails, made after it was stored
    assert worker_for(deps).run_once() is None
    session.expire_all()
    done = generations.get_generation(session=session, user_id=user.id, generation_id=queued.id)
    assert (done.status, done.cost_micros, done.price_version) == ("succeeded", 0, "local@2026-11-28")
    assert done.image_count == 1 and done.completed_at is not None and done.duration_ms is not None
    [asset] = generations.assets_of(session, done)
    assert asset.storage_key == f"{user.id}/{project_id}/{asset.id}.png"
    image = Image.open(io.BytesIO(deps.storage.get(asset.storage_key)))
    assert image.size == (512, 512) == (asset.width, asset.height)
    job = generations.job_for(session, done)
    assert (job.status, job.progress_percent, job.lease_owner) == ("succeeded", 100, None)


def test_text_records_tokens_and_exact_cost(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake_openai: FakeServer
) -> None:
    """The reported 1,234 + 567 tokens are kept and priced exactly ($2/M in, $8/M out for gpt-4.1)."""
    keys.save_key(
        session=session, keyring=deps.keyring, user_id=user.id, provider="openai", secret=OPENAI_KEY
    )
    queued = start(
        session,
        deps,
        user,
        project_id,
        capability="text",
        provider_id="openai",
        model="gpt-4.1",
        prompt="Write a haiku",
        options={"max_output_tokens": 100},
    )
    assert worker_for(deps).run_once() == "succeeded"
    session.expire_all()
    done = generations.get_generation(session=session, user_id=user.id, generation_id=queued.id)
    assert (done.tokens_input, done.tokens_output, done.tokens_total) == (1234, 567, 1801)
    assert done.cost_micros == 1234 * 2 + 567 * 8
    [asset] = generations.assets_of(session, done)
    assert deps.storage.get(asset.storage_key) == b"A haiku."
    [sent] = fake_openai.calls("POST", r"/v1/chat/completions")
    assert sent.headers["authorization"] == f"Bearer {OPENAI_KEY}"


def test_bad_requests_are_refused_and_nothing_is_written(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """Unknown model, wrong type, empty or over-long prompt, missing key: a clear reason and no rows."""
    cases = [
        ({"model": "local-imagine"}, "no model 'local-imagine'"),
        ({"capability": "video"}, "makes image, not video"),
        ({"prompt": "   "}, "The prompt is empty."),
        ({"prompt": "x" * 20_001}, "too long (20,001 characters)"),
        ({"capability": "banner"}, "Unknown type 'banner'"),
        (
            {"capability": "video", "model": "local-video", "options": {"duration_seconds": 300}},
            "option 'duration_seconds': input should be less than or equal to 20",
        ),
        (
            {"capability": "text", "provider_id": "anthropic", "model": "claude-haiku-4-5", "options": {}},
            "no Anthropic key yet",
        ),
    ]
    for overrides, message in cases:
        with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
            start(session, deps, user, project_id, **overrides)
    assert session.exec(select(Generation)).all() == []
    assert session.exec(select(AsyncJob)).all() == []


def test_budget_refusal_says_the_numbers(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """A request that would pass the monthly budget is refused with the estimate and what is left."""
    keys.save_key(
        session=session, keyring=deps.keyring, user_id=user.id, provider="openai", secret=OPENAI_KEY
    )
    projects.update_project(
        session=session,
        owner_id=user.id,
        project_id=project_id,
        name="Launch",
        description="",
        monthly_budget="0.01",
    )
    with pytest.raises(
        ValidationError, match=r"would cost about \$0\.0\d+, but “Launch” has \$0\.01 left of its \$0\.01"
    ):
        start(
            session,
            deps,
            user,
            project_id,
            capability="text",
            provider_id="openai",
            model="gpt-4.1",
            prompt="Write a long story",
            options={"max_output_tokens": 4000},
        )
    assert session.exec(select(Generation)).all() == []


def test_strangers_get_not_found_and_queued_jobs_cancel(
    session: Session, deps: Deps, user: User, other_user: User, project_id: uuid.UUID
) -> None:
    """Another user's generation id is not found; a queued job cancels at once and never runs."""
    queued = start(session, deps, user, project_id)
    with pytest.raises(NotFoundError):
        generations.get_generation(session=session, user_id=other_user.id, generation_id=queued.id)
    with pytest.raises(NotFoundError):
        generations.cancel_generation(session=session, user_id=other_user.id, generation_id=queued.id)
    with pytest.raises(NotFoundError):
        start(session, deps, other_user, project_id)
    cancelled = generations.cancel_generation(session=session, user_id=user.id, generation_id=queued.id)
    assert cancelled.status == "cancelled"
    assert worker_for(deps).run_once() is None
    assert session.exec(select(Asset)).all() == []


def test_storage_failure_leaves_no_rows_and_no_files(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, tmp_path: Path
) -> None:
    """If the second file cannot be stored, the first is removed and the generation fails cleanly."""

    class FlakyStorage(LocalStorage):
        def put(self, key: str, data: bytes, mime_type: str) -> None:
            if list(self.root.rglob("*.png")):
                raise StorageError("disk full")
            super().put(key, data, mime_type)

    flaky = Deps(**{**deps.__dict__, "storage": FlakyStorage(tmp_path / "flaky")})
    queued = start(session, flaky, user, project_id, options={"size": "512x512", "count": 2, "seed": 1})
    assert worker_for(flaky).run_once() == "failed"
    session.expire_all()
    failed = generations.get_generation(session=session, user_id=user.id, generation_id=queued.id)
    assert failed.error is not None and "could not be kept: disk full" in failed.error
    assert session.exec(select(Asset)).all() == []
    assert list((tmp_path / "flaky").rglob("*.png")) == []


def test_expired_lease_is_taken_over_and_runs_once(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """A worker that vanished after claiming stops renewing; another takes the job over and finishes it."""
    queued = start(session, deps, user, project_id)
    with deps.session_factory() as s:
        assert queue.claim(s, worker="crashed", lease_seconds=30) is not None
        assert queue.claim(s, worker="other", lease_seconds=30) is None
    with deps.session_factory() as s:
        s.exec(
            update(AsyncJob)
            .where(col(AsyncJob.generation_id) == queued.id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        s.commit()
    assert worker_for(deps, name="rescuer").run_once() == "succeeded"
    session.expire_all()
    job = generations.job_for(
        session, generations.get_generation(session=session, user_id=user.id, generation_id=queued.id)
    )
    assert (job.status, job.attempts) == ("succeeded", 2)
    assert len(session.exec(select(Asset)).all()) == 1


def test_pricing_a_request_never_opens_the_key(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """Re-quoting on every keystroke leaves the key sealed and its "last used" as it was; no key is said."""
    quote = functools.partial(
        generations.quote,
        session=session,
        deps=deps,
        user_id=user.id,
        project_id=project_id,
        capability="text",
        provider_id="openai",
        model="gpt-4.1",
        prompt="Hello there",
    )
    with pytest.raises(ValidationError, match="You have no OpenAI key yet"):
        quote()
    keys.save_key(
        session=session,
        keyring=deps.keyring,
        user_id=user.id,
        provider="openai",
        secret="sk-proj-0123456789abcdef",
    )
    row = session.exec(select(ApiKey).where(ApiKey.user_id == user.id)).one()
    row.ciphertext = b"\x00" * len(row.ciphertext)  # a key that could not be opened, were it opened
    session.add(row)
    session.commit()
    assert quote().estimate.micros > 0
    session.refresh(row)
    assert row.last_used_at is None
