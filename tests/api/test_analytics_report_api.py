"""The usage report and invoice over the API: PDF attachments, the figures REST gives, bad asks refused."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from mediaws.models import User
from mediaws.services import analytics, projects
from tests.integration.test_analytics_report import pdf_text
from tests.support.spend import spend

RANGE = "from=2025-11-01&to=2025-12-31"


@pytest.fixture
def launch(session: Session, user: User) -> uuid.UUID:
    """A project of the caller's with a text call in November and an image in December 2025."""
    project = projects.create_project(session=session, owner_id=user.id, name="Launch").id
    spend(session, user, project, datetime(2025, 11, 30, 23, 30, tzinfo=UTC), 1_234_567_891_000)
    spend(
        session,
        user,
        project,
        datetime(2025, 12, 2, 9, tzinfo=UTC),
        40_000_000_000_000,
        provider="local",
        model="local-image",
        capability="image",
    )
    return project


def is_pdf_attachment(found: Response, name: str) -> bytes:
    """The body of a 200 answer that is a PDF to save under ``name``."""
    assert found.status_code == 200, found.text
    assert found.headers["content-type"] == "application/pdf"
    assert found.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert found.content.startswith(b"%PDF-")
    return found.content


def test_the_pdf_export_agrees_with_the_dashboard(
    client: TestClient, auth: dict[str, str], launch: uuid.UUID, tmp_path: Path
) -> None:
    """GET /export?format=pdf is the usage report, its total the dashboard's exact total."""
    exact = client.get(f"/api/analytics/dashboard?{RANGE}", headers=auth).json()["totalCostUsd"]
    found = client.get(f"/api/analytics/export?format=pdf&{RANGE}", headers=auth)
    text = pdf_text(is_pdf_attachment(found, "mediaws-usage-2025-11-01-to-2025-12-31.pdf"), tmp_path)
    assert exact == "41.234567891" and f"$41.23 (exactly ${exact})" in text
    narrowed = client.get(f"/api/analytics/export?format=pdf&{RANGE}&provider=local", headers=auth)
    text = pdf_text(narrowed.content, tmp_path)
    assert "Only provider local" in text and "gpt-4.1" not in text
    csv = client.get(f"/api/analytics/export?{RANGE}", headers=auth)
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"  # CSV stays the default


def test_reports_for_a_period_and_invoices_for_a_month(
    client: TestClient, auth: dict[str, str], session: Session, user: User, launch: uuid.UUID, tmp_path: Path
) -> None:
    """POST /report/{period}: usage of a day, week, month or YYYY-MM; an invoice of a month or one project."""
    today = analytics.today_for(session, user.id)
    for period, first in (("day", today), ("month", today.replace(day=1))):
        found = client.post(f"/api/analytics/report/{period}", headers=auth)
        assert (
            f"mediaws-usage-{first.isoformat()}-to-{today.isoformat()}.pdf"
            in found.headers["content-disposition"]
        )
    week = client.post("/api/analytics/report/week", headers=auth, json={"kind": "usage"})
    assert week.status_code == 200 and "Usage report" in pdf_text(week.content, tmp_path)
    december = client.post("/api/analytics/report/2025-12", headers=auth, json={})
    text = pdf_text(is_pdf_attachment(december, "mediaws-usage-2025-12-01-to-2025-12-31.pdf"), tmp_path)
    assert re.search(r"Total spend\s+\$40\.00", text)
    number = f"MW-202511-{user.id.hex[:8].upper()}-{launch.hex[:8].upper()}"
    bill = client.post(
        "/api/analytics/report/2025-11", headers=auth, json={"kind": "invoice", "projectId": str(launch)}
    )
    text = pdf_text(is_pdf_attachment(bill, f"mediaws-invoice-{number}.pdf"), tmp_path)
    assert re.search(r"openai\s+gpt-4\.1\s+1\s+—\s+\$1\.234567891\n", text) and "local-image" not in text
    this_month = client.post("/api/analytics/report/month", headers=auth, json={"kind": "invoice"})
    assert f"MW-{today:%Y%m}-" in this_month.headers["content-disposition"]


@pytest.mark.parametrize(
    ("period", "body", "field"),
    [
        ("2025-13", None, "period"),
        ("2025-1", None, "period"),
        ("yesterday", None, "period"),
        ("2999-01", None, "period"),
        ("day", {"kind": "invoice"}, "period"),
        ("week", {"kind": "invoice"}, "period"),
        ("2999-01", {"kind": "invoice"}, "period"),
        ("month", {"kind": "receipt"}, "kind"),
        ("month", {"kind": "usage", "colour": "red"}, "colour"),
        ("month", {"projectId": "x" * 37}, "projectId"),
    ],
)
def test_malformed_asks_are_refused_with_the_field(
    client: TestClient, auth: dict[str, str], period: str, body: dict[str, str] | None, field: str
) -> None:
    """A period that is no period, a month not begun, an invoice of a day, an unknown kind or field: 422."""
    found = client.post(f"/api/analytics/report/{period}", headers=auth, json=body)
    assert found.status_code == 422, found.text
    assert found.headers["content-type"] == "application/json"
    assert found.json()["error"]["field"] == field


def test_a_body_that_is_not_json_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    """Text that is not JSON is a 4xx in the error shape, not a report."""
    found = client.post(
        "/api/analytics/report/month", headers={**auth, "Content-Type": "application/json"}, content=b"{kind"
    )
    assert found.status_code in (400, 422) and "error" in found.json()


def test_strangers_get_no_report_of_the_callers_project(
    client: TestClient,
    auth_for: Callable[[User], dict[str, str]],
    other_user: User,
    launch: uuid.UUID,
) -> None:
    """Another person's project, a made-up one and a malformed id are 404 in every door; no token is 401."""
    theirs = auth_for(other_user)
    for project in (str(launch), str(uuid.uuid4()), "not-a-uuid"):
        for kind in ("usage", "invoice"):
            found = client.post(
                "/api/analytics/report/2025-11", headers=theirs, json={"kind": kind, "projectId": project}
            )
            assert found.status_code == 404 and found.json()["error"]["code"] == "not_found", found.text
        found = client.get(f"/api/analytics/export?format=pdf&project={project}", headers=theirs)
        assert found.status_code == 404
    assert client.post("/api/analytics/report/month").status_code == 401
    assert client.get("/api/analytics/export?format=pdf").status_code == 401


def test_openapi_describes_the_pdfs(client: TestClient) -> None:
    """Both routes say they answer with application/pdf, and with the error shape for 404 and 422."""
    paths = client.get("/openapi.json").json()["paths"]
    export = paths["/api/analytics/export"]["get"]
    assert {"text/csv", "application/pdf"} <= set(export["responses"]["200"]["content"])
    report = paths["/api/analytics/report/{period}"]["post"]
    assert set(report["responses"]["200"]["content"]) == {"application/pdf"}
    assert {"404", "422"} <= set(report["responses"])
    assert "requestBody" in report and not report["requestBody"].get("required", False)


def test_an_oversized_report_body_is_refused(
    client: TestClient, auth: dict[str, str], launch: uuid.UUID
) -> None:
    """A project id longer than any id, or a body far too long, is a 4xx with a JSON error, never a PDF."""
    long_id = client.post("/api/analytics/report/2025-11", headers=auth, json={"projectId": "x" * 10_000})
    assert long_id.status_code == 422 and long_id.json()["error"]
    padded = client.post(
        "/api/analytics/report/2025-11",
        headers=auth,
        json={"kind": "usage", "padding": "x" * (2 * 1024 * 1024)},
    )
    assert padded.status_code in (413, 422) and padded.json()["error"]
    assert not padded.content.startswith(b"%PDF-")


def test_reports_asked_at_once_are_each_whole(
    client: TestClient, auth: dict[str, str], launch: uuid.UUID, tmp_path: Path
) -> None:
    """Eight reports and invoices made concurrently each carry the same exact total."""

    def ask(kind: str) -> Response:
        return client.post("/api/analytics/report/2025-12", headers=auth, json={"kind": kind})

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, ["usage", "invoice"] * 4))
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.content.startswith(b"%PDF-")
        assert "40.00" in pdf_text(answer.content, tmp_path)
