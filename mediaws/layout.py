"""Page frame: navigation, account menu and the guard for pages that need a login."""

from __future__ import annotations

import reflex as rx

from mediaws import routes
from mediaws.components import offline, pwa
from mediaws.state.auth import AuthState

NO_NAME = "\u00a0"  # what a project heading holds before the name is known


def _nav_link(label: str, href: str, icon: str) -> rx.Component:
    path = rx.State.router.url.path
    here = (path == href) | path.startswith(href + "/")
    return rx.link(
        rx.icon(icon, size=18, aria_hidden="true"),
        rx.text(label, weight="medium"),
        href=href,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        class_name="nav-link",
        aria_current=rx.cond(here, "page", "false"),
    )


def _account_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.icon_button(rx.icon("circle-user-round"), variant="soft", size="2", aria_label="Account menu"),
        ),
        rx.menu.content(
            rx.box(
                rx.text(AuthState.user_email, size="2", color_scheme="gray", class_name="break-all"),
                padding_x="3",
                padding_y="2",
            ),
            rx.menu.separator(),
            rx.menu.item("Account", on_click=rx.redirect(routes.ACCOUNT)),
            rx.menu.item("API keys", on_click=rx.redirect(routes.API_KEYS)),
            rx.menu.separator(),
            rx.menu.item("Log out", color="red", on_click=AuthState.log_out),
            align="end",
        ),
    )


def navbar() -> rx.Component:
    """The top bar shown on every page behind the login."""
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.icon("sparkles", size=20, aria_hidden="true"),
                    rx.text("mediaws", size="4", weight="bold"),
                    spacing="2",
                    align="center",
                ),
                href=routes.PROJECTS,
                underline="none",
                high_contrast=True,
                aria_label="mediaws home",
            ),
            rx.el.nav(
                rx.hstack(
                    _nav_link("Generate", routes.GENERATE, "wand-sparkles"),
                    _nav_link("Projects", routes.PROJECTS, "folder-open"),
                    _nav_link("Assets", routes.ASSETS, "images"),
                    _nav_link("Analytics", routes.ANALYTICS, "chart-column"),
                    _nav_link("API keys", routes.API_KEYS, "key-round"),
                    spacing="1",
                    width="100%",
                ),
                aria_label="Main",
                class_name="main-nav",
            ),
            rx.spacer(),
            rx.color_mode.button(size="2", variant="ghost", aria_label="Switch light or dark theme"),
            _account_menu(),
            align="center",
            spacing="3",
            padding_x="4",
            padding_y="2",
            wrap="wrap",
            max_width="1100px",
            margin_x="auto",
            width="100%",
        ),
        class_name="topbar",
    )


def loading(label: str = "Loading…", *, heading: bool = True) -> rx.Component:
    """A page-shaped skeleton (a heading unless the page shows its own, two cards of lines), also said."""

    def bar(width: str, height: str = "0.9rem") -> rx.Component:
        return rx.box(width=width, height=height, class_name="skeleton")

    def card() -> rx.Component:
        lines = [bar("45%", "1.2rem"), bar("90%"), bar("75%"), bar("60%")]
        return rx.card(rx.vstack(*lines, spacing="3", width="100%"), width="100%")

    title = rx.vstack(bar("min(16rem, 60%)", "2rem"), bar("min(11rem, 40%)"), spacing="2", width="100%")
    return rx.vstack(
        rx.text(label, class_name="sr-only"),
        *([title] if heading else []),
        card(),
        card(),
        spacing="5",
        width="100%",
        role="status",
        aria_busy="true",
        class_name="page-skeleton",
        key="page-skeleton",  # the content is mounted afresh, not moved into these nodes (a layout shift)
    )


def page_title(title: str, lede: str | None = None) -> rx.Component:
    """A page's heading and the line under it."""
    return rx.vstack(
        rx.heading(title, size="7", as_="h1"),
        *([rx.text(lede, color_scheme="gray")] if lede else []),
        spacing="1",
    )


def project_heading(text: rx.Var) -> rx.Component:
    """A heading that starts with a project's name, which the server fills in (``mediaws.web.page_fill``).

    React keeps the filled text while hydrating (``suppressHydrationWarning``: the template's state has no
    name yet) and writes the same text once the page's state arrives. An empty text is a no-break space, so
    there is a text node to keep.
    """
    return rx.heading(
        rx.cond(text != "", text, NO_NAME),
        size="7",
        as_="h1",
        class_name="break-all",
        custom_attrs={"data-fill": "project-name", "suppressHydrationWarning": True},
    )


def app_page(
    *children: rx.Component,
    title: str | None = None,
    lede: str | None = None,
    header: rx.Component | None = None,
    skeleton: rx.Component | None = None,
) -> rx.Component:
    """A page behind the login: navigation above, content once the session is checked.

    A page with a fixed ``title`` (and ``lede``), or a ``header`` of its own, shows it in its first paint,
    before any script has run; ``skeleton`` is what stands in for the content until then (a generic page's
    shape by default).
    """
    content = rx.cond(
        AuthState.user_email != "",
        rx.vstack(*children, spacing="5", width="100%"),
        skeleton
        if skeleton is not None
        else loading("Checking your session…", heading=title is None and header is None),
    )
    if title:
        header = page_title(title, lede)
    return rx.box(
        navbar(),
        offline.offline_bar(),
        rx.el.main(
            offline.outbox_status(),
            offline.saved_view(),
            rx.box(
                rx.vstack(header, content, spacing="4", width="100%") if header is not None else content,
                class_name="live-view",
            ),
            id="main",
            max_width="1100px",
            margin_x="auto",
            padding="1.25rem 1rem 3rem",
        ),
        pwa.install_banner(),
        pwa.update_bar(),
        min_height="100vh",
    )


def public_page(*children: rx.Component) -> rx.Component:
    """A page without navigation, for logging in and signing up."""
    return rx.el.main(
        rx.center(
            rx.vstack(
                rx.hstack(
                    rx.icon("sparkles", size=28, aria_hidden="true"),
                    rx.text("mediaws", size="7", weight="bold"),
                    spacing="2",
                    align="center",
                ),
                rx.text("Your AI media workspace.", color_scheme="gray"),
                rx.card(rx.vstack(*children, spacing="4", width="100%"), width="100%", size="3"),
                align="center",
                spacing="4",
                width="100%",
                max_width="420px",
            ),
            min_height="100vh",
            padding="1rem",
        ),
    )
