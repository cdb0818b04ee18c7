"""Page-wide feedback: the toaster, haptics and pull to refresh.

assets/feedback.js dismisses the toasts of a page when the route changes and buzzes where the device can;
assets/refresh.js runs a list page's load event when the list is pulled down.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.utils.imports import ImportVar
from reflex.vars import Var, VarData
from reflex_components_sonner.toast import Toaster

from mediaws.components.head_scripts import page_script


class PageToaster(Toaster):
    """Reflex's sonner toaster that also hands sonner's toast API to assets/feedback.js."""

    def add_hooks(self) -> list[Var | str]:
        """Reflex's hook, then ``window.mwsToast = toast``."""
        imports = {str(self.library): [ImportVar(tag="toast", install=False)]}
        hand_over: Var = Var(
            _js_expr='if (typeof window !== "undefined") window.mwsToast = toast;',  # not while prerendering
            _var_data=VarData(imports=imports),
        )
        return [*super().add_hooks(), hand_over]


def page_toaster() -> rx.Component:
    """Toasts at the top centre below the sticky top bar (clear of a phone's foot bars), each closable."""
    return PageToaster.create(position="top-center", close_button=True)


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
