"""Providers are opened with the user's own sealed key and the configured base URL, or refused clearly."""

from __future__ import annotations

from typing import ClassVar

import pytest
from sqlmodel import Session

from mediaws.config import Settings
from mediaws.errors import BadProviderKey, NotFoundError, ValidationError
from mediaws.models import User
from mediaws.providers.base import Provider, Registry
from mediaws.security.crypto import Keyring
from mediaws.services import keys
from mediaws.services.provider_access import check_key, provider_for, provider_for_key


class KeyedProvider(Provider):
    """A provider registered the way any plug-in registers; it accepts one key."""

    id = "openai"
    label = "OpenAI"
    accepted: ClassVar[str] = "sk-good-key-000000000000"

    def test_key(self) -> None:
        """Accept only the known key."""
        if self.api_key != self.accepted:
            raise BadProviderKey("OpenAI says the key is invalid — check Settings → API keys.")


class EndpointProvider(KeyedProvider):
    """Stands in for OpenAI-compatible endpoints."""

    id = "openai_compatible"
    label = "OpenAI-compatible endpoint"
    endpoints = True


class OfflineProvider(Provider):
    """Needs no key."""

    id = "local"
    label = "Local"
    needs_key = False
    base_url_setting = "local_text_base_url"


@pytest.fixture
def registry() -> Registry:
    """A registry filled like the real one, from register functions."""
    registry = Registry()
    for provider in (KeyedProvider, EndpointProvider, OfflineProvider):
        registry.add(provider)
    return registry


def test_missing_key_says_where_to_add_it(
    session: Session, keyring: Keyring, settings: Settings, registry: Registry, user: User
) -> None:
    """Without a stored key the message points to Settings → API keys."""
    with pytest.raises(ValidationError, match=r"no OpenAI key yet\. Add one in Settings → API keys"):
        provider_for(
            session=session,
            keyring=keyring,
            settings=settings,
            registry=registry,
            user_id=user.id,
            provider_id="openai",
        )


def test_key_and_base_url_reach_the_provider(
    session: Session, keyring: Keyring, make_settings: object, registry: Registry, user: User
) -> None:
    """The opened key and MEDIAWS_OPENAI_BASE_URL are handed to the provider; last use is noted."""
    settings = make_settings(openai_base_url="http://127.0.0.1:9/v1", provider_timeout_seconds=7)  # type: ignore[operator]
    view = keys.save_key(
        session=session, keyring=keyring, user_id=user.id, provider="openai", secret=KeyedProvider.accepted
    )
    provider = provider_for(
        session=session,
        keyring=keyring,
        settings=settings,
        registry=registry,
        user_id=user.id,
        provider_id="openai",
    )
    assert (provider.api_key, provider.base_url, provider.timeout) == (
        KeyedProvider.accepted,
        "http://127.0.0.1:9/v1",
        7,
    )
    assert keys.list_keys(session=session, user_id=user.id)[0].last_used_at is not None
    message = check_key(
        session=session,
        keyring=keyring,
        settings=settings,
        registry=registry,
        user_id=user.id,
        key_id=view.id,
    )
    assert message == "OpenAI accepted the key."


def test_refused_key_and_strangers(
    session: Session, keyring: Keyring, settings: Settings, registry: Registry, user: User, other_user: User
) -> None:
    """A refused key raises the provider's words; another user's key id is not found."""
    view = keys.save_key(
        session=session, keyring=keyring, user_id=user.id, provider="openai", secret="sk-wrong-key-1111111111"
    )
    with pytest.raises(BadProviderKey, match="check Settings"):
        check_key(
            session=session,
            keyring=keyring,
            settings=settings,
            registry=registry,
            user_id=user.id,
            key_id=view.id,
        )
    with pytest.raises(NotFoundError):
        provider_for_key(
            session=session,
            keyring=keyring,
            settings=settings,
            registry=registry,
            user_id=other_user.id,
            key_id=view.id,
        )


def test_endpoints_use_their_own_url_and_offline_needs_no_key(
    session: Session, keyring: Keyring, make_settings: object, registry: Registry, user: User
) -> None:
    """An endpoint brings its base URL and optional key; the local provider gets the local text URL."""
    settings = make_settings(local_text_base_url="http://127.0.0.1:11434/v1")  # type: ignore[operator]
    endpoint = keys.save_endpoint(
        session=session,
        keyring=keyring,
        user_id=user.id,
        name="Ollama",
        base_url="http://127.0.0.1:11434/v1",
        secret=None,
    )
    provider = provider_for_key(
        session=session,
        keyring=keyring,
        settings=settings,
        registry=registry,
        user_id=user.id,
        key_id=endpoint.id,
    )
    assert (provider.id, provider.api_key, provider.base_url) == (
        "openai_compatible",
        None,
        "http://127.0.0.1:11434/v1",
    )
    with pytest.raises(ValidationError, match="Choose one of your OpenAI-compatible endpoints"):
        provider_for(
            session=session,
            keyring=keyring,
            settings=settings,
            registry=registry,
            user_id=user.id,
            provider_id="openai_compatible",
        )
    local = provider_for(
        session=session,
        keyring=keyring,
        settings=settings,
        registry=registry,
        user_id=user.id,
        provider_id="local",
    )
    assert (local.api_key, local.base_url) == (None, "http://127.0.0.1:11434/v1")
