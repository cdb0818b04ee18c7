"""The HTTP edge in front of pages, events, uploads and the API: small pure-ASGI middlewares.

``install(app)`` wraps the FastAPI app that Reflex mounts everything into, so each guard sees
every request: ``SecurityHeaders`` (outermost) → ``CacheHeaders`` → ``ApiCompression`` → ``CrossSiteGuard`` →
``UploadGuard`` → ``PageFill`` → ``PagePaths`` → the app.
"""

from __future__ import annotations

from starlette.applications import Starlette

from mediaws.web.caching import ApiCompression, CacheHeaders
from mediaws.web.cross_site import CrossSiteGuard
from mediaws.web.headers import SecurityHeaders, security_headers
from mediaws.web.page_fill import PageFill
from mediaws.web.page_paths import PagePaths
from mediaws.web.upload_guard import UploadGuard

__all__ = [
    "ApiCompression",
    "CacheHeaders",
    "CrossSiteGuard",
    "PageFill",
    "PagePaths",
    "SecurityHeaders",
    "UploadGuard",
    "install",
    "security_headers",
]


def install(app: Starlette) -> None:
    """Add the edge middlewares to an app (the last added runs first)."""
    app.add_middleware(PagePaths)
    app.add_middleware(PageFill)
    app.add_middleware(UploadGuard)
    app.add_middleware(CrossSiteGuard)
    app.add_middleware(ApiCompression)
    app.add_middleware(CacheHeaders)
    app.add_middleware(SecurityHeaders)
