"""Settings pages: provider keys, OpenAI-compatible endpoints, the password and email choices."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from mediaws import wiring
from mediaws.config import get_settings
from mediaws.errors import (
    CryptoError,
    NotFoundError,
    ProviderError,
    SessionExpired,
    TooManyAttempts,
    ValidationError,
)
from mediaws.services import accounts, keys, provider_access
from mediaws.state import display
from mediaws.state.auth import AuthState
from mediaws.state.tokens import TokensState


def _masked(view: keys.KeyView) -> str:
    if not view.has_secret:
        return "no key"
    return f"•••• {view.last4}" if view.last4 else "•••• (short key)"


def _key_row(view: keys.KeyView) -> dict[str, str]:
    return {
        "id": str(view.id),
        "provider": view.provider,
        "name": view.name,
        "base_url": view.base_url or "",
        "masked": _masked(view),
        "added": display.date(view.created_at),
        "updated": display.when(view.updated_at),
        "last_used": display.when(view.last_used_at),
        "price": view.price_text,
        "priced": "yes" if view.input_price_micros is not None else "",
        "input_price": view.price_fields[0],
        "output_price": view.price_fields[1],
    }


def _check_key(token: str, key_id: str) -> str:
    deps = wiring.app_deps()
    with deps.transaction() as session:
        user = accounts.user_for_token(session=session, token=token)
        return provider_access.check_key(
            session=session,
            keyring=deps.keyring,
            settings=deps.settings,
            registry=deps.registry,
            user_id=user.id,
            key_id=key_id,
        )


def _provider_row(provider: keys.KeyProvider, view: keys.KeyView | None) -> dict[str, str]:
    row = {
        "id": provider.id,
        "label": provider.label,
        "media": provider.media,
        "key_id": "",
        "masked": "Not set",
        "added": "",
        "last_used": "",
    }
    if view is not None:
        row |= {
            "key_id": str(view.id),
            "masked": _masked(view),
            "added": display.date(view.created_at),
            "last_used": display.when(view.last_used_at),
        }
    return row


class KeysState(AuthState):
    """Provider keys and endpoints, shown masked; secrets only ever travel inward."""

    providers: list[dict[str, str]] = []
    endpoints: list[dict[str, str]] = []
    loaded: bool = False
    dialog_provider: str = ""
    dialog_label: str = ""
    dialog_hint: str = ""
    dialog_error: str = ""
    endpoint_open: bool = False
    endpoint_edit_id: str = ""
    endpoint_name: str = ""
    endpoint_url: str = ""
    endpoint_input_price: str = ""
    endpoint_output_price: str = ""
    endpoint_error: str = ""
    testing_id: str = ""

    def _reload(self) -> Any:
        try:
            with self._signed_in() as (session, user):
                self.user_email = user.email
                views = keys.list_keys(session=session, user_id=user.id)
        except SessionExpired:
            return self._login_redirect()
        stored = {view.provider: view for view in views if not view.endpoint}
        self.providers = [_provider_row(p, stored.get(p.id)) for p in keys.key_providers()]
        self.endpoints = [_key_row(view) for view in views if view.endpoint]
        self.loaded = True
        return None

    @rx.event
    def load(self) -> Any:
        """Page load: check the session and list keys."""
        self.dialog_provider = ""
        self.endpoint_open = False
        return self._reload()

    @rx.event
    def open_key_dialog(self, provider_id: str) -> None:
        """Open the add/replace dialog for one provider."""
        match = next((p for p in keys.key_providers() if p.id == provider_id), None)
        self.dialog_provider = match.id if match else ""
        self.dialog_label = match.label if match else ""
        self.dialog_hint = match.key_hint if match else ""
        self.dialog_error = ""

    @rx.event
    def close_key_dialog(self, open_: bool = False) -> None:
        """Close the add/replace dialog."""
        if not open_:
            self.dialog_provider = ""
            self.dialog_error = ""

    @rx.event
    def save_key(self, form: dict[str, Any]) -> Any:
        """Seal and store the key typed in the dialog."""
        self.dialog_error = ""
        label = self.dialog_label
        try:
            with self._signed_in() as (session, user):
                keys.save_key(
                    session=session,
                    keyring=wiring.app_deps().keyring,
                    user_id=user.id,
                    provider=self.dialog_provider,
                    secret=str(form.get("secret", "")),
                )
        except SessionExpired:
            return self._login_redirect()
        except ValidationError as exc:
            self.dialog_error = exc.message
            return None
        self.dialog_provider = ""
        self._reload()
        return rx.toast.success(f"{label} key saved.")

    @rx.event
    def delete_key(self, key_id: str) -> Any:
        """Delete a stored key or endpoint."""
        try:
            with self._signed_in() as (session, user):
                keys.delete_key(session=session, user_id=user.id, key_id=key_id)
        except SessionExpired:
            return self._login_redirect()
        except NotFoundError as exc:
            self._reload()
            return rx.toast.error(str(exc))
        self._reload()
        return rx.toast.success("Key deleted.")

    @rx.event(background=True)
    async def test_key(self, key_id: str) -> AsyncIterator[Any]:
        """Ask the provider whether it accepts the stored key, without blocking other events."""
        async with self:
            token, self.testing_id = self.session_token, key_id
        try:
            message = await asyncio.to_thread(_check_key, token, key_id)
            toast = rx.toast.success(message)
        except SessionExpired:
            toast = rx.toast.error("Your session has ended. Please log in again.")
        except (ProviderError, ValidationError, NotFoundError, CryptoError) as exc:
            toast = rx.toast.error(str(exc))
        async with self:
            self.testing_id = ""
            self._reload()
        yield toast

    @rx.event
    def open_endpoint(self, key_id: str = "") -> None:
        """Open the endpoint dialog, empty or for editing one endpoint."""
        row = next((row for row in self.endpoints if row["id"] == key_id), None)
        self.endpoint_edit_id = row["id"] if row else ""
        self.endpoint_name = row["name"] if row else ""
        self.endpoint_url = row["base_url"] if row else ""
        self.endpoint_input_price = row["input_price"] if row else ""
        self.endpoint_output_price = row["output_price"] if row else ""
        self.endpoint_error = ""
        self.endpoint_open = True

    @rx.event
    def close_endpoint(self, open_: bool = False) -> None:
        """Close the endpoint dialog."""
        self.endpoint_open = open_
        self.endpoint_error = ""

    @rx.event
    def save_endpoint(self, form: dict[str, Any]) -> Any:
        """Store an OpenAI-compatible endpoint."""
        self.endpoint_error = ""
        try:
            with self._signed_in() as (session, user):
                view = keys.save_endpoint(
                    session=session,
                    keyring=wiring.app_deps().keyring,
                    user_id=user.id,
                    name=str(form.get("name", "")),
                    base_url=str(form.get("base_url", "")),
                    secret=str(form.get("secret", "")),
                    endpoint_id=self.endpoint_edit_id or None,
                    input_price=str(form.get("input_price", "")),
                    output_price=str(form.get("output_price", "")),
                )
        except SessionExpired:
            return self._login_redirect()
        except (ValidationError, NotFoundError, CryptoError) as exc:
            self.endpoint_error = str(exc)
            return None
        self.endpoint_open = False
        self._reload()
        return rx.toast.success(f"Endpoint “{view.name}” saved.")


class AccountState(AuthState):
    """Password change, the time zone days are counted in, and which emails the person gets."""

    password_error: str = ""
    time_zone: str = "UTC"
    zone_draft: str = ""
    zone_error: str = ""
    summary_emails: bool = False
    budget_emails: bool = True
    email_ready: bool = False

    @rx.event
    def load(self) -> Any:
        """Page load: check the session, show the time zone and email choices, and list the access tokens."""
        self.password_error = self.zone_error = ""
        self.email_ready = get_settings().email_enabled
        try:
            with self._signed_in() as (_, user):
                self.time_zone = self.zone_draft = user.time_zone
                self.summary_emails, self.budget_emails = user.summary_emails, user.budget_emails
        except SessionExpired:
            return self._login_redirect()
        return TokensState.load

    @rx.event
    def save_summary_emails(self, on: bool) -> Any:
        """Turn the monthly cost summary email on or off, saved at once."""
        try:
            with self._signed_in() as (session, user):
                saved = accounts.set_email_choices(session=session, user_id=user.id, summary=bool(on))
                self.summary_emails = saved.summary_emails
        except SessionExpired:
            return self._login_redirect()
        return rx.toast.success(f"Monthly cost summary {'on' if self.summary_emails else 'off'}.")

    @rx.event
    def save_budget_emails(self, on: bool) -> Any:
        """Turn the budget warning emails on or off, saved at once."""
        try:
            with self._signed_in() as (session, user):
                saved = accounts.set_email_choices(session=session, user_id=user.id, budgets=bool(on))
                self.budget_emails = saved.budget_emails
        except SessionExpired:
            return self._login_redirect()
        return rx.toast.success(f"Budget warning emails {'on' if self.budget_emails else 'off'}.")

    @rx.event
    def type_zone(self, value: str) -> None:
        """Keep what is typed in the time zone field."""
        self.zone_draft, self.zone_error = value[:64], ""

    @rx.event
    def save_time_zone(self, form: dict[str, Any]) -> Any:
        """Count days and months in the typed zone; the totals are recounted in it."""
        name = str(form.get("time_zone", self.zone_draft))
        try:
            with self._signed_in() as (session, user):
                saved = accounts.set_time_zone(session=session, user_id=user.id, name=name)
                self.time_zone = self.zone_draft = saved.time_zone
        except SessionExpired:
            return self._login_redirect()
        except ValidationError as exc:
            self.zone_error = str(exc)
            return None
        return rx.toast.success(f"Days and months now count in {self.time_zone}.")

    @rx.event
    def change_password(self, form: dict[str, Any]) -> Any:
        """Change the password; every other session is signed out, this one stays."""
        self.password_error = ""
        new = str(form.get("new_password", ""))
        if new != str(form.get("new_password_confirm", "")):
            self.password_error = "The two new passwords do not match."  # noqa: S105
            return None
        try:
            with self._signed_in() as (session, user):
                ended = accounts.change_password(
                    session=session,
                    settings=get_settings(),
                    user_id=user.id,
                    current_password=str(form.get("current_password", "")),
                    new_password=new,
                    client=self._client(),
                    current_token=self.session_token,
                )
        except SessionExpired:
            return self._login_redirect()
        except (ValidationError, TooManyAttempts) as exc:
            self.password_error = str(exc)
            return None
        others = f"{ended} other session{'s' if ended != 1 else ''} signed out"
        return rx.toast.success(
            f"Password changed; {others}. Access tokens still work: revoke any you don't recognise below."
        )
