"""Never pay twice for an unreadable answer; record what the provider billed and where that came from."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from mediaws.api import api
from mediaws.api.deps import get_deps, get_session_factory
from mediaws.deps import Deps
from mediaws.models import Asset, AsyncJob, Generation, User
from mediaws.pricing.cost import cost
from mediaws.providers.base import Usage
from mediaws.services import keys, projects, tokens
from tests.providers.fakeserver import FakeServer, Reply
from tests.support import media
from tests.support.jobs import run_generation

OPENAI_KEY = "sk-proj-test0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-test0123456789abcdef"
SPEECH = r"/v1/audio/speech"
IMAGES = r"/v1/images/generations"
CHAT = r"/v1/chat/completions"
MESSAGES = r"/v1/messages"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    """One fake server playing OpenAI (/v1/audio, /v1/images, /v1/chat) and Anthropic (/v1/messages)."""
    server = FakeServer()
    with server.running():
        yield server


@pytest.fixture
def deps(make_deps: Callable[..., Deps], fake: FakeServer, session: Session, user: User) -> Deps:
    """Real database and files; OpenAI and Anthropic are the fake, and the user holds both keys."""
    built = make_deps(openai_base_url=f"{fake.url}/v1", anthropic_base_url=fake.url)
    for provider, secret in (("openai", OPENAI_KEY), ("anthropic", ANTHROPIC_KEY)):
        keys.save_key(
            session=session, keyring=built.keyring, user_id=user.id, provider=provider, secret=secret
        )
    return built


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Billing").id


def generate(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, **values: Any
) -> tuple[Generation, AsyncJob]:
    """Queue a generation, run it to its end, and return its row and job as the database has them."""
    row = run_generation(session, deps, user.id, project_id, **values)
    with deps.session_factory() as fresh:
        return row, fresh.exec(select(AsyncJob).where(AsyncJob.generation_id == row.id)).one()


def unreadable_image(encoded: str = base64.b64encode(b"not a picture").decode()) -> Reply:
    """An images answer whose image is unusable, with the token usage OpenAI billed for it."""
    return Reply(
        json={
            "created": 1764300000,
            "data": [{"b64_json": encoded}],
            "size": "1024x1024",
            "quality": "low",
            "usage": {"input_tokens": 12, "output_tokens": 272, "input_tokens_details": {"text_tokens": 12}},
        }
    )


IMAGE = {
    "capability": "image",
    "provider_id": "openai",
    "model": "gpt-image-2",
    "prompt": "A lighthouse",
    "options": {"count": 1, "size": "1024x1024", "quality": "low"},
}
IMAGE_BILL = Usage(
    input_tokens=12,
    image_output_tokens=272,
    image_count=1,
    image_size="1024x1024",
    image_quality="low",
    output_count=1,
)


@pytest.mark.parametrize(
    "encoded", [base64.b64encode(b"not a picture").decode(), "%%% not base64 %%%"], ids=["text", "not-base64"]
)
def test_an_always_unreadable_answer_is_paid_for_once(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: FakeServer, encoded: str
) -> None:
    """A provider that always answers with something that is no image is called once, not 3 x 3 times."""
    fake.route("POST", IMAGES, unreadable_image(encoded))
    row, job = generate(session, deps, user, project_id, **IMAGE)
    assert len(fake.calls("POST", IMAGES)) == 1
    assert (row.status, job.status, job.attempts) == ("failed", "failed", 1)
    billed = cost("openai", "gpt-image-2", IMAGE_BILL).micros
    assert billed > 0
    assert (row.cost_micros, row.cost_source, row.tokens_input) == (billed, "provider_usage", 12)


def test_a_fallback_still_runs_and_the_failed_bill_is_kept(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: FakeServer
) -> None:
    """The user's chosen fallback makes the image; the unusable answer before it stays on the bill."""
    fake.route("POST", IMAGES, unreadable_image())
    row, _job = generate(
        session, deps, user, project_id, **IMAGE, fallbacks=[{"provider": "local", "model": "local-image"}]
    )
    assert len(fake.calls("POST", IMAGES)) == 1
    assert (row.status, row.provider, row.fallback_from) == ("succeeded", "local", "openai/gpt-image-2")
    assert (row.cost_micros, row.cost_source) == (
        cost("openai", "gpt-image-2", IMAGE_BILL).micros,
        "provider_usage",
    )
    with deps.session_factory() as fresh:
        [asset] = fresh.exec(select(Asset).where(Asset.generation_id == row.id)).all()
        assert asset.mime_type == "image/png"


def test_a_server_error_then_success_is_retried_and_billed_once(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: FakeServer
) -> None:
    """A 500 made nothing and billed nothing, so it is retried; the success is billed once."""
    fake.enqueue(
        "POST",
        SPEECH,
        Reply(500, json={"error": {"message": "The server had an error", "type": "server_error"}}),
    )
    fake.route("POST", SPEECH, Reply(body=media.mp3(), headers={"Content-Type": "audio/mpeg"}))
    row, _job = generate(
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
    assert len(fake.calls("POST", SPEECH)) == 2
    billed = cost("openai", "tts-1", Usage(characters=len("Good morning."), output_count=1)).micros
    assert (row.status, row.cost_micros, row.cost_source) == ("succeeded", billed, "derived")


def chat_refusal() -> Reply:
    """A chat completion refusing, with the usage OpenAI bills for it."""
    return Reply(
        json={
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1764300000,
            "model": "gpt-5.4-mini",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": None, "refusal": "I can't help with that."},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 40, "completion_tokens": 9, "total_tokens": 49},
        }
    )


def claude_refusal() -> Reply:
    """A Messages answer with stop_reason "refusal", with the usage Anthropic bills for it."""
    return Reply(
        json={
            "id": "msg_01",
            "type": "message",
            "role": "assistant",
            "model": "claude-sonnet-5-5",
            "content": [],
            "stop_reason": "refusal",
            "stop_sequence": None,
            "usage": {"input_tokens": 21, "output_tokens": 3},
        }
    )


@pytest.mark.parametrize(
    ("provider", "model", "path", "reply", "usage"),
    [
        ("openai", "gpt-5.4-mini", CHAT, chat_refusal(), Usage(input_tokens=40, output_tokens=9)),
        (
            "anthropic",
            "claude-sonnet-5-5",
            MESSAGES,
            claude_refusal(),
            Usage(input_tokens=21, output_tokens=3),
        ),
    ],
)
def test_a_billed_refusal_records_its_cost(
    session: Session,
    deps: Deps,
    user: User,
    project_id: uuid.UUID,
    fake: FakeServer,
    provider: str,
    model: str,
    path: str,
    reply: Reply,
    usage: Usage,
) -> None:
    """A refusal that arrives with token usage was billed: the generation fails and says what it cost."""
    fake.route("POST", path, reply)
    row, _job = generate(
        session, deps, user, project_id, capability="text", provider_id=provider, model=model, prompt="Hi"
    )
    assert len(fake.calls("POST", path)) == 1
    assert (row.status, row.error_code) == ("failed", "ContentRefused")
    exact = cost(provider, model, usage)
    assert exact.micros > 0
    assert (row.cost_micros, row.cost_source) == (exact.micros, "provider_usage")
    assert row.cost_picos == exact.picos  # kept unrounded beside the micro-dollars people see


def test_the_api_says_where_each_cost_came_from(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: FakeServer
) -> None:
    """costSource is provider_usage for reported usage, and null when nothing was billed."""
    fake.route("POST", IMAGES, unreadable_image())
    billed, _ = generate(session, deps, user, project_id, **IMAGE)
    fake.reset()
    fake.route(
        "POST",
        SPEECH,
        Reply(401, json={"error": {"message": "Incorrect API key", "code": "invalid_api_key"}}),
    )
    unbilled, _ = generate(
        session,
        deps,
        user,
        project_id,
        capability="speech",
        provider_id="openai",
        model="tts-1",
        prompt="Hi",
        options={"voice": "coral"},
    )
    headers = {
        "Authorization": f"Bearer {tokens.create_token(session=session, user_id=user.id, name='t').plaintext}"
    }
    api.dependency_overrides[get_deps] = lambda: deps
    api.dependency_overrides[get_session_factory] = lambda: deps.session_factory
    try:
        with TestClient(api) as client:
            first = client.get(f"/api/generations/{billed.id}", headers=headers).json()
            second = client.get(f"/api/generations/{unbilled.id}", headers=headers).json()
    finally:
        api.dependency_overrides.clear()
    assert (first["costMicros"], first["costSource"]) == (billed.cost_micros, "provider_usage")
    assert (second["status"], second["costMicros"], second["costSource"]) == ("failed", None, None)


def chat_reply(usage: dict[str, Any] | None = None) -> Reply:
    """A chat completion saying "Hi", with this usage (or, like some answers, none)."""
    answer: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4.1",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "finish_reason": "stop"}],
    }
    return Reply(json=answer | ({"usage": usage} if usage is not None else {}))


def test_answers_without_usage_record_the_estimate_as_derived_never_zero(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: FakeServer
) -> None:
    """A chat answer and an images answer that come back without usage were still paid for."""
    fake.route("POST", CHAT, chat_reply())
    picture = base64.b64encode(media.image()).decode()
    fake.route("POST", IMAGES, Reply(json={"created": 1764300000, "data": [{"b64_json": picture}]}))
    for values in (
        {"capability": "text", "provider_id": "openai", "model": "gpt-4.1", "prompt": "Say hi"},
        IMAGE,
    ):
        row, _job = generate(session, deps, user, project_id, **values)
        assert row.status == "succeeded"
        assert row.estimated_cost_micros > 0
        assert (row.cost_micros, row.cost_source) == (row.estimated_cost_micros, "derived")


def test_inconsistent_usage_records_the_estimate_instead_of_a_wrong_or_negative_cost(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, fake: FakeServer
) -> None:
    """More cached tokens than prompt tokens cannot be priced: the answer is kept, at the estimate."""
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "prompt_tokens_details": {"cached_tokens": 50}}
    fake.route("POST", CHAT, chat_reply(usage))
    row, _job = generate(
        session, deps, user, project_id, capability="text", provider_id="openai", model="gpt-4.1", prompt="Hi"
    )
    assert row.status == "succeeded"
    assert (row.cost_micros, row.cost_source) == (row.estimated_cost_micros, "derived")
    assert row.estimated_cost_micros > 0
