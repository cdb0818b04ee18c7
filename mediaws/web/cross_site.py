"""Refuse cookie-authenticated writes that a browser sent on behalf of another site (CSRF)."""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from mediaws.config import get_settings, origin_of
from mediaws.security.session_cookie import SESSION_COOKIE
from mediaws.web.asgi import header, refuse
from mediaws.web.upload_guard import UPLOAD_PATH

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SAME_SITE_FETCHES = frozenset({"same-origin", "none"})
GUARDED_PREFIXES = ("/api/", UPLOAD_PATH)


def cross_site_reason(scope: Scope, allowed: Collection[str]) -> str | None:
    """Why a write looks cross-site, or None when it comes from ``allowed`` origins (or from no browser).

    Pass ``Settings.allowed_origins`` (the public origin and, for a loopback URL, its other names).
    """
    fetch_site = header(scope, b"sec-fetch-site")
    if fetch_site is not None and fetch_site.strip().lower() not in SAME_SITE_FETCHES:
        return f"Sec-Fetch-Site is {fetch_site!r}"
    origin = header(scope, b"origin")
    if origin is not None:
        return None if origin_of(origin) in allowed else f"Origin {origin!r} is not this site"
    referer = header(scope, b"referer")
    if referer is not None:
        return None if origin_of(referer) in allowed else "the Referer is not this site"
    return None


class CrossSiteGuard:
    """403 for unsafe methods on the API and uploads that ride on the login cookie from a foreign page.

    Requests with an ``Authorization`` header (personal access tokens) are not affected: no browser adds
    one on its own. Requests with neither ``Origin`` nor ``Referer`` come from programs, not pages.
    """

    def __init__(self, app: ASGIApp, *, allowed_origins: Collection[str] = ()) -> None:
        """Wrap ``app``; ``allowed_origins`` defaults to the settings' (the public URL's origin)."""
        self.app = app
        self.allowed_origins = frozenset(origin_of(origin) for origin in allowed_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on unless it is a cookie-authenticated cross-site write."""
        if (
            scope["type"] == "http"
            and scope["method"] in UNSAFE_METHODS
            and scope["path"].startswith(GUARDED_PREFIXES)
            and header(scope, b"authorization") is None
            and cookie_parser(header(scope, b"cookie") or "").get(SESSION_COOKIE)
        ):
            reason = cross_site_reason(scope, self.allowed_origins or get_settings().allowed_origins)
            if reason is not None:
                message = (
                    f"Cross-site request refused ({reason}); use the app's own pages or an access token."
                )
                await refuse(scope, receive, send, 403, "cross_site", message)
                return
        await self.app(scope, receive, send)
