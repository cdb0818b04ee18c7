"""The usage CSV: read back with pandas, exact, safe to open in a spreadsheet, the caller's rows only."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from fastapi.testclient import TestClient
from sqlmodel import Session

from mediaws.models import User
from mediaws.services import accounts, projects
from tests.integration.test_cli import run_cli
from tests.support.spend import spend

RANGE = "from=2026-11-01&to=2026-12-31"


def read(text: str) -> pd.DataFrame:
    """The CSV as a spreadsheet tool reads it, every cell as text."""
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_the_csv_holds_every_finished_generation_exactly(
    client: TestClient, auth: dict[str, str], session: Session, user: User
) -> None:
    """One row per generation, oldest first, exact USD, the local day, and a deleted project by its name."""
    accounts.set_time_zone(session=session, user_id=user.id, name="Asia/Tokyo")
    launch = projects.create_project(session=session, owner_id=user.id, name='Launch, "Q4"').id
    old = projects.create_project(session=session, owner_id=user.id, name="Old").id
    spend(session, user, launch, datetime(2026, 11, 30, 23, 30, tzinfo=UTC), 1_234_567_891_000)
    spend(
        session,
        user,
        old,
        datetime(2026, 12, 2, 9, tzinfo=UTC),
        2_000_000_000,
        status="failed",
        cost_source="derived",
    )
    projects.delete_project(session=session, owner_id=user.id, project_id=old, confirm_name="Old")
    found = client.get(f"/api/analytics/export?format=csv&{RANGE}", headers=auth)
    assert found.status_code == 200, found.text
    assert found.headers["content-type"] == "text/csv; charset=utf-8"
    assert 'filename="mediaws-usage-2026-11-01-to-2026-12-31.csv"' in found.headers["content-disposition"]
    assert found.text.count("\r\n") == 3  # RFC 4180 line ends: header and two rows
    table = read(found.text)
    assert list(table["local_date"]) == ["2026-12-01", "2026-12-02"]
    assert list(table["project"]) == ['Launch, "Q4"', "Old"]
    assert list(table["project_deleted"]) == ["", "yes"]
    assert list(table["cost_usd"]) == ["1.234567891", "0.002"]
    assert list(table["cost_source"]) == ["reported", "derived"]
    assert list(table["status"]) == ["succeeded", "failed"]
    assert list(table["prompt"]) == ["p", ""]  # a deleted generation's prompt is gone with it


def test_cells_a_spreadsheet_would_run_are_made_plain_text(
    client: TestClient, auth: dict[str, str], session: Session, user: User
) -> None:
    """A prompt, project or model starting with =, +, -, @, a tab or CR gets a leading quote."""
    project = projects.create_project(session=session, owner_id=user.id, name="=1+1").id
    attacks = [
        '=HYPERLINK("http://evil.example","x")',
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
    ]
    for n, text in enumerate(attacks):
        spend(session, user, project, datetime(2026, 12, 1, 10, n, tzinfo=UTC), 1, model=f"={n}", prompt=text)
    table = read(client.get(f"/api/analytics/export?{RANGE}", headers=auth).text)
    assert list(table["prompt"]) == ["'" + text for text in attacks]
    assert set(table["project"]) == {"'=1+1"}
    assert list(table["model"]) == [f"'={n}" for n in range(len(attacks))]


def test_filters_and_ranges_apply_and_strangers_get_nothing(
    client: TestClient,
    auth: dict[str, str],
    auth_for: Callable[[User], dict[str, str]],
    session: Session,
    user: User,
    other_user: User,
) -> None:
    """Provider and range narrow the rows; another person gets an empty file and a 404 for this project."""
    project = projects.create_project(session=session, owner_id=user.id, name="Mine").id
    spend(session, user, project, datetime(2026, 11, 5, tzinfo=UTC), 10)
    spend(
        session, user, project, datetime(2026, 12, 5, tzinfo=UTC), 20, provider="local", model="local-image"
    )
    assert len(read(client.get(f"/api/analytics/export?{RANGE}&provider=local", headers=auth).text)) == 1
    assert (
        len(read(client.get("/api/analytics/export?from=2026-11-01&to=2026-11-30", headers=auth).text)) == 1
    )
    theirs = auth_for(other_user)
    assert len(read(client.get(f"/api/analytics/export?{RANGE}", headers=theirs).text)) == 0
    assert client.get(f"/api/analytics/export?project={project}", headers=theirs).status_code == 404
    assert client.get("/api/analytics/export?format=xlsx", headers=auth).status_code == 422
    assert client.get("/api/analytics/export?from=2026-02-30", headers=auth).status_code == 422


def test_the_cli_writes_the_same_csv(
    db_url: str, client: TestClient, auth: dict[str, str], session: Session, user: User, tmp_path: Path
) -> None:
    """`mediaws analytics export` writes the file the API streams."""
    project = projects.create_project(session=session, owner_id=user.id, name="Mine").id
    spend(session, user, project, datetime(2026, 11, 5, tzinfo=UTC), 10)
    out = tmp_path / "usage.csv"
    done = run_cli(
        tmp_path / "data",
        db_url,
        "analytics",
        "export",
        "--user",
        user.email,
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == client.get(f"/api/analytics/export?{RANGE}", headers=auth).content
    assert uuid.UUID(read(out.read_text())["generation_id"][0])
