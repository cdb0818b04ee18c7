"""Serve a built page at its own address: `/login` answers with `login/index.html` instead of a redirect.

Reflex's static files (Starlette's ``StaticFiles`` in ``html`` mode) answer a page address without its
trailing slash with a 307 to ``/login/``: one more round trip before the first paint of every page a
person opens by address, bookmark or the installed app's start URL (about 0.6 s on Lighthouse's phone
network). The path is rewritten to the folder's address when the build holds ``<path>/index.html``;
the browser keeps the address it asked for, which the client router matches the same. An address of a
dynamic route (`/projects/<id>`) is answered the same way with its route's prerendered template
(``mediaws.web.route_templates``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from mediaws.web.route_templates import template_for

NOT_PAGES = ("/api/", "/files/", "/_", "/docs", "/redoc", "/openapi.json")


def built_pages_dir() -> Path:
    """Where Reflex's production build keeps the prerendered pages (as its frontend mount computes it)."""
    from reflex import constants
    from reflex.config import get_config
    from reflex.utils import prerequisites

    return prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")


def built_routes() -> Callable[[str], str | None]:
    """The compiled app's route for an address (Reflex's routes manifest); no route when there is none."""
    from reflex.utils.exec import get_routes_manifest_router

    return get_routes_manifest_router() or (lambda path: None)


class PagePaths:
    """Rewrite a page's address to its prerendered HTML's folder: no redirect, no empty page is sent."""

    def __init__(
        self,
        app: ASGIApp,
        pages_dir: Path | None = None,
        route_of: Callable[[str], str | None] | None = None,
    ) -> None:
        """Wrap ``app``; ``pages_dir`` and ``route_of`` default to the production build's pages and routes."""
        self.app = app
        self.pages_dir = pages_dir
        self.route_of = route_of

    def _has_page(self, folder: str) -> bool:
        if self.pages_dir is None:
            self.pages_dir = built_pages_dir()
        return (self.pages_dir / folder.strip("/") / "index.html").is_file()

    def _folder(self, path: str) -> str | None:
        """The folder whose `index.html` answers ``path``, or None to pass it on as it is."""
        last = path.rsplit("/", 1)[-1]
        if path.startswith(NOT_PAGES) or path == "/" or "." in last or "\\" in path or "/." in path:
            return None
        if not path.endswith("/") and self._has_page(path):
            return path + "/"
        if self.route_of is None:
            self.route_of = built_routes()
        template = template_for(self.route_of, path)
        if template and template != path.rstrip("/") and self._has_page(template):
            return template + "/"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, with the path of the page folder that answers it."""
        reading = scope["type"] == "http" and scope["method"] in {"GET", "HEAD"}
        folder = self._folder(scope["path"]) if reading else None
        if folder is not None:
            scope = {**scope, "path": folder, "raw_path": folder.encode()}
        await self.app(scope, receive, send)
