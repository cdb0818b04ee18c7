"""Security headers on every answer, JSON errors for unknown API paths and methods, loopback by default."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from mediaws.config import get_settings
from tests.support.backend import Backend, serve_backend

ROOT = Path(__file__).resolve().parents[2]
ALWAYS = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def _assert_secured(response: httpx.Response, *, https: bool = False) -> None:
    for name, value in ALWAYS.items():
        assert response.headers.get(name) == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    for directive in ("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'"):
        assert directive in policy
    assert "camera=()" in response.headers["permissions-policy"]
    assert ("strict-transport-security" in response.headers) is https


def _assert_json_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"]["code"] == code


def test_api_answers_carry_the_headers(client: TestClient, auth: dict[str, str]) -> None:
    _assert_secured(client.get("/api/projects", headers=auth))
    _assert_secured(client.get("/api/projects"))
    _assert_secured(client.get("/openapi.json"))


def test_hsts_only_when_the_public_url_is_https(
    client: TestClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAWS_PUBLIC_URL", "https://media.example.com")
    get_settings.cache_clear()
    answer = client.get("/api/projects", headers=auth | {"Origin": "https://media.example.com"})
    _assert_secured(answer, https=True)
    assert answer.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "wss://media.example.com" in answer.headers["content-security-policy"]


def test_voice_samples_may_play_from_the_provider_and_scripts_may_not(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ElevenLabs' free samples play from its https storage, or from a configured gateway's origin."""
    monkeypatch.setenv("MEDIAWS_ELEVENLABS_BASE_URL", "http://127.0.0.1:8123/v1")
    get_settings.cache_clear()
    policy = dict(
        part.strip().split(" ", 1)
        for part in client.get("/openapi.json").headers["content-security-policy"].split(";")
    )
    assert policy["media-src"] == "'self' blob: https: http://127.0.0.1:8123"
    assert "https:" not in policy["script-src"] and "127.0.0.1" not in policy["script-src"]
    assert policy["connect-src"] == "'self' ws://localhost:3000"


def test_the_api_docs_load_their_viewer_from_the_app_itself(client: TestClient) -> None:
    """Swagger UI and ReDoc come from the app (fastapi-offline): the policy allows no CDN for them."""
    for path in ("/docs", "/redoc"):
        docs = client.get(path)
        _assert_secured(docs)
        assert "https:" not in docs.headers["content-security-policy"].split("media-src")[0]
        sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
        assert sources and all(source.startswith("/docs/static/") for source in sources), sources
        for source in sources:
            assert client.get(source).status_code == 200


def test_unknown_api_paths_and_methods_answer_json(client: TestClient, auth: dict[str, str]) -> None:
    _assert_json_error(client.get("/api/no-such-thing", headers=auth), 404, "not_found")
    _assert_json_error(client.post("/api/projects/x/y/z", headers=auth, json={}), 404, "not_found")
    wrong = client.delete("/api/projects", headers=auth)
    _assert_json_error(wrong, 405, "method_not_allowed")
    assert set(wrong.headers["allow"].split(", ")) >= {"GET", "POST"}
    _assert_json_error(client.put("/api/generate", headers=auth, json={}), 405, "method_not_allowed")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Backend]:
    """The app as Reflex builds it: its own routes (/ping, /_upload, /_event) and ours."""
    workdir = tmp_path_factory.mktemp("edge-backend")
    shutil.copyfile(sqlite_template, workdir / "mediaws.db")
    with serve_backend(workdir, f"sqlite:///{workdir / 'mediaws.db'}") as served:
        yield served


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/ping"), ("GET", "/_health"), ("POST", "/_upload"), ("GET", "/api/projects"), ("GET", "/docs")],
)
def test_reflex_routes_carry_the_headers(backend: Backend, method: str, path: str) -> None:
    _assert_secured(httpx.request(method, f"{backend.url}{path}"))


def test_unknown_api_paths_are_json_in_the_built_app_too(backend: Backend) -> None:
    """Reflex's catch-all would answer with its 404 page or a text/plain 405; the API keeps its shape."""
    answer = httpx.get(f"{backend.url}/api/no-such-thing")
    assert answer.headers["content-type"] == "application/json"
    assert answer.status_code in (401, 404)
    assert "error" in answer.json()


def _rx_config(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MEDIAWS_")}
    code = "import rxconfig; c = rxconfig.config; print(c.backend_host, *c.cors_allowed_origins)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean | env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip()


def test_the_server_binds_loopback_unless_told_otherwise() -> None:
    """`reflex run` binds rxconfig's backend_host; README promises localhost."""
    assert _rx_config() == "127.0.0.1 http://localhost:3000 http://127.0.0.1:3000 http://[::1]:3000"
    everywhere = "0.0.0.0"  # noqa: S104  (the setting that opts in)
    exposed = _rx_config(MEDIAWS_HOST=everywhere, MEDIAWS_PUBLIC_URL="https://media.example.com/")
    assert exposed == "0.0.0.0 https://media.example.com"
