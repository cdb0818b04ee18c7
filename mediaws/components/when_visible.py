"""A box whose contents mount once it is on screen (when_visible.jsx, an IntersectionObserver)."""

from __future__ import annotations

import reflex as rx


class WhenVisible(rx.Component):
    """Mount the children once a fifth of the box is in the upper 80 % of the screen; a stand-in before."""

    library = "$/public/" + rx.asset("when_visible.jsx", shared=True)
    tag = "WhenVisible"
    is_default = True


when_visible = WhenVisible.create
