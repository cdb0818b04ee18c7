"""Models of the user's OpenAI-compatible endpoints, listed live from a fake Ollama-style server."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mediaws.config import Settings
from mediaws.deps import Deps
from mediaws.models import User
from mediaws.providers import OPENAI_COMPATIBLE
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import Keyring
from mediaws.services import catalog, keys
from mediaws.storage import LocalStorage
from tests.integration.test_keys import save_endpoint
from tests.providers.fakeserver import FakeServer, Recorded, Reply

ENDPOINT_KEY = "ollama-secret-key-000111"
MODELS = {
    "object": "list",
    "data": [
        {"id": "qwen2.5:7b", "object": "model", "owned_by": "library"},
        {"id": "llama3.2:latest", "object": "model", "owned_by": "library"},
    ],
}


@pytest.fixture
def ollama() -> Iterator[FakeServer]:
    """An Ollama-style /v1/models that wants the endpoint's key."""
    fake = FakeServer()

    def models(request: Recorded, _m: object) -> Reply:
        if request.headers.get("authorization") != f"Bearer {ENDPOINT_KEY}":
            return Reply(401, json={"error": {"message": "bad key", "type": "auth", "code": None}})
        return Reply(json=MODELS)

    fake.route("GET", r"/v1/models", models)
    with fake.running():
        yield fake


@pytest.fixture
def deps(engine: Engine, keyring: Keyring, make_settings: Callable[..., Settings], tmp_path: Path) -> Deps:
    """Real database and keyring; the network edge is the fake server."""
    return Deps(
        settings=make_settings(),
        registry=default_registry(),
        keyring=keyring,
        storage=LocalStorage(tmp_path / "files"),
        session_factory=lambda: Session(engine, expire_on_commit=False),
    )


def _endpoint(session: Session, keyring: Keyring, user: User, name: str, url: str, secret: str | None) -> str:
    return str(save_endpoint(session, keyring, user, name, url, secret).id)


def _dead_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_each_endpoint_lists_its_models_and_a_dead_one_says_unreachable(
    session: Session, deps: Deps, keyring: Keyring, user: User, ollama: FakeServer
) -> None:
    """Live models (sorted) with the stored key; a closed port and a refused key are named, not raised."""
    mine = _endpoint(session, keyring, user, "My Ollama", f"{ollama.url}/v1", ENDPOINT_KEY)
    dead = _endpoint(session, keyring, user, "Old box", _dead_url(), None)
    wrong = _endpoint(session, keyring, user, "Borrowed", f"{ollama.url}/v1", "not-the-right-key-xyz")

    found = catalog.list_endpoint_models(deps=deps, user_id=user.id)

    by_name = {e.name: e for e in found}
    assert [e.name for e in found] == ["Borrowed", "My Ollama", "Old box"]
    assert by_name["My Ollama"] == catalog.EndpointModels(
        OPENAI_COMPATIBLE, mine, "My Ollama", ("llama3.2:latest", "qwen2.5:7b")
    )
    assert by_name["Old box"] == catalog.EndpointModels(OPENAI_COMPATIBLE, dead, "Old box", (), "unreachable")
    assert by_name["Borrowed"] == catalog.EndpointModels(
        OPENAI_COMPATIBLE, wrong, "Borrowed", (), "key refused"
    )
    assert len(ollama.calls("GET", r"/v1/models")) == 2


def test_a_server_that_hangs_is_given_up_on(
    session: Session, deps: Deps, keyring: Keyring, user: User, ollama: FakeServer
) -> None:
    """An endpoint that does not answer within the short timeout is unreachable."""
    ollama.enqueue("GET", r"/v1/models", Reply(json=MODELS, delay=3.0))
    _endpoint(session, keyring, user, "Slow", f"{ollama.url}/v1", ENDPOINT_KEY)
    found = catalog.list_endpoint_models(deps=deps, user_id=user.id, timeout=0.5)
    assert [(e.name, e.models, e.problem) for e in found] == [("Slow", (), "unreachable")]


def test_only_the_users_own_endpoints_are_listed(
    session: Session,
    deps: Deps,
    keyring: Keyring,
    user: User,
    other_user: User,
    ollama: FakeServer,
) -> None:
    """Someone else's endpoint never shows up, and built-in keys are not endpoints."""
    _endpoint(session, keyring, other_user, "Theirs", f"{ollama.url}/v1", ENDPOINT_KEY)
    keys.save_key(
        session=session, keyring=keyring, user_id=user.id, provider="openai", secret="sk-" + "a" * 40
    )
    assert catalog.list_endpoint_models(deps=deps, user_id=user.id) == []
    assert catalog.user_endpoints(session=session, registry=deps.registry, user_id=uuid.uuid4()) == []
