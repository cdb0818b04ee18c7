"""OpenAI: chat text (whole or streamed), GPT Image generation and edits, and speech, via the official SDK.

The request→wire and wire→result translations are plain functions over dicts so they can be tested
without sending anything; the OpenAI-compatible provider reuses the chat ones and the error mapping.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
import wave
from collections.abc import Generator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, cast

import httpx2
import openai
from PIL import Image
from pydantic import Field, field_validator

from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)
from mediaws.providers.base import (
    BilledRefusal,
    Capability,
    GenerationResult,
    ImageRequest,
    Media,
    ModelInfo,
    Options,
    Provider,
    Registry,
    Request,
    SpeechRequest,
    TextRequest,
    UnusableAnswer,
    Usage,
    listed_model,
)
from mediaws.providers.retry import retry_after_seconds

REFUSAL_CODES = frozenset({"content_policy_violation", "moderation_blocked", "content_filter"})
QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})
KEY_PATTERN = re.compile(r"\b(?:sk|rk)-[A-Za-z0-9_\-*.]{4,}")
SPEECH_MAX_CHARACTERS = 4096
SPEECH_MIME = {
    "mp3": "audio/mpeg",
    "opus": "audio/ogg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "pcm": "audio/L16;rate=24000;channels=1",
}
PCM_BYTES_PER_SECOND = 24_000 * 2
TTS_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")
Voice = Literal["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"]
SpeechFormat = Literal["mp3", "opus", "aac", "flac", "wav", "pcm"]
ImageQuality = Literal["low", "medium", "high", "auto"]


@dataclass(frozen=True)
class ErrorContext:
    """Who is speaking in error messages and where a person fixes each kind of problem."""

    provider: str
    label: str
    timeout: float
    key_fix: str = "check the key in Settings → API keys"
    billing_fix: str = "add credit or raise the limit at platform.openai.com → Settings → Billing"
    reach_fix: str = "check the network and the base URL in Settings → API keys"
    secrets: tuple[str, ...] = ()


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove keys (given ones and anything key-shaped) from a provider's message."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[key]")
    return KEY_PATTERN.sub("[key]", text)


def _provider_message(exc: openai.APIError, ctx: ErrorContext) -> str:
    body = exc.body
    message = body.get("message") if isinstance(body, Mapping) else None
    if not isinstance(message, str) or not message.strip():
        return ""
    return scrub(message.strip(), ctx.secrets)


def map_error(exc: Exception, ctx: ErrorContext) -> ProviderError:
    """Turn an SDK (or transport) exception into our error tree, with a message a person can act on."""
    label, provider = ctx.label, ctx.provider
    if isinstance(exc, openai.APITimeoutError | httpx2.TimeoutException):
        return ProviderTimeout(
            f"{label} did not answer within {ctx.timeout:g} s — try again, or ask for less.",
            provider=provider,
        )
    if isinstance(exc, openai.APIConnectionError | httpx2.TransportError):
        return ProviderUnavailable(f"Could not reach {label} — {ctx.reach_fix}.", provider=provider)
    if isinstance(exc, json.JSONDecodeError | openai.APIResponseValidationError):
        return unreadable(ctx)
    if not isinstance(exc, openai.APIError):
        return ProviderUnavailable(f"{label} failed unexpectedly ({type(exc).__name__}).", provider=provider)
    detail = _provider_message(exc, ctx)
    said = f": {detail}" if detail else "."
    code = (exc.code or "").lower()
    if isinstance(exc, openai.AuthenticationError):
        return BadProviderKey(f"{label} says the key is invalid — {ctx.key_fix}.", provider=provider)
    if isinstance(exc, openai.PermissionDeniedError):
        return BadProviderKey(
            f"{label} refused this key for the request (its project may lack access to the model) — "
            f"{ctx.key_fix}{said}",
            provider=provider,
        )
    if isinstance(exc, openai.RateLimitError):
        if code in QUOTA_CODES:
            return QuotaExceeded(
                f"{label} says the account is out of credit or quota — {ctx.billing_fix}.", provider=provider
            )
        wait = retry_after_seconds(exc.response.headers)
        when = f"wait {wait:g} s" if wait is not None else "wait a moment"
        return RateLimited(
            f"{label} is limiting requests — {when} and try again.", provider=provider, retry_after=wait
        )
    if code in REFUSAL_CODES:
        return ContentRefused(
            f"{label} refused the prompt under its content policy — reword it and try again{said}",
            provider=provider,
        )
    if isinstance(exc, openai.NotFoundError):
        return InvalidProviderRequest(
            f"{label} does not offer this model (or the base URL is wrong){said}",
            provider=provider,
            field="model",
        )
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return ProviderUnavailable(
            f"{label} failed on its side (HTTP {exc.status_code}) — try again shortly.", provider=provider
        )
    if isinstance(exc, openai.APIStatusError):
        return InvalidProviderRequest(
            f"{label} rejected the request{said}", provider=provider, field=exc.param
        )
    return ProviderUnavailable(f"{label} reported an error{said}", provider=provider)


def unreadable(
    ctx: ErrorContext, what: str = "an answer", *, usage: Usage | None = None, reported: bool = False
) -> UnusableAnswer:
    """The error for a successful answer we cannot read: it may have been billed, so it is not retried."""
    return UnusableAnswer(
        f"{ctx.label} sent {what} mediaws could not read.",
        provider=ctx.provider,
        usage=usage,
        usage_reported=reported,
    )


@contextmanager
def translated_errors(ctx: ErrorContext) -> Iterator[None]:
    """Re-raise SDK exceptions as ours; the SDK's text (which may echo a masked key) is not chained."""
    try:
        yield
    except ProviderError:
        raise
    except (openai.OpenAIError, httpx2.TransportError, json.JSONDecodeError) as exc:
        raise map_error(exc, ctx) from None


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


def parse_size(size: str) -> tuple[int, int] | None:
    """Width and height of a ``WIDTHxHEIGHT`` string, or None for ``auto``/malformed."""
    match = re.fullmatch(r"(\d{2,5})x(\d{2,5})", size)
    return (int(match[1]), int(match[2])) if match else None


GPT_IMAGE_2_STANDARD_SIZES = ("1024x1024", "1536x1024", "1024x1536")
GPT_IMAGE_2_QUALITY_FACTORS = {"low": 16, "medium": 48, "high": 96}


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


class OpenAIProvider(Provider):
    """OpenAI's API through the official ``openai`` SDK, with SDK retries off (ours apply)."""

    id = "openai"
    label = "OpenAI"
    needs_key = True
    key_env_var = "OPENAI_API_KEY"
    default_base_url = "https://api.openai.com/v1"
    key_hint = "sk-…"
    makes = "Text, images, speech"
    families = FAMILIES

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """GPT Image bills output tokens by size and quality; everything else uses the generic guess."""
        if not isinstance(request, ImageRequest):
            return None
        options = validated(model_info(request.model, Capability.IMAGE), _image_values(request))
        if not isinstance(options, GptImage2Options):
            return None
        per_image = gpt_image_2_output_tokens(options.quality, options.size)
        return Usage(
            input_tokens=-(-len(request.prompt) // 3),
            image_output_tokens=per_image * options.count,
            image_count=options.count,
            image_size=options.size,
            image_quality=options.quality,
            output_count=options.count,
        )

    @property
    def errors(self) -> ErrorContext:
        """How this provider's errors are worded."""
        return ErrorContext(self.id, self.label, self.timeout, secrets=(self.api_key or "",))

    @cached_property
    def client(self) -> openai.OpenAI:
        """The SDK client; refuses to start without a key so the SDK never falls back to env vars."""
        if not self.api_key:
            raise BadProviderKey("No OpenAI key is set — add one in Settings → API keys.", provider=self.id)
        client = openai.OpenAI(
            api_key=self.api_key, base_url=self.base_url, timeout=self.timeout, max_retries=0
        )
        client.organization = None
        client.project = None
        return client

    def test_key(self) -> None:
        """List models: free, and refused with 401 for a bad key."""
        with translated_errors(self.errors):
            self.client.models.list()

    def generate_text(self, request: TextRequest) -> GenerationResult:
        """One chat completion."""
        params = self._text_params(request)
        with translated_errors(self.errors):
            raw = self.client.chat.completions.with_raw_response.create(**params)
            data = raw.parse().to_dict()
        return text_result(data, request=request, ctx=self.errors, request_id=raw.headers.get("x-request-id"))

    def stream_text(self, request: TextRequest) -> Generator[str, None, GenerationResult]:
        """Yield text as it arrives; the generator's return value is the full result with usage."""
        params = self._text_params(request)
        ctx = self.errors
        state = StreamState()
        with translated_errors(ctx):
            raw = self.client.chat.completions.with_raw_response.create(
                **params, stream=True, stream_options={"include_usage": True}
            )
            request_id = raw.headers.get("x-request-id")
            with raw.parse() as chunks:
                for chunk in chunks:
                    piece = state.feed(chunk.to_dict(), ctx)
                    if piece:
                        yield piece
        return state.result(request, ctx, request_id)

    def generate_image(self, request: ImageRequest) -> GenerationResult:
        """Generate images, or edit ``input_image`` when one is given."""
        info = model_info(request.model, Capability.IMAGE)
        options = cast(GptImage2Options, validated(info, _image_values(request)))
        params = image_params(request, options)
        with translated_errors(self.errors):
            if request.input_image is not None:
                mime = request.input_image_mime or "image/png"
                upload = (f"input.{mime.rsplit('/', 1)[-1]}", request.input_image, mime)
                raw = self.client.images.with_raw_response.edit(image=upload, **params)
            else:
                raw = self.client.images.with_raw_response.generate(**params)
            data = raw.parse().to_dict()
        return image_result(
            data,
            request=request,
            options=options,
            ctx=self.errors,
            request_id=raw.headers.get("x-request-id"),
        )

    def synthesize_speech(self, request: SpeechRequest) -> GenerationResult:
        """Speak up to 4,096 characters."""
        info = model_info(request.model, Capability.SPEECH)
        if not request.text.strip():
            raise InvalidProviderRequest("There is no text to speak.", provider=self.id, field="text")
        if len(request.text) > SPEECH_MAX_CHARACTERS:
            raise InvalidProviderRequest(
                f"OpenAI speaks at most {SPEECH_MAX_CHARACTERS:,} characters at once; this text has "
                f"{len(request.text):,} — split it.",
                provider=self.id,
                field="text",
            )
        values = {
            "voice": request.voice,
            "speed": request.speed,
            "output_format": request.output_format,
            "language": request.language,
            "stability": request.stability,
        }
        options = cast(TTSOptions, validated(info, values))
        with translated_errors(self.errors):
            raw = self.client.audio.speech.with_raw_response.create(**speech_params(request, options))
            audio = raw.content
        return speech_result(
            audio,
            request=request,
            options=options,
            ctx=self.errors,
            request_id=raw.headers.get("x-request-id"),
        )

    def _text_params(self, request: TextRequest) -> dict[str, Any]:
        info = model_info(request.model, Capability.TEXT)
        values = {
            "temperature": request.temperature,
            "max_output_tokens": request.max_output_tokens,
            "seed": request.seed,
        }
        validated(info, values)
        if not request.messages:
            raise InvalidProviderRequest("There is no message to answer.", provider=self.id, field="messages")
        return chat_params(request)


def _image_values(request: ImageRequest) -> dict[str, Any]:
    return {
        **request.options,
        "size": request.size,
        "quality": request.quality,
        "count": request.count,
        "negative_prompt": request.negative_prompt,
        "aspect_ratio": request.aspect_ratio,
        "seed": request.seed,
    }


def register(registry: Registry) -> None:
    """Add OpenAI to the registry."""
    registry.add(OpenAIProvider)
