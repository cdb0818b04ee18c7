"""The usage report as PDF: the dashboard's figures for one person and filter, with its charts and tables.

Every figure comes from ``analytics.dashboard``, so the report agrees with the dashboard and the REST API.
Amounts are shown rounded (``pdf_layout.MONEY_RULE``, printed on the report) and the total also in full.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph
from sqlmodel import Session, select

from mediaws.models import User
from mediaws.services import analytics, ledger, report_charts, report_scope
from mediaws.services.pdf_layout import (
    MONEY_RULE,
    WIDTH,
    exact_money,
    facts,
    money,
    render,
    styles,
    table,
    text,
)

EMPTY = "No spend in this range."
NAME_WIDTH = 45 * mm
"""The least a table's first column (a name) gets."""


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _share(picos: int, total: int) -> str:
    return f"{Decimal(picos * 100) / total:.1f} %" if total else "—"


def _rate(part: int, whole: int) -> str:
    return f"{Decimal(part * 100) / whole:.1f} %" if whole else "—"


def _heading(session: Session, user_id: uuid.UUID, found: analytics.Dashboard) -> list[Flowable]:
    look = styles()
    wanted = found.filters
    email = session.exec(select(User.email).where(User.id == user_id)).one()
    made = datetime.now(ledger.zone_of(found.zone))
    lines = [
        f"For {email}",
        f"{_day(wanted.start)} to {_day(wanted.end)}, days of the {found.zone} time zone",
    ]
    narrowed = [f"provider {wanted.provider}"] if wanted.provider else []
    narrowed += [f"model {wanted.model}"] if wanted.model else []
    if wanted.project_id:
        narrowed.append(f"project {report_scope.project_label(session, user_id, wanted.project_id)}")
    if narrowed:
        lines.append("Only " + ", ".join(narrowed))
    lines.append(f"Generated {made:%Y-%m-%d %H:%M} ({found.zone})")
    return [Paragraph("Usage report", look.title), *(Paragraph(text(line), look.body) for line in lines)]


def _headline(found: analytics.Dashboard) -> list[Flowable]:
    total = found.total_cost_picos
    figures = [
        ("Total spend", f"{money(total)} (exactly {exact_money(total)})"),
        ("Reported by providers", money(found.reported_cost_picos)),
        ("Derived from requests", money(found.derived_cost_picos)),
        ("Requests", f"{found.requests:,}"),
        ("Succeeded", f"{found.succeeded:,}"),
        ("Failed", f"{found.failed:,}"),
        ("Cancelled", f"{found.cancelled:,}"),
        ("Success rate", _rate(found.succeeded, found.requests)),
    ]
    return [Paragraph("Headline figures", styles().heading), facts(figures)]


def _charts(found: analytics.Dashboard) -> list[Flowable]:
    look = styles()
    wanted = found.filters
    spend: list[tuple[str, Flowable]] = [
        report_charts.spend_bars(found.daily, wanted.start, wanted.end),
        ("Spend by provider", report_charts.provider_pie(found.by_provider)),
        ("Spend by model", report_charts.model_bars(found.by_model)),
    ]
    if not found.total_cost_picos:
        spend = [(title, Paragraph(EMPTY, look.body)) for title, _ in spend]
    spend.append(("Requests by weekday and hour", report_charts.heatmap(found.heatmap)))
    return [KeepTogether([Paragraph(title, look.heading), shown]) for title, shown in spend]


def _rows(
    shares: Sequence[analytics.Share], total: int, middle: dict[str, list[str]], unknown: list[str]
) -> list[list[str]]:
    return [
        [
            share.name,
            f"{share.requests:,}",
            *middle.get(share.name, unknown),
            money(share.cost_picos),
            _share(share.cost_picos, total),
        ]
        for share in shares
    ]


def _breakdown(
    title: str,
    columns: Sequence[str],
    shares: Sequence[analytics.Share],
    found: analytics.Dashboard,
    middle: dict[str, list[str]] | None = None,
    middle_total: Sequence[str] = (),
) -> list[Flowable]:
    """A heading and a table of shares: name, requests, any middle columns, spend, share; then the total."""
    total = found.total_cost_picos
    rows = _rows(shares, total, middle or {}, ["—"] * (len(columns) - 4))
    rows.append(["Total", f"{found.requests:,}", *middle_total, money(total), _share(total, total)])
    figures = min(28 * mm, (WIDTH - NAME_WIDTH) / (len(columns) - 1))
    widths = [WIDTH - figures * (len(columns) - 1), *[figures] * (len(columns) - 1)]
    return [
        Paragraph(title, styles().heading),
        table(columns, rows, widths, figures_from=1, bold_rows=[len(rows) - 1]),
    ]


def _tables(found: analytics.Dashboard) -> list[Flowable]:
    ends = {r.provider: [f"{r.succeeded:,}", f"{r.failed:,}", f"{r.cancelled:,}"] for r in found.reliability}
    times = {name: [f"{ms / 1000:.1f} s"] for name, ms in found.average_ms_by_model.items()}
    return [
        *_breakdown(
            "By provider",
            ["Provider", "Requests", "Succeeded", "Failed", "Cancelled", "Spend", "Share"],
            found.by_provider,
            found,
            ends,
            [f"{found.succeeded:,}", f"{found.failed:,}", f"{found.cancelled:,}"],
        ),
        *_breakdown(
            "By model",
            ["Model", "Requests", "Average time", "Spend", "Share"],
            found.by_model,
            found,
            times,
            [""],
        ),
        *_breakdown("By type", ["Type", "Requests", "Spend", "Share"], found.by_type, found),
        *_breakdown("By project", ["Project", "Requests", "Spend", "Share"], found.by_project, found),
    ]


def usage_report(session: Session, *, user_id: uuid.UUID, filters: analytics.Filters) -> bytes:
    """The person's usage in the filter as a PDF; another person's project is not found."""
    found = analytics.dashboard(session, user_id=user_id, filters=filters)
    look = styles()
    story = [*_heading(session, user_id, found), *_headline(found)]
    if found.requests:
        story += [*_charts(found), *_tables(found)]
    else:
        story.append(Paragraph(EMPTY, look.heading))
    story.append(Paragraph(MONEY_RULE, look.note))
    return render(
        story,
        title="mediaws usage report",
        footer=f"mediaws usage report, {filters.start.isoformat()} to {filters.end.isoformat()}",
    )


def file_name(filters: analytics.Filters) -> str:
    """A download's name that says what it holds."""
    return f"mediaws-usage-{filters.start.isoformat()}-to-{filters.end.isoformat()}.pdf"
