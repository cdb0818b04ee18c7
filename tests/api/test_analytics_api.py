"""Spend analytics over the API: exact figures in the caller's days, filters, periods, strangers refused."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from mediaws.models import User
from mediaws.services import projects
from tests.support.signed_files import MakeAsset
from tests.support.spend import spend

NOV_30_LATE = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 Dec 08:30 in Tokyo
DEC_2 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def history(session: Session, user: User) -> dict[str, uuid.UUID]:
    """Two projects with text, images and a failure over three days; one project is then deleted."""
    launch = projects.create_project(session=session, owner_id=user.id, name="Launch").id
    old = projects.create_project(session=session, owner_id=user.id, name="Old").id
    spend(session, user, launch, NOV_30_LATE, 1_234_567_891_000)
    spend(
        session,
        user,
        launch,
        DEC_2,
        40_000_000_000_000,
        provider="local",
        model="local-image",
        capability="image",
    )
    spend(session, user, old, DEC_2, 2_000_000_000, status="failed", cost_source="derived")
    projects.delete_project(session=session, owner_id=user.id, project_id=old, confirm_name="Old")
    return {"launch": launch, "old": old}


def test_the_dashboard_adds_up_exactly(
    client: TestClient, auth: dict[str, str], history: dict[str, uuid.UUID]
) -> None:
    """Totals, shares and trend are exact USD strings; a deleted project's spend is still counted, by name."""
    found = client.get("/api/analytics/dashboard?from=2026-11-01&to=2026-12-31", headers=auth)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["totalCostUsd"] == "41.236567891"
    assert (body["reportedCostUsd"], body["derivedCostUsd"]) == ("41.234567891", "0.002")
    assert (body["requests"], body["succeeded"], body["failed"]) == (3, 2, 1)
    assert [(s["name"], s["costUsd"]) for s in body["byProvider"]] == [
        ("local", "40.00"),
        ("openai", "1.236567891"),
    ]
    assert {s["name"] for s in body["byProject"]} == {"Launch", "Old (deleted)"}
    assert [(p["start"], p["costUsd"]) for p in body["daily"]] == [
        ("2026-11-30", "1.234567891"),
        ("2026-12-02", "40.002"),
    ]
    assert body["averageMsByModel"] == {"local/local-image": 1500, "openai/gpt-4.1": 1500}
    assert sum(map(sum, body["heatmap"])) == 3 and body["heatmap"][0][23] == 1  # Monday 30 Nov, 23:00 UTC


def test_days_follow_the_callers_time_zone(
    client: TestClient, auth: dict[str, str], history: dict[str, uuid.UUID], session: Session, user: User
) -> None:
    """In Tokyo the late-November call falls on 1 December, and the month trend counts it in December."""
    from mediaws.services import accounts

    accounts.set_time_zone(session=session, user_id=user.id, name="Asia/Tokyo")
    daily = client.get("/api/analytics/usage?from=2026-11-01&to=2026-12-31", headers=auth).json()
    assert [p["start"] for p in daily] == ["2026-12-01", "2026-12-02"]
    monthly = client.get(
        "/api/analytics/usage?period=month&from=2026-11-01&to=2026-12-31", headers=auth
    ).json()
    assert [(p["start"], p["costUsd"], p["requests"]) for p in monthly] == [("2026-12-01", "41.236567891", 3)]
    weekly = client.get("/api/analytics/usage?period=week&from=2026-11-01&to=2026-12-31", headers=auth).json()
    assert [p["start"] for p in weekly] == ["2026-11-30"]  # the Monday of that week


def test_filters_narrow_every_figure(
    client: TestClient, auth: dict[str, str], history: dict[str, uuid.UUID]
) -> None:
    """Provider, model and project filters apply to totals and trend alike."""
    base = "/api/analytics/dashboard?from=2026-11-01&to=2026-12-31"
    assert client.get(f"{base}&provider=local", headers=auth).json()["totalCostUsd"] == "40.00"
    assert client.get(f"{base}&model=gpt-4.1", headers=auth).json()["requests"] == 2
    deleted = client.get(f"{base}&project={history['old']}", headers=auth).json()
    assert (deleted["totalCostUsd"], deleted["failed"]) == ("0.002", 1)
    empty = client.get("/api/analytics/dashboard?from=2025-01-01&to=2025-01-31", headers=auth).json()
    assert (empty["totalCostUsd"], empty["daily"], empty["byProvider"]) == ("0.00", [], [])


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01", "from"),
        ("from=yesterday", "from"),
        ("from=2026-12-02&to=2026-12-01", "from"),
        ("from=2020-01-01&to=2026-12-01", "from"),
        ("to=2026-02-30", "to"),
        ("provider=" + "x" * 33, "provider"),
    ],
)
def test_bad_ranges_are_refused_with_the_field(
    client: TestClient, auth: dict[str, str], query: str, field: str
) -> None:
    """A malformed, reversed or too long range is a 422 naming the parameter, in the one error shape."""
    found = client.get(f"/api/analytics/dashboard?{query}", headers=auth)
    assert found.status_code == 422, found.text
    assert field in found.text


def test_strangers_see_nothing_of_it(
    client: TestClient,
    auth_for: Callable[[User], dict[str, str]],
    other_user: User,
    history: dict[str, uuid.UUID],
) -> None:
    """Another person's dashboard is empty, and naming one of the caller's projects is a 404."""
    theirs = auth_for(other_user)
    mine = client.get("/api/analytics/dashboard?from=2026-11-01&to=2026-12-31", headers=theirs).json()
    assert (mine["totalCostUsd"], mine["requests"]) == ("0.00", 0)
    for project in (history["launch"], history["old"], "not-a-uuid"):
        for path in ("dashboard", "usage"):
            found = client.get(f"/api/analytics/{path}?project={project}", headers=theirs)
            assert found.status_code == 404, found.text
    assert client.get("/api/analytics/dashboard").status_code == 401


def test_a_projects_analytics_warn_at_80_percent_of_its_budget(
    client: TestClient, auth: dict[str, str], session: Session, user: User
) -> None:
    """$8.50 spent of a $10 budget: totals, average and the 80 % warning; at $10 new work is refused."""
    project = projects.create_project(session=session, owner_id=user.id, name="Ads", monthly_budget="10")
    now = datetime.now(UTC)
    spend(session, user, project.id, now, 8_000_000_000_000)
    spend(
        session,
        user,
        project.id,
        now,
        500_000_000_000,
        provider="local",
        model="local-image",
        capability="image",
    )
    found = client.get(f"/api/analytics/project/{project.id}", headers=auth)
    assert found.status_code == 200, found.text
    body = found.json()
    assert (body["costUsd"], body["requests"], body["averageCostUsd"]) == ("8.50", 2, "4.25")
    assert [(s["name"], s["costUsd"]) for s in body["byType"]] == [("text", "8.00"), ("image", "0.50")]
    assert (body["monthlyBudgetUsd"], body["monthSpentUsd"], body["budgetUsedPercent"]) == (
        "10.00",
        "8.500000",
        85,
    )
    assert body["budgetWarning"] == "85 % of this month's budget is used."
    assert (body["assetCount"], body["assetBytes"]) == (0, 0)
    spend(session, user, project.id, now, 1_500_000_000_000)
    assert (
        "used up" in client.get(f"/api/analytics/project/{project.id}", headers=auth).json()["budgetWarning"]
    )
    plain = projects.create_project(session=session, owner_id=user.id, name="Free").id
    body = client.get(f"/api/analytics/project/{plain}", headers=auth).json()
    assert (body["costUsd"], body["averageCostUsd"], body["budgetUsedPercent"], body["budgetWarning"]) == (
        "0.00",
        "0.00",
        None,
        "",
    )


def test_another_persons_project_analytics_are_not_found(
    client: TestClient,
    auth_for: Callable[[User], dict[str, str]],
    other_user: User,
    session: Session,
    user: User,
) -> None:
    """Someone else's project, a made-up id and a malformed one are all 404 with no figures."""
    project = projects.create_project(session=session, owner_id=user.id, name="Mine").id
    theirs = auth_for(other_user)
    for wanted in (project, uuid.uuid4(), "../etc"):
        found = client.get(f"/api/analytics/project/{wanted}", headers=theirs)
        assert found.status_code == 404 and "costUsd" not in found.text


def test_a_projects_assets_are_counted_and_no_others(
    client: TestClient, auth: dict[str, str], make_asset: MakeAsset
) -> None:
    """The summary counts the project's own files and bytes, not those of the caller's other projects."""
    kept = make_asset(b"x" * 1_234)
    make_asset(b"y" * 99)  # another project of the caller's
    body = client.get(f"/api/analytics/project/{kept.project_id}", headers=auth).json()
    assert (body["assetCount"], body["assetBytes"]) == (1, 1_234)


def test_a_projects_analytics_cost_each_lineage(
    client: TestClient, auth: dict[str, str], session: Session, make_asset: MakeAsset
) -> None:
    """An original and the assets made from it are one line with their summed cost, costliest first."""
    poster = make_asset(b"p" * 10, name="Poster")
    project_id = poster.project_id
    poster.cost_micros = 40_000
    edit = make_asset(b"e" * 10)
    edit.project_id, edit.source_asset_id, edit.cost_micros = project_id, poster.id, 2_500
    lonely = make_asset(b"l" * 10)
    lonely.project_id, lonely.cost_micros = project_id, 900_000
    session.add_all([poster, edit, lonely])
    session.commit()
    body = client.get(f"/api/analytics/project/{project_id}", headers=auth).json()
    assert body["lineage"] == [
        {"assetId": str(poster.id), "name": "Poster", "assets": 2, "costUsd": "0.042500"}
    ]
