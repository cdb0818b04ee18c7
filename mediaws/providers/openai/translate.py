"""OpenAI translations with no SDK and no network: requests to request bodies, answers to results and usage.

They are plain functions over dicts so they can be tested without sending anything; the
OpenAI-compatible provider reuses the chat ones.
"""

from __future__ import annotations

import base64
import binascii
import io
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image

from mediaws.errors import ContentRefused
from mediaws.providers.base import (
    BilledRefusal,
    Capability,
    GenerationResult,
    ImageRequest,
    Media,
    SpeechRequest,
    TextRequest,
    Usage,
)
from mediaws.providers.openai.errors import ErrorContext, unreadable
from mediaws.providers.openai.options import GptImage2Options, GptImage26Options, TTSOptions, parse_size

SPEECH_MIME = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/L16;rate=24000;channels=1",
}
PCM_BYTES_PER_SECOND = 24_000 * 2
GPT_IMAGE_2_STANDARD_SIZES = ("1024x1024", "1536x1024", "1024x1536")
GPT_IMAGE_2_QUALITY_FACTORS = {"low": 16, "medium": 48, "high": 96}


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def chat_params(request: TextRequest, *, max_tokens_field: str = "max_completion_tokens") -> dict[str, Any]:
    """The chat-completions body for a text request."""
    messages: list[dict[str, str]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    messages.extend({"role": m.role, "content": m.content} for m in request.messages)
    params: dict[str, Any] = {"model": request.model, "messages": messages}
    if request.temperature is not None:
        params["temperature"] = request.temperature
    if request.max_output_tokens is not None:
        params[max_tokens_field] = request.max_output_tokens
    if request.seed is not None:
        params["seed"] = request.seed
    return params


def chat_usage(wire: object) -> Usage:
    """Billing units from a chat-completions ``usage`` object (cached and cache-written tokens included).

    Cache writes are counted as 30-minute ones: the retention OpenAI uses when a request names none, as
    mediaws never does.
    """
    usage = _mapping(wire)
    details = _mapping(usage.get("prompt_tokens_details"))
    return Usage(
        input_tokens=_int(usage.get("prompt_tokens")),
        output_tokens=_int(usage.get("completion_tokens")),
        cached_input_tokens=_int(details.get("cached_tokens")),
        cache_write_30m_tokens=_int(details.get("cache_write_tokens")),
    )


def _check_refusal(
    refusal: object, finish_reason: object, ctx: ErrorContext, usage: Usage | None = None
) -> None:
    """Raise on a refusal; with the answer's ``usage`` it is a BilledRefusal (the tokens were billed)."""
    message = ""
    if isinstance(refusal, str) and refusal.strip():
        message = f"{ctx.label} declined to answer: {refusal.strip()}"
    elif finish_reason == "content_filter":
        message = (
            f"{ctx.label} stopped the answer under its content policy — reword the prompt and try again."
        )
    if message and usage is not None:
        raise BilledRefusal(message, provider=ctx.provider, usage=usage)
    if message:
        raise ContentRefused(message, provider=ctx.provider)


def text_result(
    data: Mapping[str, Any], *, request: TextRequest, ctx: ErrorContext, request_id: str | None
) -> GenerationResult:
    """A chat completion as a result; refusals raise ContentRefused, unreadable bodies ProviderUnavailable."""
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], Mapping):
        raise unreadable(ctx, usage=chat_usage(data.get("usage")), reported="usage" in data)
    choice = choices[0]
    message = _mapping(choice.get("message"))
    finish_reason = choice.get("finish_reason")
    reported = isinstance(data.get("usage"), Mapping)
    usage = chat_usage(data.get("usage"))
    _check_refusal(message.get("refusal"), finish_reason, ctx, usage if reported else None)
    content = message.get("content")
    return GenerationResult(
        provider=ctx.provider,
        model=request.model,
        capability=Capability.TEXT,
        usage=usage,
        usage_reported=reported,
        text=content if isinstance(content, str) else "",
        request_id=request_id or (data.get("id") if isinstance(data.get("id"), str) else None),
        finish_reason=finish_reason if isinstance(finish_reason, str) else None,
    )


@dataclass
class StreamState:
    """What a chat stream has told us so far."""

    text: str = ""
    finish_reason: str | None = None
    usage: Usage | None = None
    response_id: str | None = None
    refusal: str = ""

    def feed(self, chunk: Mapping[str, Any], ctx: ErrorContext) -> str:
        """Take one chunk; return its new text (a finished refusal raises ContentRefused)."""
        if isinstance(chunk.get("id"), str):
            self.response_id = chunk["id"]
        if isinstance(chunk.get("usage"), Mapping):
            self.usage = chat_usage(chunk["usage"])
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices:
            return ""
        choice = _mapping(choices[0])
        delta = _mapping(choice.get("delta"))
        if isinstance(delta.get("refusal"), str):
            self.refusal += delta["refusal"]
        finish = choice.get("finish_reason")
        if isinstance(finish, str):
            self.finish_reason = finish
            _check_refusal(self.refusal, finish, ctx)
        piece = delta.get("content")
        if not isinstance(piece, str):
            return ""
        self.text += piece
        return piece

    def result(self, request: TextRequest, ctx: ErrorContext, request_id: str | None) -> GenerationResult:
        """The finished stream as a result."""
        _check_refusal(self.refusal, self.finish_reason, ctx)
        return GenerationResult(
            provider=ctx.provider,
            model=request.model,
            capability=Capability.TEXT,
            usage=self.usage or Usage(),
            usage_reported=self.usage is not None,
            text=self.text,
            request_id=request_id or self.response_id,
            finish_reason=self.finish_reason,
        )


def gpt_image_2_output_tokens(quality: str, size: str) -> int:
    """Output tokens gpt-image-2 bills per image (OpenAI's calculator); auto assumes the dearest choice."""
    qualities = list(GPT_IMAGE_2_QUALITY_FACTORS) if quality == "auto" else [quality]
    sizes = GPT_IMAGE_2_STANDARD_SIZES if size == "auto" else (size,)
    best = 0
    for q in qualities:
        factor = GPT_IMAGE_2_QUALITY_FACTORS[q]
        for s in sizes:
            dims = parse_size(s)
            if dims is None:
                raise ValueError(f"unknown size {s!r}")
            width, height = dims
            long_edge, short_edge = max(dims), min(dims)
            short_factor = (2 * factor * short_edge + long_edge) // (2 * long_edge)
            tokens = -(-(factor * short_factor * (2_000_000 + width * height)) // 4_000_000)
            best = max(best, tokens)
    return best


def image_values(request: ImageRequest) -> dict[str, Any]:
    """An image request's model options with its own fields laid over them (unset fields are None)."""
    return {
        **request.options,
        "size": request.size,
        "quality": request.quality,
        "count": request.count,
        "negative_prompt": request.negative_prompt,
        "aspect_ratio": request.aspect_ratio,
        "seed": request.seed,
    }


def image_params(request: ImageRequest, options: GptImage2Options) -> dict[str, Any]:
    """The images body (generation or edit) for an image request; GPT Image always answers in base64."""
    params = {
        "model": request.model,
        "prompt": request.prompt,
        "n": options.count,
        "size": options.size,
        "quality": options.quality,
    }
    if isinstance(options, GptImage26Options) and options.complexity is not None:
        params["complexity"] = options.complexity
    return params


def _image_dimensions(data: bytes) -> tuple[int | None, int | None]:
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except Exception:
        return None, None


def image_usage(data: Mapping[str, Any], options: GptImage2Options, count: int) -> Usage:
    """Token usage of an images answer; all gpt-image-2 output tokens bill at the image-output rate."""
    usage = _mapping(data.get("usage"))
    details = _mapping(usage.get("input_tokens_details"))
    image_in = _int(details.get("image_tokens"))
    text_in = (
        _int(details.get("text_tokens"))
        if "text_tokens" in details
        else _int(usage.get("input_tokens")) - image_in
    )
    cached_text, cached_image = _cached_split(details, text_in, image_in)
    size = data.get("size") if isinstance(data.get("size"), str) else options.size
    quality = data.get("quality") if isinstance(data.get("quality"), str) else options.quality
    return Usage(
        input_tokens=text_in,
        cached_input_tokens=cached_text,
        image_input_tokens=image_in,
        cached_image_input_tokens=cached_image,
        image_output_tokens=_int(usage.get("output_tokens")),
        image_count=count,
        image_size=size,
        image_quality=quality,
        output_count=count,
    )


def _cached_split(details: Mapping[str, Any], text_in: int, image_in: int) -> tuple[int, int]:
    """Cached text and image input tokens, from ``cached_tokens_details`` or, lacking it, text first."""
    split = _mapping(details.get("cached_tokens_details"))
    if split:
        return min(_int(split.get("text_tokens")), text_in), min(_int(split.get("image_tokens")), image_in)
    cached = _int(details.get("cached_tokens"))
    text = min(cached, text_in)
    return text, min(cached - text, image_in)


def image_result(
    data: Mapping[str, Any],
    *,
    request: ImageRequest,
    options: GptImage2Options,
    ctx: ErrorContext,
    request_id: str | None,
) -> GenerationResult:
    """Decoded images (typed as the answer declares; execution checks the bytes) and their token usage."""
    items = data.get("data")
    reported = isinstance(data.get("usage"), Mapping)
    usage = image_usage(data, options, len(items) if isinstance(items, list) else 0)
    if not isinstance(items, list) or not items:
        raise unreadable(ctx, "no images", usage=usage if reported else None, reported=reported)
    fmt = data.get("output_format") if isinstance(data.get("output_format"), str) else "png"
    media: list[Media] = []
    for item in items:
        encoded = _mapping(item).get("b64_json")
        try:
            if not isinstance(encoded, str):
                raise ValueError("no b64_json")
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise unreadable(ctx, "an image", usage=usage if reported else None, reported=reported) from None
        width, height = _image_dimensions(raw)
        media.append(Media(raw, f"image/{fmt}", width=width, height=height))
    return GenerationResult(
        provider=ctx.provider,
        model=request.model,
        capability=Capability.IMAGE,
        usage=usage,
        usage_reported=reported,
        media=tuple(media),
        request_id=request_id,
    )


def speech_params(request: SpeechRequest, options: TTSOptions) -> dict[str, Any]:
    """The /audio/speech body for a speech request."""
    params: dict[str, Any] = {
        "model": request.model,
        "input": request.text,
        "voice": options.voice,
        "response_format": options.output_format,
    }
    if options.speed != 1.0:
        params["speed"] = options.speed
    return params


def audio_duration(data: bytes, fmt: str) -> float | None:
    """Seconds of audio where the format tells us cheaply (raw PCM and WAV)."""
    if fmt == "pcm":
        return len(data) / PCM_BYTES_PER_SECOND
    if fmt == "wav":
        try:
            with wave.open(io.BytesIO(data)) as wav:
                frames = wav.getnframes()
                if frames and frames < 0x7FFFFFFF:
                    return frames / wav.getframerate()
        except (wave.Error, EOFError):
            return None
        return len(data[44:]) / PCM_BYTES_PER_SECOND
    return None


def speech_result(
    audio: bytes, *, request: SpeechRequest, options: TTSOptions, ctx: ErrorContext, request_id: str | None
) -> GenerationResult:
    """Audio bytes as a result, billed per input character."""
    usage = Usage(characters=len(request.text), output_count=1)
    if not audio:
        raise unreadable(ctx, "no audio", usage=usage)
    fmt = options.output_format
    return GenerationResult(
        provider=ctx.provider,
        model=request.model,
        capability=Capability.SPEECH,
        usage=usage,
        media=(Media(audio, SPEECH_MIME[fmt], duration_seconds=audio_duration(audio, fmt)),),
        request_id=request_id,
    )
