"""Serve a built page at its own address: `/login` answers with `login/index.html` instead of a redirect.

Reflex's static files (Starlette's ``StaticFiles`` in ``html`` mode) answer a page address without its
trailing slash with a 307 to ``/login/``: one more round trip before the first paint of every page a
person opens by address, bookmark or the installed app's start URL (about 0.6 s on Lighthouse's phone
network). The path is rewritten to the folder's address when the build holds ``<path>/index.html``;
the browser keeps the address it asked for, which the client router matches the same.
"""

from __future__ import annotations

from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

NOT_PAGES = ("/api/", "/files/", "/_", "/docs", "/redoc", "/openapi.json")


def built_pages_dir() -> Path:
    """Where Reflex's production build keeps the prerendered pages (as its frontend mount computes it)."""
    from reflex import constants
    from reflex.config import get_config
    from reflex.utils import prerequisites

    return prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")


class PagePaths:
    """Rewrite `/<page>` to `/<page>/` when the build has that page's folder, so no redirect is sent."""

    def __init__(self, app: ASGIApp, pages_dir: Path | None = None) -> None:
        """Wrap ``app``; ``pages_dir`` defaults to the production build's client folder."""
        self.app = app
        self.pages_dir = pages_dir

    def _is_page_folder(self, path: str) -> bool:
        last = path.rsplit("/", 1)[-1]
        if path.startswith(NOT_PAGES) or path == "/" or path.endswith("/") or "." in last:
            return False
        if "\\" in path or "/." in path:
            return False
        if self.pages_dir is None:
            self.pages_dir = built_pages_dir()
        return (self.pages_dir / path.lstrip("/") / "index.html").is_file()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, with the page folder's path when that is what it asks for."""
        reading = scope["type"] == "http" and scope["method"] in {"GET", "HEAD"}
        if reading and self._is_page_folder(scope["path"]):
            path = scope["path"] + "/"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)
