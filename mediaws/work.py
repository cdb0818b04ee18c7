"""What a generation asks for and what it used: the types providers take and pricing reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal


class Capability(StrEnum):
    """What a model produces."""

    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    SPEECH = "speech"
    AUDIO = "audio"


@dataclass(frozen=True)
class ModelRef:
    """Which model runs a generation: a provider's model, on one of the user's endpoints where it has them."""

    provider: str
    model: str
    endpoint: str | None = None

    @property
    def key(self) -> str:
        """One string for a picker: ``provider|endpoint|model`` (the endpoint empty when there is none)."""
        return f"{self.provider}|{self.endpoint or ''}|{self.model}"

    @classmethod
    def from_key(cls, key: str) -> ModelRef:
        """Read ``key`` back; the model is the rest, so a model id may itself hold a ``|``."""
        provider, _, rest = key.partition("|")
        endpoint, _, model = rest.partition("|")
        return cls(provider, model, endpoint or None)

    @classmethod
    def of(cls, provider: str, model: str, endpoint: object = None) -> ModelRef:
        """A reference from loose parts (an endpoint id may come as a UUID, a string or nothing)."""
        return cls(provider, model, str(endpoint) if endpoint not in (None, "") else None)


@dataclass(frozen=True)
class Message:
    """One turn of a conversation."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class TextRequest:
    """Generate text from messages."""

    model: str
    messages: tuple[Message, ...]
    system: str | None = None
    temperature: float | None = None
    max_output_tokens: int | None = None
    seed: int | None = None
    stream: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ImageRequest:
    """Generate (or edit, given an input image) images from a prompt."""

    model: str
    prompt: str
    negative_prompt: str | None = None
    size: str | None = None
    aspect_ratio: str | None = None
    quality: str | None = None
    count: int = 1
    seed: int | None = None
    input_image: bytes | None = None
    input_image_mime: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VideoRequest:
    """Generate a video from a prompt and an optional start image."""

    model: str
    prompt: str
    duration_seconds: int
    start_image: bytes | None = None
    start_image_mime: str | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None
    with_audio: bool = False
    seed: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SpeechRequest:
    """Turn text into speech."""

    model: str
    text: str
    voice: str
    language: str | None = None
    speed: float | None = None
    stability: float | None = None
    output_format: str = "mp3"
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AudioRequest:
    """Generate music or sound from a description."""

    model: str
    prompt: str
    duration_seconds: int | None = None
    seed: int | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


Request = TextRequest | ImageRequest | VideoRequest | SpeechRequest | AudioRequest


@dataclass(frozen=True)
class Usage:
    """Billing units exactly as the provider reported them (zero where not applicable).

    Token fields count text; image tokens are kept apart in ``image_input_tokens`` and
    ``image_output_tokens`` so a model billing both is never charged twice. ``input_tokens`` counts every
    input token, cached reads and cache writes included; ``cached_image_input_tokens`` is part of
    ``image_input_tokens``.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_30m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    image_count: int = 0
    image_size: str | None = None
    image_quality: str | None = None
    image_input_tokens: int = 0
    cached_image_input_tokens: int = 0
    image_output_tokens: int = 0
    video_seconds: Decimal = Decimal(0)
    video_audio: bool = False
    characters: int = 0
    predict_seconds: Decimal = Decimal(0)
    runs: int = 0
    input_megapixels: Decimal = Decimal(0)
    output_megapixels: Decimal = Decimal(0)
    output_count: int = 0
