"""The caller's spend and usage: dashboard, per-period totals, CSV and PDF; exact to the pico-dollar."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import Field

from mediaws.api.deps import SessionFactory, current_user, get_session_factory
from mediaws.api.schemas import Body, RequestBody, error_responses, usd
from mediaws.models import User
from mediaws.pricing.cost import exact_usd
from mediaws.services import analytics, analytics_export, asset_lineage, report_scope

router = APIRouter(prefix="/api/analytics", tags=["analytics"])
FROM = Query(None, alias="from", description="First day (the caller's time zone), e.g. 2026-11-01.")
TO = Query(None, alias="to", description="Last day, included; default today.")
PROVIDER = Query(None, max_length=32, description="Only this provider.")
MODEL = Query(None, max_length=120, description="Only this model.")
PROJECT = Query(None, max_length=36, description="Only this project (its id).")


class ShareOut(Body):
    """One slice of spend."""

    name: str
    cost_usd: str
    requests: int


class PointOut(Body):
    """One day, week or month."""

    start: date
    cost_usd: str
    requests: int
    succeeded: int
    failed: int


class ReliabilityOut(Body):
    """How one provider's requests ended."""

    provider: str
    succeeded: int
    failed: int
    cancelled: int


class DashboardOut(Body):
    """Every figure of the analytics dashboard for the filter; amounts are exact USD strings."""

    start: date
    end: date
    time_zone: str
    total_cost_usd: str
    reported_cost_usd: str
    derived_cost_usd: str
    requests: int
    succeeded: int
    failed: int
    cancelled: int
    by_provider: list[ShareOut]
    by_type: list[ShareOut]
    by_model: list[ShareOut]
    by_project: list[ShareOut]
    daily: list[PointOut]
    reliability: list[ReliabilityOut]
    average_ms_by_model: dict[str, int]
    heatmap: list[list[int]]


def _usd(picos: int) -> str:
    return exact_usd(picos) or "0.00"


def _shares(shares: list[analytics.Share]) -> list[ShareOut]:
    return [ShareOut(name=s.name, cost_usd=_usd(s.cost_picos), requests=s.requests) for s in shares]


def _points(points: list[analytics.Point]) -> list[PointOut]:
    return [
        PointOut(
            start=p.start,
            cost_usd=_usd(p.cost_picos),
            requests=p.requests,
            succeeded=p.succeeded,
            failed=p.failed,
        )
        for p in points
    ]


def asked_filters(
    start: str | None = FROM,
    end: str | None = TO,
    provider: str | None = PROVIDER,
    model: str | None = MODEL,
    project: str | None = PROJECT,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> analytics.Filters:
    """The range and narrowing a request asks for, checked; a project filter must be the caller's."""
    with sessions() as session:
        filters = analytics.parse_filters(
            start=start,
            end=end,
            today=analytics.today_for(session, user.id),
            provider=provider,
            model=model,
            project_id=project,
        )
        analytics.check_project(session, user.id, filters.project_id)
    return filters


@router.get("/dashboard", response_model=DashboardOut, responses=error_responses(404, 422))
def dashboard(
    filters: analytics.Filters = Depends(asked_filters),
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> DashboardOut:
    """Spend by provider, type, model and project, the daily trend, how requests ended, and when they ran."""
    with sessions() as session:
        found = analytics.dashboard(session, user_id=user.id, filters=filters)
    return DashboardOut(
        start=filters.start,
        end=filters.end,
        time_zone=found.zone,
        total_cost_usd=_usd(found.total_cost_picos),
        reported_cost_usd=_usd(found.reported_cost_picos),
        derived_cost_usd=_usd(found.derived_cost_picos),
        requests=found.requests,
        succeeded=found.succeeded,
        failed=found.failed,
        cancelled=found.cancelled,
        by_provider=_shares(found.by_provider),
        by_type=_shares(found.by_type),
        by_model=_shares(found.by_model),
        by_project=_shares(found.by_project),
        daily=_points(found.daily),
        reliability=[ReliabilityOut(**vars(r)) for r in found.reliability],
        average_ms_by_model=found.average_ms_by_model,
        heatmap=found.heatmap,
    )


@router.get("/usage", response_model=list[PointOut], responses=error_responses(404, 422))
def usage(
    period: Literal["day", "week", "month"] = Query("day", description="day, week (from Monday) or month."),
    filters: analytics.Filters = Depends(asked_filters),
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> list[PointOut]:
    """Spend and requests per day, week or month of the caller's time zone, oldest first."""
    with sessions() as session:
        return _points(analytics.usage(session, user_id=user.id, filters=filters, period=period))


class LineageOut(Body):
    """An original asset with everything made from it, and what they cost together."""

    asset_id: str
    name: str
    assets: int
    cost_usd: str


class ProjectAnalyticsOut(Body):
    """One project's spend since it began, what it keeps, and its budget this month."""

    project_id: str
    name: str
    cost_usd: str
    requests: int
    succeeded: int
    average_cost_usd: str
    by_provider: list[ShareOut]
    by_type: list[ShareOut]
    asset_count: int
    asset_bytes: int
    monthly_budget_usd: str | None
    month_spent_usd: str
    budget_used_percent: int | None
    budget_warning: str
    lineage: list[LineageOut]


@router.get("/project/{project_id}", response_model=ProjectAnalyticsOut, responses=error_responses(404))
def project_analytics(
    project_id: str,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> ProjectAnalyticsOut:
    """A project's cost (total, average, by provider and type, its costliest lineages), assets and budget."""
    with sessions() as session:
        found = analytics.project_summary(session, user_id=user.id, project_id=project_id)
        chains = asset_lineage.chain_costs(session=session, user_id=user.id, project_id=found.project.id)
    budget = found.project.monthly_budget_micros
    return ProjectAnalyticsOut(
        project_id=str(found.project.id),
        name=found.project.name,
        cost_usd=_usd(found.cost_picos),
        requests=found.requests,
        succeeded=found.succeeded,
        average_cost_usd=_usd(found.average_cost_picos),
        by_provider=_shares(found.by_provider),
        by_type=_shares(found.by_type),
        asset_count=found.asset_count,
        asset_bytes=found.asset_bytes,
        monthly_budget_usd=None if budget is None else usd(budget, 2),
        month_spent_usd=usd(found.month_spent_micros) or "0.000000",
        budget_used_percent=found.budget_used_percent,
        budget_warning=found.budget_warning,
        lineage=[
            LineageOut(
                asset_id=str(chain.root.id),
                name=chain.root.name,
                assets=chain.assets,
                cost_usd=usd(chain.cost_micros) or "0.000000",
            )
            for chain in chains
        ],
    )


PDF: dict[str, dict[str, str]] = {"application/pdf": {}}


def _attachment(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}, **PDF},
            "description": "RFC 4180 CSV, or the usage report as PDF",
        },
        **error_responses(404, 422),
    },
)
def export(
    file_format: Literal["csv", "pdf"] = Query(
        "csv", alias="format", description="csv (every generation) or pdf (the usage report)."
    ),
    filters: analytics.Filters = Depends(asked_filters),
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> Response:
    """Every finished generation in the range as CSV, streamed; or the dashboard's figures as a PDF report."""
    if file_format == "pdf":
        from mediaws.services import analytics_report  # reportlab loads with the first PDF, not with the app

        with sessions() as session:
            report = analytics_report.usage_report(session, user_id=user.id, filters=filters)
        return _attachment(report, analytics_report.file_name(filters))
    return StreamingResponse(
        analytics_export.csv_chunks(sessions, user.id, filters),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{analytics_export.file_name(filters)}"',
            "Cache-Control": "no-store",
        },
    )


class ReportRequest(RequestBody):
    """Which document to make; a project narrows it to one of the caller's projects."""

    kind: Literal["usage", "invoice"] = Field("usage", description="usage (the report) or invoice.")
    project_id: str | None = Field(None, max_length=36, description="Only this project (its id).")


@router.post(
    "/report/{period}",
    response_class=Response,
    responses={
        200: {"content": PDF, "description": "The PDF, as an attachment"},
        **error_responses(404, 422),
    },
)
def report(
    period: str,
    body: ReportRequest | None = None,
    user: User = Depends(current_user),
    sessions: SessionFactory = Depends(get_session_factory),
) -> Response:
    """The usage report or invoice of ``day``, ``week``, ``month`` (this one, to today) or ``YYYY-MM``.

    An invoice covers a calendar month: ``month`` or ``YYYY-MM``. A month not begun yet is refused.
    """
    from mediaws.services import analytics_report, invoice  # reportlab loads with the first PDF

    wanted = body or ReportRequest()
    with sessions() as session:
        today = analytics.today_for(session, user.id)
        if wanted.kind == "invoice":
            month = report_scope.invoice_month(period, today)
            content = invoice.invoice(session, user_id=user.id, month=month, project_id=wanted.project_id)
            return _attachment(content, invoice.file_name(user.id, month, wanted.project_id))
        start, end = report_scope.period_days(period, today)
        filters = analytics.parse_filters(start=start, end=end, today=today, project_id=wanted.project_id)
        content = analytics_report.usage_report(session, user_id=user.id, filters=filters)
    return _attachment(content, analytics_report.file_name(filters))
