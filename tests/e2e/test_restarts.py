"""Restarting the production server: every start serves Generate and runs jobs; SIGTERM or SIGINT stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session

from mediaws import migrations
from mediaws.db import make_engine
from mediaws.services import accounts, projects, tokens
from tests.e2e.conftest import serve
from tests.e2e.support import AppServer
from tests.support.plugins import install_slow_plugin, python_path

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
STARTS = 5
SLOW_PLUGIN_SECONDS = 12  # longer than the build between loading the app and forking its worker
HUNG = 60  # seconds: a start's job and a stop each take a few; reaching this means the server is stuck
FINISHED = {"succeeded", "failed", "cancelled"}


def _account(database_url: str) -> tuple[str, str]:
    """A user with a personal access token and a project, straight in the database."""
    migrations.upgrade(database_url)
    engine = make_engine(database_url)
    with Session(engine) as session:
        user = accounts.sign_up(
            session=session, email="restarts@example.com", password="correct horse battery"
        )
        project = projects.create_project(session=session, owner_id=user.id, name="Restarts")
        token = tokens.create_token(session=session, user_id=user.id, name="restarts").plaintext
        project_id = str(project.id)
    engine.dispose()
    return token, project_id


def _generate(server: AppServer, token: str, project_id: str, prompt: str) -> dict[str, object]:
    """Queue an offline image through the API and follow it to its end."""
    with httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=HUNG
    ) as client:
        queued = client.post(
            "/api/generate",
            json={
                "projectId": project_id,
                "type": "image",
                "provider": "local",
                "model": "local-image",
                "prompt": prompt,
                "options": {"size": "512x512"},
            },
        )
        assert queued.status_code == 202, queued.text
        deadline = time.monotonic() + HUNG
        while time.monotonic() < deadline:
            row: dict[str, object] = client.get(f"/api/generations/{queued.json()['id']}").json()
            if row["status"] in FINISHED:
                return row
            time.sleep(0.3)
    pytest.fail(f"the embedded worker did not finish {prompt!r} in {HUNG} s; see {server.log}")


def _stop(server: AppServer, how: signal.Signals) -> None:
    """Signal the server's process group: every process in it ends within HUNG, and cleanly."""
    assert server.process is not None
    group = server.process.pid
    os.killpg(group, how)
    try:
        server.process.wait(timeout=HUNG)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the server ignored {how.name} for {HUNG} s; see {server.log}")
    deadline = time.monotonic() + HUNG
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"a worker process outlived the server by {HUNG} s after {how.name}; see {server.log}")
    assert "without a clean shutdown" not in server.log.read_text(), f"a forced stop; see {server.log}"


def test_every_start_serves_generate_and_runs_a_generation(tmp_path: Path) -> None:
    """Five starts on one data dir, one with a provider plug-in slow to import: each works, each stops."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    database_url = f"sqlite:///{data_dir / 'mediaws.db'}"
    token, project_id = _account(database_url)
    plugin_dir = tmp_path / "plugin"
    plugin_dir.mkdir()
    install_slow_plugin(plugin_dir, seconds=SLOW_PLUGIN_SECONDS)
    for start in range(STARTS):
        folders = [plugin_dir, ROOT] if start == 0 else [ROOT]
        with serve(
            data_dir, database_url, f"restart-{start}.log", PYTHONPATH=python_path(*folders)
        ) as server:
            page = httpx.get(f"{server.url}/generate", timeout=HUNG, follow_redirects=True)
            assert page.status_code == 200 and "Generate · mediaws" in page.text, page.text[:500]
            done = _generate(server, token, project_id, f"Start {start + 1}")
            assert done["status"] == "succeeded", (done.get("error"), server.log)
            _stop(server, signal.SIGTERM if start % 2 == 0 else signal.SIGINT)
