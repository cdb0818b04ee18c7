"""Every icon on every page is named in the code: an icon named by a state value ships all of Lucide."""

from __future__ import annotations

from collections.abc import Iterator

import reflex as rx
from reflex_components_lucide.icon import DynamicIcon


def _components(component: rx.Component) -> Iterator[rx.Component]:
    yield component
    for child in component.children:
        yield from _components(child)


def test_no_icon_on_any_page_is_named_by_a_state_value() -> None:
    from mediaws.mediaws import app

    pages = {route: page.component for route, page in app._unevaluated_pages.items()}
    assert len(pages) >= 12
    for route, page in pages.items():
        component = page() if callable(page) else page
        dynamic = [c for c in _components(component) if isinstance(c, DynamicIcon)]
        assert dynamic == [], f"{route}: rx.icon(<Var>) imports every Lucide icon; use rx.cond of fixed icons"
