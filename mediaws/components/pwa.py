"""The PWA's page parts and build hook: head links, install and update prompts, sw.js for each build.

assets/pwa.js registers the service worker and shows the prompts by setting ``data-pwa-*`` on ``<html>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import reflex as rx
from reflex.utils import console

from mediaws.components.head_scripts import page_script
from mediaws.components.offline import offline_scripts
from mediaws.web.paint_first import rewrite_pages
from mediaws.web.route_templates import not_found_as_fallback, prerender_templates
from mediaws.web.service_worker import ServiceWorkerError, write_service_worker


def _action(action: str) -> dict[str, str]:
    return {"data-pwa-action": action}


def _inline_icon(name: str) -> rx.Component:
    return rx.icon(name, size=14, aria_hidden="true", display="inline", vertical_align="-2px")


def install_card() -> rx.Component:
    """Settings → Account: install through the browser's prompt, or (iOS Safari) via Add to Home Screen."""
    return rx.el.div(
        rx.card(
            rx.vstack(
                rx.heading("Install mediaws", size="4", as_="h2"),
                rx.box(
                    rx.text(
                        "Open it from your home screen or dock in its own window, like any other app.",
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.button(
                        rx.icon("download", size=16, aria_hidden="true"),
                        "Install mediaws",
                        size="3",
                        margin_top="3",
                        custom_attrs=_action("install"),
                    ),
                    class_name="pwa-prompt",
                ),
                rx.box(
                    rx.text(
                        "In Safari, tap ",
                        rx.text.strong("Share"),
                        " ",
                        _inline_icon("share"),
                        " then ",
                        rx.text.strong("Add to Home Screen"),
                        ".",
                        size="2",
                    ),
                    class_name="pwa-ios",
                ),
                spacing="2",
            ),
            width="100%",
            max_width="560px",
        ),
        class_name="pwa-card",
        width="100%",
    )


def install_hint() -> rx.Component:
    """The first-run guide's last tip: install the app, where the browser offers it (or Safari's steps)."""
    return rx.el.div(
        rx.hstack(
            rx.icon("download", size=16, aria_hidden="true", flex="none"),
            rx.text(
                "Install it on this device: it opens from the home screen and shows your work offline.",
                size="2",
            ),
            spacing="2",
            align="center",
        ),
        rx.button(
            "Install mediaws",
            size="2",
            variant="soft",
            custom_attrs=_action("install"),
            class_name="pwa-prompt",
        ),
        rx.text(
            "In Safari, tap ",
            rx.text.strong("Share"),
            " then ",
            rx.text.strong("Add to Home Screen"),
            ".",
            size="2",
            class_name="pwa-ios",
        ),
        class_name="pwa-card install-hint",
    )


def install_banner() -> rx.Component:
    """A one-time offer to install, at the foot of the screen, until installed or dismissed."""
    return rx.el.div(
        rx.icon("download", size=18, aria_hidden="true"),
        rx.text("Install mediaws on this device for quick access.", size="2", flex="1"),
        rx.button("Install", size="2", custom_attrs=_action("install")),
        rx.icon_button(
            rx.icon("x", size=16),
            variant="ghost",
            color_scheme="gray",
            size="2",
            aria_label="Dismiss the install offer",
            custom_attrs=_action("dismiss"),
        ),
        class_name="pwa-bar pwa-banner",
        role="region",
        aria_label="Install mediaws",
    )


def update_bar() -> rx.Component:
    """Shown when a new version of the app is downloaded and waiting: reload to use it."""
    return rx.el.div(
        rx.icon("refresh-cw", size=18, aria_hidden="true"),
        rx.text("New version available", size="2", weight="medium", flex="1"),
        rx.button("Reload", size="2", custom_attrs=_action("reload")),
        class_name="pwa-bar pwa-update",
        role="status",
    )


def pwa_head() -> list[rx.Component]:
    """The manifest, icons, iOS home-screen meta and the script that registers the service worker.

    One favicon for the tab: a second ``rel=icon`` (192 px, 10 KB) was fetched too, on a phone alongside the
    page's first scripts; the manifest names the install icons.
    """
    return [
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.link(rel="icon", href="/favicon.ico", sizes="16x16 32x32 48x48"),
        rx.el.link(rel="apple-touch-icon", href="/icons/apple-touch-icon.png"),
        rx.el.meta(name="mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-status-bar-style", content="default"),
        rx.el.meta(name="apple-mobile-web-app-title", content="mediaws"),
        *page_script("/pwa.js"),
        *offline_scripts(),
    ]


class RouteTemplatesPlugin(rx.plugins.Plugin):
    """Reflex build hook: pages with an id and the not-found page are prerendered (list it first)."""

    def pre_compile(self, **context: Any) -> None:
        """Have this compile's React Router config prerender each dynamic route's template."""
        prerender_templates()

    def post_build(self, **context: Any) -> None:
        """Serve the prerendered not-found page where the empty SPA fallback was."""
        not_found_as_fallback(Path(context["static_dir"]))


class PaintFirstPlugin(rx.plugins.Plugin):
    """Reflex build hook: prerendered pages paint before their scripts load (list it before the worker's)."""

    def post_build(self, **context: Any) -> None:
        """Rewrite the fresh build's pages, before the service worker precaches and Reflex compresses them."""
        console.info(f"{rewrite_pages(Path(context['static_dir']))} pages start their scripts after painting")


class ServiceWorkerPlugin(rx.plugins.Plugin):
    """Reflex build hook: each production build (``reflex run --env prod``, ``reflex export``) gets sw.js."""

    def post_build(self, **context: Any) -> None:
        """Run Workbox on the fresh build before Reflex precompresses it; without it the app runs uncached."""
        try:
            console.info(write_service_worker(Path(context["static_dir"])))
        except ServiceWorkerError as error:
            console.error(f"No service worker: {error}")
