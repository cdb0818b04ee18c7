"""The gallery's bulk bar (sticky at the bottom) and its dialogs: new tag, delete confirmation."""

from __future__ import annotations

import reflex as rx

from mediaws.components.dialogs import form_dialog
from mediaws.components.forms import field
from mediaws.components.lazy_select import lazy_select
from mediaws.components.native_form import native_form
from mediaws.state.gallery import GalleryState
from mediaws.state.gallery_bulk import GalleryBulkState
from mediaws.state.gallery_rows import TAG_COLOURS

BULK = GalleryBulkState
ZIP_ACTION = "/api/assets/zip"
ZIP_FRAME = "zip-download"


def _action(label: str, icon: str, action: str) -> rx.Component:
    return rx.button(
        rx.icon(icon, size=16, aria_hidden="true"),
        rx.text.span(label, class_name="bulk-label"),
        variant="soft",
        size="2",
        on_click=BULK.bulk(action),
        aria_label=label,
        title=label,
    )


def _picker(label: str, value: rx.Var, on_change: rx.EventHandler, choices: rx.Var) -> rx.Component:
    return lazy_select(
        items=choices,
        value_key="id",
        label_key="name",
        value=value,
        on_change=on_change,
        placeholder=label,
        aria_label=label,
        min_width="9rem",
        size="2",
    )


def _zip() -> rx.Component:
    """A plain form post, so the browser saves the streamed zip itself.

    It posts into a hidden frame: posting in the page's own window would fire ``beforeunload``, on which
    Reflex drops its connection and the page loads again.
    """
    return native_form(
        rx.foreach(
            BULK.selected, lambda asset_id: rx.el.input(type="hidden", name="assetIds", value=asset_id)
        ),
        rx.button(
            rx.icon("download", size=16, aria_hidden="true"),
            rx.text.span("Download zip", class_name="bulk-label"),
            type="submit",
            variant="soft",
            size="2",
            aria_label="Download zip",
            title="Download as zip",
            disabled=BULK.selected_count == 0,
        ),
        rx.el.iframe(name=ZIP_FRAME, title="Zip download", hidden=True, tab_index=-1),
        method="post",
        action=ZIP_ACTION,
        target=ZIP_FRAME,
    )


def bulk_bar() -> rx.Component:
    """What can be done to the selection; sticks to the bottom of the screen."""
    return rx.box(
        rx.flex(
            rx.text(BULK.selected_count.to_string() + " selected", weight="bold", size="2", role="status"),
            rx.button("Select all matching", variant="ghost", size="2", on_click=BULK.select_all_matching),
            rx.button("Clear", variant="ghost", size="2", color_scheme="gray", on_click=BULK.clear_selection),
            _action("Archive", "archive", "archive"),
            _action("Unarchive", "archive-restore", "unarchive"),
            _action("Favourite", "star", "favourite"),
            _action("Unfavourite", "star-off", "unfavourite"),
            _zip(),
            rx.button(
                rx.icon("trash-2", size=16, aria_hidden="true"),
                rx.text.span("Delete…", class_name="bulk-label"),
                color_scheme="red",
                variant="soft",
                size="2",
                on_click=BULK.open_delete(True),
                aria_label="Delete…",
                title="Delete",
            ),
            rx.flex(
                _picker(
                    "Choose tag",
                    BULK.chosen_tag,
                    BULK.set_bulk_tag,
                    GalleryState.tag_options,
                ),
                rx.button("Tag", variant="soft", size="2", on_click=BULK.apply_tag),
                rx.button(
                    "New tag…", variant="ghost", size="2", on_click=BULK.open_new_tag(True), type="button"
                ),
                spacing="1",
                align="center",
            ),
            rx.cond(
                BULK.move_choices.length() > 0,
                rx.flex(
                    _picker(
                        "Move to project",
                        BULK.move_to,
                        BULK.set_move_to,
                        BULK.move_choices,
                    ),
                    rx.button("Move", variant="soft", size="2", on_click=BULK.move),
                    spacing="1",
                    align="center",
                ),
            ),
            spacing="2",
            wrap="wrap",
            align="center",
        ),
        class_name="bulk-bar",
        width="100%",
        role="region",
        aria_label="Bulk actions",
    )


def bulk_dialogs() -> rx.Component:
    """The new-tag form and the delete confirmation."""
    return rx.fragment(
        form_dialog(
            field("Tag name", "name", form="newtag"),
            rx.vstack(
                rx.el.label("Colour", html_for="newtag-colour", class_name="field-label"),
                rx.select(list(TAG_COLOURS), name="colour", default_value="blue", id="newtag-colour"),
                spacing="1",
            ),
            title="New tag",
            description="The tag is created and put on the selected assets.",
            error=BULK.new_tag_error,
            submit_label="Create and tag",
            on_submit=BULK.create_tag,
            open=BULK.new_tag_open,
            on_open_change=BULK.open_new_tag,
        ),
        form_dialog(
            title=BULK.delete_title,
            description="The selected files and their previews are deleted for good. This cannot be undone.",
            error="",
            submit_label="Delete forever",
            on_submit=BULK.delete,
            open=BULK.delete_open,
            on_open_change=BULK.open_delete,
            danger=True,
        ),
    )
