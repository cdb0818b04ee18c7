"""Voice previews with the offline speech model: a real, recorded generation, reused the second time."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from mediaws.deps import Deps
from mediaws.models import Generation, User
from mediaws.services import generation, projects, voice_preview
from tests.support.jobs import run_jobs

OPTIONS = {"voice": "en-gb-x-rp", "output_format": "wav"}


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Deps:
    """Real database, real files, the real registry (local speech runs espeak-ng)."""
    return make_deps()


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Audiobook").id


def _preview(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, **options: object
) -> voice_preview.Preview:
    return voice_preview.start_preview(
        session=session,
        deps=deps,
        user_id=user.id,
        project_id=project_id,
        provider_id="local",
        model="local-speech",
        options={**OPTIONS, **options},
    )


def test_the_first_preview_is_generated_and_the_second_reuses_it(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """Free on the button; the first preview runs as a recorded generation, the second plays the same file."""
    assert (
        voice_preview.price(
            session=session,
            deps=deps,
            user_id=user.id,
            project_id=project_id,
            provider_id="local",
            model="local-speech",
            options=OPTIONS,
        )
        == "free"
    )
    first = _preview(session, deps, user, project_id)
    assert first.url == "" and first.generation_id and not first.reused
    run_jobs(deps)
    row = generation.get_generation(session=session, user_id=user.id, generation_id=first.generation_id)
    session.refresh(row)
    assert (row.status, row.prompt, row.cost_micros) == ("succeeded", voice_preview.SAMPLE, 0)
    audio = generation.assets_of(session, row)[0]
    assert audio.mime_type == "audio/wav" and (audio.duration_seconds or 0) > 1
    assert deps.storage.get(audio.storage_key)[:4] == b"RIFF"

    second = _preview(session, deps, user, project_id)
    assert second == voice_preview.Preview(
        url=f"/api/assets/{audio.id}/file", generation_id=first.generation_id, reused=True
    )
    assert len(session.exec(select(Generation)).all()) == 1


def test_another_voice_or_user_is_not_reused(
    session: Session,
    deps: Deps,
    user: User,
    other_user: User,
    project_id: uuid.UUID,
) -> None:
    """A different voice is a new preview; someone else's preview is never handed out."""
    _preview(session, deps, user, project_id)
    run_jobs(deps)
    other_voice = _preview(session, deps, user, project_id, voice="de")
    assert other_voice.generation_id and not other_voice.reused
    theirs = projects.create_project(session=session, owner_id=other_user.id, name="Theirs").id
    stranger = _preview(session, deps, other_user, theirs)
    assert stranger.generation_id and not stranger.reused and stranger.url == ""


def test_a_failed_preview_is_not_reused(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID
) -> None:
    """Only previews that succeeded are played again."""
    first = _preview(session, deps, user, project_id)
    row = generation.get_generation(session=session, user_id=user.id, generation_id=first.generation_id)
    row.status = "failed"
    session.commit()
    again = _preview(session, deps, user, project_id)
    assert again.generation_id != first.generation_id and not again.reused
