"""Grey stand-ins shaped like a page's content while it loads, announced once to screen readers."""

from __future__ import annotations

import reflex as rx

from mediaws.components.asset_card import skeleton_card

DROP_HINT = "Drop images, videos, audio or text here, or "
"""The upload zone's words, before its "choose files" link: the gallery's skeleton shows them too."""


def bar(width: str, height: str = "0.9rem") -> rx.Component:
    """One grey bar: a line of text, a heading or a control."""
    return rx.box(width=width, height=height, class_name="skeleton", flex_shrink="0")


def _frame(label: str, *parts: rx.Component) -> rx.Component:
    return rx.vstack(
        rx.text(label, class_name="sr-only"),
        rx.vstack(*parts, spacing="5", width="100%", aria_hidden="true"),
        role="status",
        aria_busy="true",
        width="100%",
        class_name="page-skeleton",
        key="page-skeleton",  # the content is mounted afresh, not moved into these nodes (a layout shift)
    )


def _heading() -> rx.Component:
    return rx.vstack(bar("min(16rem, 60%)", "2rem"), bar("min(11rem, 40%)"), spacing="2", width="100%")


def _project_card() -> rx.Component:
    return rx.card(
        rx.vstack(bar("60%", "1.2rem"), bar("90%"), bar("40%", "0.75rem"), spacing="2", width="100%"),
        size="2",
        width="100%",
    )


def projects_skeleton(label: str = "Loading your projects…") -> rx.Component:
    """The projects list: cards in the list's grid."""
    return _frame(
        label,
        rx.grid(
            *[_project_card() for _ in range(6)],
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="3",
            width="100%",
        ),
    )


def _drop_zone() -> rx.Component:
    """The upload zone's place and words (not yet a target): a phone paints them before any card."""
    return rx.flex(
        rx.icon("upload", size=20, color="var(--gray-10)", aria_hidden="true"),
        rx.text(DROP_HINT, "choose files", size="2", color_scheme="gray"),
        spacing="2",
        align="center",
        padding="14px",
        width="100%",
        class_name="drop-zone",
        style={"cursor": "default"},
    )


def gallery_skeleton(label: str = "Loading assets…") -> rx.Component:
    """The gallery: its heading, the upload zone, the search row and a grid of asset cards."""
    return _frame(
        label,
        _heading(),
        _drop_zone(),
        rx.hstack(bar("calc(100% - 6.5rem)", "2.5rem"), bar("6rem", "2.5rem"), spacing="2", width="100%"),
        rx.grid(
            *[skeleton_card() for _ in range(8)],
            columns=rx.breakpoints(initial="2", sm="3", md="4"),
            spacing="3",
            width="100%",
        ),
    )


def fill_picture() -> rx.Component:
    """An image asset's picture, which the server fills in for its owner (``mediaws.web.page_fill``).

    Without a link it is not shown; React keeps the filled link while hydrating.
    """
    return rx.el.img(
        alt="",
        class_name="fill-picture",
        custom_attrs={"data-fill": "asset-picture", "suppressHydrationWarning": True},
    )


def detail_skeleton(label: str = "Loading…", *, picture: bool = False) -> rx.Component:
    """A page about one thing (an asset, a project): its heading, the main block and the facts beside it.

    With ``picture`` (the asset page) the heading is the page's top row and the main block holds the picture
    the server may fill in, where the page will show it: the same box, so it stays the largest paint.
    """
    widths = ("80%", "60%", "70%", "50%", "65%")
    facts = rx.vstack(*[bar(width) for width in widths], spacing="3", width="100%")
    main = rx.grid(
        rx.box(
            *([fill_picture()] if picture else []),
            width="100%",
            class_name="skeleton picture-slot",
            style={"aspect_ratio": "4 / 3"},
        ),
        facts,
        grid_template_columns=rx.breakpoints(initial="minmax(0, 1fr)", md="minmax(0, 3fr) minmax(0, 2fr)"),
        spacing="6",
        width="100%",
    )
    if not picture:
        return _frame(label, _heading(), main)
    top = rx.hstack(
        bar("5rem", "1rem"), rx.spacer(), bar("44px", "44px"), bar("44px", "44px"), align="center"
    )
    return _frame(label, rx.vstack(top.set(width="100%", min_height="44px"), main, spacing="4", width="100%"))


def form_skeleton(label: str = "Loading…") -> rx.Component:
    """A form in a card (Generate's picker): labelled fields, a big text box and the main button."""
    field = rx.vstack(bar("6rem", "0.8rem"), bar("100%", "2.5rem"), spacing="2", width="100%")
    return _frame(
        label,
        rx.card(
            rx.vstack(
                rx.hstack(*[bar("4.5rem", "2rem") for _ in range(4)], spacing="2", wrap="wrap"),
                field,
                field,
                rx.vstack(bar("5rem", "0.8rem"), bar("100%", "6rem"), spacing="2", width="100%"),
                bar("8rem", "2.75rem"),
                spacing="4",
                width="100%",
            ),
            width="100%",
        ),
    )
