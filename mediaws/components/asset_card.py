"""One asset in the gallery grid: a 4:3 thumbnail, its facts, a star, and a checkbox when selecting."""

from __future__ import annotations

import reflex as rx

from mediaws.state.gallery import GalleryState
from mediaws.state.gallery_bulk import GalleryBulkState

THUMB_BOX = {"aspect_ratio": "4 / 3", "overflow": "hidden", "position": "relative"}
TAP = {"min_width": "44px", "min_height": "44px"}


def kind_icon(kind: rx.Var, size: int = 20) -> rx.Component:
    """The icon of an asset's type."""
    return rx.match(
        kind,
        ("image", rx.icon("image", size=size, aria_hidden="true")),
        ("video", rx.icon("film", size=size, aria_hidden="true")),
        ("audio", rx.icon("audio-lines", size=size, aria_hidden="true")),
        ("text", rx.icon("file-text", size=size, aria_hidden="true")),
        rx.icon("file", size=size, aria_hidden="true"),
    )


def _placeholder(card: rx.Var) -> rx.Component:
    return rx.center(
        rx.vstack(
            kind_icon(card.kind, 32),
            rx.text("Preview on its way", size="1"),
            align="center",
            spacing="1",
        ),
        width="100%",
        height="100%",
        color="var(--gray-10)",
        background="var(--gray-a3)",
    )


def _thumbnail(card: rx.Var) -> rx.Component:
    return rx.box(
        rx.cond(
            card.thumb != "",
            rx.el.img(
                src=card.thumb,
                alt="",
                loading="lazy",
                decoding="async",
                class_name=rx.cond(card.kind == "audio", "asset-thumb wave", "asset-thumb"),
            ),
            rx.cond(
                card.excerpt != "",
                rx.text(card.excerpt, size="1", class_name="asset-excerpt"),
                _placeholder(card),
            ),
        ),
        rx.badge(
            kind_icon(card.kind, 12),
            card.kind,
            variant="solid",
            color_scheme="gray",
            high_contrast=True,
            class_name="asset-kind",
        ),
        rx.cond(
            card.archived,
            rx.badge("Archived", color_scheme="orange", variant="solid", class_name="asset-archived"),
        ),
        style=THUMB_BOX,
        background="var(--gray-a2)",
    )


def _facts(card: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(card.name, size="2", weight="medium", class_name="clamp-1", title=card.name),
        rx.text(
            card.size + " · " + card.created + " · " + card.cost,
            size="1",
            color_scheme="gray",
        ),
        rx.cond(
            card.prompt != "",
            rx.text(card.prompt, size="1", class_name="clamp-2", color_scheme="gray", title=card.prompt),
        ),
        rx.cond(
            card.tags.length() > 0,
            rx.flex(
                rx.foreach(
                    card.tags,
                    lambda tag: rx.badge(tag.name, color_scheme=tag.colour, variant="soft", radius="full"),
                ),
                wrap="wrap",
                spacing="1",
            ),
        ),
        spacing="1",
        padding="0.6rem 0.75rem 0.75rem",
        align="start",
        min_width="0",
        width="100%",
    )


def _star(card: rx.Var) -> rx.Component:
    return rx.icon_button(
        rx.icon("star", size=18, fill=rx.cond(card.favourite, "currentColor", "none")),
        variant=rx.cond(card.favourite, "solid", "soft"),
        color_scheme=rx.cond(card.favourite, "amber", "gray"),
        aria_pressed=card.favourite,
        aria_label="Favourite " + card.name,
        on_click=GalleryState.toggle_favourite(card.id),
        class_name="asset-star",
        style=TAP,
    )


def _checkbox(card: rx.Var) -> rx.Component:
    chosen = GalleryBulkState.selected.contains(card.id)
    return rx.el.button(
        rx.cond(chosen, rx.icon("check", size=18, aria_hidden="true")),
        type="button",
        role="checkbox",
        aria_checked=rx.cond(chosen, "true", "false"),
        aria_label="Select " + card.name,
        on_click=lambda event: GalleryBulkState.toggle_select(card.id, event.shift_key),
        class_name=rx.cond(chosen, "asset-check on", "asset-check"),
    )


def asset_card(card: rx.Var) -> rx.Component:
    """A card linking to the asset's page; the star and checkbox sit on top, outside the link."""
    return rx.card(
        rx.link(
            _thumbnail(card),
            _facts(card),
            href=card.url,
            underline="none",
            color_scheme="gray",
            high_contrast=True,
            display="block",
        ),
        _star(card),
        rx.cond(GalleryBulkState.selecting, _checkbox(card)),
        class_name=rx.cond(GalleryBulkState.selected.contains(card.id), "asset-card selected", "asset-card"),
        custom_attrs={
            "data-asset": card.id,
            "data-kind": card.kind,
            "data-extra": rx.cond(card.extra, "", None),
            "data-fav": rx.cond(card.favourite, "", None),
            "data-archived": rx.cond(card.archived, "", None),
            "data-tags": card.tags.foreach(lambda chip: chip.id).join(" "),
            "role": "listitem",
        },
        size="1",
        padding="0",
        position="relative",
        overflow="hidden",
    )


def skeleton_card() -> rx.Component:
    """A grey stand-in while a page of cards loads."""
    return rx.card(
        rx.box(style=THUMB_BOX, class_name="skeleton"),
        rx.vstack(
            rx.box(height="0.9rem", width="70%", class_name="skeleton"),
            rx.box(height="0.7rem", width="50%", class_name="skeleton"),
            spacing="2",
            padding="0.75rem",
        ),
        size="1",
        padding="0",
        aria_hidden="true",
    )
