"""An item of a long list mounted a few at a time after the first ones (later.jsx), one batch per task."""

from __future__ import annotations

import reflex as rx


class Later(rx.Component):
    """Mount the child once the items before it are on the page; an empty slot until then."""

    library = "$/public/" + rx.asset("later.jsx", shared=True)
    tag = "Later"
    is_default = True

    index: rx.Var[int]
    first: rx.Var[int]


later = Later.create
