"""The providers a person can store a key for, with what the UI says about each, from their classes."""

from __future__ import annotations

from dataclasses import dataclass

from mediaws.errors import NotFoundError, ValidationError
from mediaws.providers.base import Registry

OPENAI_COMPATIBLE = "openai_compatible"


@dataclass(frozen=True)
class KeyProvider:
    """A provider that takes a user's key."""

    id: str
    label: str
    key_hint: str
    media: str


def _registry(registry: Registry | None) -> Registry:
    if registry is None:
        from mediaws.providers.registry import default_registry  # it imports every provider module

        registry = default_registry()
    return registry


def key_providers(registry: Registry | None = None) -> tuple[KeyProvider, ...]:
    """Every registered provider that takes one key per user, a plug-in's included (endpoints apart)."""
    return tuple(
        KeyProvider(provider.id, provider.label, provider.key_hint, provider.makes)
        for provider in _registry(registry).providers.values()
        if provider.needs_key and not provider.endpoints
    )


def endpoint_provider(provider_id: str, registry: Registry | None = None) -> str:
    """The label of a provider whose keys are endpoints, by id; any other id is not found."""
    provider = _registry(registry).providers.get(provider_id)
    if provider is None or not provider.endpoints:
        raise NotFoundError("Endpoint not found.")
    return provider.label


def endpoints_provider(registry: Registry | None = None) -> str:
    """The provider whose keys are endpoints people add themselves: the first registered that has them."""
    for provider in _registry(registry).providers.values():
        if provider.endpoints:
            return provider.id
    raise NotFoundError("No provider takes endpoints of your own here.")


def key_label(provider_id: str, registry: Registry | None = None) -> str:
    """What a stored key's provider is called, an endpoint's provider included."""
    provider = _registry(registry).providers.get(provider_id)
    return provider.label if provider is not None else provider_id


def has_endpoints(provider_id: str, registry: Registry | None = None) -> bool:
    """Whether a provider's keys are endpoints of their own (name, base URL, prices)."""
    provider = _registry(registry).providers.get(provider_id)
    return provider is not None and provider.endpoints


def key_provider(provider_id: str, registry: Registry | None = None) -> KeyProvider:
    """Return a provider that takes a key, by id, or say which ones exist."""
    registered = _registry(registry).providers.get(provider_id)
    if registered is not None and registered.endpoints:
        raise ValidationError(f"Add {registered.label}s with a name and base URL.", field="provider")
    found = {provider.id: provider for provider in key_providers(registry)}
    if provider_id not in found:
        raise ValidationError(
            f"Unknown provider '{provider_id}'. Choose one of: {', '.join(found)}, or add an "
            "OpenAI-compatible endpoint.",
            field="provider",
        )
    return found[provider_id]
