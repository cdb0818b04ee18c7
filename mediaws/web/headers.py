"""Security headers on every page, file and API answer: CSP, framing, referrer, permissions, HSTS on https."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaws.config import Settings, get_settings, origin_of

HSTS_SECONDS = 365 * 24 * 3600


def content_security_policy(
    public_url: str, *, media: tuple[str, ...] = (), store: tuple[str, ...] = ()
) -> str:
    """The page policy, as tight as Reflex's built pages allow.

    They need inline scripts (the router's hydration data), ``eval`` (Reflex runs some events, such as
    clearing an upload's chosen files, as script strings), inline styles and the event websocket.
    Audio and video may also come over https and from ``media`` origins: a provider's free voice samples
    (ElevenLabs' preview files) play straight from the provider.

    /docs and /redoc need nothing more: the app serves Swagger UI and ReDoc itself (fastapi-offline).
    ``store`` is the object store's origin when it signs its own file links (Supabase, presigned S3):
    thumbnails, players and the viewer's fetches load from it.
    """
    parts = urlsplit(public_url)
    socket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    directives = [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        " ".join(["img-src 'self' data: blob:", *store]),
        " ".join(["media-src 'self' blob: https:", *media, *store]),
        "font-src 'self' data:",
        " ".join(["connect-src 'self'", socket, *store]),
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


def provider_origins(settings: Settings) -> tuple[str, ...]:
    """Origins of the provider base URLs set in the settings (a gateway or a test server), plain http too."""
    urls = (
        settings.openai_base_url,
        settings.anthropic_base_url,
        settings.gemini_base_url,
        settings.elevenlabs_base_url,
        settings.replicate_base_url,
        settings.local_text_base_url,
    )
    return tuple(sorted({origin_of(url) for url in urls if url} - {""}))


def store_origins(settings: Settings) -> tuple[str, ...]:
    """The object store's origin when the browser loads files from it directly."""
    if settings.storage_backend == "supabase" and settings.supabase_url:
        return (origin_of(settings.supabase_url),)
    if settings.storage_backend == "s3" and settings.s3_presigned_urls and settings.s3_endpoint_url:
        return (origin_of(settings.s3_endpoint_url),)
    if settings.storage_backend == "s3" and settings.s3_presigned_urls:
        return ("https://*.amazonaws.com",)
    return ()


@lru_cache(maxsize=8)
def security_headers(
    public_url: str, *, media: tuple[str, ...] = (), store: tuple[str, ...] = ()
) -> dict[str, str]:
    """Every header the edge adds, for an app served at ``public_url``."""
    headers = {
        "Content-Security-Policy": content_security_policy(public_url, media=media, store=store),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if urlsplit(public_url).scheme == "https":
        headers["Strict-Transport-Security"] = f"max-age={HSTS_SECONDS}; includeSubDomains"
    return headers


class SecurityHeaders:
    """Add the headers to each HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, public_url: str | None = None) -> None:
        """Wrap ``app`` served at ``public_url`` (default: the settings' public URL)."""
        self.app = app
        self.public_url = public_url

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        wanted = security_headers(
            self.public_url or settings.public_url,
            media=provider_origins(settings),
            store=store_origins(settings),
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
