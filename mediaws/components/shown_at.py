"""Children mounted only while a media query matches or the page opens them (shown_at.jsx)."""

from __future__ import annotations

import reflex as rx


class ShownAt(rx.Component):
    """Mount the children on screens matching ``query``, or anywhere once ``open`` is true."""

    library = "$/public/" + rx.asset("shown_at.jsx", shared=True)
    tag = "ShownAt"
    is_default = True

    query: rx.Var[str]
    open: rx.Var[bool]


shown_at = ShownAt.create
