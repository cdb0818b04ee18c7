"""HTTP caching and compression for the built frontend and the API.

Vite names the client's JS, CSS and fonts ``/assets/<name>-<8-char hash>.<ext>`` and Workbox its runtime
``/workbox-<hash>.js``: they never change, so browsers keep them a year without asking. HTML and the service
worker script must be asked for each time (``no-cache`` still lets the browser revalidate with the ETag).

Reflex already serves the build from precompressed files (brotli, else gzip: ``rxconfig.py``); the API's
answers are gzipped here (Starlette skips media, zips and event streams; ranged requests are left alone so
byte offsets stay those of the file).
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaws.web.asgi import header

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
DOCS_STATIC = "public, max-age=86400"  # Swagger UI/ReDoc files: same URL across package upgrades
HASHED_ASSET = re.compile(r"^/(?:assets/[^/]+-[\w-]{8}|workbox-[0-9a-f]{8})\.\w+$")
API_PREFIX = "/api/"
GZIP_MIN_BYTES = 1024


def cache_control(path: str, content_type: str) -> str | None:
    """The Cache-Control a successful response for ``path`` should carry when it sets none itself."""
    if HASHED_ASSET.match(path) and not content_type.startswith("text/html"):
        return IMMUTABLE
    if path == "/sw.js" or content_type.startswith("text/html"):
        return REVALIDATE
    if path.startswith("/docs/static/"):
        return DOCS_STATIC
    return None


class CacheHeaders:
    """Add Cache-Control to 200 answers: immutable for hashed build assets, revalidate for HTML and sw.js."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; set the header on the response start."""
        if scope["type"] != "http" or scope["method"] not in {"GET", "HEAD"}:
            await self.app(scope, receive, send)
            return

        async def send_with_cache_control(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 200:
                headers = MutableHeaders(scope=message)
                wanted = cache_control(scope["path"], headers.get("content-type", ""))
                if wanted is not None and "cache-control" not in headers:
                    headers["Cache-Control"] = wanted
            await send(message)

        await self.app(scope, receive, send_with_cache_control)


class ApiCompression:
    """Gzip API answers for clients that accept it; pages and files pass untouched (already compressed)."""

    def __init__(self, app: ASGIApp, minimum_size: int = GZIP_MIN_BYTES) -> None:
        """Wrap ``app``; answers under ``minimum_size`` bytes are not worth compressing."""
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route API requests through Starlette's gzip middleware."""
        if (
            scope["type"] == "http"
            and scope["path"].startswith(API_PREFIX)
            and header(scope, b"range") is None
        ):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
