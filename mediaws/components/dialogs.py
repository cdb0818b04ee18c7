"""A dialog holding one form: title, fields, inline error, Cancel and a submit button."""

from __future__ import annotations

from typing import Any

import reflex as rx

from mediaws.components.feedback import haptic
from mediaws.components.forms import error_message, submit


def form_dialog(
    *fields: rx.Component,
    title: Any,
    description: Any,
    error: Any,
    submit_label: str,
    on_submit: Any,
    open: Any,
    on_open_change: Any,
    trigger: rx.Component | None = None,
    danger: bool = False,
    reset_on_submit: bool = False,
    form_key: Any = None,
) -> rx.Component:
    """A modal form; `danger` makes it an alert dialog with a red submit button."""
    kind: Any = rx.alert_dialog if danger else rx.dialog
    close = kind.cancel if danger else kind.close
    form_props: dict[str, Any] = {"key": form_key} if form_key is not None else {}
    form = rx.form(
        rx.vstack(
            *fields,
            error_message(error),
            rx.hstack(
                close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button", size="3")),
                submit(
                    submit_label,
                    **({"color_scheme": "red", "custom_attrs": haptic("warning")} if danger else {}),
                ),
                justify="end",
                width="100%",
            ),
            spacing="3",
        ),
        no_validate=True,
        on_submit=on_submit,
        reset_on_submit=reset_on_submit,
        **form_props,
    )
    content = kind.content(
        kind.title(title), kind.description(description, size="2"), form, max_width="480px"
    )
    parts = [kind.trigger(trigger), content] if trigger is not None else [content]
    return kind.root(*parts, open=open, on_open_change=on_open_change)
