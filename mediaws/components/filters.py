"""Labelled filter controls shared by the gallery and analytics pages."""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.experimental.client_state import ClientStateVar

from mediaws.components.lazy_select import lazy_select
from mediaws.state.local_choice import shown


def _listed(events: rx.EventHandler | list[Any]) -> list[Any]:
    return events if isinstance(events, list) else [events]


def labelled_select(
    label: str,
    value: rx.Var,
    on_change: rx.EventHandler | list[Any],
    items: rx.Var | list[Any],
    *,
    local: ClientStateVar | None = None,
    value_key: str = "value",
    label_key: str = "label",
) -> rx.Component:
    """A select of ``items`` with a small label above it; with ``local``, it shows the choice at once.

    Items are strings or rows whose ``value_key`` and ``label_key`` give each one's value and text.
    """
    return rx.vstack(
        rx.text(label, size="1", color_scheme="gray", as_="div"),
        lazy_select(
            items=items,
            value_key=value_key,
            label_key=label_key,
            value=shown(local, value) if local is not None else value,
            on_change=[*([local.set] if local is not None else []), *_listed(on_change)],
            aria_label=label,
            size="2",
            width="100%",
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
