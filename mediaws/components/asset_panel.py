"""The asset page's side panel: name, description, star, tags, facts, actions, the generation and lineage."""

from __future__ import annotations

import reflex as rx

from mediaws.components.dialogs import form_dialog
from mediaws.components.forms import field
from mediaws.components.lazy_select import lazy_select, rows
from mediaws.services.tags import COLOURS
from mediaws.state.asset_detail import AssetDetailState as S
from mediaws.state.asset_views import SHARE_CHOICES, Fact, TagChip, Thumb

TAP = {"min_width": "44px", "min_height": "44px"}


def _facts(rows: rx.Var[list[Fact]]) -> rx.Component:
    return rx.data_list.root(
        rx.foreach(
            rows,
            lambda row: rx.data_list.item(
                rx.data_list.label(row.label, min_width="7rem"),
                rx.data_list.value(rx.text(row.value, class_name="break-all")),
            ),
        ),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        size="2",
    )


def _name() -> rx.Component:
    shown = rx.hstack(
        rx.heading(S.asset.name, as_="h1", size="6", class_name="break-all", flex="1", min_width="0"),
        rx.icon_button(
            rx.icon("pencil", aria_hidden="true"),
            on_click=S.set_renaming(True),
            aria_label="Rename",
            title="Rename",
            variant="ghost",
            size="3",
            style=TAP,
        ),
        rx.icon_button(
            rx.icon("star", fill=rx.cond(S.asset.favourite, "currentColor", "none"), aria_hidden="true"),
            on_click=S.toggle_favourite,
            aria_label=rx.cond(S.asset.favourite, "Remove from favourites", "Add to favourites"),
            aria_pressed=S.asset.favourite,
            variant="ghost",
            color_scheme=rx.cond(S.asset.favourite, "amber", "gray"),
            size="3",
            style=TAP,
        ),
        align="center",
        width="100%",
    )
    editing = rx.form(
        rx.hstack(
            rx.input(
                name="name",
                default_value=S.asset.name,
                aria_label="Name",
                size="3",
                flex="1",
                min_width="0",
                auto_focus=True,
            ),
            rx.button("Save", type="submit", size="3"),
            rx.button(
                "Cancel",
                type="button",
                variant="soft",
                color_scheme="gray",
                size="3",
                on_click=S.set_renaming(False),
            ),
            width="100%",
            wrap="wrap",
        ),
        on_submit=S.rename,
        width="100%",
    )
    return rx.cond(S.renaming, editing, shown)


def _description() -> rx.Component:
    shown = rx.hstack(
        rx.cond(
            S.asset.description != "",
            rx.text(S.asset.description, class_name="pre-wrap", flex="1"),
            rx.text("No description.", color_scheme="gray", flex="1"),
        ),
        rx.button(
            "Edit description",
            variant="ghost",
            size="2",
            on_click=S.set_describing(True),
            style={"minHeight": "44px"},
        ),
        align="start",
        width="100%",
    )
    editing = rx.form(
        rx.vstack(
            rx.text_area(
                name="description",
                default_value=S.asset.description,
                aria_label="Description",
                rows="4",
                width="100%",
            ),
            rx.hstack(
                rx.button("Save description", type="submit", size="3"),
                rx.button(
                    "Cancel",
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    size="3",
                    on_click=S.set_describing(False),
                ),
            ),
            width="100%",
        ),
        on_submit=S.describe,
        width="100%",
    )
    return rx.cond(S.describing, editing, shown)


def _chip(tag: TagChip) -> rx.Component:
    return rx.button(
        tag.name,
        rx.icon("x", size=14, aria_hidden="true"),
        on_click=S.remove_tag(tag.id),
        aria_label="Remove tag " + tag.name,
        color_scheme=tag.colour,
        variant="soft",
        radius="full",
        size="2",
        style={"minHeight": "44px"},
    )


def _tags() -> rx.Component:
    new_tag = form_dialog(
        field("Name", "name", form="tag"),
        rx.vstack(
            rx.el.label("Colour", html_for="tag-colour", class_name="field-label"),
            rx.el.select(
                *[rx.el.option(colour.capitalize(), value=colour) for colour in COLOURS],
                id="tag-colour",
                name="colour",
                default_value="blue",
                style={"minHeight": "44px", "width": "100%"},
            ),
            spacing="1",
            width="100%",
        ),
        title="New tag",
        description="It is put on this asset and can be used on any other.",
        error=S.tag_error,
        submit_label="Create tag",
        on_submit=S.create_tag,
        open=S.tag_open,
        on_open_change=S.set_tag_open,
        reset_on_submit=False,
        trigger=rx.button("New tag", variant="soft", size="2", style={"minHeight": "44px"}),
    )
    add = lazy_select(
        items=S.tag_choices,
        value_key="id",
        label_key="name",
        value="",
        on_change=S.add_tag,
        placeholder="Add a tag",
        aria_label="Add a tag",
        style={"minHeight": "44px"},
    )
    return rx.vstack(
        rx.text("Tags", weight="medium", size="2"),
        rx.flex(rx.foreach(S.tags, _chip), wrap="wrap", spacing="2"),
        rx.flex(rx.cond(S.tag_choices.length() > 0, add), new_tag, wrap="wrap", spacing="2"),
        spacing="2",
        width="100%",
    )


def _share() -> rx.Component:
    return rx.vstack(
        rx.text("Share", weight="medium", size="2"),
        rx.flex(
            lazy_select(
                items=rows(SHARE_CHOICES),
                value=S.share_expiry,
                on_change=S.set_share_expiry,
                aria_label="Link expires after",
                style={"minHeight": "44px"},
            ),
            rx.button(rx.icon("share-2", aria_hidden="true"), "Share", on_click=S.share, size="3"),
            wrap="wrap",
            spacing="2",
        ),
        rx.text("", size="2", color_scheme="green", role="status", custom_attrs={"data-share-status": ""}),
        rx.cond(
            S.share_url != "",
            rx.el.input(
                read_only=True,
                aria_label="Share link",
                custom_attrs={"data-share-url": ""},
                key=S.share_url,
                style={
                    "width": "100%",
                    "minHeight": "44px",
                    "padding": "0 0.5rem",
                    "border": "1px solid var(--gray-a7)",
                    "borderRadius": "var(--radius-2)",
                },
            ),
        ),
        spacing="2",
        width="100%",
    )


def _actions() -> rx.Component:
    delete = form_dialog(
        title="Delete this asset for good?",
        description="The file and its previews are removed; this cannot be undone.",
        error="",
        submit_label="Delete permanently",
        on_submit=S.delete,
        open=S.delete_open,
        on_open_change=S.set_delete_open,
        danger=True,
        trigger=rx.button(
            rx.icon("trash-2", aria_hidden="true"), "Delete", color_scheme="red", variant="soft", size="3"
        ),
    )
    return rx.flex(
        rx.link(
            rx.button(
                rx.icon("download", aria_hidden="true"), "Download", size="3", variant="soft", tab_index=-1
            ),
            href=S.asset.download_url,
        ),
        rx.button(
            rx.cond(  # two fixed icons: an icon named by a Var pulls every Lucide icon into the page
                S.asset.archived,
                rx.icon("archive-restore", aria_hidden="true"),
                rx.icon("archive", aria_hidden="true"),
            ),
            rx.cond(S.asset.archived, "Unarchive", "Archive"),
            on_click=S.toggle_archived,
            size="3",
            variant="soft",
            color_scheme="gray",
        ),
        rx.button(
            rx.icon("copy", aria_hidden="true"),
            "Duplicate",
            on_click=S.duplicate,
            size="3",
            variant="soft",
            color_scheme="gray",
        ),
        delete,
        wrap="wrap",
        spacing="2",
    )


def _thumb(item: Thumb) -> rx.Component:
    picture = rx.cond(
        item.image != "",
        rx.image(
            src=item.image,
            alt="",
            width="64px",
            height="64px",
            object_fit="cover",
            border_radius="var(--radius-2)",
        ),
        rx.center(
            rx.match(
                item.kind,
                ("video", rx.icon("film")),
                ("audio", rx.icon("audio-lines")),
                ("text", rx.icon("file-text")),
                rx.icon("image"),
            ),
            width="64px",
            height="64px",
            background="var(--gray-a3)",
            border_radius="var(--radius-2)",
        ),
    )
    return rx.link(
        rx.vstack(picture, rx.text(item.name, size="1", class_name="clamp-1", max_width="72px"), spacing="1"),
        href=item.url,
        aria_label="Open " + item.name,
        underline="none",
    )


def _generation() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("How it was made", as_="h2", size="4"),
            rx.cond(
                S.made.present,
                rx.vstack(
                    rx.text(S.made.prompt, class_name="pre-wrap", size="2"),
                    _facts(S.made.facts),
                    rx.cond(
                        S.made.options.length() > 0,
                        rx.vstack(
                            rx.text("Options", weight="medium", size="2"),
                            _facts(S.made.options),
                            width="100%",
                        ),
                    ),
                    rx.link(rx.button("Generate again", size="3", tab_index=-1), href=S.made.again_url),
                    spacing="3",
                    width="100%",
                ),
                rx.text("Uploaded, not generated.", color_scheme="gray", size="2"),
            ),
            rx.cond(
                S.asset.start_url != "",
                rx.link(
                    rx.button("Use as start image", size="3", variant="soft", tab_index=-1),
                    href=S.asset.start_url,
                ),
            ),
            rx.cond(
                S.source.length() > 0,
                rx.vstack(
                    rx.text("Made from", weight="medium", size="2"),
                    rx.flex(rx.foreach(S.source, _thumb), spacing="2", wrap="wrap"),
                ),
            ),
            rx.cond(
                S.derived.length() > 0,
                rx.vstack(
                    rx.text("Made from this", weight="medium", size="2"),
                    rx.flex(rx.foreach(S.derived, _thumb), spacing="2", wrap="wrap"),
                ),
            ),
            rx.cond(
                S.chain_cost != "",
                rx.text(
                    "Cost of the whole chain: ", rx.text.strong(S.chain_cost), " ", S.chain_note, size="2"
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def asset_panel() -> rx.Component:
    """Everything about the asset beside (or, on a phone, below) the viewer."""
    return rx.vstack(
        _name(),
        rx.cond(S.asset.archived, rx.badge("Archived", color_scheme="gray", size="2")),
        _description(),
        _tags(),
        _facts(S.facts),
        _actions(),
        _share(),
        _generation(),
        spacing="4",
        width="100%",
        min_width="0",
    )
