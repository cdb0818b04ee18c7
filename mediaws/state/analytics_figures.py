"""Plotly figures (as plain JSON-ready dicts) for the analytics pages, built from exact figures.

Amounts become floats only here, for drawing; hover texts show the rounded dollars people read elsewhere.
Every axis is fixed and dragging is off, so a finger scrolls the page instead of panning a chart.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from mediaws.pricing.cost import dollars
from mediaws.services.analytics import Dashboard, Point, Share
from mediaws.services.report_scope import next_month

Figure = dict[str, Any]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
TOP = 10
LABEL_CHARS = 28
HEAT = [[0, "rgba(148,163,184,0.15)"], [0.001, "#dbeafe"], [1, "#1d4ed8"]]
PICOS_PER_USD = 10**12
CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False, "doubleClick": False}
"""The plotly config every chart gets: no toolbar, resizes with its box, no zooming by accident."""
CHART_HEIGHT = 280
"""A chart's height in pixels unless its rows need another (its skeleton reserves this much)."""


def _layout(height: int = CHART_HEIGHT, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height,
        "autosize": True,
        "dragmode": False,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"size": 12},
        "hoverlabel": {"font": {"size": 13}},
        "showlegend": False,
        "xaxis": {"fixedrange": True, "automargin": True},
        "yaxis": {"fixedrange": True, "automargin": True},
    }
    layout.update(extra)
    return layout


def _label(name: str) -> str:
    """A name as Plotly shows it literally: its text may hold tags (<b>, <br>) that would be drawn."""
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _short(name: str) -> str:
    """A label short enough to leave a phone-wide chart room for its bars (the hover shows it whole)."""
    return _label(name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…")


def _period_start(day: date, period: str) -> date:
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _next(day: date, period: str) -> date:
    if period == "month":
        return next_month(day)
    return day + timedelta(days=7 if period == "week" else 1)


def filled(points: list[Point], start: date, end: date, period: str) -> list[Point]:
    """Every day, week or month of the range, with nothing spent where the ledger has no total."""
    known = {p.start: p for p in points}
    out = []
    day = _period_start(start, period)
    while day <= end:
        out.append(known.get(day, Point(day, 0, 0, 0, 0)))
        day = _next(day, period)
    return out


def _dollars(picos: int) -> float:
    return picos / PICOS_PER_USD


def spend_trend(points: list[Point], period: str) -> Figure:
    """Spend per day, week or month as a line with markers."""
    label = {"day": "Day", "week": "Week of", "month": "Month"}.get(period, "Period")
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "Spend",
                "x": [p.start.isoformat() for p in points],
                "y": [_dollars(p.cost_picos) for p in points],
                "customdata": [dollars(p.cost_picos) for p in points],
                "hovertemplate": f"{label} %{{x}}<br>%{{customdata}}<extra></extra>",
                "line": {"width": 2},
            }
        ],
        "layout": _layout(
            xaxis={"fixedrange": True, "automargin": True, "type": "date"},
            yaxis={"fixedrange": True, "automargin": True, "tickprefix": "$", "rangemode": "tozero"},
        ),
    }


def request_volume(points: list[Point]) -> Figure:
    """Requests per period, succeeded and failed stacked."""
    others = [p.requests - p.succeeded - p.failed for p in points]
    bars = [
        ("Succeeded", [p.succeeded for p in points], "#16a34a"),
        ("Failed", [p.failed for p in points], "#dc2626"),
    ]
    if any(others):
        bars.append(("Cancelled or open", others, "#9ca3af"))
    return {
        "data": [
            {
                "type": "bar",
                "name": name,
                "x": [p.start.isoformat() for p in points],
                "y": values,
                "marker": {"color": colour},
                "hovertemplate": f"%{{x}}<br>{name}: %{{y}}<extra></extra>",
            }
            for name, values, colour in bars
        ],
        "layout": _layout(
            barmode="stack",
            showlegend=True,
            legend={"orientation": "h", "y": -0.15},
            xaxis={"fixedrange": True, "automargin": True, "type": "date"},
            yaxis={
                "fixedrange": True,
                "automargin": True,
                "rangemode": "tozero",
                "dtick": 1 if max((p.requests for p in points), default=0) <= 5 else None,
            },
        ),
    }


def share_pie(shares: list[Share]) -> Figure:
    """Spend split as a donut (the largest slices, the rest as "Other")."""
    top = shares[:TOP]
    rest = sum(s.cost_picos for s in shares[TOP:])
    names = [_short(s.name) for s in top] + (["Other"] if rest else [])
    amounts = [s.cost_picos for s in top] + ([rest] if rest else [])
    return {
        "data": [
            {
                "type": "pie",
                "hole": 0.5,
                "labels": names,
                "values": [_dollars(a) for a in amounts],
                "customdata": [dollars(a) for a in amounts],
                "hovertemplate": "%{label}<br>%{customdata} (%{percent})<extra></extra>",
                "textinfo": "percent",
                "sort": False,
            }
        ],
        "layout": _layout(showlegend=True, legend={"orientation": "h", "y": -0.05}),
    }


def share_bars(shares: list[Share]) -> Figure:
    """Spend per name as horizontal bars, the costliest on top."""
    top = list(reversed(shares[:TOP]))
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [_short(s.name) for s in top],
                "x": [_dollars(s.cost_picos) for s in top],
                "customdata": [[dollars(s.cost_picos), s.requests, _label(s.name)] for s in top],
                "hovertemplate": (
                    "%{customdata[2]}<br>%{customdata[0]} · %{customdata[1]} requests<extra></extra>"
                ),
                "marker": {"color": "#2563eb"},
            }
        ],
        "layout": _layout(
            height=max(160, 36 * len(top) + 48),
            xaxis={"fixedrange": True, "automargin": True, "tickprefix": "$", "rangemode": "tozero"},
            yaxis={"fixedrange": True, "automargin": True},
        ),
    }


def reliability(dashboard: Dashboard) -> Figure:
    """How each provider's requests ended, as stacked percentages."""
    rows = list(reversed(dashboard.reliability))
    totals = [max(1, r.succeeded + r.failed + r.cancelled) for r in rows]
    parts = [
        ("Succeeded", [r.succeeded for r in rows], "#16a34a"),
        ("Failed", [r.failed for r in rows], "#dc2626"),
        ("Cancelled", [r.cancelled for r in rows], "#9ca3af"),
    ]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": [_label(r.provider) for r in rows],
                "x": [100 * c / t for c, t in zip(counts, totals, strict=True)],
                "customdata": counts,
                "hovertemplate": f"%{{y}}<br>{name}: %{{customdata}} (%{{x:.1f}} %)<extra></extra>",
                "marker": {"color": colour},
            }
            for name, counts, colour in parts
        ],
        "layout": _layout(
            height=max(160, 36 * len(rows) + 80),
            barmode="stack",
            showlegend=True,
            legend={"orientation": "h", "y": -0.2},
            xaxis={"fixedrange": True, "automargin": True, "ticksuffix": " %", "range": [0, 100]},
        ),
    }


def average_time(dashboard: Dashboard) -> Figure:
    """Average generation time per model, in seconds, the slowest on top."""
    slowest = sorted(dashboard.average_ms_by_model.items(), key=lambda item: (-item[1], item[0]))[:TOP]
    slowest.reverse()
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [_short(name) for name, _ in slowest],
                "x": [ms / 1000 for _, ms in slowest],
                "customdata": [_label(name) for name, _ in slowest],
                "hovertemplate": "%{customdata}<br>%{x:.1f} s on average<extra></extra>",
                "marker": {"color": "#7c3aed"},
            }
        ],
        "layout": _layout(
            height=max(160, 36 * len(slowest) + 48),
            xaxis={"fixedrange": True, "automargin": True, "ticksuffix": " s", "rangemode": "tozero"},
        ),
    }


def heatmap(grid: list[list[int]]) -> Figure:
    """Requests by weekday and hour of the person's day."""
    return {
        "data": [
            {
                "type": "heatmap",
                "z": grid,
                "x": [f"{hour:02d}" for hour in range(24)],
                "y": WEEKDAYS,
                "colorscale": HEAT,
                "showscale": False,
                "hovertemplate": "%{y} %{x}:00<br>%{z} requests<extra></extra>",
                "xgap": 1,
                "ygap": 1,
            }
        ],
        "layout": _layout(
            height=240,
            yaxis={"fixedrange": True, "automargin": True, "autorange": "reversed"},
            xaxis={"fixedrange": True, "automargin": True, "dtick": 3},
        ),
    }
