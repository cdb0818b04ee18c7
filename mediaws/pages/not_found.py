"""The page for an address that leads nowhere, with the ways back."""

from __future__ import annotations

import reflex as rx

from mediaws import routes
from mediaws.layout import public_page


def not_found_page() -> rx.Component:
    """Say the page does not exist and offer the projects (or the login, which leads there)."""
    return public_page(
        rx.heading("Page not found", size="6", as_="h1"),
        rx.text(
            "Nothing lives at this address. It may have been mistyped, or what it showed was deleted.",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.link(
                rx.button(rx.icon("folder-open", size=16), "Go to your projects", size="3"),
                href=routes.PROJECTS,
            ),
            rx.link(rx.button("Generate", variant="soft", size="3"), href=routes.GENERATE),
            spacing="3",
            wrap="wrap",
        ),
    )
