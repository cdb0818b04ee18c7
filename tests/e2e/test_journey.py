"""The first-day journey in a real browser, at phone and desktop size, on the embedded defaults."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page

from tests.e2e.support import AppServer, Shots, first_day_journey


def test_first_day_journey(
    app_server: AppServer, new_page: Callable[[], Page], shots: Shots, viewport: str
) -> None:
    """Sign up → project → key (masked) → reload → log out → log in → a stranger sees not found."""
    first_day_journey(app_server, new_page, shots, viewport)
