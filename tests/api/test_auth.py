"""Who may call the API: personal access tokens and the browser session cookie."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from mediaws.api import api
from mediaws.config import Settings
from mediaws.models import PersonalAccessToken, User
from mediaws.services import accounts, tokens

PASSWORD = "violet-harbour-lantern-42"  # the password of every user made by make_user


def assert_unauthorized(response: object) -> None:
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert response.headers["www-authenticate"] == "Bearer"  # type: ignore[attr-defined]
    error = response.json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "unauthorized" and error["message"]


def test_missing_or_bad_credentials_are_401_json(client: TestClient) -> None:
    assert_unauthorized(client.get("/api/projects"))
    for header in ("Bearer mws_not-a-real-token", "Bearer something-else", "Basic dXNlcjpwYXNz", "Bearer"):
        assert_unauthorized(client.get("/api/projects", headers={"Authorization": header}))
    client.cookies.set("mediaws_session", "not-a-session")
    try:
        assert_unauthorized(client.get("/api/projects"))
    finally:
        client.cookies.clear()


def test_token_works_until_revoked(client: TestClient, session: Session, user: User) -> None:
    made = tokens.create_token(session=session, user_id=user.id, name="ci script")
    assert made.plaintext.startswith("mws_") and made.row.prefix == made.plaintext[:8]
    assert made.row.token_hash != made.plaintext and made.plaintext not in made.row.token_hash
    headers = {"Authorization": f"Bearer {made.plaintext}"}
    assert client.get("/api/projects", headers=headers).status_code == 200
    session.expire_all()
    row = session.get(PersonalAccessToken, made.row.id)
    assert row is not None and row.last_used_at is not None

    tokens.revoke_token(session=session, user_id=user.id, token_id=made.row.id)
    assert_unauthorized(client.get("/api/projects", headers=headers))


def test_session_cookie_works(client: TestClient, session: Session, settings: Settings, user: User) -> None:
    login = accounts.log_in(
        session=session, settings=settings, email=user.email, password=PASSWORD, client="t"
    )
    cookie_client = TestClient(api, cookies={"mediaws_session": login.token})
    created = cookie_client.post("/api/projects", json={"name": "From the browser"})
    assert created.status_code == 201, created.text
    assert [p["name"] for p in cookie_client.get("/api/projects").json()] == ["From the browser"]

    accounts.log_out(session=session, token=login.token)
    assert_unauthorized(cookie_client.get("/api/projects"))


def test_a_bad_bearer_token_does_not_fall_back_to_the_cookie(
    client: TestClient, session: Session, settings: Settings, user: User
) -> None:
    login = accounts.log_in(
        session=session, settings=settings, email=user.email, password=PASSWORD, client="t"
    )
    cookie_client = TestClient(api, cookies={"mediaws_session": login.token})
    assert_unauthorized(cookie_client.get("/api/projects", headers={"Authorization": "Bearer mws_wrong"}))
