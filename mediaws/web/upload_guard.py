"""Reflex's ``/_upload``: the login cookie is checked before the body is read, and the body is capped."""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaws.config import get_settings
from mediaws.db import session_scope
from mediaws.errors import SessionExpired
from mediaws.security.session_cookie import SESSION_COOKIE
from mediaws.services import accounts, ingest
from mediaws.web.asgi import header, refuse

UPLOAD_PATH = "/_upload"
READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})


def signed_in(token: str) -> bool:
    """Whether a login cookie belongs to a live session."""
    try:
        with session_scope() as session:
            accounts.user_for_token(session=session, token=token)
    except SessionExpired:
        return False
    return True


def too_big() -> str:
    """The refusal message, with the real limits."""
    return f"The upload is too large; {ingest.limits_sentence(get_settings())}"


class UploadGuard:
    """401 for anonymous uploads, 413 for oversized ones; reads at most the limit plus one chunk."""

    def __init__(
        self, app: ASGIApp, *, max_bytes: int | None = None, is_signed_in: Callable[[str], bool] = signed_in
    ) -> None:
        """Wrap ``app``; ``max_bytes`` defaults to the image limit plus the multipart allowance."""
        self.app = app
        self.max_bytes = max_bytes
        self.is_signed_in = is_signed_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the cookie and the declared size, then count what is streamed."""
        if (
            scope["type"] != "http"
            or scope["method"] in READ_ONLY
            or scope["path"].rstrip("/") != UPLOAD_PATH
        ):
            await self.app(scope, receive, send)
            return
        token = cookie_parser(header(scope, b"cookie") or "").get(SESSION_COOKIE, "")
        if not token or not await anyio.to_thread.run_sync(self.is_signed_in, token):
            await refuse(scope, receive, send, 401, "unauthorized", "Log in to upload files.")
            return
        settings = get_settings()
        limit = self.max_bytes or ingest.largest_upload_bytes(settings) + settings.upload_overhead_bytes
        declared = header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await refuse(scope, receive, send, 413, "too_large", too_big())
            return
        await _Capped(self.app, limit)(scope, receive, send)


class _Capped:
    """One request whose body is cut off past ``limit`` bytes and answered with 413, not the app's reply."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.read = 0
        self.over = False
        self.app_started = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted_receive() -> Message:
            if self.over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                self.read += len(message.get("body", b""))
                if self.read > self.limit:
                    self.over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            if self.over and not self.app_started:
                return
            self.app_started = True
            await send(message)

        await self.app(scope, counted_receive, guarded_send)
        if self.over and not self.app_started:
            await refuse(scope, receive, send, 413, "too_large", too_big())
