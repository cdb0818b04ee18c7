"""Labelled filter controls shared by the gallery and analytics pages."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.experimental.client_state import ClientStateVar

from mediaws.state.local_choice import shown


def _listed(events: rx.EventHandler | list[Any]) -> list[Any]:
    return events if isinstance(events, list) else [events]


def labelled_select(
    label: str,
    value: rx.Var,
    on_change: rx.EventHandler | list[Any],
    *items: rx.Component,
    local: ClientStateVar | None = None,
) -> rx.Component:
    """A select with a small label above it; with ``local``, it shows the choice before the server answers."""
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", as_="div"),
        rx.select.root(
            rx.select.trigger(aria_label=label, width="100%"),
            rx.select.content(*items),
            value=shown(local, value) if local is not None else value,
            on_change=[*([local.set] if local is not None else []), *_listed(on_change)],
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
