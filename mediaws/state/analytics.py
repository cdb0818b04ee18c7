"""The analytics dashboard: filters, headline figures and charts, all read from the spend ledger."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import reflex as rx
from sqlmodel import Session

from mediaws.errors import NotFoundError, SessionExpired, ValidationError
from mediaws.models import User
from mediaws.pricing.cost import dollars, exact_usd
from mediaws.services import analytics
from mediaws.state import analytics_figures as figures
from mediaws.state.auth import AuthState
from mediaws.state.local_choice import ANALYTICS_FILTERS, follow_server

ALL = "all"
PRESETS = {
    "7d": "Last 7 days",
    "30d": "Last 30 days",
    "90d": "Last 90 days",
    "month": "This month",
    "last_month": "Last month",
    "year": "This year",
    "custom": "Custom range",
}
PERIODS = ("day", "week", "month")
HEADS_MAX = 60
"""Up to this many providers, models or projects, each one's headline is sent: the page shows it at a pick."""
EXPORT = "/api/analytics/export"


def preset_range(preset: str, today: date) -> tuple[date, date]:
    """The first and last day a preset range covers, ending today except for last month."""
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if preset == "year":
        return today.replace(month=1, day=1), today
    days = {"7d": 7, "90d": 90}.get(preset, 30)
    return today - timedelta(days=days - 1), today


def _percent(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f} %" if whole else "—"


def _headline(found: analytics.Dashboard, sums: analytics.Totals | None = None) -> dict[str, str]:
    """The headline figures of the filter found, or of ``sums`` within it (one provider's)."""
    sums = sums or found.totals
    average = sums.cost_picos // sums.requests if sums.requests else 0
    return {
        "total": dollars(sums.cost_picos),
        "total_exact": f"${exact_usd(sums.cost_picos)} exactly",
        "requests": f"{sums.requests:,}",
        "outcomes": f"{sums.succeeded:,} ok · {sums.failed:,} failed · {sums.cancelled:,} cancelled",
        "success_rate": _percent(sums.succeeded, sums.succeeded + sums.failed),
        "average": dollars(average),
        "reported": dollars(sums.reported_cost_picos),
        "derived": dollars(sums.cost_picos - sums.reported_cost_picos),
        "reported_percent": _percent(sums.reported_cost_picos, sums.cost_picos),
        "zone": found.zone,
        "range": f"{found.filters.start:%d %b %Y} to {found.filters.end:%d %b %Y}",
    }


def _rows(shares: list[analytics.Share], limit: int = 5) -> list[dict[str, str]]:
    ranked = sorted(shares, key=lambda s: (-s.requests, -s.cost_picos, s.name))[:limit]
    return [{"name": s.name, "requests": f"{s.requests:,}", "cost": dollars(s.cost_picos)} for s in ranked]


class AnalyticsState(AuthState):
    """What the analytics page shows for the filters chosen."""

    loading: bool = True
    loaded: bool = False
    error: str = ""
    preset: str = "30d"
    date_from: str = ""
    date_to: str = ""
    provider: str = ALL
    model: str = ALL
    project: str = ALL
    period: str = "day"
    providers: list[str] = []
    models: list[str] = []
    projects: list[dict[str, str]] = []
    headline: dict[str, str] = {}
    budget: dict[str, str] = {}
    budget_percent: int = 0
    has_data: bool = False
    provider_heads: dict[str, dict[str, str]] = {}
    """Each provider's headline and "all"'s, for the range and project shown: the page shows one at a pick."""
    model_heads: dict[str, dict[str, str]] = {}
    """Each model's headline and "all"'s, for the range, provider and project shown."""
    project_heads: dict[str, dict[str, str]] = {}
    """Each project's headline (by id) and "all"'s, for the range, provider and model shown."""
    answers: int = 0
    """Counts the dashboards computed: a provider picked on one is stale on the next."""
    _heads_scope: dict[str, str] = {}
    """The other filters each filter's headlines were read with ("" when none are kept)."""
    top_providers: list[dict[str, str]] = []
    top_models: list[dict[str, str]] = []
    fig_trend: dict[str, Any] = {}
    fig_volume: dict[str, Any] = {}
    fig_provider: dict[str, Any] = {}
    fig_type: dict[str, Any] = {}
    fig_model: dict[str, Any] = {}
    fig_project: dict[str, Any] = {}
    fig_reliability: dict[str, Any] = {}
    fig_time: dict[str, Any] = {}
    fig_heatmap: dict[str, Any] = {}
    _model_pairs: list[tuple[str, str]] = []
    """The (provider, model) pairs the model filter offers, narrowed by the provider chosen."""
    _choices_read: bool = False
    _budget_project: str = ""
    """The project filter the budget meter was read for ("" until the page load reads it)."""

    @rx.var
    def csv_url(self) -> str:
        """The CSV export of the generations the filters cover (the browser sends the login cookie)."""
        return self._export_url("csv")

    @rx.var
    def pdf_url(self) -> str:
        """The PDF usage report for the filters."""
        return self._export_url("pdf")

    def _export_url(self, kind: str) -> str:
        query = {"format": kind, "from": self.date_from, "to": self.date_to}
        for name, value in (("provider", self.provider), ("model", self.model), ("project", self.project)):
            if value != ALL:
                query[name] = value
        return f"{EXPORT}?{urlencode(query)}"

    def _narrowing(self) -> dict[str, str | None]:
        return {
            "provider": None if self.provider == ALL else self.provider,
            "model": None if self.model == ALL else self.model,
            "project_id": None if self.project == ALL else self.project,
        }

    def _compute(self, session: Session, user: User) -> None:
        today = analytics.today_for(session, user.id)
        if self.preset != "custom":
            start, end = preset_range(self.preset, today)
            self.date_from, self.date_to = start.isoformat(), end.isoformat()
        filters = analytics.parse_filters(
            start=self.date_from or None, end=self.date_to or None, today=today, **self._narrowing()
        )
        found = analytics.dashboard(session, user_id=user.id, filters=filters)
        trend = (
            found.daily
            if self.period == "day"
            else analytics.usage(session, user_id=user.id, filters=filters, period=self._period())
        )
        self._read_scope(session, user, filters.project_id)
        self.date_from, self.date_to = filters.start.isoformat(), filters.end.isoformat()
        self.models = sorted({m for p, m in self._model_pairs if self.provider in (ALL, p)})
        self.headline = _headline(found)
        self._keep_heads(found)
        self.answers += 1
        self.has_data = found.requests > 0
        self.top_providers = _rows(found.by_provider)
        self.top_models = _rows(found.by_model)
        trend = figures.filled(trend, filters.start, filters.end, self.period)
        self.fig_trend = figures.spend_trend(trend, self.period)
        self.fig_volume = figures.request_volume(trend)
        self.fig_provider = figures.share_pie(found.by_provider)
        self.fig_type = figures.share_bars(found.by_type)
        self.fig_model = figures.share_bars(found.by_model)
        self.fig_project = figures.share_bars(found.by_project)
        self.fig_reliability = figures.reliability(found)
        self.fig_time = figures.average_time(found)
        self.fig_heatmap = figures.heatmap(found.heatmap)

    def _keep_heads(self, found: analytics.Dashboard) -> None:
        """Each provider's, model's and project's headline, read with all of them, kept while one is picked.

        Kept only while the other filters stay as they were read (a provider picked also clears the model).
        """
        span = f"{self.date_from}/{self.date_to}"
        read = {
            "provider": (self.provider, found.provider_totals, f"{span}/{self.project}", self.model == ALL),
            "model": (self.model, found.model_totals, f"{span}/{self.provider}/{self.project}", True),
            "project": (self.project, found.project_totals, f"{span}/{self.provider}/{self.model}", True),
        }
        kept = {"provider": self.provider_heads, "model": self.model_heads, "project": self.project_heads}
        scopes = dict(self._heads_scope)
        heads: dict[str, dict[str, dict[str, str]]] = {}
        for name, (value, totals, scope, usable) in read.items():
            if not usable or len(totals) > HEADS_MAX:
                heads[name] = {}
            elif value == ALL:  # read afresh with all of them
                heads[name] = {key: _headline(found, sums) for key, sums in totals.items()} | {
                    ALL: self.headline
                }
            else:  # one is picked: kept while the other filters stay as they were read
                heads[name] = kept[name] if scopes.get(name) == scope else {}
            scopes[name] = scope if heads[name] else ""
        self._heads_scope = scopes
        self.provider_heads, self.model_heads, self.project_heads = (
            heads["provider"],
            heads["model"],
            heads["project"],
        )

    def _read_scope(self, session: Session, user: User, project_id: uuid.UUID | None) -> None:
        """Read the filter choices once per page load and the budget once per project, not per filter."""
        if not self._choices_read:
            options = analytics.choices(session, user.id)
            self.providers = options.providers
            self._model_pairs = options.models
            self.projects = [{"id": key, "name": name} for key, name in options.projects]
            self._choices_read = True
        if self._budget_project != self.project:
            self._show_budget(analytics.budget_use(session, user_id=user.id, project_id=project_id))
            self._budget_project = self.project

    def _period(self) -> analytics.Period:
        return "week" if self.period == "week" else "month" if self.period == "month" else "day"

    def _show_budget(self, spent: analytics.BudgetUse) -> None:
        used = spent.used_percent
        self.budget_percent = min(100, used or 0)
        if used is None:
            self.budget = {}
            return
        month = calendar.month_name[datetime.now(UTC).month]
        warning = ""
        if used >= 100:
            warning = "The budget is used up: new generations in budgeted projects are refused this month."
        elif used >= analytics.BUDGET_WARNING_PERCENT:
            warning = f"{used} % of this month's budget is used."
        self.budget = {
            "spent": dollars(spent.spent_micros * 10**6),
            "budget": dollars(spent.budget_micros * 10**6),
            "percent": f"{used} %",
            "scope": f"{spent.projects} budgeted project{'s' if spent.projects != 1 else ''} · {month} (UTC)",
            "warning": warning,
        }

    def _refresh(self) -> Iterator[Any]:
        self.loading = True
        self.error = ""
        yield
        try:
            with self._signed_in() as (session, user):
                self.user_email = user.email
                try:
                    self._compute(session, user)
                except NotFoundError:
                    self.project = ALL
                    self._compute(session, user)
                    self.error = "That project is not one of yours: showing all projects."
        except SessionExpired:
            yield self._login_redirect()
            return
        except ValidationError as exc:
            self.error = exc.message
        self.loading = False
        self.loaded = True
        yield follow_server(ANALYTICS_FILTERS)

    @rx.event
    def load(self) -> Iterator[Any]:
        """Page load: take filters from the address (``?project=…&from=…&to=…``), then count."""
        query = self.router.url.query_parameters
        self.loaded = self._choices_read = False
        self._budget_project, self._heads_scope = "", {}
        self.provider_heads, self.model_heads, self.project_heads = {}, {}, {}
        self.provider = str(query.get("provider") or ALL)
        self.model = str(query.get("model") or ALL)
        self.project = str(query.get("project") or ALL)
        self.period = str(query.get("period") or "day") if query.get("period") in PERIODS else "day"
        start, end = query.get("from"), query.get("to")
        self.preset = "custom" if start or end else "30d"
        self.date_from, self.date_to = str(start or ""), str(end or "")
        if self.project != ALL and not _is_uuid(self.project):
            self.project = ALL
        try:
            with self._signed_in() as (_, user):
                self.user_email = user.email
        except SessionExpired:
            yield self._login_redirect()
            return
        yield from self._refresh()

    @rx.event
    def set_preset(self, value: str) -> Iterator[Any]:
        """Pick a range by name; "custom" keeps the dates shown for editing."""
        self.preset = value if value in PRESETS else "30d"
        if self.preset != "custom":
            yield from self._refresh()

    @rx.event
    def set_from(self, value: str) -> Iterator[Any]:
        """Start the range on another day."""
        self.preset, self.date_from = "custom", value
        if value:
            yield from self._refresh()

    @rx.event
    def set_to(self, value: str) -> Iterator[Any]:
        """End the range on another day."""
        self.preset, self.date_to = "custom", value
        if value:
            yield from self._refresh()

    @rx.event
    def set_provider(self, value: str) -> Iterator[Any]:
        """Count one provider only, or all."""
        self.provider, self.model = value or ALL, ALL
        yield from self._refresh()

    @rx.event
    def set_model(self, value: str) -> Iterator[Any]:
        """Count one model only, or all."""
        self.model = value or ALL
        yield from self._refresh()

    @rx.event
    def set_project(self, value: str) -> Iterator[Any]:
        """Count one project only, or all."""
        self.project = value or ALL
        yield from self._refresh()

    @rx.event
    def set_period(self, value: str | list[str]) -> Iterator[Any]:
        """Draw the trend per day, week or month."""
        self.period = value if isinstance(value, str) and value in PERIODS else "day"
        yield from self._refresh()

    @rx.event
    def clear_filters(self) -> Iterator[Any]:
        """Back to the last 30 days of everything."""
        self.preset, self.provider, self.model, self.project, self.period = "30d", ALL, ALL, ALL, "day"
        yield from self._refresh()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
