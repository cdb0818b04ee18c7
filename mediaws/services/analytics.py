"""Spend and usage figures for one person, read from the ledger's day totals and hour counts.

Every amount is an exact sum of pico-dollars; rounding is left to whoever shows it. Periods are the
person's own days, weeks (from Monday) and months, in their time zone.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Row, and_, bindparam, cast, func, union_all
from sqlmodel import Session, col, select

from mediaws.errors import NotFoundError, ValidationError
from mediaws.models import LedgerEntry, Project, UsageBucket, UsageHour
from mediaws.models.analytics import BUCKET_SUMS, DAY_HOURS, HOUR_COLUMNS
from mediaws.services import asset_stats, generation, ledger, projects
from mediaws.services.asset_queries import parse_id

Period = Literal["day", "week", "month"]
MAX_DAYS = 3 * 366
"""The longest range one query covers."""
DELETED_PROJECT = "A project (deleted)"
"""A deleted project whose name the ledger did not keep."""
POINT_SUMS = ("cost_picos", "request_count", "success_count", "failure_count")
"""What a trend's point needs of the day totals."""
NARROWING = ("provider", "model", "project_id")
"""The filters that narrow the totals read, by column name."""
BUCKETS = UsageBucket.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filters:
    """Which spend to count: a range of the person's days (``to`` included) and optional narrowing."""

    start: date
    end: date
    provider: str | None = None
    model: str | None = None
    project_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Share:
    """One slice of spend: a provider, model, type or project, with its requests."""

    name: str
    cost_picos: int
    requests: int


@dataclass(frozen=True)
class Point:
    """One period of a trend."""

    start: date
    cost_picos: int
    requests: int
    succeeded: int
    failed: int


@dataclass(frozen=True)
class Totals:
    """The headline sums of some spend: its cost, the part providers reported, its requests and their ends."""

    cost_picos: int = 0
    reported_cost_picos: int = 0
    requests: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0


@dataclass(frozen=True)
class Reliability:
    """How a provider's requests ended."""

    provider: str
    succeeded: int
    failed: int
    cancelled: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the analytics page shows for one filter."""

    filters: Filters
    zone: str
    total_cost_picos: int
    reported_cost_picos: int
    requests: int
    succeeded: int
    failed: int
    cancelled: int
    by_provider: list[Share] = field(default_factory=list)
    by_type: list[Share] = field(default_factory=list)
    by_model: list[Share] = field(default_factory=list)
    by_project: list[Share] = field(default_factory=list)
    daily: list[Point] = field(default_factory=list)
    reliability: list[Reliability] = field(default_factory=list)
    average_ms_by_model: dict[str, int] = field(default_factory=dict)
    heatmap: list[list[int]] = field(default_factory=list)
    """Requests by weekday (Monday first) and hour of the person's day."""
    provider_totals: dict[str, Totals] = field(default_factory=dict)
    """Each provider's headline sums: the figures its filter would show, from the same read."""
    model_totals: dict[str, Totals] = field(default_factory=dict)
    """Each model's headline sums (by model name, as the model filter narrows)."""
    project_totals: dict[str, Totals] = field(default_factory=dict)
    """Each project's headline sums, by project id."""

    @property
    def totals(self) -> Totals:
        """The headline sums of the whole filter."""
        return Totals(
            self.total_cost_picos,
            self.reported_cost_picos,
            self.requests,
            self.succeeded,
            self.failed,
            self.cancelled,
        )

    @property
    def derived_cost_picos(self) -> int:
        """Spend priced from the request (the provider reported no usage) rather than from its report."""
        return self.total_cost_picos - self.reported_cost_picos


def today_for(session: Session, user_id: uuid.UUID) -> date:
    """Today in the person's time zone."""
    return datetime.now(ledger.user_zone(session, user_id)).date()


def parse_filters(
    *,
    start: str | date | None,
    end: str | date | None,
    today: date,
    provider: str | None = None,
    model: str | None = None,
    project_id: str | uuid.UUID | None = None,
) -> Filters:
    """Check a date range (default: the last 30 days to today) and the narrowing asked for."""
    to = _day(end, "to") if end else today
    since = _day(start, "from") if start else to - timedelta(days=29)
    if since > to:
        raise ValidationError("The range ends before it starts.", field="from")
    if (to - since).days >= MAX_DAYS:
        raise ValidationError(f"Choose at most {MAX_DAYS} days.", field="from")
    project = parse_id(project_id, "Project") if project_id else None
    return Filters(since, to, provider or None, model or None, project)


def _day(value: str | date, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"'{name}' must be a date like 2026-12-01.", field=name) from None


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """When a day of the zone starts, in UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """The whole months from ``start`` to ``end`` (included), as their first day and the next month's."""
    first = start if start.day == 1 else (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    after = (end + timedelta(days=1)).replace(day=1)
    return (first, after) if first < after else None


def _narrowed(filters: Filters) -> tuple[str, ...]:
    return tuple(name for name in NARROWING if getattr(filters, name))


def _bound(user_id: uuid.UUID, filters: Filters, zone: ZoneInfo) -> dict[str, Any]:
    """The values a span's statement binds: the person, the span's ends in UTC, what narrows it."""
    return {
        "user_id": user_id,
        "start": local_midnight(filters.start, zone),
        "end": local_midnight(filters.end + timedelta(days=1), zone),
        **{name: getattr(filters, name) for name in _narrowed(filters)},
    }


def _span(kind: str, low: str, high: str) -> Any:
    return and_(
        BUCKETS.period_type == kind,
        BUCKETS.period_start >= bindparam(low),
        BUCKETS.period_start < bindparam(high),
    )


@lru_cache(maxsize=32)
def _sums_query(keys: tuple[str, ...], sums: tuple[str, ...], months: bool, narrowed: tuple[str, ...]) -> Any:
    """A statement summing a span of totals by ``keys``, built once per shape: values are bound per call.

    With ``months``, the days before the first whole month, the whole months and the days after are three
    range reads of the covering index joined by UNION ALL (an OR of the ranges scans all the person's totals
    on PostgreSQL).
    """
    narrowing = [BUCKETS[name] == bindparam(name) for name in narrowed]
    mine = BUCKETS.user_id == bindparam("user_id")
    if not months:
        grouped = [BUCKETS[name] for name in keys]
        return (
            select(*grouped, *(cast(func.sum(BUCKETS[name]), BigInteger).label(name) for name in sums))
            .where(mine, _span("day", "start", "end"), *narrowing)
            .group_by(*grouped)
        )
    spans = (("day", "start", "first"), ("month", "first", "after"), ("day", "after", "end"))
    rows = union_all(
        *(
            select(*(BUCKETS[name] for name in keys + sums)).where(mine, _span(*span), *narrowing)
            for span in spans
        )
    ).subquery()
    grouped = [rows.c[name] for name in keys]
    return select(
        *grouped, *(cast(func.sum(rows.c[name]), BigInteger).label(name) for name in sums)
    ).group_by(*grouped)


def _sums(
    session: Session,
    user_id: uuid.UUID,
    filters: Filters,
    zone: ZoneInfo,
    keys: Sequence[str],
    sums: Sequence[str] = BUCKET_SUMS,
    *,
    months: bool = False,
) -> Sequence[Row[Any]]:
    """The totals in the filter summed by the columns ``keys`` in the database, each sum named as its column.

    With ``months``, whole months are read from their month totals (a thirtieth of the rows), so ``keys``
    must not include the day.
    """
    values = _bound(user_id, filters, zone)
    whole = whole_months(filters.start, filters.end) if months else None
    if whole is not None:
        values |= {"first": local_midnight(whole[0], zone), "after": local_midnight(whole[1], zone)}
    query = _sums_query(tuple(keys), tuple(sums), whole is not None, _narrowed(filters))
    return session.execute(query, values).all()


def _shares(buckets: Sequence[Any], key: Any, names: dict[Any, str] | None = None) -> list[Share]:
    cost: dict[Any, int] = defaultdict(int)
    requests: dict[Any, int] = defaultdict(int)
    for bucket in buckets:
        cost[key(bucket)] += bucket.cost_picos
        requests[key(bucket)] += bucket.request_count
    shares = [Share((names or {}).get(k, str(k)), cost[k], requests[k]) for k in cost]
    return sorted(shares, key=lambda s: (-s.cost_picos, -s.requests, s.name))


def project_names(session: Session, user_id: uuid.UUID, ids: set[uuid.UUID]) -> dict[Any, str]:
    """The person's projects by name; deleted ones by the name the ledger kept, marked "(deleted)"."""
    names = dict(
        session.exec(
            select(Project.id, Project.name).where(col(Project.id).in_(ids), Project.owner_id == user_id)
        ).all()
    )
    for project in ids - set(names):
        kept = ledger.kept_name(session, user_id, project)
        names[project] = f"{kept} (deleted)" if kept else DELETED_PROJECT
    return names


def trend(buckets: Sequence[Any], zone: ZoneInfo, period: Period) -> list[Point]:
    """Day totals summed into the person's days, weeks (from Monday) or months, oldest first."""
    sums: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for bucket in buckets:
        day = bucket.period_start.astimezone(zone).date()
        if period == "week":
            day -= timedelta(days=day.weekday())
        elif period == "month":
            day = day.replace(day=1)
        totals = sums[day]
        totals[0] += bucket.cost_picos
        totals[1] += bucket.request_count
        totals[2] += bucket.success_count
        totals[3] += bucket.failure_count
    return [Point(day, *sums[day]) for day in sorted(sums)]


@lru_cache(maxsize=8)
def _heatmap_query(narrowed: tuple[str, ...]) -> Any:
    """Requests by weekday and hour in a span: the user's hour counts, or the narrowed day hour counts."""
    if not narrowed:
        hours = UsageHour.__table__.c  # type: ignore[attr-defined]
        slot = (hours.weekday, hours.hour)
        return (
            select(*slot, cast(func.sum(hours.request_count), BigInteger))
            .where(
                hours.user_id == bindparam("user_id"),
                hours.period_start >= bindparam("start"),
                hours.period_start < bindparam("end"),
            )
            .group_by(*slot)
        )
    days = DAY_HOURS.c
    return (
        select(days.weekday, *(cast(func.sum(days[name]), BigInteger) for name in HOUR_COLUMNS))
        .where(
            days.user_id == bindparam("user_id"),
            days.period_start >= bindparam("start"),
            days.period_start < bindparam("end"),
            *(days[name] == bindparam(name) for name in narrowed),
        )
        .group_by(days.weekday)
    )


def _heatmap(session: Session, user_id: uuid.UUID, filters: Filters, zone: ZoneInfo) -> list[list[int]]:
    """Requests by weekday and hour of the person's day in the filter."""
    narrowed = _narrowed(filters)
    rows = session.execute(_heatmap_query(narrowed), _bound(user_id, filters, zone)).all()
    grid = [[0] * 24 for _ in range(7)]
    for row in rows:
        if narrowed:
            grid[row[0]] = [int(count) for count in row[1:]]
        else:
            grid[row[0]][row[1]] = int(row[2])
    return grid


@dataclass(frozen=True)
class Choices:
    """What the filters offer: the providers, models and projects the person has spent on or owns."""

    providers: list[str]
    models: list[tuple[str, str]]
    """(provider, model) pairs, by provider then model."""
    projects: list[tuple[str, str]]
    """(id, name) pairs, live projects first by name, then deleted ones."""


def choices(session: Session, user_id: uuid.UUID) -> Choices:
    """The filter options for one person, read from their month totals and projects."""
    pairs = sorted(
        set(
            session.exec(
                select(UsageBucket.provider, UsageBucket.model).where(
                    UsageBucket.user_id == user_id, UsageBucket.period_type == "month"
                )
            ).all()
        )
    )
    live = list(session.exec(select(Project.id, Project.name).where(Project.owner_id == user_id)).all())
    spent_in = set(
        session.exec(
            select(UsageBucket.project_id).where(
                UsageBucket.user_id == user_id, UsageBucket.period_type == "month"
            )
        ).all()
    )
    gone = project_names(session, user_id, spent_in - {project for project, _ in live})
    return Choices(
        providers=sorted({provider for provider, _ in pairs}),
        models=[(provider, model) for provider, model in pairs],
        projects=[(str(k), name) for k, name in sorted(live, key=lambda p: (p[1].casefold(), str(p[0])))]
        + [(str(k), name) for k, name in sorted(gone.items(), key=lambda p: (p[1].casefold(), str(p[0])))],
    )


@dataclass(frozen=True)
class BudgetUse:
    """This month's spend (UTC, as budgets count it) of the projects that have a monthly budget."""

    spent_micros: int
    budget_micros: int
    projects: int

    @property
    def used_percent(self) -> int | None:
        """How much of the summed budgets is used, rounded down (None without any budget)."""
        if not self.projects:
            return None
        return 100 if self.budget_micros == 0 else self.spent_micros * 100 // self.budget_micros


def budget_use(session: Session, *, user_id: uuid.UUID, project_id: uuid.UUID | None = None) -> BudgetUse:
    """Spend against the monthly budgets of the person's live projects (or of one), queued work included."""
    query = select(Project).where(
        Project.owner_id == user_id, col(Project.monthly_budget_micros).is_not(None)
    )
    if project_id is not None:
        query = query.where(Project.id == project_id)
    budgeted = list(session.exec(query))
    return BudgetUse(
        spent_micros=sum(generation.month_spend_micros(session, p.id) for p in budgeted),
        budget_micros=sum(p.monthly_budget_micros or 0 for p in budgeted),
        projects=len(budgeted),
    )


def check_project(session: Session, user_id: uuid.UUID, project_id: uuid.UUID | None) -> None:
    """A project filter must name one of the person's projects, live or deleted; any other is not found."""
    if project_id is None:
        return
    owned = session.exec(
        select(Project.id).where(Project.id == project_id, Project.owner_id == user_id)
    ).first()
    spent_in = session.exec(
        select(LedgerEntry.id).where(LedgerEntry.project_id == project_id, LedgerEntry.user_id == user_id)
    ).first()
    if owned is None and spent_in is None:
        raise NotFoundError("Project not found.")


def usage(session: Session, *, user_id: uuid.UUID, filters: Filters, period: Period) -> list[Point]:
    """Spend and requests per day, week or month within the filter."""
    check_project(session, user_id, filters.project_id)
    zone = ledger.user_zone(session, user_id)
    return trend(_sums(session, user_id, filters, zone, ["period_start"], POINT_SUMS), zone, period)


def _totals_by(buckets: Sequence[Any], key: Callable[[Any], str]) -> dict[str, Totals]:
    sums: dict[str, list[int]] = defaultdict(lambda: [0] * 6)
    for bucket in buckets:
        row = sums[key(bucket)]
        for at, value in enumerate(
            (
                bucket.cost_picos,
                bucket.reported_cost_picos,
                bucket.request_count,
                bucket.success_count,
                bucket.failure_count,
                bucket.cancelled_count,
            )
        ):
            row[at] += value
    return {name: Totals(*row) for name, row in sorted(sums.items())}


def dashboard(session: Session, *, user_id: uuid.UUID, filters: Filters) -> Dashboard:
    """Every figure of the analytics page for one person and filter, each an exact sum."""
    check_project(session, user_id, filters.project_id)
    zone = ledger.user_zone(session, user_id)
    keys = ("project_id", "provider", "model", "generation_type")
    buckets = _sums(session, user_id, filters, zone, keys, months=True)
    timed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    ends: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for bucket in buckets:
        timed[f"{bucket.provider}/{bucket.model}"][0] += bucket.duration_ms_total
        timed[f"{bucket.provider}/{bucket.model}"][1] += bucket.timed_count
        counts = ends[bucket.provider]
        counts[0] += bucket.success_count
        counts[1] += bucket.failure_count
        counts[2] += bucket.cancelled_count
    names = project_names(session, user_id, {b.project_id for b in buckets})
    return Dashboard(
        provider_totals=_totals_by(buckets, lambda b: b.provider),
        model_totals=_totals_by(buckets, lambda b: b.model),
        project_totals=_totals_by(buckets, lambda b: str(b.project_id)),
        filters=filters,
        zone=zone.key,
        total_cost_picos=sum(b.cost_picos for b in buckets),
        reported_cost_picos=sum(b.reported_cost_picos for b in buckets),
        requests=sum(b.request_count for b in buckets),
        succeeded=sum(b.success_count for b in buckets),
        failed=sum(b.failure_count for b in buckets),
        cancelled=sum(b.cancelled_count for b in buckets),
        by_provider=_shares(buckets, lambda b: b.provider),
        by_type=_shares(buckets, lambda b: b.generation_type),
        by_model=_shares(buckets, lambda b: f"{b.provider}/{b.model}"),
        by_project=_shares(buckets, lambda b: b.project_id, names),
        daily=trend(_sums(session, user_id, filters, zone, ["period_start"], POINT_SUMS), zone, "day"),
        reliability=[Reliability(provider, *ends[provider]) for provider in sorted(ends)],
        average_ms_by_model={m: total // count for m, (total, count) in sorted(timed.items()) if count},
        heatmap=_heatmap(session, user_id, filters, zone),
    )


BUDGET_WARNING_PERCENT = 80


@dataclass(frozen=True)
class ProjectSummary:
    """One project's spend since it began, what it keeps, and how much of this month's budget is used."""

    project: Project
    cost_picos: int
    requests: int
    succeeded: int
    by_provider: list[Share]
    by_type: list[Share]
    asset_count: int
    asset_bytes: int
    month_spent_micros: int
    """Spent this calendar month (UTC) plus what queued work is expected to cost: what the budget stops at."""

    @property
    def average_cost_picos(self) -> int:
        """Spend per generation, rounded down to the pico-dollar (0 before the first)."""
        return self.cost_picos // self.requests if self.requests else 0

    @property
    def budget_used_percent(self) -> int | None:
        """How much of the monthly budget is used, rounded down (None without a budget)."""
        budget = self.project.monthly_budget_micros
        if budget is None:
            return None
        return 100 if budget == 0 else self.month_spent_micros * 100 // budget

    @property
    def budget_warning(self) -> str:
        """Said once 80 % of the budget is used, and when it is all used ("" below 80 %)."""
        used = self.budget_used_percent
        if used is None or used < BUDGET_WARNING_PERCENT:
            return ""
        if used >= 100:
            return "This month's budget is used up: new generations are refused until the month ends."
        return f"{used} % of this month's budget is used."


def project_summary(session: Session, *, user_id: uuid.UUID, project_id: str | uuid.UUID) -> ProjectSummary:
    """A project of the person's, summed from its month totals; anyone else's is not found."""
    project = projects.get_project(session=session, owner_id=user_id, project_id=project_id)
    months = list(
        session.exec(
            select(UsageBucket).where(
                UsageBucket.user_id == user_id,
                UsageBucket.project_id == project.id,
                UsageBucket.period_type == "month",
            )
        )
    )
    kept = asset_stats.project_totals(session=session, user_id=user_id, project_id=project.id)
    return ProjectSummary(
        project=project,
        cost_picos=sum(b.cost_picos for b in months),
        requests=sum(b.request_count for b in months),
        succeeded=sum(b.success_count for b in months),
        by_provider=_shares(months, lambda b: b.provider),
        by_type=_shares(months, lambda b: b.generation_type),
        asset_count=kept.count,
        asset_bytes=kept.bytes,
        month_spent_micros=generation.month_spend_micros(session, project.id),
    )
