"""Who is logged in: the session cookie, login, sign-up, logout and the page guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlsplit

import reflex as rx
from sqlmodel import Session

from mediaws import routes
from mediaws.config import get_settings
from mediaws.db import session_scope
from mediaws.errors import AuthError, SessionExpired, ValidationError
from mediaws.models import User
from mediaws.services import accounts

COOKIE_MAX_AGE = get_settings().session_lifetime_hours * 3600


def safe_next(target: str | None) -> str:
    """Keep post-login redirects on this site."""
    value = (target or "").strip()
    parts = urlsplit(value)
    if not value.startswith("/") or value.startswith("//") or parts.scheme or parts.netloc:
        return routes.PROJECTS
    if value.startswith((routes.LOGIN, routes.SIGNUP)):
        return routes.PROJECTS
    return value


class AuthState(rx.State):
    """Session cookie and the identity behind it."""

    session_token: str = rx.Cookie(
        "",
        name="mediaws_session",
        max_age=COOKIE_MAX_AGE,
        same_site="strict",
        secure=get_settings().cookie_secure,
    )
    user_email: str = ""
    auth_error: str = ""

    def _client(self) -> str:
        session = self.router.session
        return session.client_ip or ""

    def _login_redirect(self) -> Any:
        url = self.router.url
        path = url.path.rstrip("/") or routes.PROJECTS
        if url.query:
            path += "?" + url.query
        self.user_email = ""
        return rx.redirect(f"{routes.LOGIN}?next={quote(path, safe='')}")

    def _next(self) -> str:
        return safe_next(self.router.url.query_parameters.get("next"))

    @contextmanager
    def _signed_in(self) -> Iterator[tuple[Session, User]]:
        """Open a database session for the logged-in user; raises SessionExpired."""
        with session_scope() as session:
            user = accounts.user_for_token(session=session, token=self.session_token)
            yield session, user

    @rx.event
    def require_login(self) -> Any:
        """Page guard: load the user or send the browser to the login page."""
        try:
            with self._signed_in() as (_, user):
                self.user_email = user.email
        except SessionExpired:
            return self._login_redirect()
        return None

    @rx.event
    def skip_if_logged_in(self) -> Any:
        """Send a logged-in person from login/sign-up to their projects."""
        self.auth_error = ""
        if not self.session_token:
            return None
        try:
            with self._signed_in() as (_, user):
                self.user_email = user.email
        except SessionExpired:
            return None
        return rx.redirect(self._next())

    def _open_session(self, form: dict[str, Any], *, create: bool) -> bool:
        """Optionally create the account, then log in; on failure show why and return False."""
        self.auth_error = ""
        email, password = str(form.get("email", "")), str(form.get("password", ""))
        try:
            with session_scope() as session:
                if create:
                    accounts.sign_up(session=session, email=email, password=password)
                result = accounts.log_in(
                    session=session,
                    settings=get_settings(),
                    email=email,
                    password=password,
                    client=self._client(),
                )
        except (AuthError, ValidationError) as exc:
            self.auth_error = str(exc)
            return False
        self.session_token = result.token
        self.user_email = result.user.email
        return True

    @rx.event
    def log_in(self, form: dict[str, Any]) -> Any:
        """Check the form's credentials and open a session."""
        return rx.redirect(self._next()) if self._open_session(form, create=False) else None

    @rx.event
    def sign_up(self, form: dict[str, Any]) -> Any:
        """Create an account from the form and log straight in."""
        if str(form.get("password", "")) != str(form.get("password_confirm", "")):
            self.auth_error = "The two passwords do not match."
            return None
        if not self._open_session(form, create=True):
            return None
        return [rx.redirect(routes.PROJECTS), rx.toast.success("Welcome to mediaws.")]

    @rx.event
    def log_out(self) -> Any:
        """Revoke the session and forget it in the browser."""
        with session_scope() as session:
            accounts.log_out(session=session, token=self.session_token)
        self.session_token = ""
        self.user_email = ""
        return rx.redirect(routes.LOGIN)
