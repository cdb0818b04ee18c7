"""Cross-site requests: only the public origin may use the login cookie to write, or read with CORS."""

from __future__ import annotations

import base64
import io
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from mediaws.api import api
from mediaws.config import Settings
from mediaws.models import Asset, Generation, Project, User
from mediaws.services import accounts
from tests.support.backend import Backend, serve_backend

PASSWORD = "violet-harbour-lantern-42"  # the password of every user made by make_user
OWN_ORIGIN = "http://localhost:3000"  # MEDIAWS_PUBLIC_URL's default
FOREIGN_ORIGIN = "http://localhost:4000"  # another port: same site, so a SameSite cookie still rides along
IMAGE = {"type": "image", "provider": "local", "model": "local-image", "prompt": "A lighthouse at dusk"}


@pytest.fixture
def browser(client: TestClient, session: Session, settings: Settings, user: User) -> Iterator[TestClient]:
    """A client holding only the login cookie, as a browser does."""
    login = accounts.log_in(
        session=session, settings=settings, email=user.email, password=PASSWORD, client="t"
    )
    with TestClient(api, cookies={"mediaws_session": login.token}) as cookie_client:
        yield cookie_client


@pytest.fixture
def project_id(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/projects", headers=auth, json={"name": "Launch"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _generate(client: TestClient, project_id: str, headers: dict[str, str]) -> object:
    body = {**IMAGE, "projectId": project_id, "options": {"size": "512x512", "seed": 3}}
    return client.post("/api/generate", json=body, headers=headers)


def _upload(client: TestClient, project_id: str, headers: dict[str, str]) -> object:
    files = {"file": ("frame.png", _png(), "image/png")}
    return client.post("/api/assets", data={"projectId": project_id}, files=files, headers=headers)


def _assert_cross_site(response: object) -> None:
    assert response.status_code == 403, response.text  # type: ignore[attr-defined]
    assert response.json()["error"]["code"] == "cross_site"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": FOREIGN_ORIGIN},
        {"Origin": "null"},
        {"Origin": "https://evil.example"},
        {"Referer": f"{FOREIGN_ORIGIN}/attack.html"},
        {"Origin": OWN_ORIGIN, "Sec-Fetch-Site": "same-site"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_cookie_writes_from_another_site_are_refused_and_write_nothing(
    browser: TestClient, session: Session, project_id: str, headers: dict[str, str]
) -> None:
    _assert_cross_site(_generate(browser, project_id, headers))
    _assert_cross_site(_upload(browser, project_id, headers))
    _assert_cross_site(browser.post("/api/projects", json={"name": "Planted"}, headers=headers))
    _assert_cross_site(browser.delete(f"/api/projects/{project_id}", headers=headers))
    session.expire_all()
    assert session.exec(select(Generation)).all() == []
    assert session.exec(select(Asset)).all() == []
    assert [p.name for p in session.exec(select(Project)).all()] == ["Launch"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": OWN_ORIGIN, "Sec-Fetch-Site": "same-origin"},
        {"Origin": OWN_ORIGIN},
        {"Origin": "http://127.0.0.1:3000"},  # the same local server under its other name
        {"Referer": f"{OWN_ORIGIN}/generate?project=x"},
        {},
    ],
)
def test_cookie_writes_from_our_pages_or_programs_work(
    browser: TestClient, session: Session, project_id: str, headers: dict[str, str]
) -> None:
    assert _generate(browser, project_id, headers).status_code == 202  # type: ignore[attr-defined]
    assert _upload(browser, project_id, headers).status_code == 201  # type: ignore[attr-defined]
    session.expire_all()
    assert len(session.exec(select(Generation)).all()) == 1
    assert len(session.exec(select(Asset)).all()) == 1


def test_access_tokens_are_not_subject_to_the_origin_check(
    client: TestClient, auth: dict[str, str], project_id: str
) -> None:
    """A script with a token may run anywhere; no browser adds an Authorization header by itself."""
    headers = auth | {"Origin": FOREIGN_ORIGIN, "Sec-Fetch-Site": "cross-site"}
    assert _generate(client, project_id, headers).status_code == 202  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Backend]:
    """The app as Reflex builds it (CORS included), public URL http://127.0.0.1:<port>."""
    workdir = tmp_path_factory.mktemp("csrf-backend")
    shutil.copyfile(sqlite_template, workdir / "mediaws.db")
    with serve_backend(workdir, f"sqlite:///{workdir / 'mediaws.db'}") as served:
        yield served


@pytest.mark.parametrize("path", ["/api/generate", "/api/projects", "/_upload", "/ping"])
def test_preflight_from_a_foreign_origin_gets_no_allow_origin(backend: Backend, path: str) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    foreign = httpx.options(f"{backend.url}{path}", headers={"Origin": FOREIGN_ORIGIN, **preflight})
    assert "access-control-allow-origin" not in foreign.headers
    own = httpx.options(f"{backend.url}{path}", headers={"Origin": backend.url, **preflight})
    assert own.headers["access-control-allow-origin"] == backend.url


def _websocket_handshake(backend: Backend, origin: str) -> bytes:
    address = urlsplit(backend.url)
    request = (
        "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
        f"Host: {address.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: {origin}\r\n\r\n"
    )
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request.encode())
        return sock.recv(4096).split(b"\r\n", 1)[0]


def test_the_event_socket_refuses_foreign_pages(backend: Backend) -> None:
    """A foreign page cannot open the app's event socket (cross-site WebSocket hijacking)."""
    assert _websocket_handshake(backend, backend.url) == b"HTTP/1.1 101 Switching Protocols"
    assert _websocket_handshake(backend, FOREIGN_ORIGIN) == b"HTTP/1.1 403 Forbidden"


def test_a_foreign_page_cannot_read_with_the_cookie(backend: Backend) -> None:
    """A cross-origin GET gets its answer, but without Allow-Origin the browser keeps it from the page."""
    foreign = httpx.get(f"{backend.url}/api/projects", headers={"Origin": FOREIGN_ORIGIN})
    assert "access-control-allow-origin" not in foreign.headers
    assert foreign.status_code == 401


def test_the_default_origin_is_the_local_public_url() -> None:
    """Without MEDIAWS_PUBLIC_URL the one allowed origin is http://localhost:<port>, as the README says."""
    assert Settings().public_origin == OWN_ORIGIN
    assert (
        Settings(public_url="https://Media.Example.com:443/app/").public_origin == "https://media.example.com"
    )
