"""Hostile but plain input is refused with a 422 naming the field, writes nothing and never gives a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from mediaws.errors import ValidationError
from mediaws.models import Generation, Project, User
from mediaws.services import generation, projects, tokens

IMAGE = {"type": "image", "provider": "local", "model": "local-image", "prompt": "A lighthouse at dusk"}
SPEECH = {"type": "speech", "provider": "local", "model": "local-speech", "prompt": "Hello there"}
VIDEO = {"type": "video", "provider": "local", "model": "local-video", "prompt": "Waves on a beach"}
FIVE_MB = "x" * (5 * 1024 * 1024)
HALF_MB = "x" * (512 * 1024)


@pytest.fixture
def project_id(client: TestClient, auth: dict[str, str]) -> str:
    response = client.post("/api/projects", headers=auth, json={"name": "Launch"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def count(session: Session, table: type[SQLModel]) -> int:
    session.rollback()
    return int(session.exec(select(func.count()).select_from(table)).one())


def post_raw(client: TestClient, auth: dict[str, str], path: str, raw: str) -> Any:
    """Send JSON text exactly as written, so escapes like \\ud800 and NaN reach the server unchanged."""
    return client.post(path, headers={**auth, "Content-Type": "application/json"}, content=raw.encode())


def refused(response: Any, field: str) -> str:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("invalid", field)
    return str(error["message"])


def body_with(project_id: str, base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, "projectId": project_id, **changes}


@pytest.mark.parametrize(
    ("raw_prompt", "what"),
    [('"A lighthouse \\ud800 at dusk"', "surrogate"), ('"A lighthouse \\u0000 at dusk"', "NUL")],
)
def test_prompt_with_a_lone_surrogate_or_nul_is_refused(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session, raw_prompt: str, what: str
) -> None:
    fields = json.dumps(body_with(project_id, IMAGE))[1:-1].replace('"A lighthouse at dusk"', raw_prompt)
    message = refused(post_raw(client, auth, "/api/generate", "{" + fields + "}"), "prompt")
    assert what.lower() in message.lower()
    assert count(session, Generation) == 0


@pytest.mark.parametrize(
    ("base", "raw_options", "field"),
    [
        (SPEECH, '{"voice": "en-us", "speed": NaN}', "speed"),
        (SPEECH, '{"voice": "en-us", "speed": Infinity}', "speed"),
        (SPEECH, '{"voice": "en-us", "speed": 1e309}', "speed"),
        (SPEECH, '{"voice": "en-us", "stability": NaN}', "stability"),
        (SPEECH, '{"voice": "en-us", "stability": 1e309}', "stability"),
        (IMAGE, '{"size": "512x512", "extra": [1, {"deep": -Infinity}]}', "extra.1.deep"),
        (IMAGE, '{"size": "512x512\\u0000"}', "size"),
        (IMAGE, '{"\\ud800": 1}', "options"),
    ],
)
def test_options_with_nan_infinity_or_bad_text_are_refused(
    client: TestClient,
    auth: dict[str, str],
    project_id: str,
    session: Session,
    base: dict[str, Any],
    raw_options: str,
    field: str,
) -> None:
    body = json.dumps(body_with(project_id, base, options={"__options__": 0}))
    raw = body.replace('{"__options__": 0}', raw_options)
    refused(post_raw(client, auth, "/api/generate", raw), field)
    assert count(session, Generation) == 0


@pytest.mark.parametrize(
    ("base", "options", "field"),
    [
        (IMAGE, {"negative_prompt": HALF_MB}, "negative_prompt"),
        (IMAGE, {"negative_prompt": "blurry"}, "negative_prompt"),
        (IMAGE, {"quality": "hd"}, "quality"),
        (IMAGE, {"aspect_ratio": "16:9"}, "aspect_ratio"),
        (VIDEO, {"start_image": "x"}, "start_image"),
        (VIDEO, {"start_image_mime": "image/png"}, "start_image_mime"),
        (SPEECH, {"voice": "en-us", "language": "en"}, "language"),
    ],
)
def test_options_the_model_does_not_declare_are_refused(
    client: TestClient,
    auth: dict[str, str],
    project_id: str,
    session: Session,
    base: dict[str, Any],
    options: dict[str, Any],
    field: str,
) -> None:
    response = client.post("/api/generate", headers=auth, json=body_with(project_id, base, options=options))
    message = refused(response, field)
    assert f"does not take the option '{field}'" in message
    assert count(session, Generation) == 0


def test_huge_strings_are_refused(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    long_prompt = client.post(
        "/api/generate", headers=auth, json=body_with(project_id, IMAGE, prompt=HALF_MB)
    )
    assert "at most 100000 characters" in refused(long_prompt, "prompt")
    long_voice = client.post(
        "/api/generate",
        headers=auth,
        json=body_with(
            project_id, SPEECH, provider="elevenlabs", model="eleven_v3", options={"voice": HALF_MB}
        ),
    )
    assert "the limit is 1,000" in refused(long_voice, "voice")
    whole = client.post("/api/generate", headers=auth, json=body_with(project_id, IMAGE, prompt=FIVE_MB))
    assert whole.status_code in (413, 422), whole.text
    assert count(session, Generation) == 0


def test_text_prompts_may_be_longer_than_media_prompts(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    long_prompt = "word " * 5_000
    image = client.post("/api/generate", headers=auth, json=body_with(project_id, IMAGE, prompt=long_prompt))
    assert "the limit is 20,000" in refused(image, "prompt")
    text = {"type": "text", "provider": "local", "model": "local-text", "prompt": long_prompt}
    accepted = client.post("/api/generate", headers=auth, json=body_with(project_id, text))
    assert accepted.status_code == 202, accepted.text
    assert count(session, Generation) == 1


def test_fields_the_api_does_not_know_are_refused(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    response = client.post(
        "/api/generate", headers=auth, json=body_with(project_id, IMAGE, negativePrompt="blurry")
    )
    refused(response, "negativePrompt")
    assert count(session, Generation) == 0


@pytest.mark.parametrize(
    ("raw_field", "field"),
    [
        ('"description": "Plans \\u0000 and notes"', "description"),
        ('"description": "Plans \\udfff and notes"', "description"),
        ('"name": "Launch \\u0000"', "name"),
        ('"monthlyBudgetUsd": NaN', "monthlyBudgetUsd"),
        ('"monthlyBudgetUsd": 1e309', "monthlyBudgetUsd"),
    ],
)
def test_project_with_nul_surrogate_or_nan_is_refused(
    client: TestClient, auth: dict[str, str], session: Session, raw_field: str, field: str
) -> None:
    before = count(session, Project)
    defaults = {"name": '"name": "Roadmap"', "description": '"description": "ok"'}
    parts = [raw_field] + [text for key, text in defaults.items() if not raw_field.startswith(f'"{key}"')]
    refused(post_raw(client, auth, "/api/projects", "{" + ", ".join(parts) + "}"), field)
    assert count(session, Project) == before


def test_nothing_is_stored_for_a_plain_but_hostile_fallback(
    client: TestClient, auth: dict[str, str], project_id: str, session: Session
) -> None:
    raw = json.dumps(body_with(project_id, IMAGE, fallbacks=[{"provider": "local", "model": "@@"}]))
    refused(
        post_raw(client, auth, "/api/generate", raw.replace('"@@"', '"local-image\\u0000"')),
        "fallbacks.0.model",
    )
    assert count(session, Generation) == 0


def test_services_refuse_the_same_input_for_the_ui_and_the_cli(
    session: Session, user: User, make_deps: Any
) -> None:
    deps = make_deps()
    project = projects.create_project(session=session, owner_id=user.id, name="Direct")
    start = {
        "session": session,
        "deps": deps,
        "user_id": user.id,
        "project_id": project.id,
        "capability": "speech",
        "provider_id": "local",
        "model": "local-speech",
    }
    cases: list[tuple[dict[str, Any], str]] = [
        ({"prompt": "Hi \ud800", "options": {"voice": "en-us"}}, "prompt"),
        ({"prompt": "Hi \x00", "options": {"voice": "en-us"}}, "prompt"),
        ({"prompt": "Hi", "options": {"voice": "en-us", "speed": float("nan")}}, "speed"),
        ({"prompt": "Hi", "options": {"voice": "en-us", "speed": float("inf")}}, "speed"),
        ({"prompt": "Hi", "options": {"voice": "en\x00"}}, "voice"),
        ({"prompt": "Hi", "options": {"voice": "en-us", "stability": 0.5}}, "stability"),
        ({"prompt": "Hi", "options": {"voice": "en-us", "language": FIVE_MB}}, "language"),
        ({"prompt": "Hi", "options": {"voice": FIVE_MB}}, "voice"),
        ({"prompt": FIVE_MB, "options": {"voice": "en-us"}}, "prompt"),
    ]
    for given, field in cases:
        with pytest.raises(ValidationError) as caught:
            generation.start_generation(**start, **given)
        assert caught.value.field == field, given
    with pytest.raises(ValidationError) as refused_description:
        projects.create_project(session=session, owner_id=user.id, name="Other", description="a\x00b")
    assert refused_description.value.field == "description"
    with pytest.raises(ValidationError) as refused_token:
        tokens.create_token(session=session, user_id=user.id, name="laptop \udc00")
    assert refused_token.value.field == "name"
    assert count(session, Generation) == 0


def test_openapi_states_the_real_limits_and_error_responses(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    generate_body = schemas["GenerateRequest"]
    prompt = generate_body["properties"]["prompt"]
    assert (prompt["minLength"], prompt["maxLength"]) == (1, 100_000)
    assert "image 20,000" in prompt["description"]
    assert generate_body["additionalProperties"] is False
    assert generate_body["properties"]["fallbacks"]["maxItems"] == 3
    assert schemas["ProjectCreate"]["properties"]["description"]["maxLength"] == projects.DESCRIPTION_MAX
    assert schemas["ProjectCreate"]["properties"]["name"]["maxLength"] == projects.NAME_MAX
    assert "HTTPValidationError" not in schemas

    error_ref = {"$ref": "#/components/schemas/ErrorOut"}
    detail = spec["paths"]["/api/generations/{generation_id}"]["get"]["responses"]
    assert detail["404"]["content"]["application/json"]["schema"] == error_ref
    start = spec["paths"]["/api/generate"]["post"]
    assert {"401", "404", "409", "413", "422", "429"} <= set(start["responses"])
    assert start["responses"]["422"]["content"]["application/json"]["schema"] == error_ref
    assert "409" in spec["paths"]["/api/projects"]["post"]["responses"]
    [key] = [p for p in start["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and not key["required"]
    for path, operations in spec["paths"].items():
        if not path.startswith("/api/"):
            continue  # /files links carry their own grant: no login, so no 401
        for method, operation in operations.items():
            assert {"401", "404", "422"} <= set(operation["responses"]), (method, path)
