"""The log-in and sign-up forms post here, so the session cookie is set by the server as HttpOnly.

A cookie set from the page's JavaScript (Reflex's ``rx.Cookie``) can be read by any script on the page;
one set in this response cannot. Each route answers with a 303 redirect: to the page asked for, or back
to the form with ``?error=<code>`` (``mediaws.services.auth_forms``). Forms sent from another site are
refused (login CSRF), and bodies are capped before they are parsed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from mediaws import routes
from mediaws.api.deps import SessionFactory, get_deps, get_session_factory
from mediaws.api.errors import error_response
from mediaws.config import Settings
from mediaws.deps import Deps
from mediaws.errors import AuthError, ValidationError
from mediaws.security.session_cookie import SESSION_COOKIE, cookie_flags, read_cookie
from mediaws.services import accounts
from mediaws.services.auth_forms import MESSAGES, browser_address, error_code, form_url, safe_next
from mediaws.web.cross_site import cross_site_reason

PREFIX = "/_session"
MAX_FORM_BYTES = 16 * 1024

router = APIRouter(prefix=PREFIX, include_in_schema=False)


class FormTooLarge(Exception):
    """The form body went past MAX_FORM_BYTES."""


async def _form(request: Request) -> dict[str, str]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormTooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormTooLarge
    return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))


def _client(request: Request, settings: Settings) -> str:
    peer = request.client.host if request.client else ""
    forwarded = request.headers.get("x-forwarded-for", "")
    return browser_address(peer, forwarded, settings)


def _signed_in(target: str, token: str, settings: Settings) -> RedirectResponse:
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, **cookie_flags(settings))
    return response


async def _checked_form(request: Request, settings: Settings, page: str) -> dict[str, str] | Any:
    """The form's fields, or the response that refuses it."""
    if cross_site_reason(request.scope, settings.allowed_origins) is not None:
        return RedirectResponse(form_url(page, "cross_site"), status_code=303)
    try:
        return await _form(request)
    except FormTooLarge:
        return error_response(413, "too_large", "The form is too large.")


@router.post("/login")
async def log_in(
    request: Request,
    deps: Deps = Depends(get_deps),
    sessions: SessionFactory = Depends(get_session_factory),
) -> Any:
    """Check the credentials (throttled), set the session cookie and go to ``next``."""
    settings = deps.settings
    form = await _checked_form(request, settings, routes.LOGIN)
    if not isinstance(form, dict):
        return form
    target = safe_next(form.get("next"))

    def run() -> accounts.LoginResult:
        with sessions() as session:
            return accounts.log_in(
                session=session,
                settings=settings,
                email=form.get("email", ""),
                password=form.get("password", ""),
                client=_client(request, settings),
            )

    try:
        result = await run_in_threadpool(run)
    except (AuthError, ValidationError) as exc:
        code, retry = error_code(exc)
        return RedirectResponse(form_url(routes.LOGIN, code, retry, form.get("next", "")), status_code=303)
    return _signed_in(target, result.token, settings)


@router.post("/signup")
async def sign_up(
    request: Request,
    deps: Deps = Depends(get_deps),
    sessions: SessionFactory = Depends(get_session_factory),
) -> Any:
    """Create the account, log straight in and go to the projects."""
    settings = deps.settings
    form = await _checked_form(request, settings, routes.SIGNUP)
    if not isinstance(form, dict):
        return form
    password = form.get("password", "")
    if password != form.get("password_confirm", ""):
        return RedirectResponse(form_url(routes.SIGNUP, "mismatch"), status_code=303)

    def run() -> accounts.LoginResult:
        with sessions() as session:
            accounts.sign_up(session=session, email=form.get("email", ""), password=password)
            return accounts.log_in(
                session=session,
                settings=settings,
                email=form.get("email", ""),
                password=password,
                client=_client(request, settings),
            )

    try:
        result = await run_in_threadpool(run)
    except (AuthError, ValidationError) as exc:
        code, retry = error_code(exc)
        return RedirectResponse(form_url(routes.SIGNUP, code, retry), status_code=303)
    return _signed_in(routes.PROJECTS, result.token, settings)


@router.post("/logout")
async def log_out(
    request: Request,
    deps: Deps = Depends(get_deps),
    sessions: SessionFactory = Depends(get_session_factory),
) -> Any:
    """Revoke the cookie's session and remove the cookie."""
    if cross_site_reason(request.scope, deps.settings.allowed_origins) is not None:
        return error_response(403, "cross_site", MESSAGES["cross_site"])
    token = read_cookie(request.headers.get("cookie", ""))

    def run() -> None:
        with sessions() as session:
            accounts.log_out(session=session, token=token)

    await run_in_threadpool(run)
    response = RedirectResponse(routes.LOGIN, status_code=303)
    flags = cookie_flags(deps.settings)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=flags["secure"], httponly=True, samesite=flags["samesite"]
    )
    return response
