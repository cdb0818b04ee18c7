"""AI providers: what keys each takes (the adapters land with the provider layer)."""

from mediaws.providers.catalog import (
    OPENAI_COMPATIBLE,
    KeyProvider,
    endpoint_provider,
    endpoints_provider,
    has_endpoints,
    key_label,
    key_provider,
    key_providers,
)

__all__ = [
    "OPENAI_COMPATIBLE",
    "KeyProvider",
    "endpoint_provider",
    "endpoints_provider",
    "has_endpoints",
    "key_label",
    "key_provider",
    "key_providers",
]
