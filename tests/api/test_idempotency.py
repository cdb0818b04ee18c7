"""An Idempotency-Key makes a repeated or doubled POST /api/generate return the first generation."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from mediaws import migrations
from mediaws.db import make_engine
from mediaws.deps import Deps
from mediaws.models import AsyncJob, Generation, User
from mediaws.models.base import utcnow
from mediaws.services import generation, projects, tokens

IMAGE = {"type": "image", "provider": "local", "model": "local-image", "prompt": "A lighthouse at dusk"}
CONCURRENT = 20
MEDIAWS = shutil.which("mediaws", path=str(Path(sys.executable).parent)) or "mediaws"


@pytest.fixture
def project_id(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/projects", headers=auth, json={"name": "Launch"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def rows(session: Session) -> tuple[int, int]:
    session.rollback()
    generations = session.exec(select(func.count()).select_from(Generation)).one()
    jobs = session.exec(select(func.count()).select_from(AsyncJob)).one()
    return int(generations), int(jobs)


def generate(
    client: TestClient, headers: dict[str, str], project_id: str, key: str | None, **body: Any
) -> Any:
    sent = {**headers, **({"Idempotency-Key": key} if key is not None else {})}
    return client.post("/api/generate", headers=sent, json={**IMAGE, "projectId": project_id, **body})


def test_the_same_key_and_body_returns_the_first_generation(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    key = str(uuid.uuid4())
    first = generate(client, auth, project_id, key)
    again = generate(client, auth, project_id, key)
    quoted = generate(client, auth, project_id, f'"{key}"')
    assert (first.status_code, again.status_code, quoted.status_code) == (202, 202, 202), again.text
    assert first.json()["id"] == again.json()["id"] == quoted.json()["id"]
    assert again.json()["job"]["id"] == first.json()["job"]["id"]
    assert rows(session) == (1, 1)


def test_without_a_key_every_request_is_a_new_generation(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    ids = {generate(client, auth, project_id, None).json()["id"] for _ in range(2)}
    assert len(ids) == 2
    assert rows(session) == (2, 2)


def test_the_same_key_with_another_body_is_refused(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    key = str(uuid.uuid4())
    assert generate(client, auth, project_id, key).status_code == 202
    other = generate(client, auth, project_id, key, prompt="A lighthouse at dawn")
    assert other.status_code == 422, other.text
    error = other.json()["error"]
    assert error["field"] == "Idempotency-Key"
    assert "different request" in error["message"]
    assert rows(session) == (1, 1)


def test_keys_belong_to_their_user(
    client: TestClient,
    auth: dict[str, str],
    auth_for: Any,
    other_user: User,
    project_id: str,
    session: Session,
) -> None:
    key = str(uuid.uuid4())
    mine = generate(client, auth, project_id, key)
    other_auth = auth_for(other_user)
    theirs_project = client.post("/api/projects", headers=other_auth, json={"name": "Theirs"}).json()["id"]
    theirs = generate(client, other_auth, theirs_project, key)
    assert (mine.status_code, theirs.status_code) == (202, 202)
    assert mine.json()["id"] != theirs.json()["id"]
    assert rows(session) == (2, 2)


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", 'a"b', "a\\b"])
def test_malformed_keys_are_refused(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session, key: str
) -> None:
    response = generate(client, auth, project_id, key)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert rows(session) == (0, 0)


def test_a_key_is_forgotten_after_a_day(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    key = str(uuid.uuid4())
    first = generate(client, auth, project_id, key).json()["id"]
    row = session.get(Generation, uuid.UUID(first))
    assert row is not None
    row.created_at = utcnow() - timedelta(hours=25)
    session.commit()
    later = generate(client, auth, project_id, key, prompt="Something else entirely")
    assert later.status_code == 202, later.text
    assert later.json()["id"] != first
    assert rows(session) == (2, 2)


def test_concurrent_duplicates_over_http_make_one_generation(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    key, start = str(uuid.uuid4()), threading.Barrier(CONCURRENT)

    def send(_: int) -> Any:
        start.wait()
        return generate(client, auth, project_id, key)

    with ThreadPoolExecutor(CONCURRENT) as pool:
        responses = list(pool.map(send, range(CONCURRENT)))
    assert [r.status_code for r in responses] == [202] * CONCURRENT, [
        r.text for r in responses if r.status_code != 202
    ]
    assert len({r.json()["id"] for r in responses}) == 1
    assert rows(session) == (1, 1)


def test_concurrent_duplicates_in_the_service_make_one_generation(
    session: Session, user: User, deps: Deps
) -> None:
    project = projects.create_project(session=session, owner_id=user.id, name="Race")
    key, start = str(uuid.uuid4()), threading.Barrier(CONCURRENT)

    def start_one(_: int) -> uuid.UUID:
        with deps.session_factory() as own:
            start.wait()
            row = generation.start_generation(
                session=own,
                deps=deps,
                user_id=user.id,
                project_id=project.id,
                capability="image",
                provider_id="local",
                model="local-image",
                prompt="A lighthouse at dusk",
                options={"size": "512x512"},
                idempotency_key=key,
            )
            return row.id

    with ThreadPoolExecutor(CONCURRENT) as pool:
        ids = set(pool.map(start_one, range(CONCURRENT)))
    assert len(ids) == 1
    assert rows(session) == (1, 1)


def test_the_cli_sends_a_key_and_can_repeat_a_run_safely(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            owner = User(email="cli@example.com", password_hash="x")
            session.add(owner)
            session.commit()
            projects.create_project(session=session, owner_id=owner.id, name="Launch")
            token = tokens.create_token(session=session, user_id=owner.id, name="cli").plaintext
        environment = {
            k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_") and k != "DATABASE_URL"
        }
        environment.update(MEDIAWS_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=url, MEDIAWS_TOKEN=token)
        command = [MEDIAWS, "generate", "--project", "Launch", "--type", "image", "--provider", "local"]
        command += ["--model", "local-image", "--prompt", "A kite", "--option", "size=512x512"]
        key = str(uuid.uuid4())
        runs = [
            subprocess.run(
                [*command, *extra], capture_output=True, text=True, env=environment, timeout=120, check=False
            )
            for extra in (["--idempotency-key", key], ["--idempotency-key", key], [], [])
        ]
        assert [r.returncode for r in runs] == [0, 0, 0, 0], [r.stderr for r in runs]
        queued = [re.search(r"queued generation (\S+);", r.stdout).group(1) for r in runs]  # type: ignore[union-attr]
        assert queued[0] == queued[1]
        assert len(set(queued)) == 3
        with Session(engine) as session:
            stored = session.exec(select(Generation)).all()
        assert len(stored) == 3
        assert sum(1 for row in stored if row.idempotency_key == key) == 1
        assert all(row.idempotency_key for row in stored)
    finally:
        engine.dispose()


def test_a_request_queued_for_another_account_is_refused_and_writes_nothing(
    client: TestClient, auth: dict[str, str], user: User, other_user: User, project_id: str, session: Session
) -> None:
    """The offline queue names the account it queued for; sent under another login it is a 409, not theirs."""
    key = str(uuid.uuid4())
    theirs = generate(client, {**auth, "X-Queued-For": quote(other_user.email)}, project_id, key)
    assert theirs.status_code == 409, theirs.text
    assert theirs.json()["error"]["field"] == "X-Queued-For"
    assert other_user.email not in theirs.text
    assert rows(session) == (0, 0)
    mine = generate(client, {**auth, "X-Queued-For": quote(user.email.upper())}, project_id, key)
    assert mine.status_code == 202, mine.text
    assert generate(client, {**auth, "X-Queued-For": "x" * 1001}, project_id, key).status_code == 422
    assert generate(client, {**auth, "X-Queued-For": ""}, project_id, key).status_code == 422
    broken = generate(client, {**auth, "X-Queued-For": "%E0%A4%ZZ" + quote(user.email)}, project_id, key)
    assert broken.status_code == 409 and broken.json()["error"]["field"] == "X-Queued-For"
    assert rows(session) == (1, 1)
