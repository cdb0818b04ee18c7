"""Reflex configuration: one port for page and events, telemetry off, no Reflex-managed database."""

import os

import reflex as rx

PORT = int(os.environ.get("MEDIAWS_PORT", "3000"))

config = rx.Config(
    app_name="mediaws",
    frontend_port=PORT,
    backend_port=PORT,
    api_url=os.environ.get("MEDIAWS_PUBLIC_URL", f"http://localhost:{PORT}"),
    deploy_url=os.environ.get("MEDIAWS_PUBLIC_URL", f"http://localhost:{PORT}"),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[
        rx.plugins.RadixThemesPlugin(
            theme=rx.theme(accent_color="blue", gray_color="slate", radius="medium")
        )
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
