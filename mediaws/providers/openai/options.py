"""OpenAI's model families: the options each takes, as pydantic models, and gpt-image-2's size rules."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from mediaws.errors import InvalidProviderRequest
from mediaws.providers.base import Capability, ModelInfo, Options, listed_model

Voice = Literal["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"]
SpeechFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
ImageQuality = Literal["low", "medium", "high", "auto"]


def parse_size(size: str) -> tuple[int, int] | None:
    """Width and height of a ``WIDTHxHEIGHT`` string, or None for ``auto``/malformed."""
    match = re.fullmatch(r"(\d{2,5})x(\d{2,5})", size)
    return (int(match[1]), int(match[2])) if match else None


def check_gpt_image_2_size(size: str) -> str:
    """Apply gpt-image-2's size rules: auto, or WxH in 16 px steps, 655,360-8,294,400 px, ratio ≤ 3:1."""
    if size == "auto":
        return size
    dims = parse_size(size)
    if dims is None:
        raise ValueError("must be 'auto' or WIDTHxHEIGHT, e.g. 1536x1024")
    width, height = dims
    if width % 16 or height % 16:
        raise ValueError("width and height must both be multiples of 16")
    if max(width, height) > 3840:
        raise ValueError("no edge may exceed 3840 px")
    if not 655_360 <= width * height <= 8_294_400:
        raise ValueError("must have between 655,360 and 8,294,400 pixels (e.g. 1024x640 up to 3840x2160)")
    if max(width, height) > 3 * min(width, height):
        raise ValueError("aspect ratio must be between 1:3 and 3:1")
    return size


class ReasoningTextOptions(Options):
    """GPT-5.x reasoning models: no temperature; up to 128,000 output tokens."""

    max_output_tokens: int | None = Field(None, ge=1, le=128_000)
    seed: int | None = None


class GPT41Options(Options):
    """GPT-4.1 family: temperature 0 to 2; up to 32,768 output tokens."""

    temperature: float | None = Field(None, ge=0, le=2)
    max_output_tokens: int | None = Field(None, ge=1, le=32_768)
    seed: int | None = None


class GptImage2Options(Options):
    """gpt-image-2: custom sizes within its pixel rules, quality low/medium/high/auto, 1 to 10 images."""

    size: str = "auto"
    quality: ImageQuality = "auto"
    count: int = Field(1, ge=1, le=10)

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        return check_gpt_image_2_size(value)


class GptImage26Options(GptImage2Options):
    """GPT Image 2.6: gpt-image-2's options, plus how much it plans the image before drawing (complexity).

    The xhigh and max qualities of 2.5 and 2.6 are not offered: OpenAI publishes no output-token count
    for them, so no quote or budget check could price them before the call.
    """

    complexity: Literal["low", "medium", "high"] | None = None


class TTSOptions(Options):
    """tts-1 / tts-1-hd: nine voices, speed 0.25 to 4.0, six audio formats."""

    voice: Voice
    speed: float = Field(1.0, ge=0.25, le=4.0)
    output_format: SpeechFormat = "mp3"


FAMILIES: dict[str, type[Options]] = {
    "reasoning": ReasoningTextOptions,
    "gpt-4.1": GPT41Options,
    "gpt-image-2": GptImage2Options,
    "gpt-image-2.6": GptImage26Options,
    "tts": TTSOptions,
}


def model_info(model: str, capability: Capability) -> ModelInfo:
    """One of our OpenAI models of the given capability, or an error naming those that exist."""
    return listed_model("openai", "OpenAI", FAMILIES, model, capability)


def validated(info: ModelInfo, values: dict[str, Any]) -> Options:
    """The model's options from the request's set values (unset ones take the model's defaults)."""
    try:
        return info.validate_options({k: v for k, v in values.items() if v is not None})
    except InvalidProviderRequest as exc:
        exc.provider = "openai"
        raise
