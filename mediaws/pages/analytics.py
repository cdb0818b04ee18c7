"""The analytics dashboard: where the money goes, by provider, model, type, project and time."""

from __future__ import annotations

import reflex as rx

from mediaws import routes
from mediaws.components.charts import (
    BUDGET_CARD_HEIGHT,
    budget_meter,
    budget_placeholder,
    chart_card,
    figure_card,
    stat,
)
from mediaws.components.filters import labelled_date, labelled_select
from mediaws.components.lazy_select import rows
from mediaws.layout import app_page, project_heading
from mediaws.state.analytics import ALL, PRESETS, AnalyticsState
from mediaws.state.local_choice import ANALYTICS_FILTERS, ANALYTICS_PICKED, set_tagged, shown
from mediaws.state.project_analytics import ProjectAnalyticsState

TWO_COLUMNS = rx.breakpoints(initial="1", md="2")


def _filters() -> rx.Component:
    state = AnalyticsState
    return rx.grid(
        labelled_select(
            "Range",
            state.preset,
            state.set_preset,
            rows(PRESETS.items()),
            local=ANALYTICS_FILTERS["preset"],
        ),
        labelled_date("From", state.date_from, state.set_from),
        labelled_date("To", state.date_to, state.set_to),
        labelled_select(
            "Provider",
            state.provider,
            [set_tagged(ANALYTICS_PICKED["provider"], state.answers), state.set_provider],
            rx.Var.create(rows([(ALL, "All providers")])) + state.providers,
            local=ANALYTICS_FILTERS["provider"],
        ),
        labelled_select(
            "Model",
            state.model,
            [set_tagged(ANALYTICS_PICKED["model"], state.answers), state.set_model],
            rx.Var.create(rows([(ALL, "All models")])) + state.models,
            local=ANALYTICS_FILTERS["model"],
        ),
        labelled_select(
            "Project",
            state.project,
            [set_tagged(ANALYTICS_PICKED["project"], state.answers), state.set_project],
            rx.Var.create([{"id": ALL, "name": "All projects"}]) + state.projects,
            local=ANALYTICS_FILTERS["project"],
            value_key="id",
            label_key="name",
        ),
        columns=rx.breakpoints(initial="2", sm="3", lg="6"),
        spacing="3",
        width="100%",
        class_name="analytics-filters",
    )


def _download(label: str, icon: str, href: rx.Var, description: str) -> rx.Component:
    """A button whose file the browser downloads itself, with its own progress, sending the login cookie."""
    return rx.button(
        rx.icon(icon, size=16), label, variant="soft", on_click=rx.download(url=href), aria_label=description
    )


def _header() -> rx.Component:
    return rx.flex(
        rx.text(
            rx.cond(
                AnalyticsState.loaded,
                AnalyticsState.headline["range"] + " · days in " + AnalyticsState.headline["zone"],
                "Counting…",
            ),
            color_scheme="gray",
            size="2",
        ),
        rx.spacer(),
        rx.hstack(
            rx.button(
                rx.icon("rotate-ccw", size=16),
                "Reset",
                variant="soft",
                color_scheme="gray",
                on_click=AnalyticsState.clear_filters,
                aria_label="Reset filters",
            ),
            _download("CSV", "download", AnalyticsState.csv_url, "Download the generations as CSV"),
            _download("PDF", "file-text", AnalyticsState.pdf_url, "Download the usage report as PDF"),
            spacing="2",
            wrap="wrap",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        gap="3",
        width="100%",
        align=rx.breakpoints(initial="start", sm="center"),
    )


def _budget() -> rx.Component:
    budget = AnalyticsState.budget
    caption = rx.hstack(
        rx.text(budget["percent"] + " used", size="2"),
        rx.spacer(),
        rx.text(budget["scope"], size="1", color_scheme="gray"),
        width="100%",
        wrap="wrap",
    )
    title = "This month against budget"
    none = rx.text(
        "No monthly budget: spend is not capped. Set one on a ",
        rx.link("project's page", href=routes.PROJECTS),
        ".",
        size="2",
        color_scheme="gray",
    )
    return rx.cond(
        budget.contains("percent"),
        budget_meter(title, budget, AnalyticsState.budget_percent, caption, min_height=BUDGET_CARD_HEIGHT),
        budget_placeholder(title, AnalyticsState.loaded, none),
    )


HEADS = {
    "provider": (AnalyticsState.provider, AnalyticsState.provider_heads),
    "model": (AnalyticsState.model, AnalyticsState.model_heads),
    "project": (AnalyticsState.project, AnalyticsState.project_heads),
}


def _picks() -> dict[str, tuple[rx.Var, rx.Var]]:
    """Each filter's value just picked, and whether its headline is known before the server's dashboard is.

    Two picks on one dashboard (a provider, then a model before the answer) show nothing early.
    """
    found, pending = {}, []
    for name, (server, heads) in HEADS.items():
        choice = ANALYTICS_PICKED[name].value
        picked = choice.split("@")[0]
        waiting = choice.endswith("@" + AnalyticsState.answers.to_string()) & (picked != server)
        found[name] = (picked, waiting & heads.contains(picked))
        pending.append(waiting)
    several = (pending[0] & pending[1]) | (pending[0] & pending[2]) | (pending[1] & pending[2])
    return {name: (picked, flag & ~several) for name, (picked, flag) in found.items()}


def _early() -> rx.Var:
    """Whether a pick's headline is shown before the server's dashboard."""
    flags = [flag for _, flag in _picks().values()]
    return flags[0] | flags[1] | flags[2]


def _head(name: str) -> rx.Var:
    """One headline figure: the picked provider's, model's or project's at the pick, then the server's."""
    shown = AnalyticsState.headline[name]
    for filter_name, (picked, early) in _picks().items():
        shown = rx.cond(early, HEADS[filter_name][1][picked][name], shown)
    return shown


def _stats() -> rx.Component:
    head = {
        name: _head(name)
        for name in ("total", "total_exact", "requests", "outcomes", "success_rate", "average")
    }
    return rx.grid(
        stat("Spend", head["total"], head["total_exact"], AnalyticsState.loaded),
        stat("Requests", head["requests"], head["outcomes"], AnalyticsState.loaded),
        stat("Success rate", head["success_rate"], "of finished requests", AnalyticsState.loaded),
        stat("Per request", head["average"], "average spend", AnalyticsState.loaded),
        columns=rx.breakpoints(initial="2", md="4"),
        spacing="3",
        width="100%",
    )


def _reported() -> rx.Component:
    head = {name: _head(name) for name in ("reported", "derived", "reported_percent")}
    return rx.card(
        rx.vstack(
            rx.heading("Reported vs derived", size="3", as_="h2"),
            rx.grid(
                rx.vstack(
                    rx.text(head["reported"], size="5", weight="bold"),
                    rx.text("from the providers' usage reports", size="1", color_scheme="gray"),
                    spacing="0",
                ),
                rx.vstack(
                    rx.text(head["derived"], size="5", weight="bold"),
                    rx.text("priced from the request (no usage reported)", size="1", color_scheme="gray"),
                    spacing="0",
                ),
                columns="2",
                spacing="3",
                width="100%",
            ),
            rx.text(head["reported_percent"] + " of the spend was reported by providers.", size="1"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _top(title: str, rows: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="3", as_="h2"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Name"),
                        rx.table.column_header_cell("Requests", justify="end"),
                        rx.table.column_header_cell("Spend", justify="end"),
                    )
                ),
                rx.table.body(
                    rx.foreach(
                        rows,
                        lambda row: rx.table.row(
                            rx.table.cell(rx.text(row["name"], class_name="break-all")),
                            rx.table.cell(row["requests"], justify="end"),
                            rx.table.cell(row["cost"], justify="end"),
                        ),
                    )
                ),
                size="1",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _charts() -> rx.Component:
    state = AnalyticsState
    ready = state.loaded
    empty = state.has_data
    trend_switch = rx.segmented_control.root(
        rx.segmented_control.item("Day", value="day"),
        rx.segmented_control.item("Week", value="week"),
        rx.segmented_control.item("Month", value="month"),
        value=shown(ANALYTICS_FILTERS["period"], state.period),
        on_change=[ANALYTICS_FILTERS["period"].set, state.set_period],
        size="1",
        aria_label="Trend per day, week or month",
    )
    return rx.vstack(
        chart_card("Spend over time", state.fig_trend, ready, empty, wide=True, action=trend_switch),
        rx.grid(
            chart_card("Requests", state.fig_volume, ready, empty),
            chart_card("Spend by provider", state.fig_provider, ready, empty),
            chart_card("Spend by type", state.fig_type, ready, empty),
            chart_card("Spend by model", state.fig_model, ready, empty),
            rx.cond(state.project == ALL, chart_card("Spend by project", state.fig_project, ready, empty)),
            chart_card("Outcomes by provider", state.fig_reliability, ready, empty),
            chart_card("Average generation time by model", state.fig_time, ready, empty),
            figure_card(_reported(), ready),
            columns=TWO_COLUMNS,
            spacing="3",
            width="100%",
        ),
        chart_card("Peak usage (weekday by hour)", state.fig_heatmap, ready, empty, wide=True),
        rx.cond(
            ready & empty,
            rx.grid(
                _top("Most used providers", state.top_providers),
                _top("Most used models", state.top_models),
                columns=TWO_COLUMNS,
                spacing="3",
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
        opacity=rx.cond((state.loading | _early()) & ready, "0.6", "1"),
        aria_busy=state.loading | _early(),
    )


def analytics_page() -> rx.Component:
    """Spend and usage for the filters chosen, with charts that load after the page has painted."""
    return app_page(
        _header(),
        _filters(),
        rx.cond(
            AnalyticsState.error != "",
            rx.callout(
                AnalyticsState.error, icon="circle-alert", color_scheme="red", role="alert", width="100%"
            ),
        ),
        _budget(),
        _stats(),
        rx.cond(
            AnalyticsState.loaded & ~AnalyticsState.has_data,
            rx.callout(
                rx.text(
                    "No generations in this range yet. ",
                    rx.link("Generate something", href=routes.GENERATE),
                    " or widen the filters.",
                ),
                icon="chart-no-axes-column",
                width="100%",
            ),
        ),
        _charts(),
        title="Analytics",
        lede="What your generations cost, by provider, model, type and project, and when you make them.",
    )


def _project_budget() -> rx.Component:
    state = ProjectAnalyticsState
    caption = rx.text(
        state.budget["percent"] + " used · generation stops before a job would pass the budget",
        size="1",
        color_scheme="gray",
    )
    return rx.cond(
        state.budget.contains("percent"),
        budget_meter("Budget this month", state.budget, state.budget_percent, caption),
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text("Budget this month", weight="medium"),
                    rx.spacer(),
                    rx.link("Set a monthly budget", href=state.project_url, size="2"),
                    width="100%",
                    align="center",
                    wrap="wrap",
                ),
                rx.text("No budget: spend is not capped.", size="2", color_scheme="gray"),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
    )


def _chains() -> rx.Component:
    state = ProjectAnalyticsState
    return rx.card(
        rx.vstack(
            rx.heading("Cost along asset lineage", size="3", as_="h2"),
            rx.text(
                "Originals with the assets made from them (edits, conversions), costliest first.",
                size="1",
                color_scheme="gray",
            ),
            rx.cond(
                state.chains.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Original"),
                            rx.table.column_header_cell("Assets", justify="end"),
                            rx.table.column_header_cell("Cost", justify="end"),
                        )
                    ),
                    rx.table.body(
                        rx.foreach(
                            state.chains,
                            lambda row: rx.table.row(
                                rx.table.cell(rx.link(row["name"], href=row["url"], class_name="break-all")),
                                rx.table.cell(row["assets"], justify="end"),
                                rx.table.cell(row["cost"], justify="end"),
                            ),
                        )
                    ),
                    size="1",
                    width="100%",
                ),
                rx.text("No asset has been made from another yet.", size="2", color_scheme="gray"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _project_heading() -> rx.Component:
    """The way back, the project's name and the link to the dashboard: in the first paint."""
    state = ProjectAnalyticsState
    return rx.cond(
        state.not_found,
        rx.fragment(),
        rx.flex(
            rx.vstack(
                rx.link(
                    rx.hstack(
                        rx.icon("arrow-left", size=16), rx.text("Project"), spacing="1", align="center"
                    ),
                    href=state.project_url,
                    size="2",
                ),
                project_heading(state.name + " · analytics"),
                spacing="1",
            ),
            rx.spacer(),
            rx.link(
                rx.button(rx.icon("chart-column", size=16), "Filter in Analytics", variant="soft"),
                href=state.dashboard_url,
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="3",
            width="100%",
            align=rx.breakpoints(initial="start", sm="end"),
        ),
    )


def _project_content() -> rx.Component:
    state = ProjectAnalyticsState
    text = state.figures_text
    ready = state.loaded
    return rx.vstack(
        rx.grid(
            stat("Total spend", text["total"], "since the project began", ready),
            stat("Generations", text["generations"], text["succeeded"], ready),
            stat("Per generation", text["average"], "average spend", ready),
            stat("Assets", text["assets"], text["bytes"], ready),
            columns=rx.breakpoints(initial="2", md="4"),
            spacing="3",
            width="100%",
        ),
        figure_card(_project_budget(), ready),
        chart_card("Spend over the last 30 days", state.fig_trend, ready, state.has_data, wide=True),
        rx.grid(
            chart_card("Spend by provider", state.fig_provider, ready, state.has_data),
            chart_card("Spend by type", state.fig_type, ready, state.has_data),
            columns=TWO_COLUMNS,
            spacing="3",
            width="100%",
        ),
        figure_card(_chains(), ready),
        spacing="4",
        width="100%",
    )


def project_analytics_page() -> rx.Component:
    """One project's spend, assets, budget and lineage costs."""
    return app_page(
        rx.cond(
            ProjectAnalyticsState.not_found,
            rx.callout(
                rx.text(
                    "This project does not exist or is not yours. ", rx.link("Projects", href=routes.PROJECTS)
                ),
                icon="circle-alert",
                color_scheme="red",
                width="100%",
            ),
            _project_content(),
        ),
        header=_project_heading(),
    )
