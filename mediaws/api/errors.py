"""Every failure as ``{"error": {"code", "message", "field"}}`` with a fitting status code."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from mediaws.errors import (
    AuthError,
    ConflictError,
    Forbidden,
    LinkExpired,
    MediawsError,
    NotFoundError,
    ProviderError,
    TooManyAttempts,
    ValidationError,
)

log = logging.getLogger(__name__)
LOCATION_KINDS = {"body", "query", "path", "header", "cookie"}
FALLBACK_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The one error shape of the API; never stored by any cache."""
    return JSONResponse(
        {"error": {"code": code, "message": message, "field": field}},
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _mediaws_error(_request: Request, exc: Exception) -> JSONResponse:
    match exc:
        case ConflictError():
            return error_response(409, "conflict", exc.message, field=exc.field)
        case ValidationError():
            return error_response(422, "invalid", exc.message, field=exc.field)
        case NotFoundError():
            return error_response(404, "not_found", str(exc) or "Not found.")
        case LinkExpired():
            return error_response(403, "link_expired", str(exc))
        case Forbidden():
            return error_response(403, "forbidden", str(exc) or "Forbidden.")
        case TooManyAttempts():
            return error_response(
                429, "too_many_attempts", str(exc), headers={"Retry-After": str(exc.retry_after)}
            )
        case AuthError():
            return error_response(401, "unauthorized", str(exc), headers={"WWW-Authenticate": "Bearer"})
        case ProviderError():
            return error_response(502, "provider_error", str(exc))
    return _internal(_request, exc)


def _internal(request: Request, exc: Exception) -> JSONResponse:
    log.error("API %s %s failed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "Something went wrong on our side. Please try again.")


def _request_invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {}
    loc = [str(part) for part in first.get("loc", ())]
    path = loc[1:] if len(loc) > 1 and loc[0] in LOCATION_KINDS else loc
    field = ".".join(path) or None
    message = str(first.get("msg", "The request is malformed."))
    return error_response(422, "invalid", f"{field}: {message}" if field else message, field=field)


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _no_such_route(request: Request) -> JSONResponse:
    """Unknown ``/api/…`` paths and methods answer in the error shape, not with the app's HTML page."""
    routes = [r for r in request.app.router.routes if getattr(r, "endpoint", None) != _no_such_route]
    allowed = [
        method
        for method in FALLBACK_METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]
    if allowed:
        message = f"{request.method} is not allowed here; use {', '.join(allowed)}."
        return error_response(405, "method_not_allowed", message, headers={"Allow": ", ".join(allowed)})
    return error_response(404, "not_found", f"There is no API route at {request.url.path}.")


def install_fallback(app: FastAPI) -> None:
    """Answer what no API route matched; call it after the last router is included."""
    app.add_api_route(
        "/api/{path:path}",
        _no_such_route,
        methods=list(FALLBACK_METHODS),
        include_in_schema=False,
    )


def install(app: FastAPI) -> None:
    """Register the handlers on an app."""
    app.add_exception_handler(MediawsError, _mediaws_error)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal)
