"""Build a ready provider for a user: their sealed key opened, base URL and timeout from settings."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from mediaws.config import Settings
from mediaws.errors import NotFoundError, ValidationError
from mediaws.models import ApiKey
from mediaws.pricing.cost import CataloguePrice, Price
from mediaws.providers.base import ModelRef, Provider, Registry
from mediaws.security.crypto import Keyring
from mediaws.services.keys import endpoint_price, owned_row, reveal_secret


def configured_base_url(settings: Settings, provider: type[Provider]) -> str | None:
    """The setting that overrides a provider's base URL (MEDIAWS_<PROVIDER>_BASE_URL), if set."""
    value = getattr(settings, provider.base_url_setting or f"{provider.id}_base_url", None)
    return str(value) if value else None


def stored_key(
    *,
    session: Session,
    registry: Registry,
    user_id: uuid.UUID,
    provider_id: str,
    endpoint_id: str | uuid.UUID | None = None,
) -> ApiKey | None:
    """The user's key a provider would open with (None if it needs none), unopened; says where to add one."""
    cls = registry.provider(provider_id)
    if cls.endpoints:
        if endpoint_id is None:
            raise ValidationError(f"Choose one of your {cls.label}s.", field="endpoint")
        endpoint = owned_row(session, user_id, endpoint_id)
        if endpoint.provider != provider_id:
            raise NotFoundError("Endpoint not found.")
        return endpoint
    if not cls.needs_key:
        return None
    row = session.exec(
        select(ApiKey).where(
            ApiKey.user_id == user_id, ApiKey.provider == provider_id, ApiKey.name == provider_id
        )
    ).first()
    if row is None:
        raise ValidationError(
            f"You have no {cls.label} key yet. Add one in Settings → API keys.", field="provider"
        )
    return row


def provider_for(
    *,
    session: Session,
    keyring: Keyring,
    settings: Settings,
    registry: Registry,
    user_id: uuid.UUID,
    provider_id: str,
    endpoint_id: str | uuid.UUID | None = None,
) -> Provider:
    """Return the provider, opened with the user's key; say where to add a missing key."""
    cls = registry.provider(provider_id)
    timeout = settings.provider_timeout_seconds
    row = stored_key(
        session=session, registry=registry, user_id=user_id, provider_id=provider_id, endpoint_id=endpoint_id
    )
    if row is None:
        return cls(api_key=None, base_url=configured_base_url(settings, cls), timeout=timeout)
    secret = reveal_secret(session=session, keyring=keyring, user_id=user_id, key_id=row.id)
    base_url = row.base_url or configured_base_url(settings, cls)  # an endpoint row has its own
    return cls(api_key=secret, base_url=base_url, timeout=timeout)


def provider_for_key(
    *,
    session: Session,
    keyring: Keyring,
    settings: Settings,
    registry: Registry,
    user_id: uuid.UUID,
    key_id: str | uuid.UUID,
) -> Provider:
    """Return the provider behind one stored key or endpoint of the user."""
    row = owned_row(session, user_id, key_id)
    return provider_for(
        session=session,
        keyring=keyring,
        settings=settings,
        registry=registry,
        user_id=user_id,
        provider_id=row.provider,
        endpoint_id=row.id if registry.provider(row.provider).endpoints else None,
    )


def check_key(
    *,
    session: Session,
    keyring: Keyring,
    settings: Settings,
    registry: Registry,
    user_id: uuid.UUID,
    key_id: str | uuid.UUID,
) -> str:
    """Make the provider's cheapest authenticated call with a stored key; raise what it says."""
    provider = provider_for_key(
        session=session, keyring=keyring, settings=settings, registry=registry, user_id=user_id, key_id=key_id
    )
    provider.test_key()
    return f"{provider.label} accepted the key."


def price_of(*, session: Session, registry: Registry, user_id: uuid.UUID, ref: ModelRef) -> Price:
    """What a model costs: the catalogue's dated rates, or the rates the user gave their endpoint."""
    if registry.provider(ref.provider).endpoints:
        return endpoint_price(session=session, user_id=user_id, endpoint_id=ref.endpoint)
    return CataloguePrice(ref.provider, ref.model)
