"""Labelled filter controls shared by the gallery and analytics pages."""

from __future__ import annotations

import reflex as rx


def labelled_select(
    label: str, value: rx.Var, on_change: rx.EventHandler, *items: rx.Component
) -> rx.Component:
    """A select with a small label above it."""
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", as_="div"),
        rx.select.root(
            rx.select.trigger(aria_label=label, width="100%"),
            rx.select.content(*items),
            value=value,
            on_change=on_change,
            size="2",
        ),
        spacing="1",
        min_width="0",
    )


def labelled_date(label: str, value: rx.Var, on_change: rx.EventHandler) -> rx.Component:
    """A date input with a small label above it."""
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", as_="div"),
        rx.input(type="date", value=value, on_change=on_change, aria_label=label, size="2", width="100%"),
        spacing="1",
        min_width="0",
    )
