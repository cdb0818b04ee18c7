"""The gate in front of ``/api``: shed excess load, know the caller and cap the body before a route reads it.

FastAPI reads and parses a body before it solves dependencies, so checking credentials in a dependency
comes after a 200 MB upload was read. This pure ASGI middleware runs first, in this order:

1. past ``api_max_in_flight`` requests in this process: 503 with ``Retry-After``, nothing else done;
2. the caller from the Authorization header or the login cookie, looked up in one thread with a
   short-lived session that is closed before the request goes on; missing or bad: 401, body unread;
3. a declared ``Content-Length`` above the route's limit: 413, body unread; a body without one is
   counted as it arrives and cut off past the limit with a 413.

The gate sees every request of the app (Reflex mounts its own app inside ``api``) and acts on ``/api``
paths only. Its first call in an event loop also sizes anyio's thread limiter to ``api_threads``,
which the database pool matches (``mediaws.db.pool_sizes``).
"""

from __future__ import annotations

from typing import Any

import anyio
from anyio.lowlevel import RunVar
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaws.api.auth import authenticate, credentials_of
from mediaws.api.deps import CALLER_SCOPE_KEY, get_deps, get_session_factory, overridden, process_deps
from mediaws.api.errors import error_response
from mediaws.config import Settings, get_settings
from mediaws.deps import Deps
from mediaws.errors import AuthError
from mediaws.services import ingest

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 1
UPLOAD_ROUTES = frozenset({("POST", "/api/assets")})
_threads_sized: RunVar[bool] = RunVar("mediaws_threads_sized", default=False)


class BodyTooLarge(Exception):
    """The request body went past its limit; raised into the route that reads it."""


def size_thread_limiter(settings: Settings) -> None:
    """Give this event loop's default thread limiter ``api_threads`` tokens (once per loop)."""
    if not _threads_sized.get():
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        _threads_sized.set(True)


def body_limit(scope: Scope, settings: Settings) -> int:
    """The most bytes this route accepts as its request body."""
    if (scope["method"], scope["path"].rstrip("/")) in UPLOAD_ROUTES:
        return ingest.largest_upload_bytes(settings) + settings.upload_overhead_bytes
    return settings.api_max_body_bytes


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


async def _deps_for(app: Any) -> Deps:
    """The app's Deps, honouring a test's override; built in a thread the first time."""
    override = overridden(app, get_deps)
    if override is not None:
        deps: Deps = override()
        return deps
    if process_deps.cache_info().currsize:
        return process_deps()
    return await anyio.to_thread.run_sync(process_deps)


class ApiGate:
    """Pure ASGI middleware guarding ``/api`` (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            size_thread_limiter(get_settings())
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        deps = await _deps_for(scope.get("app"))
        if self.in_flight >= deps.settings.api_max_in_flight:
            await self._refuse(
                scope,
                receive,
                send,
                503,
                "busy",
                "The server is busy. Please try again in a moment.",
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            return
        self.in_flight += 1
        try:
            await self._admit(scope, receive, send, deps)
        finally:
            self.in_flight -= 1

    async def _admit(self, scope: Scope, receive: Receive, send: Send, deps: Deps) -> None:
        if scope["method"] != "OPTIONS":
            try:
                credentials = credentials_of(HTTPConnection(scope))
                factory = overridden(scope.get("app"), get_session_factory)
                sessions = factory() if factory is not None else deps.session_factory
                scope[CALLER_SCOPE_KEY] = await anyio.to_thread.run_sync(authenticate, sessions, credentials)
            except AuthError as exc:
                await self._refuse(
                    scope, receive, send, 401, "unauthorized", str(exc), {"WWW-Authenticate": "Bearer"}
                )
                return
        limit = body_limit(scope, deps.settings)
        declared = HTTPConnection(scope).headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit, int(declared))
            return
        await self._capped(scope, receive, send, limit)

    async def _capped(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        exceeded = started = answered = False

        async def capped_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started, answered
            if exceeded:
                if not started and not answered:
                    answered = True
                    await self._too_large(scope, receive, send, limit)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, capped_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started and not answered:
            await self._too_large(scope, receive, send, limit)

    async def _too_large(
        self, scope: Scope, receive: Receive, send: Send, limit: int, declared: int | None = None
    ) -> None:
        size = f"is {_mib(declared)}" if declared is not None else "is larger than that"
        message = f"This route takes at most {_mib(limit)} of request body; this one {size}."
        await self._refuse(scope, receive, send, 413, "too_large", message, {})

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str],
    ) -> None:
        await error_response(status, code, message, headers=headers)(scope, receive, send)
