"""Who is logged in: the HttpOnly session cookie, the login and sign-up pages, logout and the page guard."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import reflex as rx
from sqlmodel import Session

from mediaws import routes, wiring
from mediaws.config import get_settings
from mediaws.errors import SessionExpired
from mediaws.models import User
from mediaws.services import accounts, auth_forms
from mediaws.services.auth_forms import safe_next

__all__ = ["AuthState", "safe_next"]


class AuthState(rx.State):
    """The identity behind the session cookie.

    The cookie is set by the server (``mediaws.api.browser_session``) as HttpOnly, so page scripts cannot
    read it; the browser sends it when it opens the event connection, and it is read from there.
    """

    user_email: str = ""
    auth_error: str = ""
    next_path: str = routes.PROJECTS

    @property
    def session_token(self) -> str:
        """The session cookie sent with this tab's connection; never stored in the state."""
        return auth_forms.session_token(self.router.headers.cookie)

    def _client(self) -> str:
        """The browser's address; X-Forwarded-For counts only when the peer is in MEDIAWS_TRUSTED_PROXIES."""
        return auth_forms.browser_address(
            self.router.session.client_ip or "",
            self.router.headers.raw_headers.get("x-forwarded-for", ""),
            get_settings(),
        )

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
        with wiring.app_deps().transaction() as session:
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
        """Login/sign-up page load: show a refused form's message, or send a logged-in person on."""
        query = self.router.url.query_parameters
        self.auth_error = auth_forms.error_message(str(query.get("error", "")), str(query.get("retry", "")))
        self.next_path = self._next()
        if not self.session_token:
            return None
        try:
            with self._signed_in() as (_, user):
                self.user_email = user.email
        except SessionExpired:
            return None
        return rx.redirect(self.next_path)

    @rx.event
    def log_out(self) -> Any:
        """Revoke the session, then have the logout route drop the HttpOnly cookie and open the login page."""
        with wiring.app_deps().transaction() as session:
            accounts.log_out(session=session, token=self.session_token)
        self.user_email = ""
        return rx.call_script(  # this device forgets the account's offline queue and last request too
            "Promise.resolve(window.mediawsOutbox && window.mediawsOutbox.clear()).catch(() => undefined)"
            ".then(() => { try { localStorage.removeItem('mediaws.lastRequest'); } catch (e) {} })"
            ".then(() => fetch('/_session/logout', {method: 'POST', credentials: 'same-origin'}))"
            f".finally(() => window.location.assign('{routes.LOGIN}'))"
        )
