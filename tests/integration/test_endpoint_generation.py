"""Text from an OpenAI-compatible endpoint, priced at what the user stated for it, through the job worker."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session, select

from mediaws.deps import Deps
from mediaws.errors import NotFoundError, ValidationError
from mediaws.models import AsyncJob, Generation, User
from mediaws.providers import OPENAI_COMPATIBLE
from mediaws.security.crypto import Keyring
from mediaws.services import generation as generations
from mediaws.services import keys, projects
from tests.integration.test_generation import worker_for
from tests.providers.fakeserver import FakeServer
from tests.support.chat_server import chat_server

MODEL = "llama3.2:latest"
UNPRICED = "Set a price for the endpoint “Together” in Settings → API keys (0 for your own server)."


@pytest.fixture
def endpoint_server() -> Iterator[FakeServer]:
    """An OpenAI-compatible chat endpoint on loopback that reports 1,234 + 567 tokens."""
    with chat_server() as fake:
        yield fake


@pytest.fixture
def deps(make_deps: Callable[..., Deps]) -> Deps:
    """Real database, real files and the real registry; the endpoint is the fake server."""
    return make_deps()


@pytest.fixture
def project_id(session: Session, user: User) -> uuid.UUID:
    """A project of the user."""
    return projects.create_project(session=session, owner_id=user.id, name="Drafts").id


def add_endpoint(
    session: Session,
    keyring: Keyring,
    user: User,
    url: str,
    prices: tuple[str, str] | None,
    name: str = "Together",
) -> keys.KeyView:
    """Store an endpoint with the given USD-per-1M prices, or none."""
    return keys.save_endpoint(
        session=session,
        keyring=keyring,
        user_id=user.id,
        name=name,
        base_url=url,
        secret=None,
        input_price=prices[0] if prices else None,
        output_price=prices[1] if prices else None,
    )


def start_text(
    session: Session, deps: Deps, user: User, project_id: uuid.UUID, endpoint: uuid.UUID | str
) -> Generation:
    """Ask the endpoint for a short text (13 characters → 5 tokens guessed, 100 out at most)."""
    return generations.start_generation(
        session=session,
        deps=deps,
        user_id=user.id,
        project_id=project_id,
        capability="text",
        provider_id=OPENAI_COMPATIBLE,
        model=MODEL,
        prompt="Write a haiku",
        options={"max_output_tokens": 100},
        endpoint_id=endpoint,
    )


def test_text_from_a_priced_endpoint_records_the_exact_cost(
    session: Session,
    deps: Deps,
    keyring: Keyring,
    user: User,
    project_id: uuid.UUID,
    endpoint_server: FakeServer,
) -> None:
    """At $0.60 / $2.40 per 1M: quoted from the guess, then 1,234 + 567 reported tokens cost 2,101 µ$."""
    endpoint = add_endpoint(session, keyring, user, f"{endpoint_server.url}/v1", ("0.60", "2.40"))
    queued = start_text(session, deps, user, project_id, endpoint.id)
    assert queued.status == "queued"
    assert queued.estimated_cost_micros == 243  # 5 tokens in at $0.60/1M + 100 out at $2.40/1M
    assert worker_for(deps).run_once() == "succeeded"
    session.expire_all()
    done = generations.get_generation(session=session, user_id=user.id, generation_id=queued.id)
    assert (done.status, done.tokens_input, done.tokens_output) == ("succeeded", 1234, 567)
    assert done.cost_micros == 2101
    assert done.price_version is not None and done.price_version.startswith(f"endpoint:{endpoint.id.hex}@")
    [asset] = generations.assets_of(session, done)
    assert deps.storage.get(asset.storage_key) == b"A haiku."
    [sent] = endpoint_server.calls("POST", r"/v1/chat/completions")
    assert (sent.json()["model"], sent.json()["max_tokens"]) == (MODEL, 100)


def test_own_server_priced_zero_is_free(
    session: Session,
    deps: Deps,
    keyring: Keyring,
    user: User,
    project_id: uuid.UUID,
    endpoint_server: FakeServer,
) -> None:
    """0 / 0 is a deliberate price: the run is recorded at $0 with the endpoint's price version."""
    endpoint = add_endpoint(session, keyring, user, f"{endpoint_server.url}/v1", ("0", "0"), name="Ollama")
    queued = start_text(session, deps, user, project_id, str(endpoint.id))
    assert queued.estimated_cost_micros == 0
    assert worker_for(deps).run_once() == "succeeded"
    session.expire_all()
    done = generations.get_generation(session=session, user_id=user.id, generation_id=queued.id)
    assert (done.cost_micros, done.tokens_total) == (0, 1801)
    assert done.price_version is not None and done.price_version.startswith("endpoint:")


def test_an_unpriced_endpoint_is_refused_before_anything_is_written(
    session: Session,
    deps: Deps,
    keyring: Keyring,
    user: User,
    project_id: uuid.UUID,
    endpoint_server: FakeServer,
) -> None:
    """No price set: the quote says where to set one; no rows, no call to the endpoint."""
    endpoint = add_endpoint(session, keyring, user, f"{endpoint_server.url}/v1", None)
    with pytest.raises(ValidationError) as caught:
        start_text(session, deps, user, project_id, endpoint.id)
    assert (caught.value.message, caught.value.field) == (UNPRICED, "endpoint")
    assert session.exec(select(Generation)).all() == []
    assert session.exec(select(AsyncJob)).all() == []
    assert endpoint_server.calls("POST", r"/v1/chat/completions") == []


def test_a_price_removed_while_queued_keeps_no_unpriced_result(
    session: Session,
    deps: Deps,
    keyring: Keyring,
    user: User,
    project_id: uuid.UUID,
    endpoint_server: FakeServer,
) -> None:
    """If the user clears the price before the run ends, the result is not kept at a silent $0."""
    url = f"{endpoint_server.url}/v1"
    endpoint = add_endpoint(session, keyring, user, url, ("0.60", "2.40"))
    queued = start_text(session, deps, user, project_id, endpoint.id)
    keys.save_endpoint(
        session=session,
        keyring=keyring,
        user_id=user.id,
        name="Together",
        base_url=url,
        secret=None,
        endpoint_id=endpoint.id,
    )
    assert worker_for(deps).run_once() == "failed"
    session.expire_all()
    done = generations.get_generation(session=session, user_id=user.id, generation_id=queued.id)
    assert done.cost_micros is None
    assert done.error is not None and UNPRICED in done.error
    assert generations.assets_of(session, done) == []


def test_an_endpoint_model_takes_the_options_every_compatible_server_knows(
    session: Session,
    deps: Deps,
    keyring: Keyring,
    user: User,
    project_id: uuid.UUID,
    endpoint_server: FakeServer,
) -> None:
    """An endpoint's model is resolved like any model: its options are checked before anything is written."""
    endpoint = add_endpoint(session, keyring, user, f"{endpoint_server.url}/v1", ("0.60", "2.40"))
    ask = {
        "session": session,
        "deps": deps,
        "user_id": user.id,
        "project_id": project_id,
        "capability": "text",
        "provider_id": OPENAI_COMPATIBLE,
        "model": MODEL,
        "prompt": "Write a haiku",
        "endpoint_id": endpoint.id,
    }
    checked = generations.quote(**ask, options={"temperature": 0.2, "system": "Be brief.", "seed": 7})
    assert checked.estimate.micros > 0
    with pytest.raises(ValidationError, match=rf"{MODEL} does not take the option 'quality'") as caught:
        generations.quote(**ask, options={"quality": "high"})
    assert caught.value.field == "quality"
    with pytest.raises(ValidationError) as caught:
        generations.quote(**ask, options={"temperature": 3})
    assert caught.value.field == "temperature"
    with pytest.raises(ValidationError, match="does not take an input image"):
        generations.quote(**ask, options={"input_image_asset_id": str(uuid.uuid4())})
    with pytest.raises(ValidationError, match="Choose one of the endpoint's models"):
        generations.quote(**(ask | {"model": "  "}))
    with pytest.raises(ValidationError, match="too long"):
        generations.quote(**(ask | {"model": "m" * 201}))
    assert session.exec(select(Generation)).all() == []


def test_the_endpoint_must_be_one_of_the_users_endpoints(
    session: Session,
    deps: Deps,
    keyring: Keyring,
    user: User,
    other_user: User,
    project_id: uuid.UUID,
    endpoint_server: FakeServer,
) -> None:
    """A missing endpoint is asked for; someone else's, or a plain provider key's id, is not found."""
    theirs = add_endpoint(session, keyring, other_user, f"{endpoint_server.url}/v1", ("0", "0"))
    own_key = keys.save_key(
        session=session, keyring=keyring, user_id=user.id, provider="openai", secret="sk-" + "a" * 40
    )
    with pytest.raises(ValidationError, match="Choose one of your OpenAI-compatible endpoints"):
        start_text(session, deps, user, project_id, "")
    for wrong in (theirs.id, own_key.id):
        with pytest.raises(NotFoundError):
            start_text(session, deps, user, project_id, wrong)
    with pytest.raises(ValidationError, match="OpenAI has no endpoints") as caught:
        generations.quote(
            session=session,
            deps=deps,
            user_id=user.id,
            project_id=project_id,
            capability="text",
            provider_id="openai",
            model="gpt-4.1",
            prompt="Hi",
            endpoint_id=theirs.id,
        )
    assert caught.value.field == "endpoint"
    assert session.exec(select(Generation)).all() == []
    assert endpoint_server.calls("POST", r"/v1/chat/completions") == []
