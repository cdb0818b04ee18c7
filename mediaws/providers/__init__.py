"""AI providers: what keys each takes (the adapters land with the provider layer)."""

from mediaws.providers.catalog import KEY_PROVIDERS, OPENAI_COMPATIBLE, KeyProvider, key_provider

__all__ = ["KEY_PROVIDERS", "OPENAI_COMPATIBLE", "KeyProvider", "key_provider"]
