"""The "Manage tags" dialog: rename inline, recolour, delete after asking; a new-tag row on top."""

from __future__ import annotations

import reflex as rx

from mediaws.components.forms import error_message
from mediaws.services.tags import COLOURS
from mediaws.state.tag_manager import TagManagerState, TagRow

S = TagManagerState
TAP = {"min_height": "44px", "min_width": "44px"}
FIELD = {"min_height": "44px"}


def _swatch(colour: str) -> rx.Component:
    return rx.box(
        width="14px",
        height="14px",
        flex_shrink="0",
        border_radius="50%",
        background=f"var(--{colour}-9)",
        aria_hidden="true",
    )


def _colour_items() -> rx.Component:
    return rx.select.content(
        *[
            rx.select.item(
                rx.flex(_swatch(colour), colour.capitalize(), align="center", spacing="2"), value=colour
            )
            for colour in COLOURS
        ]
    )


def _colour_picker(label: str | rx.Var, value: rx.Var, on_change: rx.EventHandler | object) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label, style=FIELD, min_width="7.5rem"),
        _colour_items(),
        value=value,
        on_change=on_change,
        size="3",
    )


def _rename(row: TagRow) -> rx.Component:
    return rx.form(
        rx.el.input(type="hidden", name="tag_id", value=row.id),
        rx.flex(
            rx.input(
                name="name",
                default_value=row.name,
                aria_label="Name of tag " + row.name,
                aria_invalid=rx.cond(row.error != "", "true", "false"),
                auto_complete="off",
                max_length=40,
                size="3",
                flex="1",
                min_width="0",
                style=FIELD,
            ),
            rx.button("Save", type="submit", variant="soft", size="3", style=TAP),
            spacing="2",
            width="100%",
        ),
        no_validate=True,
        on_submit=S.rename,
        reset_on_submit=False,
        width="100%",
    )


def _confirm(row: TagRow) -> rx.Component:
    return rx.callout.root(
        rx.vstack(
            rx.text(rx.text.strong("Delete tag “", row.name, "”?"), " ", row.delete_note, size="2"),
            rx.flex(
                rx.button(
                    "Keep it",
                    variant="soft",
                    color_scheme="gray",
                    size="3",
                    on_click=S.cancel_delete,
                    auto_focus=True,
                ),
                rx.button("Delete tag", color_scheme="red", size="3", on_click=S.delete(row.id)),
                spacing="2",
                justify="end",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        color_scheme="red",
        role="alert",
        width="100%",
    )


def _row(row: TagRow) -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.flex(
                rx.badge(row.name, color_scheme=row.colour, variant="soft", radius="full", size="2"),
                rx.text(row.count_label, size="2", color_scheme="gray", white_space="nowrap"),
                align="center",
                spacing="2",
                wrap="wrap",
                flex="1",
                min_width="0",
                class_name="break-all",
            ),
            _colour_picker("Colour of tag " + row.name, row.colour, lambda value: S.recolour(row.id, value)),
            rx.icon_button(
                rx.icon("trash-2", size=16),
                variant="soft",
                color_scheme="red",
                size="3",
                aria_label="Delete tag " + row.name,
                title="Delete tag",
                on_click=S.ask_delete(row.id),
                style=TAP,
            ),
            align="center",
            spacing="2",
            width="100%",
        ),
        _rename(row),
        rx.cond(row.error != "", rx.text(row.error, size="2", color="var(--red-11)", role="alert")),
        rx.cond(S.confirm_id == row.id, _confirm(row)),
        rx.separator(size="4"),
        spacing="2",
        width="100%",
        key=row.id + ":" + row.name,
        custom_attrs={"data-tag": row.id, "role": "listitem"},
    )


def _new_tag() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label("New tag", html_for="tagman-new", class_name="field-label"),
            rx.flex(
                rx.input(
                    id="tagman-new",
                    name="name",
                    placeholder="Name",
                    auto_complete="off",
                    max_length=40,
                    size="3",
                    flex="1 1 12rem",
                    min_width="0",
                    style=FIELD,
                ),
                rx.flex(
                    _colour_picker("Colour of the new tag", S.new_colour, S.set_new_colour),
                    rx.button(rx.icon("plus", size=16), "Create", type="submit", size="3", style=TAP),
                    spacing="2",
                    margin_left="auto",
                ),
                spacing="2",
                wrap="wrap",
                width="100%",
            ),
            error_message(S.new_error),
            spacing="2",
            width="100%",
        ),
        no_validate=True,
        on_submit=S.create,
        key=S.new_key,
        width="100%",
    )


def _list() -> rx.Component:
    return rx.vstack(
        rx.heading("Your tags", size="3", as_="h3"),
        rx.cond(
            S.rows.length() > 0,
            rx.vstack(
                rx.foreach(S.rows, _row),
                spacing="3",
                width="100%",
                role="list",
                aria_label="Your tags",
            ),
            rx.text("No tags yet. Make one above.", size="2", color_scheme="gray"),
        ),
        spacing="3",
        width="100%",
    )


def manage_tags_button() -> rx.Component:
    """The filter bar's icon button (labelled on wide screens) that opens the dialog."""
    return rx.button(
        rx.icon("tags", size=18),
        rx.text.span("Manage tags", display=rx.breakpoints(initial="none", md="inline")),
        variant="soft",
        size="2",
        aria_label="Manage tags",
        title="Manage tags",
        type="button",
        style={"minWidth": "44px"},
    )


def tag_manager() -> rx.Component:
    """The button and the dialog it opens, listing the user's tags with how many assets carry each."""
    return rx.dialog.root(
        rx.dialog.trigger(manage_tags_button()),
        rx.dialog.content(
            rx.flex(
                rx.dialog.title("Manage tags", margin="0"),
                rx.spacer(),
                rx.dialog.close(
                    rx.icon_button(
                        rx.icon("x", size=18),
                        variant="ghost",
                        color_scheme="gray",
                        size="3",
                        aria_label="Close",
                        style=TAP,
                    )
                ),
                align="center",
                width="100%",
            ),
            rx.dialog.description(
                "Rename, recolour or delete your tags. Deleting a tag leaves its assets alone.",
                size="2",
                color_scheme="gray",
                margin_top="var(--space-1)",
            ),
            rx.vstack(
                _new_tag(),
                rx.separator(size="4"),
                _list(),
                spacing="4",
                width="100%",
                padding_top="var(--space-3)",
            ),
            max_width="560px",
            width="100%",
            padding=rx.breakpoints(initial="16px", sm="24px"),
        ),
        open=S.manage_open,
        on_open_change=S.set_manage_open,
    )
