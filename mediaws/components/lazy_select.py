"""A Radix select that renders its items only while open (lazy_select.jsx): a form re-renders without them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import reflex as rx
from reflex.event import passthrough_event_spec


class LazySelect(rx.Component):
    """A select of ``items`` (strings, or rows read through the key props) showing the chosen one."""

    library = "$/public/" + rx.asset("lazy_select.jsx", shared=True)
    tag = "LazySelect"
    is_default = True

    items: rx.Var[list[Any]]
    value_key: rx.Var[str]
    label_key: rx.Var[str]
    enabled_key: rx.Var[str]
    value: rx.Var[str]
    default_value: rx.Var[str]
    placeholder: rx.Var[str]
    disabled: rx.Var[bool]
    size: rx.Var[str]

    _rename_props = {"onChange": "onValueChange"}

    on_change: rx.EventHandler[passthrough_event_spec(str)]  # type: ignore[type-arg,valid-type]


lazy_select = LazySelect.create


def rows(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """Select rows from (value, text) pairs."""
    return [{"value": value, "label": text} for value, text in pairs]
