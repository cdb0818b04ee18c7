"""Labelled form fields and inline error messages."""

from __future__ import annotations

from typing import Any

import reflex as rx


def field(
    label: str,
    name: str,
    *,
    form: str = "",
    type: str = "text",
    placeholder: str = "",
    default_value: Any = None,
    auto_complete: str = "off",
    hint: str = "",
    multiline: bool = False,
) -> rx.Component:
    """A visible label tied to its input, with an optional hint below."""
    field_id = f"{form or 'f'}-{name}"
    props: dict[str, Any] = {
        "id": field_id,
        "name": name,
        "placeholder": placeholder,
        "width": "100%",
    }
    if default_value is not None:
        props["default_value"] = default_value
    if multiline:
        control = rx.text_area(rows="3", **props)
    else:
        control = rx.input(type=type, auto_complete=auto_complete, size="3", **props)
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1",
        width="100%",
    )


def error_message(message: Any) -> rx.Component:
    """An alert shown only when the message is not empty."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


def submit(label: str, **props: Any) -> rx.Component:
    """The primary button of a form."""
    return rx.button(label, type="submit", size="3", **props)
