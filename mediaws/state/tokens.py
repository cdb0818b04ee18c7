"""Personal access tokens in Settings: list, create (plaintext shown once, never saved to disk) and revoke."""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from mediaws.errors import NotFoundError, SessionExpired, ValidationError
from mediaws.models import PersonalAccessToken
from mediaws.services import tokens
from mediaws.state import display
from mediaws.state.auth import AuthState


def api_base_url(browser_origin: str = "") -> str:
    """Where this browser reaches the app (else MEDIAWS_PUBLIC_URL), for the curl example."""
    return (browser_origin or rx.config.get_config().deploy_url or "").rstrip("/")


def _token_row(row: PersonalAccessToken) -> dict[str, str]:
    return {
        "id": str(row.id),
        "name": row.name,
        "prefix": row.prefix + "…",
        "created": display.date(row.created_at),
        "last_used": display.when(row.last_used_at),
        "revoked": display.date(row.revoked_at),
    }


class TokensState(AuthState):
    """The signed-in user's tokens; a new plaintext lives here only while its dialog is open."""

    _secret_vars: ClassVar[frozenset[str]] = frozenset({"new_plaintext", "curl_example"})
    active: list[dict[str, str]] = []
    revoked: list[dict[str, str]] = []
    loaded: bool = False
    show_revoked: bool = False
    create_open: bool = False
    create_error: str = ""
    new_name: str = ""
    new_plaintext: str = ""
    curl_example: str = ""
    copied: str = ""

    def _forget_new(self) -> None:
        self.new_plaintext = ""
        self.new_name = ""
        self.curl_example = ""
        self.copied = ""

    def _reload(self) -> Any:
        try:
            with self._signed_in() as (session, user):
                self.user_email = user.email
                rows = tokens.list_tokens(session=session, user_id=user.id)
        except SessionExpired:
            return self._login_redirect()
        self.active = [_token_row(row) for row in rows if row.revoked_at is None]
        self.revoked = [_token_row(row) for row in rows if row.revoked_at is not None]
        self.loaded = True
        return None

    @rx.event
    def load(self) -> Any:
        """Page load: check the session, list tokens, forget any plaintext left from before."""
        self._forget_new()
        self.create_open = False
        self.create_error = ""
        return self._reload()

    @rx.event
    def set_show_revoked(self, show: bool) -> None:
        """Show or hide revoked tokens."""
        self.show_revoked = show

    @rx.event
    def open_create(self) -> None:
        """Open the "New token" dialog."""
        self.create_error = ""
        self.create_open = True

    @rx.event
    def close_create(self, open_: bool = False) -> None:
        """Close the "New token" dialog."""
        self.create_open = open_
        self.create_error = ""

    @rx.event
    def create(self, form: dict[str, Any]) -> Any:
        """Make a token and show its plaintext in the one-time dialog."""
        self.create_error = ""
        try:
            with self._signed_in() as (session, user):
                made = tokens.create_token(session=session, user_id=user.id, name=str(form.get("name", "")))
        except SessionExpired:
            return self._login_redirect()
        except (ValidationError, NotFoundError) as exc:
            self.create_error = str(exc)
            return None
        self.create_open = False
        self.new_name = made.row.name
        self.new_plaintext = made.plaintext
        base = api_base_url(self.router.url.origin if self.router.url.netloc else "")
        self.curl_example = f'curl -H "Authorization: Bearer {made.plaintext}" {base}/api/projects'
        return self._reload()

    @rx.event
    def mark_copied(self, what: str) -> None:
        """Remember which text of the one-time dialog went to the clipboard, to say so on its button."""
        self.copied = what

    @rx.event
    def close_new(self, open_: bool = False) -> None:
        """Close the one-time dialog and drop the plaintext from the state."""
        if not open_:
            self._forget_new()

    @rx.event
    def revoke(self, token_id: str) -> Any:
        """Revoke a token; the API refuses it from the next request on."""
        try:
            with self._signed_in() as (session, user):
                row = tokens.revoke_token(session=session, user_id=user.id, token_id=token_id)
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError as exc:
            self._reload()
            return rx.toast.error(str(exc))
        name = row.name
        self._reload()
        return rx.toast.success(f"Token “{name}” revoked. Requests with it are refused from now on.")
