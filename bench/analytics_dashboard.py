"""The analytics dashboard at 1,000,000 generations, against pandas over the raw rows (issue #14).

1. Builds, on SQLite (a temp file) and on PostgreSQL (a fresh database, dropped at the end): 100 users in
   eight zones, 3-10 projects each, and a year of finished generations (17 models of 6 providers, text,
   image, video and speech; ~94 % succeeded, 5 % failed, 1 % cancelled), bulk-inserted with each one's
   ledger entry as ``ledger.entry_for`` makes it; deletes a project of every fourth user (and one of the
   measured user's) through ``projects.delete_project``; recounts the totals with ``ledger.rebuild``;
   then ``ledger.check`` must find no difference.
2. For the heavy user (~12,000 generations in 90 days), p50/p95 of each query the product runs, each in
   its own session: ``dashboard`` whole and two of its reads (totals by project, provider, model and type,
   from whole months' totals and the other days'; heatmap, from the hour counts, or the day hour counts when
   narrowed), ``usage`` per day, week and month, ``project_summary``; over the last 90 days, and
   narrowed to one provider. Prints their plans.
3. The same figures with pandas from the raw rows (``pd.read_sql`` of the entries, then group-bys), timed
   with and without the read; they must equal the product's (else the exit status is 1).
4. The usage CSV of 100,000 rows (the biggest account's first 100,000), as bench/analytics_export.py does.

Targets: dashboard p95 ≤ 200 ms; ≥ 20x faster than pandas; export memory within +50 MB.

    nice -n 10 .venv/bin/python bench/analytics_dashboard.py   # ~40 minutes on 2 cores, mostly the rebuild
    .venv/bin/python bench/analytics_dashboard.py --generations 50000 --runs 5   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import analytics_dashboard_pandas as baseline
from analytics_dashboard_data import (
    Plan,
    analyse,
    delete_projects,
    insert_postgres,
    insert_sqlite,
    make_plan,
    seed_accounts,
)
from analytics_export import CHILD, ROOT
from gallery_data import create_database, drop_database
from gallery_queries import percentile
from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mediaws import migrations
from mediaws.db import make_engine
from mediaws.models import LedgerEntry, UsageBucket
from mediaws.services import analytics, ledger

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
RUNS, WARM_UP = 40, 3
PERIODS: tuple[analytics.Period, ...] = ("day", "week", "month")
DASHBOARD_MS, RATIO, RSS_GROWTH_MB, EXPORT_ROWS = 200.0, 20.0, 50.0, 100_000
READ_TABLES = ("usage_analytics", "usage_hours", "usage_day_hours", "ledger_entries")
OWN_PEAK = """
with open("/proc/self/status") as status:
    print(json.dumps({"hwm_kb": next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))}))
"""


@dataclass
class Timing:
    """Latencies of one measured call, in seconds."""

    name: str
    samples: list[float]

    @property
    def p50(self) -> float:
        """Median, ms."""
        return percentile(self.samples, 0.5)

    @property
    def p95(self) -> float:
        """95th percentile, ms."""
        return percentile(self.samples, 0.95)


@dataclass
class Outcome:
    """What one database gave: build figures, timings, plans, exactness, export."""

    name: str
    build: list[str] = field(default_factory=list)
    timings: list[Timing] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    export: list[str] = field(default_factory=list)


def key_sums(session: Session, *, user: uuid.UUID, filters: analytics.Filters, zone: Any) -> object:
    """The dashboard's totals read: sums by project, provider, model and type (whole months, then days)."""
    keys = ("project_id", "provider", "model", "generation_type")
    return analytics._sums(session, user, filters, zone, keys, months=True)


def timed(engine: Engine, name: str, call: Callable[[Session], object], runs: int) -> Timing:
    """``runs`` calls after a few warm-ups, each in its own session as a request would."""
    samples = []
    for run in range(WARM_UP + runs):
        began = time.perf_counter()
        with Session(engine) as session:
            call(session)
        if run >= WARM_UP:
            samples.append(time.perf_counter() - began)
    return Timing(name, samples)


def build(outcome: Outcome, url: str, engine: Engine, plan: Plan) -> None:
    """Migrate, fill, delete projects, rebuild the totals and check them; note each step's time."""
    migrations.upgrade(url)
    seed_accounts(engine, plan)
    began = time.perf_counter()
    written = (
        insert_postgres(url, plan) if engine.dialect.name == "postgresql" else insert_sqlite(engine, plan)
    )
    inserted = time.perf_counter() - began
    began = time.perf_counter()
    deleted = delete_projects(engine, plan)
    deleting = time.perf_counter() - began
    analyse(engine)
    with Session(engine) as session:
        began = time.perf_counter()
        buckets, hours = ledger.rebuild(session)
        rebuilt = time.perf_counter() - began
    analyse(engine)
    with Session(engine) as session:
        began = time.perf_counter()
        differences = ledger.check(session)
        checked = time.perf_counter() - began
    outcome.build += [
        f"{written:,} generations and their entries inserted in {inserted:.0f} s "
        f"({written / inserted:,.0f}/s); {deleted} projects deleted in {deleting:.1f} s",
        f"ledger.rebuild: {buckets:,} day and month totals and {hours:,} hours recounted in {rebuilt:.0f} s; "
        f"ledger.check: {len(differences)} difference(s) in {checked:.0f} s",
    ]
    outcome.mismatches += [f"ledger.check: {difference}" for difference in differences[:5]]


def captured(engine: Engine, call: Callable[[], object]) -> list[tuple[str, Any]]:
    """The statements one call runs against the ledger's tables."""
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if any(f"FROM {table}" in statement for table in READ_TABLES):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return seen


def explain(engine: Engine, statement: str, parameters: Any) -> list[str]:
    """The plan lines of one statement (EXPLAIN ANALYZE on PostgreSQL)."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            return [str(row[-1]) for row in cursor.fetchall()]
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + statement, parameters)
        return [str(row[0]) for row in cursor.fetchall()]
    finally:
        raw.close()


def compare(name: str, ours: Any, theirs: Any) -> list[str]:
    """Where the product's figures and pandas' differ (nothing when equal)."""
    if ours == theirs:
        return []
    if isinstance(ours, analytics.Dashboard):
        pairs = [(f.name, getattr(ours, f.name), getattr(theirs, f.name)) for f in fields(ours)]
        return [f"{name}: {what}: product {a!r:.300}, pandas {b!r:.300}" for what, a, b in pairs if a != b]
    return [f"{name}: product {ours!r:.300} pandas {theirs!r:.300}"]


def measure(outcome: Outcome, engine: Engine, plan: Plan, runs: int) -> None:
    """Time the product's queries and the pandas baseline for the heavy user; check they agree."""
    user = plan.heavy.user_id
    with Session(engine) as session:
        zone = ledger.user_zone(session, user)
        today = analytics.today_for(session, user)
        days90 = analytics.Filters(today - timedelta(days=89), today)
        whole = analytics.dashboard(session, user_id=user, filters=days90)
        provider = whole.by_provider[0].name
        narrowed = analytics.Filters(days90.start, days90.end, provider=provider)
        narrowed_count = analytics.dashboard(session, user_id=user, filters=narrowed).requests
        top = session.exec(
            select(LedgerEntry.project_id)
            .where(LedgerEntry.user_id == user, col(LedgerEntry.deleted_at).is_(None))
            .group_by(col(LedgerEntry.project_id))
            .order_by(func.count().desc())
            .limit(1)
        ).one()
    outcome.build.append(
        f"measured user: {whole.requests:,} generations in 90 days ({zone.key}), {narrowed_count:,} of them "
        f"{provider}'s, {len(whole.by_project)} projects (one deleted)"
    )
    ranges = [("90 days", days90), (f"90 days, {provider}", narrowed)]
    product_timings(outcome, engine, plan, top, ranges, runs)
    for label, filters in ranges:
        outcome.timings += pandas_timings(outcome, engine, user, filters, label, runs)
        with Session(engine) as session:
            statements = captured(
                engine, partial(analytics.dashboard, session, user_id=user, filters=filters)
            )
        for statement, parameters in statements:
            table = next(table for table in READ_TABLES if f"FROM {table}" in statement)
            outcome.plans.append(f"{table}, {label}:")
            outcome.plans += [f"    {line}" for line in explain(engine, statement, parameters)]


def product_timings(
    outcome: Outcome,
    engine: Engine,
    plan: Plan,
    project: uuid.UUID,
    ranges: list[tuple[str, analytics.Filters]],
    runs: int,
) -> None:
    """Time the dashboard and its parts, usage per period, a project's summary, the biggest dashboard."""
    user, big = plan.heavy.user_id, plan.biggest.user_id
    with Session(engine) as session:
        zone = ledger.user_zone(session, user)
        big_today = analytics.today_for(session, big)
    for label, filters in ranges:
        outcome.timings += [
            timed(
                engine,
                f"dashboard(), {label}",
                partial(analytics.dashboard, user_id=user, filters=filters),
                runs,
            ),
            timed(
                engine,
                f"  totals summed by key, {label}",
                partial(key_sums, user=user, filters=filters, zone=zone),
                runs,
            ),
            timed(
                engine,
                f"  heatmap read, {label}",
                partial(analytics._heatmap, user_id=user, filters=filters, zone=zone),
                runs,
            ),
        ]
    days90 = ranges[0][1]
    for period in PERIODS:
        usage = partial(analytics.usage, user_id=user, filters=days90, period=period)
        outcome.timings.append(timed(engine, f"usage(period={period}), 90 days", usage, runs))
    summary = partial(analytics.project_summary, user_id=user, project_id=project)
    big_days = analytics.Filters(big_today - timedelta(days=89), big_today)
    biggest = partial(analytics.dashboard, user_id=big, filters=big_days)
    with Session(engine) as session:
        big_count = biggest(session).requests
    outcome.timings += [
        timed(engine, "project_summary(), biggest project", summary, runs),
        timed(engine, f"dashboard(), 90 days, biggest account ({big_count:,})", biggest, runs),
    ]


def pandas_timings(
    outcome: Outcome, engine: Engine, user: uuid.UUID, filters: analytics.Filters, label: str, runs: int
) -> list[Timing]:
    """Time the pandas baseline, read and figures apart; note where its figures differ from the product's."""
    with Session(engine) as session:
        zone = ledger.user_zone(session, user)
    reads, sums = [], []
    for run in range(WARM_UP + runs):
        began = time.perf_counter()
        with engine.connect() as connection:
            frame = baseline.read(connection, user, filters, zone)
        between = time.perf_counter()
        figures = baseline.dashboard(frame, filters, zone)
        if run >= WARM_UP:
            reads.append(between - began)
            sums.append(time.perf_counter() - between)
    with Session(engine) as session:
        ours = analytics.dashboard(session, user_id=user, filters=filters)
        outcome.mismatches += compare(f"dashboard {label}", ours, figures)
        rows = baseline.prepared(frame, zone)
        for period in PERIODS:
            mine = analytics.usage(session, user_id=user, filters=filters, period=period)
            outcome.mismatches += compare(f"usage {period} {label}", mine, baseline.trend(rows, period))
    return [
        Timing(f"pandas, read + figures, {label}", [a + b for a, b in zip(reads, sums, strict=True)]),
        Timing(f"  pandas read (pd.read_sql), {label}", reads),
        Timing(f"  pandas figures only, {label}", sums),
    ]


def child(url: str, user: uuid.UUID, first: date, last: date) -> dict[str, float]:
    """bench/analytics_export.py's export child, also printing its own peak RSS (VmHWM).

    Its ``ru_maxrss`` is not its own here: Linux carries the peak of the memory a process had before
    ``exec`` (this parent's, gigabytes after ``ledger.check``) into it.
    """
    done = subprocess.run(
        [sys.executable, "-c", CHILD + OWN_PEAK, url, str(user), first.isoformat(), last.isoformat()],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    *_, figures, peak = done.stdout.strip().splitlines()
    return {**json.loads(figures), **json.loads(peak)}


def export(outcome: Outcome, url: str, engine: Engine, plan: Plan) -> None:
    """Export the biggest account's first 100,000 rows in a fresh process; the baseline: an empty day."""
    user = plan.biggest.user_id
    with Session(engine) as session:
        zone = ledger.user_zone(session, user)
        moments = select(LedgerEntry.completed_at).where(LedgerEntry.user_id == user)
        first = session.exec(moments.order_by(col(LedgerEntry.completed_at))).first()
        last = session.exec(moments.order_by(col(LedgerEntry.completed_at)).offset(EXPORT_ROWS - 1)).first()
        if first is None or last is None:
            outcome.export.append(f"export: the biggest account has fewer than {EXPORT_ROWS:,} rows, skipped")
            return
        start, end = first.astimezone(zone).date(), last.astimezone(zone).date()
        rows = session.exec(
            select(func.count()).where(
                LedgerEntry.user_id == user,
                col(LedgerEntry.completed_at) >= analytics.local_midnight(start, zone),
                col(LedgerEntry.completed_at) < analytics.local_midnight(end + timedelta(days=1), zone),
            )
        ).one()
    base = child(url, user, date(2020, 1, 1), date(2020, 1, 1))
    full = child(url, user, start, end)
    peak, empty = full["hwm_kb"] / 1024, base["hwm_kb"] / 1024
    grown = peak - empty
    verdict = "met" if grown <= RSS_GROWTH_MB else "MISSED"
    outcome.export += [
        f"CSV export of {rows:,} rows ({start} to {end}): {full['seconds']:.2f} s "
        f"({rows / full['seconds']:,.0f} rows/s), {full['bytes'] / 1e6:.1f} MB",
        f"  peak RSS (VmHWM) {peak:.0f} MB vs {empty:.0f} MB for an empty export: "
        f"+{grown:.1f} MB (target ≤ +{RSS_GROWTH_MB:.0f} MB: {verdict})",
    ]


def run(name: str, url: str, plan: Plan, runs: int) -> Outcome:
    """Build one database, measure it, and return its figures."""
    outcome = Outcome(name)
    engine = make_engine(url)
    try:
        build(outcome, url, engine, plan)
        print(f"{name}:", *outcome.build, sep="\n  ", flush=True)
        if not outcome.mismatches:
            measure(outcome, engine, plan, runs)
            export(outcome, url, engine, plan)
        with Session(engine) as session:
            size = session.exec(select(func.count()).select_from(UsageBucket)).one()
        outcome.build.append(f"{size:,} totals rows in usage_analytics")
    finally:
        engine.dispose()
    return outcome


def report(outcome: Outcome) -> None:
    """Print one database's table."""
    print(f"\n{outcome.name}")
    for line in outcome.build:
        print(f"  {line}")
    print(f"  {'call':<48} {'p50 ms':>9} {'p95 ms':>9}")
    for timing in outcome.timings:
        verdict = ""
        if timing.name.startswith("dashboard()"):
            verdict = f"  p95 ≤ {DASHBOARD_MS:.0f} ms: {'met' if timing.p95 <= DASHBOARD_MS else 'MISSED'}"
        print(f"  {timing.name:<48} {timing.p50:9.1f} {timing.p95:9.1f}{verdict}")
    by_name = {t.name: t for t in outcome.timings}
    for product in [
        t for t in outcome.timings if t.name.startswith("dashboard(), 90 days") and "biggest" not in t.name
    ]:
        label = product.name.removeprefix("dashboard(), ")
        pandas, figures = (
            by_name[f"pandas, read + figures, {label}"],
            by_name[f"  pandas figures only, {label}"],
        )
        ratio = pandas.p50 / product.p50
        print(
            f"  pandas / dashboard(), {label}: {ratio:.1f}x at p50, {pandas.p95 / product.p95:.1f}x at p95 "
            f"(figures only: {figures.p50 / product.p50:.1f}x) (target ≥ {RATIO:.0f}x: "
            f"{'met' if ratio >= RATIO else 'MISSED'})"
        )
    print(f"  exact (pandas == product, ledger.check clean): {'yes' if not outcome.mismatches else 'NO'}")
    for line in outcome.mismatches:
        print(f"    {line}")
    for line in outcome.export:
        print(f"  {line}")
    print("  plans of the dashboard's reads:")
    for line in outcome.plans:
        print(f"    {line}")


def main() -> None:
    """Build, measure and print each database; exit 1 if any figure is not exact."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--generations", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--postgres-server", default=PG_SERVER)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the PostgreSQL database is dropped
    plan = make_plan(args.generations, args.users)
    outcomes = []
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("MEDIAWS_DATA_DIR", folder)
        if "sqlite" in args.engines:
            outcomes.append(run("SQLite (file, WAL)", f"sqlite:///{folder}/dashboard.db", plan, args.runs))
        if "postgresql" in args.engines:
            name = f"bench_dash_{uuid.uuid4().hex[:8]}"
            url = create_database(args.postgres_server, name)
            try:
                outcomes.append(run("PostgreSQL", url, plan, args.runs))
            finally:
                drop_database(args.postgres_server, name)
    for outcome in outcomes:
        report(outcome)
    if any(outcome.mismatches for outcome in outcomes):
        sys.exit(1)


if __name__ == "__main__":
    main()
