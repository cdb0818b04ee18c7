"""Page-wide feedback: the toaster, haptics and pull to refresh.

assets/feedback.js dismisses the toasts of a page when the route changes and buzzes where the device can;
assets/refresh.js runs a list page's load event when the list is pulled down.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_components_sonner.toast import Toaster

from mediaws.components.head_scripts import page_script

TOASTER_PACKAGE = str(Toaster.library)
"""Sonner as Reflex pins it (the package its toast events were written for)."""


class LazyToaster(rx.Component):
    """Sonner's toaster fetched once the page is idle or at its first toast (lazy_toaster.jsx).

    Sonner (35 KB of script) came with every page's first scripts though a page shows a toast only after
    something happened; toasts asked for before it has arrived wait for it and are shown in order.
    """

    library = "$/public/" + rx.asset("lazy_toaster.jsx", shared=True)
    tag = "LazyToaster"
    is_default = True
    lib_dependencies: list[str] = [TOASTER_PACKAGE]

    position: rx.Var[str]
    close_button: rx.Var[bool]
    rich_colors: rx.Var[bool]
    expand: rx.Var[bool]


def page_toaster() -> rx.Component:
    """Toasts at the top centre below the sticky top bar (clear of a phone's foot bars), each closable."""
    return LazyToaster.create(position="top-center", close_button=True, rich_colors=True, expand=True)


def haptic(kind: str) -> dict[str, str]:
    """Attributes that make a control buzz when clicked (``success``, ``warning``, ``error`` or ``tap``)."""
    return {"data-haptic": kind}


def pull_to_refresh(load: Any) -> rx.Component:
    """The hidden button that assets/refresh.js clicks when the page is pulled down: one per list page."""
    return rx.el.button(
        "Refresh", on_click=load, hidden=True, type="button", custom_attrs={"data-refresh": ""}
    )


def feedback_head() -> list[rx.Component]:
    """The scripts behind page-wide feedback, loaded once for every page."""
    return [*page_script("/feedback.js"), *page_script("/refresh.js")]
