"""Cards for figures, budget meters and Plotly charts: a skeleton until the figures arrive."""

from __future__ import annotations

from typing import Any

import reflex as rx
from plotly.graph_objects import Figure

from mediaws.components.when_visible import when_visible
from mediaws.services.analytics import BUDGET_WARNING_PERCENT
from mediaws.state.analytics_figures import CHART_HEIGHT, CONFIG

BUDGET_CARD_HEIGHT = rx.breakpoints(initial="8rem", sm="5.75rem")
"""The budget card's height with or without a budget (its title wraps on a phone), so nothing moves."""


def _skeleton(height: str) -> rx.Component:
    return rx.box(height=height, width="100%", class_name="skeleton", aria_hidden="true")


def chart_card(
    title: str,
    figure: rx.Var,
    ready: rx.Var,
    has_data: rx.Var,
    *,
    wide: bool = False,
    action: rx.Component | None = None,
) -> rx.Component:
    """A titled chart, drawn once it is on screen; Plotly's bundle is a client-only import."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(title, size="3", as_="h2"),
                rx.spacer(),
                action if action is not None else rx.fragment(),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                ready,
                rx.cond(
                    has_data,
                    rx.box(
                        when_visible(
                            rx.plotly.cartesian(
                                data=figure.to(Figure),
                                config=CONFIG,
                                use_resize_handler=True,
                                style={"width": "100%"},
                            ),
                        ),
                        role="img",
                        aria_label=title,
                        width="100%",
                        min_height=_height(figure),
                        class_name="chart",
                    ),
                    rx.center(
                        rx.text("No data for these filters", color_scheme="gray", size="2"),
                        height="160px",
                        width="100%",
                        class_name="chart-empty",
                    ),
                ),
                _skeleton(f"{CHART_HEIGHT}px"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        min_width="0",
        grid_column="1 / -1" if wide else None,
    )


def _height(figure: rx.Var) -> rx.Var:
    """A figure's height in CSS pixels, so its box keeps the chart's place before Plotly has loaded."""
    return figure.to(dict)["layout"].to(dict)["height"].to(str) + "px"


def figure_card(content: rx.Component, ready: rx.Var) -> rx.Component:
    """A card of figures in text, a skeleton until they arrive."""
    return rx.cond(ready, content, rx.card(_skeleton("120px"), width="100%"))


def stat(label: str, value: rx.Var, note: rx.Var | str, ready: rx.Var) -> rx.Component:
    """One headline number with a label and a line of detail."""
    return rx.card(
        rx.vstack(
            rx.text(label, size="2", color_scheme="gray"),
            rx.cond(
                ready,
                rx.text(value, size="6", weight="bold", class_name="break-all"),
                _skeleton("1.9rem"),
            ),
            rx.cond(ready, rx.text(note, size="1", color_scheme="gray"), _skeleton("0.8rem")),
            spacing="1",
            width="100%",
        ),
        width="100%",
        min_width="0",
    )


def budget_meter(
    title: str, budget: rx.Var, used: rx.Var, caption: rx.Component, *, min_height: Any = None
) -> rx.Component:
    """This month's spend against a budget: the amounts, a bar coloured by the share used, any warning.

    The warning takes the caption's line, so the card keeps its height whatever the share used.
    """
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(title, weight="medium"),
                rx.spacer(),
                rx.text(budget["spent"] + " of " + budget["budget"], weight="bold"),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.progress(
                value=used,
                max=100,
                color_scheme=rx.cond(
                    used >= 100, "red", rx.cond(used >= BUDGET_WARNING_PERCENT, "amber", "green")
                ),
                size="3",
                aria_label="Share of this month's budget used",
            ),
            rx.cond(
                budget["warning"] != "",
                rx.hstack(
                    rx.icon("triangle-alert", size=16, aria_hidden="true", flex_shrink="0"),
                    rx.text(budget["warning"], size="2", weight="medium"),
                    spacing="2",
                    align="center",
                    color=rx.cond(used >= 100, rx.color("red", 11), rx.color("amber", 11)),
                    role="alert",
                ),
                caption,
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        min_height=min_height,
    )


def budget_placeholder(title: str, ready: rx.Var, note: rx.Component) -> rx.Component:
    """The budget meter's place until the figures arrive (a skeleton), or ``note`` without a budget."""
    return rx.card(
        rx.vstack(
            rx.text(title, weight="medium"),
            rx.cond(ready, note, rx.vstack(_skeleton("0.75rem"), _skeleton("1rem"), width="100%")),
            spacing="2",
            width="100%",
        ),
        width="100%",
        min_height=BUDGET_CARD_HEIGHT,
    )
