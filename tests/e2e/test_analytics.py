"""The analytics pages in Chromium: placeholders first, then charts and figures that match the spend."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, select

from mediaws.models import Asset, Project, User
from mediaws.pricing.cost import dollars
from tests.e2e.support import AppServer, HeldAnswers, Shots, sign_up
from tests.support import spend

CHART = ".js-plotly-plot"


@dataclass
class Seeded:
    """What was spent, for checking the pages against."""

    total_picos: int
    anthropic_picos: int
    requests: int
    budgeted: uuid.UUID
    budgeted_picos: int
    lineage_picos: int


@contextmanager
def _session(server: AppServer) -> Iterator[Session]:
    engine = create_engine(server.database_url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def _seed(server: AppServer, email: str) -> Seeded:
    """Two projects of finished generations over three weeks, entered in the ledger as workers enter them."""
    now = datetime.now(UTC)
    with _session(server) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        budgeted = Project(
            owner_id=user.id,
            name="Budgeted <i>film</i>",
            name_key=uuid.uuid4().hex,
            monthly_budget_micros=1_000_000,
        )
        other = Project(owner_id=user.id, name="Podcast", name_key=uuid.uuid4().hex)
        session.add_all([budgeted, other])
        session.flush()
        budgeted_id = budgeted.id
        plan = [
            (budgeted, "openai", "gpt-image-1", "image", "succeeded", 850_000_000_000, timedelta(seconds=1)),
            (other, "anthropic", "claude-sonnet-4-5", "text", "succeeded", 12_345_678_901, timedelta(days=2)),
            (other, "anthropic", "claude-sonnet-4-5", "text", "failed", 0, timedelta(days=3)),
            (
                other,
                "elevenlabs",
                "eleven_multilingual_v2",
                "speech",
                "succeeded",
                90_000_000_000,
                timedelta(days=9),
            ),
            (other, "replicate", "flux-schnell", "image", "succeeded", 3_000_000_000, timedelta(days=16)),
            (other, "anthropic", "claude-haiku-4-5", "text", "succeeded", 7_000_000, timedelta(days=20)),
        ]
        rows = []
        for project, provider, model, kind, status, picos, ago in plan:
            ok = status == "succeeded"
            row = spend.finished(
                user.id,
                project.id,
                now - ago,
                picos if ok else None,
                capability=kind,
                provider=provider,
                model=model,
                prompt=f"{kind} from {provider}",
                status=status,
                cost_micros=picos // 10**6 if ok else None,
                cost_source="provider_usage" if ok else None,
                tokens_total=100,
                created_at=now - ago - timedelta(seconds=20),
                duration_ms=4_000,
            )
            rows.append(spend.enter(session, row))
        original = Asset(
            owner_id=user.id,
            project_id=budgeted.id,
            generation_id=rows[0].id,
            kind="image",
            storage_key=f"seed/{uuid.uuid4()}",
            mime_type="image/png",
            name="Poster",
            cost_micros=850_000,
        )
        session.add(original)
        session.flush()
        session.add(
            Asset(
                owner_id=user.id,
                project_id=budgeted.id,
                source_asset_id=original.id,
                kind="video",
                storage_key=f"seed/{uuid.uuid4()}",
                mime_type="video/mp4",
                name="Poster motion",
                cost_micros=40_000,
            )
        )
    paid = [p for *_, status, p, _ in plan if status == "succeeded"]
    return Seeded(
        total_picos=sum(paid),
        anthropic_picos=12_345_678_901 + 7_000_000,
        requests=len(plan),
        budgeted=budgeted_id,
        budgeted_picos=850_000_000_000,
        lineage_picos=890_000 * 10**6,
    )


def _stat(page: Page, label: str) -> Locator:
    card = page.locator(".rt-Card").filter(has=page.get_by_text(label, exact=True)).first
    return card.locator(".rt-Text").nth(1)


def _draw_every_chart(page: Page, count: int) -> None:
    """Scroll to each chart's place: a chart draws once it is on screen, and not before."""
    places = page.locator(".chart")
    expect(places).to_have_count(count)
    places.first.scroll_into_view_if_needed()
    expect(places.first.locator(CHART)).to_have_count(1)
    if count > 3:  # the last of many is far below the first: not drawn yet
        assert places.last.locator(CHART).count() == 0
    for index in range(count):
        places.nth(index).scroll_into_view_if_needed()
        expect(places.nth(index).locator(CHART)).to_have_count(1)
    page.evaluate("window.scrollTo(0, 0)")


def test_dashboard_charts_filters_and_downloads(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """No spend: placeholders. Spend: every chart draws, the figures match, filters narrow, CSV downloads."""
    email = f"money-{viewport}-{uuid.uuid4().hex[:8]}@example.com"
    page = new_page()
    sign_up(page, app_server, email)
    page.get_by_role("link", name="Analytics").click()
    expect(page).to_have_url(re.compile(r"/analytics/?$"))
    expect(page.get_by_text("No generations in this range yet.")).to_be_visible()
    expect(page.get_by_text("No data for these filters").first).to_be_visible()
    assert page.locator(CHART).count() == 0
    expect(_stat(page, "Spend")).to_have_text("$0.00")
    shots(page, "empty")

    seeded = _seed(app_server, email)
    page.reload()
    _draw_every_chart(page, 9)
    expect(page.locator(CHART).first.locator("svg").first).to_be_visible()
    expect(_stat(page, "Spend")).to_have_text(dollars(seeded.total_picos))
    expect(_stat(page, "Requests")).to_have_text(str(seeded.requests))
    expect(page.get_by_text("85 % of this month's budget is used.")).to_be_visible()
    shots(page, "charts")
    expect(page.locator(CHART).get_by_text("Budgeted <i>film</i>").first).to_be_attached()

    page.get_by_role("combobox", name="Provider").click()
    page.get_by_role("option", name="anthropic").click()
    expect(page.get_by_text(dollars(seeded.anthropic_picos), exact=True).first).to_be_visible()
    expect(_stat(page, "Spend")).to_have_text(dollars(seeded.anthropic_picos))
    expect(_stat(page, "Requests")).to_have_text("3")
    shots(page, "anthropic")

    with page.expect_download() as download:
        page.get_by_role("button", name="Download the generations as CSV").click()
    saved = download.value
    assert saved.suggested_filename.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(open(saved.path(), encoding="utf-8-sig").read())))  # noqa: SIM115
    assert {row["provider"] for row in rows} == {"anthropic"}
    assert len(rows) == 3

    with page.expect_download() as report:
        page.get_by_role("button", name="Download the usage report as PDF").click()
    assert report.value.suggested_filename.endswith(".pdf")
    pdf = Path(report.value.path())
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert "claude-sonnet-4-5" in text.stdout and "gpt-image-1" not in text.stdout

    page.get_by_role("combobox", name="Range").click()
    page.get_by_role("option", name="Last 7 days").click()
    expect(_stat(page, "Requests")).to_have_text("2")


def test_project_analytics_budget_and_lineage(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """A project's page shows its spend, the 80 % warning and what an asset and its derivatives cost."""
    email = f"proj-{viewport}-{uuid.uuid4().hex[:8]}@example.com"
    page = new_page()
    sign_up(page, app_server, email)
    seeded = _seed(app_server, email)
    page.goto(f"{app_server.url}/projects/{seeded.budgeted}")
    page.locator(f"a[href='/projects/{seeded.budgeted}/analytics']").click()
    expect(page).to_have_url(re.compile(rf"/projects/{seeded.budgeted}/analytics/?$"))
    expect(page.get_by_role("heading", name="Budgeted <i>film</i> · analytics")).to_be_visible()
    _draw_every_chart(page, 3)
    expect(_stat(page, "Total spend")).to_have_text(dollars(seeded.budgeted_picos))
    expect(page.get_by_role("alert")).to_contain_text("85 % of this month's budget is used.")
    lineage = page.get_by_role("row").filter(has_text="Poster")
    expect(lineage).to_contain_text(dollars(seeded.lineage_picos))
    expect(lineage).to_contain_text("2")
    shots(page, "project")

    stranger = new_page()
    sign_up(stranger, app_server, f"stranger-{viewport}-{uuid.uuid4().hex[:8]}@example.com")
    stranger.goto(f"{app_server.url}/projects/{seeded.budgeted}/analytics")
    expect(stranger.get_by_text("This project does not exist or is not yours.")).to_be_visible()
    expect(stranger.get_by_text(dollars(seeded.budgeted_picos))).to_have_count(0)
    stranger.goto(f"{app_server.url}/analytics?project={seeded.budgeted}")
    expect(stranger.get_by_role("alert")).to_contain_text("not one of yours: showing all projects.")
    expect(_stat(stranger, "Spend")).to_have_text("$0.00")


def _dashboard_held(
    app_server: AppServer, new_page: Callable[[], Page], tag: str
) -> tuple[Page, HeldAnswers, Seeded, Locator]:
    """A seeded person's dashboard, settled, with the server's answers ready to be held; and its charts."""
    email = f"{tag}-{uuid.uuid4().hex[:8]}@example.com"
    page = new_page()
    answers = HeldAnswers(page)
    sign_up(page, app_server, email)
    seeded = _seed(app_server, email)
    page.goto(f"{app_server.url}/analytics")
    expect(_stat(page, "Spend")).to_have_text(dollars(seeded.total_picos))
    page.wait_for_load_state("networkidle")
    charts = page.locator(".chart").first.locator("xpath=ancestor::*[@aria-busy][1]")
    expect(charts).to_have_attribute("aria-busy", "false")
    return page, answers, seeded, charts


def test_a_picked_provider_s_figures_show_before_the_server_answers(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Its spend, requests and success rate at the pick, the charts marked busy until the server's figures."""
    if viewport == "phone":
        pytest.skip("once is enough: the desktop run covers it")
    page, answers, seeded, charts = _dashboard_held(app_server, new_page, "early-money")

    answers.on = True
    page.get_by_role("combobox", name="Provider").click()
    page.get_by_role("option", name="anthropic").click()
    expect(_stat(page, "Spend")).to_have_text(dollars(seeded.anthropic_picos))
    expect(_stat(page, "Requests")).to_have_text("3")
    expect(_stat(page, "Success rate")).to_have_text("66.7 %")
    expect(charts).to_have_attribute("aria-busy", "true")
    page.wait_for_timeout(300)
    assert answers.held, "the server answered the pick (the test held nothing back)"
    shots(page, "provider-picked-early")
    answers.release()
    expect(charts).to_have_attribute("aria-busy", "false")
    expect(_stat(page, "Spend")).to_have_text(dollars(seeded.anthropic_picos))
    expect(_stat(page, "Requests")).to_have_text("3")

    answers.on = True  # back to every provider: kept from the dashboard the pick was made on
    page.get_by_role("combobox", name="Provider").click()
    page.get_by_role("option", name="All providers").click()
    expect(_stat(page, "Spend")).to_have_text(dollars(seeded.total_picos))
    expect(_stat(page, "Requests")).to_have_text(str(seeded.requests))
    answers.release()
    expect(charts).to_have_attribute("aria-busy", "false")

    page.get_by_role("combobox", name="Range").click()  # a range is the server's to count
    page.get_by_role("option", name="Last 7 days").click()
    expect(_stat(page, "Requests")).to_have_text("3")
    answers.on = True  # the figures known at a pick follow the range
    page.get_by_role("combobox", name="Provider").click()
    page.get_by_role("option", name="anthropic").click()
    expect(_stat(page, "Requests")).to_have_text("2")
    answers.release()
    expect(charts).to_have_attribute("aria-busy", "false")
    expect(_stat(page, "Requests")).to_have_text("2")

    answers.on = True  # nothing from replicate in these 7 days: nothing to show before the server
    page.get_by_role("combobox", name="Provider").click()
    page.get_by_role("option", name="replicate").click()
    page.wait_for_timeout(300)
    expect(_stat(page, "Requests")).to_have_text("2")
    answers.release()
    expect(_stat(page, "Requests")).to_have_text("0")


def _pick(page: Page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_a_picked_model_s_or_project_s_figures_show_before_the_server_answers(
    app_server: AppServer, new_page: Callable[[], Page], viewport: str
) -> None:
    """A model's and a project's headline at the pick; two picks on one dashboard wait for the server."""
    if viewport == "phone":
        pytest.skip("once is enough: the desktop run covers it")
    page, answers, seeded, charts = _dashboard_held(app_server, new_page, "early-model")

    answers.on = True
    _pick(page, "Model", "claude-sonnet-4-5")
    expect(_stat(page, "Spend")).to_have_text(dollars(12_345_678_901))
    expect(_stat(page, "Requests")).to_have_text("2")
    expect(_stat(page, "Success rate")).to_have_text("50.0 %")
    expect(charts).to_have_attribute("aria-busy", "true")
    page.wait_for_timeout(300)
    assert answers.held, "the server answered the pick (the test held nothing back)"
    answers.release()
    expect(charts).to_have_attribute("aria-busy", "false")
    expect(_stat(page, "Requests")).to_have_text("2")

    answers.on = True
    _pick(page, "Model", "All models")
    expect(_stat(page, "Requests")).to_have_text(str(seeded.requests))
    answers.release()
    expect(charts).to_have_attribute("aria-busy", "false")

    answers.on = True
    _pick(page, "Project", "Podcast")
    expect(_stat(page, "Spend")).to_have_text(dollars(seeded.total_picos - seeded.budgeted_picos))
    expect(_stat(page, "Requests")).to_have_text(str(seeded.requests - 1))
    page.wait_for_timeout(300)
    assert answers.held, "the server answered the pick (the test held nothing back)"
    answers.release()
    expect(charts).to_have_attribute("aria-busy", "false")
    expect(_stat(page, "Requests")).to_have_text(str(seeded.requests - 1))

    answers.on = True  # a project, then a model, on the same dashboard: no headline fits both picks
    _pick(page, "Project", "All projects")
    expect(_stat(page, "Requests")).to_have_text(str(seeded.requests))
    _pick(page, "Model", "gpt-image-1")
    expect(_stat(page, "Requests")).to_have_text(str(seeded.requests - 1))  # the server's, until it answers
    answers.release()
    expect(charts).to_have_attribute("aria-busy", "false")
    expect(_stat(page, "Requests")).to_have_text("1")
    expect(_stat(page, "Spend")).to_have_text(dollars(seeded.budgeted_picos))
