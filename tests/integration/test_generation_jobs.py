"""Jobs against the fake Replicate API: each media type, cancel, timeout, retry, fallback, start images."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from mediaws.deps import Deps
from mediaws.errors import ValidationError
from mediaws.jobs import queue
from mediaws.models import Asset, AsyncJob, Generation, User
from mediaws.models.base import utcnow
from mediaws.services import execution, keys, projects
from mediaws.services import generation as generations
from mediaws.storage import storage_key
from tests.integration.test_generation import worker_for
from tests.providers.test_replicate import (
    BAR_DONE,
    BAR_HALF,
    CREATE,
    KEY,
    PID,
    ReplicateFake,
    error_reply,
    picture,
    prediction,
)
from tests.support import media


@pytest.fixture
def fake() -> Iterator[ReplicateFake]:
    api = ReplicateFake()
    with api.server.running():
        yield api


@pytest.fixture
def deps(make_deps: Callable[..., Deps], fake: ReplicateFake, session: Session, user: User) -> Deps:
    """Real database and files; Replicate is the fake, and the user holds a Replicate key."""
    deps = make_deps(replicate_base_url=fake.url)
    keys.save_key(session=session, keyring=deps.keyring, user_id=user.id, provider="replicate", secret=KEY)
    return deps


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    return projects.create_project(session=session, owner_id=user.id, name="Jobs").id


def start(session: Session, deps: Deps, user: User, project_id: uuid.UUID, **kw: Any) -> Generation:
    values: dict[str, Any] = {
        "capability": "video",
        "provider_id": "replicate",
        "model": "minimax/video-01",
        "prompt": "Waves at dusk",
        "options": {"duration_seconds": 6},
    }
    return generations.start_generation(
        session=session, deps=deps, user_id=user.id, project_id=project_id, **(values | kw)
    )


def reload(deps: Deps, generation_id: uuid.UUID) -> tuple[Generation, AsyncJob, list[Asset]]:
    with deps.session_factory() as s:
        row = s.get(Generation, generation_id)
        assert row is not None
        return row, generations.job_for(s, row), generations.assets_of(s, row)


def succeed(fake: ReplicateFake, name: str, data: bytes, mime: str, **metrics: Any) -> None:
    fake.polls.extend(
        [
            prediction("processing", logs=BAR_HALF),
            prediction("succeeded", logs=BAR_DONE, output=fake.file(name, data, mime), metrics=metrics),
        ]
    )


CASES = {
    "image": (
        {"capability": "image", "model": "black-forest-labs/flux-schnell", "options": {"count": 1}},
        ("out.webp", picture("WEBP"), "image/webp"),
        3_000,
    ),
    "video": ({"options": {}}, ("clip.mp4", media.mp4(), "video/mp4"), 500_000),
    "speech": (
        {
            "capability": "speech",
            "model": "minimax/speech-2.6-turbo",
            "prompt": "Hello there",
            "options": {"voice": "Calm_Woman"},
        },
        ("speech.mp3", media.mp3(), "audio/mpeg"),
        660,
    ),
    "audio": (
        {"capability": "audio", "model": "meta/musicgen", "options": {"duration_seconds": 8}},
        ("song.wav", media.wav(), "audio/wav"),
        14_000,  # billed by predict time: 10 s at $0.0014/s
    ),
}


@pytest.mark.parametrize("kind", list(CASES))
def test_each_media_type_is_generated_stored_and_priced(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    fake: ReplicateFake,
    kind: str,
) -> None:
    """Image, video, speech and music each end as one stored asset with the exact reported cost."""
    request, (name, data, mime), micros = CASES[kind]
    succeed(fake, name, data, mime, predict_time=10, input_token_count=11)
    queued = start(session, deps, user, project_id, **request)
    assert worker_for(deps).run_once() == "succeeded"
    done, job, [asset] = reload(deps, queued.id)
    assert (done.status, job.progress_percent, done.provider_request_id) == ("succeeded", 100, PID)
    assert deps.storage.get(asset.storage_key) == data and asset.mime_type == mime
    assert done.cost_micros == micros
    assert len(fake.server.calls("POST", r"/v1/.*predictions$")) == 1
    if kind == "video":
        assert done.options["duration_seconds"] == 6  # the model's fixed length, filled in for the caller


def _run_in_background(deps: Deps) -> tuple[threading.Thread, list[str | None]]:
    outcome: list[str | None] = []
    thread = threading.Thread(target=lambda: outcome.append(worker_for(deps).run_once()), daemon=True)
    thread.start()
    return thread, outcome


def _wait(predicate: Callable[[], bool]) -> None:
    deadline = utcnow() + timedelta(seconds=30)
    while not predicate():
        assert utcnow() < deadline, "timed out"
        threading.Event().wait(0.05)


def test_cancel_mid_video_stops_the_provider_job_and_keeps_nothing(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: ReplicateFake
) -> None:
    """Cancel while Replicate renders: Replicate is told to stop, the generation ends cancelled, no file."""
    queued = start(session, deps, user, project_id)
    thread, outcome = _run_in_background(deps)
    _wait(lambda: reload(deps, queued.id)[1].provider_job_id == PID)
    generations.cancel_generation(session=session, user_id=user.id, generation_id=queued.id)
    thread.join(30)
    done, job, assets = reload(deps, queued.id)
    assert outcome == ["cancelled"] and (done.status, job.status, assets) == ("cancelled", "cancelled", [])
    assert len(fake.server.calls("POST", rf"/v1/predictions/{PID}/cancel")) == 1
    assert done.cost_micros is None


def test_timeout_fails_with_a_clear_message_and_stops_the_provider_job(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: ReplicateFake
) -> None:
    """A video past its time limit is stopped at the provider and failed in words a person understands."""
    queued = start(session, deps, user, project_id)
    with deps.session_factory() as s:
        s.exec(update(AsyncJob).where(col(AsyncJob.generation_id) == queued.id).values(timeout_seconds=1))
        s.commit()
    assert worker_for(deps).run_once() == "failed"
    done, _job, assets = reload(deps, queued.id)
    assert (done.status, done.error_code, assets) == ("failed", "timeout", [])
    assert done.error == "The job took longer than 1 minute and was stopped."
    assert len(fake.server.calls("POST", rf"/v1/predictions/{PID}/cancel")) == 1


def test_retryable_error_is_retried_later_then_succeeds(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: ReplicateFake
) -> None:
    """A 503 from Replicate puts the job back with a delay; the next attempt succeeds and is billed once."""
    fake.server.enqueue("POST", CREATE, error_reply(503, "Service Unavailable", "Try again"))
    succeed(fake, "clip.mp4", media.mp4(), "video/mp4")
    queued = start(session, deps, user, project_id)
    assert worker_for(deps).run_once() == "queued"
    waiting, job, _ = reload(deps, queued.id)
    assert (waiting.status, job.status, job.attempts) == ("queued", "queued", 1)
    assert job.run_after > utcnow() and "try again" in job.message.lower()
    assert worker_for(deps).run_once() is None
    with deps.session_factory() as s:
        s.exec(update(AsyncJob).where(col(AsyncJob.id) == job.id).values(run_after=utcnow()))
        s.commit()
    assert worker_for(deps).run_once() == "succeeded"
    done, job, [_asset] = reload(deps, queued.id)
    assert (done.status, job.attempts, done.cost_micros) == ("succeeded", 2, 500_000)


def test_fallback_takes_over_when_the_provider_refuses_the_key(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: ReplicateFake
) -> None:
    """Replicate rejects the key; the chosen fallback (local images) makes the picture, and says so."""
    fake.server.enqueue("POST", CREATE, error_reply(401, "Unauthenticated", "invalid token"))
    queued = start(
        session,
        deps,
        user,
        project_id,
        capability="image",
        model="black-forest-labs/flux-schnell",
        options={"count": 1, "seed": 4, "aspect_ratio": "1:1"},
        fallbacks=[{"provider": "local", "model": "local-image"}],
    )
    assert queued.fallbacks[0]["options"] == {"count": 1, "seed": 4, "size": "1024x1024"}  # its own default
    assert worker_for(deps).run_once() == "queued"
    assert worker_for(deps).run_once() == "succeeded"
    done, job, [asset] = reload(deps, queued.id)
    assert (done.provider, done.model, done.fallback_from) == (
        "local",
        "local-image",
        "replicate/black-forest-labs/flux-schnell",
    )
    assert (done.status, done.cost_micros, done.fallbacks, job.attempts) == ("succeeded", 0, [], 1)
    assert asset.mime_type == "image/png"


def test_refused_content_does_not_fall_back(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: ReplicateFake
) -> None:
    """A provider's safety refusal ends the generation: mediaws does not shop the prompt around."""
    fake.polls.append(prediction("failed", error="NSFW content detected. Try a different prompt."))
    queued = start(
        session,
        deps,
        user,
        project_id,
        capability="image",
        model="black-forest-labs/flux-schnell",
        options={"count": 1},
        fallbacks=[{"provider": "local", "model": "local-image"}],
    )
    assert worker_for(deps).run_once() == "failed"
    done, _job, _assets = reload(deps, queued.id)
    assert (done.status, done.provider, done.fallback_from) == ("failed", "replicate", None)
    assert "NSFW" in (done.error or "")


def _upload(session: Session, deps: Deps, owner: User, project: uuid.UUID) -> Asset:
    asset_id = uuid.uuid4()
    key = storage_key(owner.id, project, asset_id, "image/png")
    deps.storage.put(key, picture("PNG", (64, 36)), "image/png")
    row = Asset(
        id=asset_id,
        owner_id=owner.id,
        project_id=project,
        kind="image",
        storage_key=key,
        mime_type="image/png",
        bytes=1,
        name="frame.png",
    )
    session.add(row)
    session.commit()
    return row


def test_start_image_reaches_the_provider_and_is_the_results_source(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: ReplicateFake
) -> None:
    """An uploaded first frame goes to Replicate inline; the video asset records where it came from."""
    frame = _upload(session, deps, user, project_id)
    succeed(fake, "clip.mp4", media.mp4(), "video/mp4")
    queued = start(
        session,
        deps,
        user,
        project_id,
        options={"duration_seconds": 6, "start_image_asset_id": str(frame.id)},
    )
    assert worker_for(deps).run_once() == "succeeded"
    [sent] = fake.server.calls("POST", CREATE)
    assert sent.json()["input"]["first_frame_image"].startswith("data:image/png;base64,")
    _done, _job, [video] = reload(deps, queued.id)
    assert video.source_asset_id == frame.id


def test_start_image_checks_owner_kind_and_model(
    session: Session,
    deps: Deps,
    user: User,
    other_user: User,
    project_id: uuid.UUID,
) -> None:
    """A stranger's image is not found; a model without image input refuses one; so must its fallback."""
    theirs = projects.create_project(session=session, owner_id=other_user.id, name="Theirs").id
    stranger = _upload(session, deps, other_user, theirs)
    mine = _upload(session, deps, user, project_id)
    before = session.exec(select(Generation)).all()
    with pytest.raises(ValidationError, match="start image was not found"):
        start(
            session,
            deps,
            user,
            project_id,
            options={"duration_seconds": 6, "start_image_asset_id": str(stranger.id)},
        )
    with pytest.raises(ValidationError, match=r"FLUX\.1 \[schnell\] does not take an input image"):
        start(
            session,
            deps,
            user,
            project_id,
            capability="image",
            model="black-forest-labs/flux-schnell",
            options={"input_image_asset_id": str(mine.id)},
        )
    with pytest.raises(ValidationError, match="cannot be the fallback"):
        start(
            session,
            deps,
            user,
            project_id,
            capability="image",
            model="black-forest-labs/flux-dev",
            options={"input_image_asset_id": str(mine.id)},
            fallbacks=[{"provider": "replicate", "model": "black-forest-labs/flux-schnell"}],
        )
    assert session.exec(select(Generation)).all() == before


def test_budget_counts_the_dearest_fallback(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """A cheap model with a dear fallback is refused when the fallback could exceed the budget."""
    projects.update_project(
        session=session,
        owner_id=user.id,
        project_id=project_id,
        name="Jobs",
        description="",
        monthly_budget="0.01",
    )
    with pytest.raises(ValidationError, match=r"up to \$0\.04 with fallbacks"):
        start(
            session,
            deps,
            user,
            project_id,
            capability="image",
            model="black-forest-labs/flux-schnell",
            options={"count": 1},
            fallbacks=[{"provider": "replicate", "model": "black-forest-labs/flux-1.1-pro"}],
        )


@pytest.mark.parametrize(
    ("elapsed", "percent", "typical", "expected"),
    [
        (30, 25, None, 90),
        (30, None, 100.0, 70),
        (120, None, 100.0, None),
        (0.5, 10, None, None),
        (10, 100, 5, None),
    ],
)
def test_eta_from_progress_else_past_durations(
    elapsed: float, percent: int | None, typical: float | None, expected: int | None
) -> None:
    assert execution.eta_seconds(elapsed, percent, typical) == expected


def test_time_limits_come_from_the_settings(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """MEDIAWS_LONG_JOB_TIMEOUT_SECONDS and MEDIAWS_SHORT_JOB_TIMEOUT_SECONDS set each new job's limit."""
    limits = {"long_job_timeout_seconds": 45, "short_job_timeout_seconds": 20}
    custom = dataclasses.replace(deps, settings=deps.settings.model_copy(update=limits))
    video = start(session, custom, user, project_id)
    flux = {"capability": "image", "model": "black-forest-labs/flux-schnell", "options": {}}
    image = start(session, custom, user, project_id, **flux)
    assert [reload(deps, g.id)[1].timeout_seconds for g in (video, image)] == [45, 20]


@pytest.mark.parametrize("kind", ["image", "speech"])
def test_a_crashed_quick_job_follows_its_prediction_instead_of_paying_again(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    fake: ReplicateFake,
    kind: str,
) -> None:
    """Flux images and MiniMax speech are Replicate predictions too: after a crash they are followed by id."""
    request, (name, data, mime), _micros = CASES[kind]
    succeed(fake, name, data, mime, predict_time=2, input_token_count=11)
    queued = start(session, deps, user, project_id, **request)
    with deps.session_factory() as s:
        crashed = queue.claim(s, worker="crashed", lease_seconds=30)
        assert crashed is not None
        queue.record_provider_job(s, job_id=crashed.id, worker="crashed", provider_job_id=PID)
        s.exec(
            update(AsyncJob)
            .where(col(AsyncJob.id) == crashed.id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        s.commit()
    assert worker_for(deps, name="rescuer").run_once() == "succeeded"
    assert fake.server.calls("POST", r"/v1/.*predictions$") == []
    done, job, [asset] = reload(deps, queued.id)
    assert (done.status, job.attempts, job.provider_job_id) == ("succeeded", 2, PID)
    assert deps.storage.get(asset.storage_key) == data


def test_a_fallback_gets_its_own_model_defaults(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """A 12-second local video falling back to MiniMax keeps MiniMax's own fixed 6-second length."""
    queued = start(
        session,
        deps,
        user,
        project_id,
        provider_id="local",
        model="local-video",
        options={"duration_seconds": 12},
        fallbacks=[{"provider": "replicate", "model": "minimax/video-01"}],
    )
    [fallback] = queued.fallbacks
    assert fallback["options"]["duration_seconds"] == 6
