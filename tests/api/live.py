"""The real API served by uvicorn on a free loopback port, in a thread of the test process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediaws.api import api
from mediaws.api.deps import get_deps, get_session_factory
from mediaws.deps import Deps


@dataclass
class LiveApi:
    """Where the API answers, and how many request-body bytes the application has read so far."""

    url: str
    body_bytes_read: int = 0


class _CountReads:
    """Counts the request-body bytes the wrapped application pulls (what the server drops is not counted)."""

    def __init__(self, app: ASGIApp, live: LiveApi) -> None:
        self.app, self.live = app, live

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def counted() -> Message:
            message = await receive()
            self.live.body_bytes_read += len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


async def ping(_request: Request) -> PlainTextResponse:
    """Liveness, as Reflex's /ping: answered on the event loop, no thread, no database."""
    return PlainTextResponse("pong")


@contextmanager
def serving(deps: Deps) -> Iterator[LiveApi]:
    """Serve ``api`` (with its Deps pointed at the test database) and a /ping on loopback."""
    api.dependency_overrides[get_deps] = lambda: deps
    api.dependency_overrides[get_session_factory] = lambda: deps.session_factory
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    live = LiveApi(url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    app = _CountReads(Starlette(routes=[Route("/ping", ping), Mount("", app=api)]), live)
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        backlog=2048,
        timeout_keep_alive=60,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-api", daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        yield live
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        api.dependency_overrides.clear()
