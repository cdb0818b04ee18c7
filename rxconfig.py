"""Reflex configuration: one port for page and events, telemetry off, no Reflex-managed database."""

import reflex as rx

from mediaws.components.chunk_groups import ChunkGroupsPlugin
from mediaws.components.pwa import PaintFirstPlugin, RouteTemplatesPlugin, ServiceWorkerPlugin
from mediaws.components.state_updates import TransitionUpdatesPlugin
from mediaws.components.theme_styles import RadixColoursPlugin
from mediaws.config import get_settings

settings = get_settings()

config = rx.Config(
    app_name="mediaws",
    frontend_port=settings.port,
    backend_port=settings.port,
    backend_host=settings.host,
    api_url=settings.public_url,
    deploy_url=settings.public_url,
    cors_allowed_origins=list(settings.allowed_origins),
    telemetry_enabled=False,
    frontend_compression_formats=["brotli", "gzip"],  # brotli: the stylesheet -38 %, scripts -13 to -17 %
    show_built_with_reflex=False,
    plugins=[
        RadixColoursPlugin(theme=rx.theme(accent_color="blue", gray_color="slate", radius="medium")),
        RouteTemplatesPlugin(),
        TransitionUpdatesPlugin(),
        ChunkGroupsPlugin(),
        PaintFirstPlugin(),
        ServiceWorkerPlugin(),
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
