"""Every icon on every page is named in the code: an icon named by a state value ships all of Lucide."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import reflex as rx
from reflex_components_lucide.icon import DynamicIcon

from mediaws.pages import (
    account,
    analytics,
    api_keys,
    asset_detail,
    auth,
    gallery,
    generate,
    not_found,
    projects,
)

PAGES: list[Callable[[], rx.Component]] = [
    auth.login,
    auth.signup,
    projects.projects_page,
    projects.project_page,
    api_keys.keys_page,
    account.account_page,
    generate.generate_page,
    gallery.gallery_page,
    asset_detail.asset_page,
    analytics.analytics_page,
    analytics.project_analytics_page,
    not_found.not_found_page,
]


def _components(component: rx.Component) -> Iterator[rx.Component]:
    yield component
    for child in component.children:
        yield from _components(child)


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.__name__)
def test_no_icon_is_named_by_a_state_value(page: Callable[[], rx.Component]) -> None:
    dynamic = [c for c in _components(page()) if isinstance(c, DynamicIcon)]
    assert dynamic == [], "rx.icon(<Var>) makes the page import every Lucide icon; use rx.cond of fixed icons"
