"""Small ASGI helpers for the edge: read a request header, refuse a request in the API's error shape."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send


def header(scope: Scope, name: bytes) -> str | None:
    """One request header (``name`` in lower case), decoded as Latin-1 as HTTP defines them."""
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def refuse(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    """Send the API error shape (``mediaws.api.errors``) and close the connection, dropping any body."""
    error = {"code": code, "message": message, "field": None}
    response = JSONResponse({"error": error}, status_code=status, headers={"Connection": "close"})
    await response(scope, receive, send)
