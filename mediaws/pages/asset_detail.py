"""One asset: its viewer, details, the generation behind it and what came of it."""

from __future__ import annotations

import reflex as rx

from mediaws import routes
from mediaws.components.asset_panel import asset_panel
from mediaws.components.skeletons import detail_skeleton
from mediaws.components.viewer import asset_viewer
from mediaws.layout import app_page
from mediaws.state.asset_detail import AssetDetailState as S

TAP = {"min_width": "44px", "min_height": "44px"}


def _step(direction: str, icon: str, label: str) -> rx.Component:
    url = S.prev_url if direction == "prev" else S.next_url
    return rx.icon_button(
        rx.icon(icon, aria_hidden="true"),
        on_click=S.step(direction),
        disabled=url == "",
        aria_label=label,
        title=label,
        variant="soft",
        color_scheme="gray",
        size="3",
        style=TAP,
    )


def _top() -> rx.Component:
    return rx.hstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16, aria_hidden="true"), rx.text("Gallery"), align="center"),
            href=S.asset.gallery_url,
            style={"minHeight": "44px", "display": "inline-flex", "alignItems": "center"},
        ),
        rx.spacer(),
        _step("prev", "chevron-left", "Previous asset"),
        _step("next", "chevron-right", "Next asset"),
        align="center",
        width="100%",
    )


def _not_found() -> rx.Component:
    return rx.vstack(
        rx.heading("Asset not found", as_="h1", size="6"),
        rx.text("It may have been deleted, or it belongs to someone else.", color_scheme="gray"),
        rx.link("Back to your projects", href=routes.PROJECTS),
        spacing="3",
    )


def _detail() -> rx.Component:
    return rx.vstack(
        _top(),
        rx.grid(
            rx.box(asset_viewer(), min_width="0"),
            asset_panel(),
            grid_template_columns=rx.breakpoints(
                initial="minmax(0, 1fr)", md="minmax(0, 3fr) minmax(0, 2fr)"
            ),
            spacing="6",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def asset_page() -> rx.Component:
    """The asset page, or a plain “not found” for anything that is not the user's."""
    return app_page(
        rx.cond(
            S.loaded,
            rx.cond(S.not_found, _not_found(), _detail()),
            detail_skeleton("Loading the asset…", picture=True),
        ),
        skeleton=detail_skeleton("Checking your session…", picture=True),
    )
