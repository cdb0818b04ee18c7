"""The REST API on the real test database (SQLite and PostgreSQL), local provider, files in tmp."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mediaws.api import api
from mediaws.api.deps import get_deps, get_session_factory
from mediaws.config import Settings
from mediaws.deps import Deps
from mediaws.jobs.worker import Worker
from mediaws.models import User
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import Keyring
from mediaws.services import job_runner, tokens
from mediaws.storage import LocalStorage
from tests.support.signed_files import MakeAsset, asset_maker


@pytest.fixture
def deps(engine: Engine, keyring: Keyring, settings: Settings, tmp_path: Path) -> Deps:
    """Real database and registry, files in a temp dir."""
    return Deps(
        settings=settings,
        registry=default_registry(),
        keyring=keyring,
        storage=LocalStorage(tmp_path / "files"),
        session_factory=lambda: Session(engine, expire_on_commit=False),
    )


@pytest.fixture
def client(deps: Deps) -> Iterator[TestClient]:
    """A client of the API with its Deps and session factory pointed at the test database."""
    api.dependency_overrides[get_deps] = lambda: deps
    api.dependency_overrides[get_session_factory] = lambda: deps.session_factory
    try:
        with TestClient(api) as test_client:
            yield test_client
    finally:
        api.dependency_overrides.clear()


@pytest.fixture
def auth_for(session: Session) -> Callable[[User], dict[str, str]]:
    """Authorization headers with a fresh personal access token of a user."""

    def build(owner: User) -> dict[str, str]:
        made = tokens.create_token(session=session, user_id=owner.id, name=f"test {uuid.uuid4().hex[:6]}")
        return {"Authorization": f"Bearer {made.plaintext}"}

    return build


@pytest.fixture
def auth(auth_for: Callable[[User], dict[str, str]], user: User) -> dict[str, str]:
    """Headers of the main test user."""
    return auth_for(user)


@pytest.fixture
def run_worker(deps: Deps) -> Callable[[], str | None]:
    """Run one queued job (if any) the way the app's worker does."""

    def run() -> str | None:
        worker = Worker(
            session_factory=deps.session_factory,
            handler=lambda job_id, name, lease: job_runner.run_job(
                deps=deps, job_id=job_id, worker=name, lease_seconds=lease, heartbeat_every=0.2
            ),
            lease_seconds=30.0,
            name="api-test",
        )
        return worker.run_once()

    return run


@pytest.fixture
def make_asset(session: Session, deps: Deps, user: User) -> MakeAsset:
    """Store a file (and optionally a "small" preview) for a user and insert its asset row."""
    return asset_maker(session, deps, user)
