"""The providers a person can store a key for, with what the UI says about each."""

from __future__ import annotations

from dataclasses import dataclass

from mediaws.errors import ValidationError

OPENAI_COMPATIBLE = "openai_compatible"


@dataclass(frozen=True)
class KeyProvider:
    """A provider that takes a user's key."""

    id: str
    label: str
    key_hint: str
    media: str


KEY_PROVIDERS: tuple[KeyProvider, ...] = (
    KeyProvider("openai", "OpenAI", "sk-…", "Text, images, speech"),
    KeyProvider("anthropic", "Anthropic", "sk-ant-…", "Text"),
    KeyProvider("gemini", "Google Gemini", "AIza…", "Text, Nano Banana images"),
    KeyProvider("elevenlabs", "ElevenLabs", "sk_…", "Speech, voice cloning"),
    KeyProvider("replicate", "Replicate", "r8_…", "Flux images, video, audio"),
)

_BY_ID = {provider.id: provider for provider in KEY_PROVIDERS}


def key_provider(provider_id: str) -> KeyProvider:
    """Return a built-in provider by id, or say which ones exist."""
    try:
        return _BY_ID[provider_id]
    except KeyError:
        known = ", ".join(_BY_ID)
        raise ValidationError(
            f"Unknown provider '{provider_id}'. Choose one of: {known}, or add an "
            "OpenAI-compatible endpoint.",
            field="provider",
        ) from None
