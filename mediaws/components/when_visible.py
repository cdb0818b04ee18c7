"""A box whose contents mount once it comes near the screen (when_visible.jsx, an IntersectionObserver)."""

from __future__ import annotations

import reflex as rx


class WhenVisible(rx.Component):
    """Mount the children when the box is within 200 px of the viewport; until then an empty box."""

    library = "$/public/" + rx.asset("when_visible.jsx", shared=True)
    tag = "WhenVisible"
    is_default = True


when_visible = WhenVisible.create
