"""The app server runs queued generations itself: no separate worker is needed on one machine."""

from __future__ import annotations

import time

import pytest
from PIL import Image
from sqlmodel import Session

from mediaws.config import Settings
from mediaws.db import make_engine
from mediaws.deps import Deps
from mediaws.providers.registry import default_registry
from mediaws.security.crypto import Keyring
from mediaws.security.master_key import decode_key, generate_key
from mediaws.services import accounts, generation, projects
from mediaws.storage import LocalStorage
from tests.e2e.support import AppServer


def test_queued_generation_is_run_by_the_app_server(app_server: AppServer) -> None:
    """A generation queued in the server's database is picked up, stored under the data dir and priced."""
    engine = make_engine(app_server.database_url)
    storage = LocalStorage(app_server.data_dir / "files")
    deps = Deps(
        settings=Settings(data_dir=app_server.data_dir, database_url=app_server.database_url),
        registry=default_registry(),
        keyring=Keyring([decode_key(generate_key())]),
        storage=storage,
        session_factory=lambda: Session(engine, expire_on_commit=False),
    )
    with deps.session_factory() as session:
        user = accounts.sign_up(
            session=session, email="embedded@example.com", password="correct horse battery"
        )
        project = projects.create_project(session=session, owner_id=user.id, name="Embedded")
        queued = generation.start_generation(
            session=session,
            deps=deps,
            user_id=user.id,
            project_id=project.id,
            capability="image",
            provider_id="local",
            model="local-image",
            prompt="A paper boat",
            options={"size": "512x512"},
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with deps.session_factory() as session:
            done = generation.get_generation(session=session, user_id=user.id, generation_id=queued.id)
            if done.status in ("succeeded", "failed", "cancelled"):
                break
        time.sleep(0.3)
    else:
        pytest.fail("the app server did not run the queued generation")
    assert (done.status, done.cost_micros) == ("succeeded", 0), done.error
    with deps.session_factory() as session:
        [asset] = generation.assets_of(session, done)
    with Image.open(storage.path(asset.storage_key)) as image:
        assert image.size == (512, 512)
    engine.dispose()
