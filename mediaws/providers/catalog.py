"""The providers a person can store a key for, with what the UI says about each, from their classes."""

from __future__ import annotations

from dataclasses import dataclass

from mediaws.errors import ValidationError
from mediaws.providers.base import Registry

OPENAI_COMPATIBLE = "openai_compatible"


@dataclass(frozen=True)
class KeyProvider:
    """A provider that takes a user's key."""

    id: str
    label: str
    key_hint: str
    media: str


def key_providers(registry: Registry | None = None) -> tuple[KeyProvider, ...]:
    """Every registered provider that takes one key per user, a plug-in's included (endpoints apart)."""
    if registry is None:
        from mediaws.providers.registry import default_registry  # it imports every provider module

        registry = default_registry()
    return tuple(
        KeyProvider(provider.id, provider.label, provider.key_hint, provider.makes)
        for provider in registry.providers.values()
        if provider.needs_key and provider.id != OPENAI_COMPATIBLE
    )


def key_provider(provider_id: str, registry: Registry | None = None) -> KeyProvider:
    """Return a provider that takes a key, by id, or say which ones exist."""
    found = {provider.id: provider for provider in key_providers(registry)}
    if provider_id not in found:
        raise ValidationError(
            f"Unknown provider '{provider_id}'. Choose one of: {', '.join(found)}, or add an "
            "OpenAI-compatible endpoint.",
            field="provider",
        )
    return found[provider_id]
