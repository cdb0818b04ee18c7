"""One project's analytics: its spend since it began, what it keeps, its budget and its costliest lineages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import reflex as rx

from mediaws import routes
from mediaws.errors import NotFoundError, SessionExpired
from mediaws.media.ingest import human_bytes
from mediaws.pricing.cost import dollars
from mediaws.services import analytics, asset_lineage
from mediaws.state import analytics_figures as figures
from mediaws.state.auth import AuthState

PICOS_PER_MICRO = 10**6


def _budget(found: analytics.ProjectSummary) -> dict[str, str]:
    used = found.budget_used_percent
    if used is None:
        return {}
    budget = found.project.monthly_budget_micros or 0
    return {
        "spent": dollars(found.month_spent_micros * PICOS_PER_MICRO),
        "budget": dollars(budget * PICOS_PER_MICRO),
        "percent": f"{used} %",
        "warning": found.budget_warning,
    }


def _chain(chain: asset_lineage.ChainCost) -> dict[str, str]:
    root = chain.root
    return {
        "name": root.name or root.prompt[:80] or root.kind.capitalize(),
        "kind": root.kind,
        "url": routes.asset_url(str(root.id)),
        "assets": f"{chain.assets:,}",
        "cost": dollars(chain.cost_micros * PICOS_PER_MICRO),
    }


class ProjectAnalyticsState(AuthState):
    """What the project's analytics page shows."""

    loaded: bool = False
    not_found: bool = False
    name: str = ""
    project_url: str = ""
    dashboard_url: str = ""
    figures_text: dict[str, str] = {}
    budget: dict[str, str] = {}
    budget_percent: int = 0
    has_data: bool = False
    chains: list[dict[str, str]] = []
    fig_provider: dict[str, Any] = {}
    fig_type: dict[str, Any] = {}
    fig_trend: dict[str, Any] = {}

    def _project_id(self) -> str:
        return self.router.url.path.rstrip("/").rsplit("/", 2)[-2]

    @rx.event
    def load(self) -> Iterator[Any]:
        """Page load: the project if it is the person's, else "not found"."""
        self.loaded = self.not_found = False
        try:
            with self._signed_in() as (_, user):
                self.user_email = user.email
        except SessionExpired:
            yield self._login_redirect()
            return
        yield
        try:
            with self._signed_in() as (session, user):
                found = analytics.project_summary(session, user_id=user.id, project_id=self._project_id())
                project_id = found.project.id
                today = analytics.today_for(session, user.id)
                recent = analytics.parse_filters(start=None, end=None, today=today, project_id=project_id)
                daily = analytics.usage(session, user_id=user.id, filters=recent, period="day")
                chains = asset_lineage.chain_costs(session=session, user_id=user.id, project_id=project_id)
        except SessionExpired:
            yield self._login_redirect()
            return
        except NotFoundError:
            self.not_found = self.loaded = True
            return
        self.name = found.project.name
        self.project_url = routes.project_url(str(project_id))
        self.dashboard_url = f"{routes.ANALYTICS}?project={project_id}"
        self.figures_text = {
            "total": dollars(found.cost_picos),
            "generations": f"{found.requests:,}",
            "succeeded": f"{found.succeeded:,} succeeded",
            "average": dollars(found.average_cost_picos),
            "assets": f"{found.asset_count:,}",
            "bytes": human_bytes(found.asset_bytes),
        }
        self.budget = _budget(found)
        self.budget_percent = min(100, found.budget_used_percent or 0)
        self.has_data = found.requests > 0
        self.chains = [_chain(chain) for chain in chains]
        self.fig_provider = figures.share_pie(found.by_provider)
        self.fig_type = figures.share_bars(found.by_type)
        self.fig_trend = figures.spend_trend(figures.filled(daily, recent.start, recent.end, "day"), "day")
        self.loaded = True
