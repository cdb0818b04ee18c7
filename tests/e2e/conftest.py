"""Serve the production build on a free port and drive it with Debian's Chromium."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from mediaws import migrations
from tests.e2e.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SECRET,
    AppServer,
    FakeElevenLabs,
    Shots,
    SlowReplicate,
    server_env,
)
from tests.providers.fakeserver import FakeServer, Recorded, Reply

if TYPE_CHECKING:
    from tests.conftest import PostgresDatabases

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
START_TIMEOUT = 420
expect.set_options(timeout=15_000)


OWN_BUILDS = ("tests/e2e/test_restarts.py",)


def _builds_its_own(item: pytest.Item) -> bool:
    return "scaled_server" in getattr(item, "fixturenames", ()) or item.nodeid.startswith(OWN_BUILDS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests that start servers of their own last: each build rewrites the shared `.web/`."""
    items.sort(key=_builds_its_own)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"app server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"app server did not answer /ping in {START_TIMEOUT}s:\n{log.read_text()[-4000:]}")


@contextmanager
def serve(data_dir: Path, database_url: str, log_name: str, **extra_env: str) -> Iterator[AppServer]:
    """Migrate the database, start `reflex run --env prod` on a free port, stop it afterwards."""
    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    server = AppServer(
        url=f"http://localhost:{port}", data_dir=data_dir, log=ARTIFACTS / log_name, database_url=database_url
    )
    migrations.upgrade(database_url)
    env = server_env(data_dir, port) | extra_env
    if not database_url.startswith("sqlite"):
        env["DATABASE_URL"] = database_url
    reflex = Path(sys.executable).parent / "reflex"
    with server.log.open("wb") as log:
        process = subprocess.Popen(
            [str(reflex), "run", "--env", "prod"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    server.process = process
    try:
        _wait_until_up(server.url, process, server.log)
        yield server
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def fake_openai() -> Iterator[FakeServer]:
    """OpenAI's model list on loopback: it accepts the journey's key and refuses any other."""
    fake = FakeServer()

    def models(request: Recorded, _match: object) -> Reply:
        if request.headers.get("authorization") == f"Bearer {SECRET}":
            return Reply(
                json={"object": "list", "data": [{"id": "gpt-5.4", "object": "model", "owned_by": "openai"}]}
            )
        return Reply(
            401,
            json={
                "error": {
                    "message": "Incorrect API key provided.",
                    "type": "invalid_request_error",
                    "code": "invalid_api_key",
                    "param": None,
                }
            },
        )

    fake.route("GET", r"/v1/models", models)
    with fake.running():
        yield fake


@pytest.fixture(scope="session")
def fake_replicate() -> Iterator[SlowReplicate]:
    """A Replicate whose videos never finish on their own: a running job the browser can cancel."""
    fake = SlowReplicate()
    with fake.server.running():
        yield fake


@pytest.fixture(scope="session")
def fake_elevenlabs() -> Iterator[FakeElevenLabs]:
    """ElevenLabs' voice list on loopback, for the journey's ElevenLabs key only."""
    fake = FakeElevenLabs()
    with fake.server.running():
        yield fake


@pytest.fixture(scope="session")
def app_server(
    tmp_path_factory: pytest.TempPathFactory,
    fake_openai: FakeServer,
    fake_replicate: SlowReplicate,
    fake_elevenlabs: FakeElevenLabs,
) -> Iterator[AppServer]:
    """The embedded default: one worker, SQLite in a fresh data dir; the cloud providers are local fakes."""
    data_dir = tmp_path_factory.mktemp("e2e-data")
    with serve(
        data_dir,
        f"sqlite:///{data_dir / 'mediaws.db'}",
        "server.log",
        MEDIAWS_OPENAI_BASE_URL=f"{fake_openai.url}/v1",
        MEDIAWS_REPLICATE_BASE_URL=fake_replicate.server.url,
        MEDIAWS_ELEVENLABS_BASE_URL=fake_elevenlabs.server.url,
    ) as server:
        yield server


@pytest.fixture(scope="session")
def scaled_server(
    tmp_path_factory: pytest.TempPathFactory, postgres_databases: PostgresDatabases, fake_openai: FakeServer
) -> Iterator[AppServer]:
    """The scaled-out set-up: PostgreSQL, Reflex state in Redis, two worker processes."""
    redis_url = os.environ.get("MEDIAWS_TEST_REDIS_URL", "").strip()
    if not redis_url:
        pytest.skip("MEDIAWS_TEST_REDIS_URL is not set; the Redis set-up is not tested")
    database_url = postgres_databases.create()
    with serve(
        tmp_path_factory.mktemp("e2e-scaled"),
        database_url,
        "server-scaled.log",
        REFLEX_REDIS_URL=redis_url,
        GRANIAN_WORKERS="2",
        MEDIAWS_OPENAI_BASE_URL=f"{fake_openai.url}/v1",
    ) as server:
        server.redis_url = redis_url
        yield server


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def profile(browser: Browser, tmp_path: Path) -> Iterator[BrowserContext]:
    """A phone-sized Chromium with a real profile (service worker, caches, IndexedDB), unlike incognito."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        viewport=VIEWPORTS["phone"],
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    """Run once at phone size and once at desktop size."""
    return str(request.param)


@pytest.fixture
def new_page(browser: Browser, viewport: str) -> Iterator[callable]:  # type: ignore[valid-type]
    """Open pages in fresh browser contexts (separate cookie jars) at the chosen size."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(viewport=VIEWPORTS[viewport])
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    """Screenshot helper writing to test-artifacts/e2e/<test id>/."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in request.node.name)
    return Shots(ARTIFACTS / safe)
