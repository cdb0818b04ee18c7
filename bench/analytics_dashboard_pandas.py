"""The baseline for bench/analytics_dashboard.py: the dashboard's figures computed with pandas from raw rows.

The raw rows are the person's ledger entries in the range, one per finished generation (the generations of a
deleted project are gone with it; their entries stay), read with ``pd.read_sql``. Every figure is built as
the product's own ``Dashboard`` so the two can be compared with ``==``.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from mediaws.models import LedgerEntry, Project
from mediaws.services.analytics import Dashboard, Filters, Period, Point, Reliability, Share, local_midnight

READ = (
    "project_id",
    "provider",
    "model",
    "capability",
    "status",
    "cost_picos",
    "reported_cost_picos",
    "duration_ms",
    "completed_at",
    "project_name",
)


def read(connection: Connection, user_id: uuid.UUID, filters: Filters, zone: ZoneInfo) -> pd.DataFrame:
    """The person's entries in the filter's days (and narrowing), with live project names joined."""
    query = (
        select(*(getattr(LedgerEntry, name) for name in READ), col(Project.name).label("live_name"))
        .outerjoin(Project, col(Project.id) == col(LedgerEntry.project_id))
        .where(
            col(LedgerEntry.user_id) == user_id,
            col(LedgerEntry.completed_at) >= local_midnight(filters.start, zone),
            col(LedgerEntry.completed_at) < local_midnight(filters.end + timedelta(days=1), zone),
        )
    )
    if filters.provider:
        query = query.where(col(LedgerEntry.provider) == filters.provider)
    if filters.model:
        query = query.where(col(LedgerEntry.model) == filters.model)
    if filters.project_id:
        query = query.where(col(LedgerEntry.project_id) == filters.project_id)
    return pd.read_sql(query, connection, parse_dates={"completed_at": {"utc": True}})


def _shares(frame: pd.DataFrame, key: str, names: dict[Any, str] | None = None) -> list[Share]:
    grouped = frame.groupby(key, sort=False).agg(cost=("cost_picos", "sum"), requests=("cost_picos", "size"))
    shares = [
        Share((names or {}).get(k, str(k)), int(row.cost), int(row.requests))
        for k, row in zip(grouped.index, grouped.itertuples(), strict=True)
    ]
    return sorted(shares, key=lambda s: (-s.cost_picos, -s.requests, s.name))


def _names(frame: pd.DataFrame) -> dict[Any, str]:
    live = frame.dropna(subset=["live_name"]).groupby("project_id", sort=False)["live_name"].first()
    gone = frame[frame["live_name"].isna()].groupby("project_id", sort=False)["project_name"].max()
    names = {k: str(v) for k, v in live.items()}
    names |= {k: f"{v if isinstance(v, str) else 'A project'} (deleted)" for k, v in gone.items()}
    return names


def prepared(frame: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    """The rows with what grouping needs: outcome flags, the local day, weekday and hour, the model's name."""
    local = frame["completed_at"].dt.tz_convert(zone)
    return frame.assign(
        succeeded=frame["status"].eq("succeeded").astype("int64"),
        failed=frame["status"].eq("failed").astype("int64"),
        cancelled=frame["status"].eq("cancelled").astype("int64"),
        day=local.dt.tz_localize(None).dt.normalize(),
        weekday=local.dt.weekday,
        hour=local.dt.hour,
        model_key=frame["provider"] + "/" + frame["model"],
        duration_ms=frame["duration_ms"].astype("Int64"),
    )


def trend(rows: pd.DataFrame, period: Period) -> list[Point]:
    """Spend and requests per local day, week (from Monday) or month."""
    start = rows["day"]
    if period == "week":
        start = start - pd.to_timedelta(start.dt.weekday, unit="D")
    elif period == "month":
        start = start.dt.to_period("M").dt.start_time
    grouped = rows.groupby(start).agg(
        cost=("cost_picos", "sum"),
        requests=("cost_picos", "size"),
        ok=("succeeded", "sum"),
        bad=("failed", "sum"),
    )
    return [
        Point(date(day.year, day.month, day.day), int(r.cost), int(r.requests), int(r.ok), int(r.bad))
        for day, r in zip(grouped.index, grouped.itertuples(), strict=True)
    ]


def dashboard(frame: pd.DataFrame, filters: Filters, zone: ZoneInfo) -> Dashboard:
    """Every figure of the dashboard from the raw rows."""
    rows = prepared(frame, zone)
    ends = rows.groupby("provider").agg(
        ok=("succeeded", "sum"), bad=("failed", "sum"), off=("cancelled", "sum")
    )
    timed = (
        rows.dropna(subset=["duration_ms"])
        .groupby("model_key")
        .agg(total=("duration_ms", "sum"), timed=("duration_ms", "size"))
    )
    cells = rows.groupby(["weekday", "hour"]).size()
    heatmap = [[0] * 24 for _ in range(7)]
    for (weekday, hour), count in cells.items():
        heatmap[int(weekday)][int(hour)] = int(count)
    return Dashboard(
        filters=filters,
        zone=zone.key,
        total_cost_picos=int(rows["cost_picos"].sum()),
        reported_cost_picos=int(rows["reported_cost_picos"].sum()),
        requests=len(rows),
        succeeded=int(rows["succeeded"].sum()),
        failed=int(rows["failed"].sum()),
        cancelled=int(rows["cancelled"].sum()),
        by_provider=_shares(rows, "provider"),
        by_type=_shares(rows, "capability"),
        by_model=_shares(rows, "model_key"),
        by_project=_shares(rows, "project_id", _names(rows)),
        daily=trend(rows, "day"),
        reliability=[
            Reliability(str(p), int(r.ok), int(r.bad), int(r.off))
            for p, r in zip(ends.index, ends.itertuples(), strict=True)
        ],
        average_ms_by_model={
            str(m): int(r.total) // int(r.timed) for m, r in zip(timed.index, timed.itertuples(), strict=True)
        },
        heatmap=heatmap,
    )
