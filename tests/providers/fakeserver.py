"""A tiny HTTP server on 127.0.0.1 that plays a provider's API in tests and records what it got."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body or b"null")


@dataclass
class Reply:
    """What the server answers: status, JSON or raw body, headers, and an optional delay."""

    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def payload(self) -> tuple[bytes, str]:
        """The bytes to send and their content type."""
        if self.json is not None:
            return json.dumps(self.json).encode(), "application/json"
        return self.body, self.headers.get("Content-Type", "application/octet-stream")


Handler = Callable[[Recorded, re.Match[str]], Reply]


class FakeServer:
    """Routes by method and path regex; one-shot replies queued per route are served first."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self._queued: dict[tuple[str, str], deque[Reply]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, pattern: str, handler: Handler | Reply) -> None:
        """Answer requests matching METHOD and a full-path regex."""
        fn: Handler = handler if callable(handler) else (lambda _req, _m, reply=handler: reply)
        self._routes.append((method.upper(), re.compile(pattern), fn))

    def enqueue(self, method: str, pattern: str, *replies: Reply) -> None:
        """Serve these replies, once each, before the route's handler."""
        with self._lock:
            self._queued.setdefault((method.upper(), pattern), deque()).extend(replies)

    def reset(self) -> None:
        """Forget routes, queued replies and recorded requests."""
        with self._lock:
            self.requests.clear()
            self._routes.clear()
            self._queued.clear()

    def calls(self, method: str, pattern: str) -> list[Recorded]:
        """Requests received that match."""
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method.upper() and regex.fullmatch(r.path)]

    def _dispatch(self, request: Recorded) -> Reply:
        with self._lock:
            self.requests.append(request)
            for (method, pattern), queue in self._queued.items():
                if method == request.method and re.fullmatch(pattern, request.path) and queue:
                    return queue.popleft()
        for method, regex, handler in self._routes:
            match = regex.fullmatch(request.path)
            if method == request.method and match:
                return handler(request, match)
        return Reply(404, json={"error": {"message": f"no fake route for {request.method} {request.path}"}})

    @contextmanager
    def running(self) -> Iterator[FakeServer]:
        """Serve on a free loopback port for the duration of the block."""
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                reply = fake._dispatch(request)
                if reply.delay:
                    time.sleep(reply.delay)
                data, content_type = reply.payload()
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        if name.lower() != "content-type":
                            self.send_header(name, value)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

            def log_message(self, format: str, *args: Any) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        self._server = server
        thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
