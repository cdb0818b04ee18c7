"""Provider output is decoded before it is kept: a success that is not the promised file is a failure."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from mediaws.deps import Deps
from mediaws.models import Asset, Generation, User
from mediaws.pricing.cost import cost
from mediaws.providers.base import Usage
from mediaws.services import keys, projects, voice_preview
from tests.providers.fakeserver import FakeServer, Reply
from tests.support import media
from tests.support.jobs import run_generation, run_jobs

OPENAI_KEY = "sk-proj-test0123456789abcdef"
ELEVEN_KEY = "sk_test_0123456789abcdef"
VOICE = "JBFqnCBv73JqnFnWJqrW"
SPEECH = r"/v1/audio/speech"
IMAGES = r"/v1/images/generations"
TTS = rf"/v1/text-to-speech/{VOICE}"
TEXT_BODY = b"Hello!"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    """One fake server playing OpenAI (under /v1/audio, /v1/images) and ElevenLabs (/v1/text-to-speech)."""
    server = FakeServer()
    server.route("GET", r"/v1/voices", Reply(json={"voices": [{"voice_id": VOICE, "name": "George"}]}))
    with server.running():
        yield server


@pytest.fixture
def deps(make_deps: Callable[..., Deps], fake: FakeServer, session: Session, user: User) -> Deps:
    """Real database and files; OpenAI and ElevenLabs are the fake, and the user holds both keys."""
    built = make_deps(openai_base_url=f"{fake.url}/v1", elevenlabs_base_url=fake.url)
    for provider, secret in (("openai", OPENAI_KEY), ("elevenlabs", ELEVEN_KEY)):
        keys.save_key(
            session=session, keyring=built.keyring, user_id=user.id, provider=provider, secret=secret
        )
    return built


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Checks").id


def generate(session: Session, deps: Deps, user: User, project_id: uuid.UUID, **values: Any) -> Generation:
    """Queue a generation, run it, and return its row as the database has it."""
    return run_generation(session, deps, user.id, project_id, **values)


def assets_of(deps: Deps, row: Generation) -> list[Asset]:
    """The generation's stored assets."""
    with deps.session_factory() as fresh:
        return list(fresh.exec(select(Asset).where(Asset.generation_id == row.id)).all())


def stored_files(tmp_path: Path) -> list[Path]:
    """Every file kept in the temp storage."""
    root = tmp_path / "files"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def openai_speech(session: Session, deps: Deps, user: User, project_id: uuid.UUID) -> Generation:
    """Ask tts-1 for a short line."""
    return generate(
        session,
        deps,
        user,
        project_id,
        capability="speech",
        provider_id="openai",
        model="tts-1",
        prompt="Good morning.",
        options={"voice": "coral"},
    )


def openai_image(session: Session, deps: Deps, user: User, project_id: uuid.UUID) -> Generation:
    """Ask gpt-image-2 for one small, cheap image."""
    return generate(
        session,
        deps,
        user,
        project_id,
        capability="image",
        provider_id="openai",
        model="gpt-image-2",
        prompt="A lighthouse",
        options={"count": 1, "size": "1024x1024", "quality": "low"},
    )


def image_answer(data: bytes) -> Reply:
    """An images answer carrying ``data`` in base64, with token usage, as OpenAI sends it."""
    return Reply(
        json={
            "created": 1764300000,
            "data": [{"b64_json": base64.b64encode(data).decode()}],
            "size": "1024x1024",
            "quality": "low",
            "usage": {
                "input_tokens": 12,
                "output_tokens": 272,
                "input_tokens_details": {"text_tokens": 12, "image_tokens": 0},
            },
        }
    )


IMAGE_USAGE = Usage(
    input_tokens=12,
    image_output_tokens=272,
    image_count=1,
    image_size="1024x1024",
    image_quality="low",
    output_count=1,
)


def test_openai_speech_that_is_text_fails_with_a_clear_message_and_its_cost(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    fake: FakeServer,
    tmp_path: Path,
) -> None:
    """Six bytes of text labelled audio/mpeg: failed, nothing kept, the characters billed recorded once."""
    fake.route("POST", SPEECH, Reply(body=TEXT_BODY, headers={"Content-Type": "audio/mpeg"}))
    row = openai_speech(session, deps, user, project_id)
    assert (row.status, row.error) == (
        "failed",
        'OpenAI returned a file that is not audio: it looks like text: "Hello!".',
    )
    assert assets_of(deps, row) == [] and stored_files(tmp_path) == []
    assert len(fake.calls("POST", SPEECH)) == 1
    billed = cost("openai", "tts-1", Usage(characters=len("Good morning."), output_count=1)).micros
    assert (row.cost_micros, row.cost_source) == (billed, "derived")


def test_openai_speech_that_is_audio_is_kept_as_what_it_is(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: FakeServer
) -> None:
    """A real MP3 is kept, typed and timed from its decoded stream."""
    fake.route("POST", SPEECH, Reply(body=media.mp3(), headers={"Content-Type": "audio/mpeg"}))
    row = openai_speech(session, deps, user, project_id)
    [asset] = assets_of(deps, row)
    assert (row.status, asset.kind, asset.mime_type) == ("succeeded", "audio", "audio/mpeg")
    assert asset.duration_seconds is not None and 0.3 < asset.duration_seconds < 0.7


def test_elevenlabs_speech_that_is_text_fails_with_a_clear_message_and_its_cost(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    fake: FakeServer,
    tmp_path: Path,
) -> None:
    """ElevenLabs answering 200 with text: failed once, the characters it reported billed are recorded."""
    fake.route(
        "POST", TTS, Reply(body=TEXT_BODY, headers={"Content-Type": "audio/mpeg", "x-character-count": "20"})
    )
    row = generate(
        session,
        deps,
        user,
        project_id,
        capability="speech",
        provider_id="elevenlabs",
        model="eleven_v3",
        prompt="Good morning.",
        options={"voice": VOICE},
    )
    assert (row.status, row.error) == (
        "failed",
        'ElevenLabs returned a file that is not audio: it looks like text: "Hello!".',
    )
    assert assets_of(deps, row) == [] and stored_files(tmp_path) == []
    assert len(fake.calls("POST", TTS)) == 1
    billed = cost("elevenlabs", "eleven_v3", Usage(characters=20, output_count=1)).micros
    assert (row.cost_micros, row.cost_source, row.characters) == (billed, "provider_usage", 20)


def test_openai_image_that_is_base64_text_is_refused(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    fake: FakeServer,
    tmp_path: Path,
) -> None:
    """Valid base64 that is not an image is not stored as image/png; its reported tokens are billed."""
    fake.route("POST", IMAGES, image_answer(b"I am definitely a picture."))
    row = openai_image(session, deps, user, project_id)
    assert (row.status, row.error) == (
        "failed",
        'OpenAI returned a file that is not an image: it looks like text: "I am definitely a picture.".',
    )
    assert assets_of(deps, row) == [] and stored_files(tmp_path) == []
    billed = cost("openai", "gpt-image-2", IMAGE_USAGE).micros
    assert (row.cost_micros, row.cost_source) == (billed, "provider_usage")


@pytest.mark.parametrize(("fmt", "mime"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_openai_image_is_stored_as_the_type_its_bytes_are(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    fake: FakeServer,
    fmt: str,
    mime: str,
) -> None:
    """A JPEG (or WebP) in an answer that says nothing of its format is kept as that, not as PNG."""
    fake.route("POST", IMAGES, image_answer(media.image(fmt, (20, 10))))
    row = openai_image(session, deps, user, project_id)
    [asset] = assets_of(deps, row)
    assert (row.status, asset.mime_type, asset.width, asset.height) == ("succeeded", mime, 20, 10)
    assert asset.storage_key.endswith(".jpg" if fmt == "JPEG" else ".webp")
    assert deps.storage.get(asset.storage_key)[:4] == media.image(fmt, (20, 10))[:4]


def test_a_provider_image_above_the_pixel_budget_is_not_kept(
    session: Session,
    make_deps: Callable[..., Deps],
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    fake: FakeServer,
) -> None:
    """The pixel budget guards provider output as it guards uploads."""
    small = make_deps(openai_base_url=f"{fake.url}/v1", max_image_pixels=100)
    fake.route("POST", IMAGES, image_answer(media.image("PNG", (20, 10))))
    row = openai_image(session, small, user, project_id)
    assert (row.status, row.error) == (
        "failed",
        "OpenAI returned a file too large to keep: 20\u00d710 pixels is above the 0.0001 megapixel limit.",
    )


def test_a_paid_voice_preview_that_is_not_audio_fails_and_is_not_reused(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: FakeServer
) -> None:
    """The preview path goes through the same check; a failed preview is never offered as the sample."""
    fake.route("POST", TTS, Reply(body=TEXT_BODY, headers={"Content-Type": "audio/mpeg"}))
    options = {"voice": VOICE}
    values: dict[str, Any] = {
        "session": session,
        "deps": deps,
        "user_id": user.id,
        "project_id": project_id,
        "provider_id": "elevenlabs",
        "model": "eleven_v3",
        "options": options,
    }
    first = voice_preview.start_preview(**values)
    assert first.generation_id and not first.url
    run_jobs(deps)
    with deps.session_factory() as fresh:
        row = fresh.get(Generation, uuid.UUID(first.generation_id))
        assert row is not None
        assert row.status == "failed" and row.error is not None
        assert row.error.startswith("ElevenLabs returned a file that is not audio")
        assert (
            row.cost_micros
            == cost("elevenlabs", "eleven_v3", Usage(characters=len(voice_preview.SAMPLE))).micros
        )
    second = voice_preview.start_preview(**values)
    assert not second.reused and second.generation_id != first.generation_id
