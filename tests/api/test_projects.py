"""Projects over the API: list, create, and errors in the one JSON shape."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from mediaws.models import User


def test_create_and_list(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post(
        "/api/projects",
        headers=auth,
        json={"name": "Launch", "description": "Spring launch", "monthlyBudgetUsd": "25"},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "Launch" and body["description"] == "Spring launch"
    assert (body["monthlyBudgetMicros"], body["monthlyBudgetUsd"], body["archived"]) == (
        25_000_000,
        "25.00",
        False,
    )
    assert {"id", "createdAt", "updatedAt", "lastActivityAt"} <= body.keys()
    assert (
        client.post("/api/projects", headers=auth, json={"name": "Plain", "monthlyBudgetUsd": 12.5}).json()[
            "monthlyBudgetMicros"
        ]
        == 12_500_000
    )

    listed = client.get("/api/projects", headers=auth)
    assert listed.status_code == 200
    assert sorted(p["name"] for p in listed.json()) == ["Launch", "Plain"]


def test_other_users_do_not_see_them(
    client: TestClient, auth: dict[str, str], auth_for: Callable[[User], dict[str, str]], other_user: User
) -> None:
    assert client.post("/api/projects", headers=auth, json={"name": "Mine"}).status_code == 201
    assert client.get("/api/projects", headers=auth_for(other_user)).json() == []


def test_duplicate_name_is_409(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post("/api/projects", headers=auth, json={"name": "Launch"}).status_code == 201
    duplicate = client.post("/api/projects", headers=auth, json={"name": "  LAUNCH "})
    assert duplicate.status_code == 409
    assert duplicate.json() == {
        "error": {
            "code": "conflict",
            "message": "You already have a project named “LAUNCH”.",
            "field": "name",
        }
    }


def test_invalid_input_is_422_with_the_field(client: TestClient, auth: dict[str, str]) -> None:
    empty = client.post("/api/projects", headers=auth, json={"name": "   "})
    assert empty.status_code == 422
    assert empty.json()["error"] == {
        "code": "invalid",
        "message": "Project name is required.",
        "field": "name",
    }

    budget = client.post("/api/projects", headers=auth, json={"name": "B", "monthlyBudgetUsd": "-3"})
    assert (budget.status_code, budget.json()["error"]["field"]) == (422, "budget")

    missing = client.post("/api/projects", headers=auth, json={"description": "no name"})
    assert missing.status_code == 422
    error = missing.json()["error"]
    assert (error["code"], error["field"]) == ("invalid", "name")
    assert "name" in error["message"]

    not_json = client.post(
        "/api/projects", headers={**auth, "Content-Type": "application/json"}, content=b"{"
    )
    assert (not_json.status_code, not_json.json()["error"]["code"]) == (422, "invalid")
    assert client.get("/api/projects", headers=auth).json() == []


def test_unknown_route_is_json_404(client: TestClient, auth: dict[str, str]) -> None:
    response = client.get("/api/nothing-here", headers=auth)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
