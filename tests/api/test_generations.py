"""Generate over the API, run the job, fetch the result; strangers get 404, never data."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from mediaws.api import api, errors
from mediaws.api.deps import get_session_factory
from mediaws.deps import Deps
from mediaws.errors import (
    ConfigError,
    ContentRefused,
    InvalidCredentials,
    NotFoundError,
    RateLimited,
    TooManyAttempts,
)
from mediaws.models import AsyncJob, Generation, User
from mediaws.services import keys

IMAGE = {"type": "image", "provider": "local", "model": "local-image", "prompt": "A lighthouse at dusk"}


@pytest.fixture
def project_id(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/projects", headers=auth, json={"name": "Launch"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def generate(client: TestClient, auth: dict[str, str], project_id: str, **body: Any) -> Any:
    return client.post(
        "/api/generate",
        headers=auth,
        json={**IMAGE, "projectId": project_id, "options": {"size": "512x512", "seed": 3}, **body},
    )


def test_generate_run_and_fetch_the_image(
    client: TestClient, auth: dict[str, str], project_id: str, run_worker: Callable[[], str | None]
) -> None:
    queued = generate(client, auth, project_id)
    assert queued.status_code == 202, queued.text
    body = queued.json()
    assert (body["status"], body["estimatedCostMicros"], body["estimatedCostUsd"]) == (
        "queued",
        0,
        "0.000000",
    )
    assert body["estimatedCostDisplay"] == "$0.00 (free)"
    assert (body["job"]["status"], body["assets"]) == ("queued", [])

    assert run_worker() == "succeeded"

    done = client.get(f"/api/generations/{body['id']}", headers=auth).json()
    assert (done["status"], done["costMicros"], done["costUsd"], done["error"]) == (
        "succeeded",
        0,
        "0.000000",
        None,
    )
    assert done["costExactUsd"] == "0.00"
    assert (done["job"]["status"], done["job"]["progressPercent"]) == ("succeeded", 100)
    [asset] = done["assets"]
    assert asset["url"] == f"/api/assets/{asset['id']}/file"
    assert (asset["mimeType"], asset["width"], asset["height"]) == ("image/png", 512, 512)

    file = client.get(asset["url"], headers=auth)
    assert file.status_code == 200
    assert file.headers["content-type"] == "image/png"
    assert file.headers["content-disposition"].startswith(f'inline; filename="{asset["name"]}.png"')
    assert file.headers["cache-control"] == "private, no-cache"
    assert Image.open(io.BytesIO(file.content)).size == (512, 512)

    status = client.get(f"/api/jobs/{body['job']['id']}/status", headers=auth)
    assert status.status_code == 200
    assert status.json()["status"] == "succeeded" and status.json()["attempts"] == 1

    listed = client.get("/api/generations", headers=auth, params={"projectId": project_id})
    assert [g["id"] for g in listed.json()] == [body["id"]]


def test_list_is_newest_first(client: TestClient, auth: dict[str, str], project_id: str) -> None:
    ids = [generate(client, auth, project_id, prompt=f"Picture {n}").json()["id"] for n in range(3)]
    listed = client.get("/api/generations", headers=auth, params={"projectId": project_id}).json()
    assert [g["id"] for g in listed] == ids[::-1]
    assert (
        client.get("/api/generations", headers=auth, params={"projectId": project_id, "limit": 1}).json()[0][
            "id"
        ]
        == ids[-1]
    )
    missing = client.get("/api/generations", headers=auth)
    assert (missing.status_code, missing.json()["error"]["field"]) == (422, "projectId")


def test_strangers_get_404_and_never_data(
    client: TestClient,
    auth: dict[str, str],
    auth_for: Callable[[User], dict[str, str]],
    other_user: User,
    project_id: str,
    run_worker: Callable[[], str | None],
) -> None:
    done = generate(client, auth, project_id).json()
    assert run_worker() == "succeeded"
    pending = generate(client, auth, project_id).json()
    asset_id = client.get(f"/api/generations/{done['id']}", headers=auth).json()["assets"][0]["id"]
    stranger = auth_for(other_user)
    for method, path, kwargs in [
        ("GET", f"/api/generations/{done['id']}", {}),
        ("GET", f"/api/jobs/{done['job']['id']}/status", {}),
        ("POST", f"/api/jobs/{pending['job']['id']}/cancel", {}),
        ("GET", f"/api/assets/{asset_id}/file", {}),
        ("GET", "/api/generations", {"params": {"projectId": project_id}}),
        ("POST", "/api/generate", {"json": {**IMAGE, "projectId": project_id}}),
        ("GET", "/api/generations/not-a-uuid", {}),
        ("GET", "/api/jobs/not-a-uuid/status", {}),
        ("GET", "/api/assets/not-a-uuid/file", {}),
    ]:
        response = client.request(method, path, headers=stranger, **kwargs)
        assert response.status_code == 404, (path, response.text)
        assert set(response.json()) == {"error"} and response.json()["error"]["code"] == "not_found"
        assert done["prompt"] not in response.text
    assert client.get(f"/api/jobs/{pending['job']['id']}/status", headers=auth).json()["status"] == "queued"


def test_cancel_a_queued_job(
    client: TestClient, auth: dict[str, str], project_id: str, run_worker: Callable[[], str | None]
) -> None:
    queued = generate(client, auth, project_id).json()
    cancelled = client.post(f"/api/jobs/{queued['job']['id']}/cancel", headers=auth)
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["cancelRequested"]) == ("cancelled", True)
    assert client.get(f"/api/generations/{queued['id']}", headers=auth).json()["status"] == "cancelled"
    assert run_worker() is None
    again = client.post(f"/api/jobs/{queued['job']['id']}/cancel", headers=auth)
    assert (again.status_code, again.json()["status"]) == (200, "cancelled")


def test_option_outside_the_model_limits_is_422_and_writes_nothing(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    response = client.post(
        "/api/generate",
        headers=auth,
        json={
            "projectId": project_id,
            "type": "video",
            "provider": "local",
            "model": "local-video",
            "prompt": "Waves",
            "options": {"duration_seconds": 300},
        },
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid", "duration_seconds")
    assert "less than or equal to 20" in error["message"]
    assert session.exec(select(Generation)).all() == []
    assert session.exec(select(AsyncJob)).all() == []


def test_malformed_generate_requests_name_the_field(
    client: TestClient, auth: dict[str, str], project_id: str
) -> None:
    for body, field in [
        ({**IMAGE}, "projectId"),
        ({**IMAGE, "projectId": "nope"}, "projectId"),
        ({**IMAGE, "projectId": project_id, "prompt": "  "}, "prompt"),
        ({**IMAGE, "projectId": project_id, "type": "banner"}, "type"),
        ({**IMAGE, "projectId": project_id, "options": []}, "options"),
    ]:
        response = client.post("/api/generate", headers=auth, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field


def test_budget_refusal_is_422_with_the_numbers(
    client: TestClient, auth: dict[str, str], user: User, session: Session, deps: Deps
) -> None:
    keys.save_key(
        session=session,
        keyring=deps.keyring,
        user_id=user.id,
        provider="openai",
        secret="sk-test-api-0000000001",
    )
    project = client.post(
        "/api/projects", headers=auth, json={"name": "Tight", "monthlyBudgetUsd": "0.01"}
    ).json()
    response = client.post(
        "/api/generate",
        headers=auth,
        json={
            "projectId": project["id"],
            "type": "text",
            "provider": "openai",
            "model": "gpt-4.1",
            "prompt": "Write a long story",
            "options": {"max_output_tokens": 4000},
        },
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "budget"
    assert "would cost about $0.0" in error["message"]
    assert "“Tight” has $0.01 left of its $0.01 monthly budget" in error["message"]
    assert session.exec(select(Generation)).all() == []


def test_unexpected_failures_are_500_without_details(client: TestClient, auth: dict[str, str]) -> None:
    def broken() -> None:
        raise RuntimeError("database password is hunter2")

    api.dependency_overrides[get_session_factory] = broken
    response = TestClient(api, raise_server_exceptions=False).get("/api/projects", headers=auth)
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal"
    assert "hunter2" not in response.text


def test_error_mapping() -> None:
    """Each kind of mediaws error gets its status and code."""
    app = FastAPI()
    errors.install(app)
    raised = {
        "provider": ContentRefused("The provider refused this prompt.", provider="openai"),
        "rate": RateLimited("Slow down.", provider="openai", retry_after=3),
        "throttled": TooManyAttempts("Too many failed logins.", retry_after=120),
        "login": InvalidCredentials("Wrong email or password."),
        "missing": NotFoundError("Project not found."),
        "config": ConfigError("MEDIAWS_SECRET is 'changeme'"),
    }

    @app.get("/raise/{name}")
    def boom(name: str) -> None:
        raise raised[name]

    test_client = TestClient(app, raise_server_exceptions=False)

    def call(name: str) -> tuple[int, str, str]:
        response = test_client.get(f"/raise/{name}")
        return response.status_code, response.json()["error"]["code"], response.json()["error"]["message"]

    assert call("provider") == (502, "provider_error", "The provider refused this prompt.")
    assert call("rate")[:2] == (502, "provider_error")
    assert call("throttled") == (429, "too_many_attempts", "Too many failed logins.")
    assert test_client.get("/raise/throttled").headers["retry-after"] == "120"
    assert call("login")[:2] == (401, "unauthorized")
    assert call("missing") == (404, "not_found", "Project not found.")
    status, code, message = call("config")
    assert (status, code) == (500, "internal") and "changeme" not in message


def test_openapi_lists_the_paths(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["info"] == {"title": "mediaws API", "version": "1"}
    assert {
        "/api/projects",
        "/api/generate",
        "/api/generations",
        "/api/generations/{generation_id}",
        "/api/assets/{asset_id}/file",
        "/api/jobs/{job_id}/status",
        "/api/jobs/{job_id}/cancel",
    } <= set(schema["paths"])
    assert {"PersonalAccessToken", "BrowserSession"} <= set(schema["components"]["securitySchemes"])
    assert client.get("/docs").status_code == 200


def _png(size: tuple[int, int] = (64, 36)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_upload_a_start_image_and_make_a_video_from_it(
    client: TestClient, auth: dict[str, str], project_id: str, run_worker: Callable[[], str | None]
) -> None:
    """An uploaded PNG becomes an asset; the video made from it names it as its source."""
    uploaded = client.post(
        "/api/assets",
        headers=auth,
        data={"projectId": project_id},
        files={"file": ("../../frame.png", _png(), "image/png")},
    )
    assert uploaded.status_code == 422 and "folder parts" in uploaded.json()["error"]["message"]
    uploaded = client.post(
        "/api/assets",
        headers=auth,
        data={"projectId": project_id},
        files={"file": ("frame.png", _png(), "image/png")},
    )
    assert uploaded.status_code == 201, uploaded.text
    frame = uploaded.json()
    assert (frame["kind"], frame["mimeType"], frame["name"], frame["width"]) == (
        "image",
        "image/png",
        "frame.png",
        64,
    )
    queued = generate(
        client,
        auth,
        project_id,
        type="video",
        model="local-video",
        options={"duration_seconds": 2, "start_image_asset_id": frame["id"]},
    )
    assert queued.status_code == 202, queued.text
    ran = [run_worker() for _ in range(4)]
    assert ran == ["succeeded"] * 3 + [None]  # the frame's previews, the video, the video's previews
    [video] = client.get(f"/api/generations/{queued.json()['id']}", headers=auth).json()["assets"]
    assert (video["kind"], video["sourceAssetId"]) == ("video", frame["id"])


def test_uploads_refuse_what_is_not_an_image_and_strangers_projects(
    client: TestClient,
    auth: dict[str, str],
    auth_for: Callable[[User], dict[str, str]],
    other_user: User,
    project_id: str,
) -> None:
    fake = client.post(
        "/api/assets",
        headers=auth,
        data={"projectId": project_id},
        files={"file": ("cat.png", b"not really a picture", "image/png")},
    )
    assert (fake.status_code, fake.json()["error"]["code"]) == (422, "invalid")
    assert "named .png but is not a PNG image" in fake.json()["error"]["message"]
    stranger = client.post(
        "/api/assets",
        headers=auth_for(other_user),
        data={"projectId": project_id},
        files={"file": ("frame.png", _png(), "image/png")},
    )
    assert stranger.status_code == 404


def test_an_upload_just_over_the_limit_is_refused_with_its_real_size(
    client: TestClient, auth: dict[str, str], project_id: str
) -> None:
    """A file a little over 20 MB passes the body cap (multipart room) and is refused by its real size."""
    over = _png() + b"\0" * (20 * 1024 * 1024 + 30_000)
    refused = client.post(
        "/api/assets",
        headers=auth,
        data={"projectId": project_id},
        files={"file": ("big.png", over, "image/png")},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["message"] == "This image is 20.03 MB; images are limited to 20 MB."


def test_fallbacks_are_checked_and_reported(
    client: TestClient, auth: dict[str, str], project_id: str
) -> None:
    """Fallbacks are validated like the model itself, and may not repeat it."""
    queued = generate(client, auth, project_id, fallbacks=[{"provider": "openai", "model": "gpt-image-2"}])
    assert queued.status_code == 422
    assert queued.json()["error"]["field"] == "fallbacks"
    assert queued.json()["error"]["message"].startswith(
        "Fallback openai/gpt-image-2: GPT Image 2: option 'size'"
    )
    twice = generate(client, auth, project_id, fallbacks=[{"provider": "local", "model": "local-image"}])
    assert (twice.status_code, twice.json()["error"]["field"]) == (422, "fallbacks")
    speech = generate(
        client,
        auth,
        project_id,
        type="speech",
        model="local-speech",
        prompt="Hello",
        options={},
        fallbacks=[{"provider": "local", "model": "local-speech"}],
    )
    assert speech.status_code == 422
    accepted = generate(client, auth, project_id, fallbacks=[])
    assert (accepted.status_code, accepted.json()["fallbacksLeft"], accepted.json()["fallbackFrom"]) == (
        202,
        [],
        None,
    )
