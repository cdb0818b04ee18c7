"""Google Gemini: Gemini text, Gemini native image models, Veo video, all behind the google-genai SDK.

Text and images go through ``models.generate_content`` (``POST /v1beta/models/{model}:generateContent``,
key in the ``x-goog-api-key`` header). Veo video is a long-running operation: ``POST
/v1beta/models/{model}:predictLongRunning`` returns ``{"name": "models/…/operations/…"}``, which is
polled with ``operations.get`` (``GET /v1beta/{name}``) until ``done``; the finished operation names
the video under ``response.generateVideoResponse.generatedSamples[].video.uri``, downloaded with
``files.download`` (``GET /v1beta/files/{id}:download?alt=media``). A stop is asked for with
``POST /v1beta/{name}:cancel``.

google-genai 3.x no longer offers ``models.generate_videos`` (nor ``generate_images``) for the Gemini
Developer API, only for Vertex AI, although the Gemini API endpoints remain; the two Veo calls it
lacks (start and cancel) are therefore sent through the SDK client's own transport
(``client._api_client.request``), which keeps the SDK's auth header, base URL, timeout, disabled
retries and error classes. Imagen is not offered: Google shut every Imagen model down on the Gemini
API in June 2026 in favour of the Gemini image models listed here.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from io import BytesIO
from typing import Any, Literal, TypeVar

from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from pydantic import Field, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError

from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    JobCancelled,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)
from mediaws.providers.base import (
    CancelToken,
    Capability,
    GenerationResult,
    ImageRequest,
    Media,
    ModelInfo,
    Options,
    ProgressCallback,
    ProgressUpdate,
    Provider,
    Registry,
    Request,
    StartedCallback,
    TextRequest,
    Usage,
    VideoRequest,
)
from mediaws.providers.retry import RetryPolicy, with_retries

PROVIDER_ID = "gemini"
LABEL = "Google Gemini"
API_VERSION = "v1beta"
KEY_HINT = "check the Google Gemini key in Settings → API keys"
T = TypeVar("T")

REFUSAL_FINISH_REASONS = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
    }
)
REFUSAL_WORDS = ("safety", "usage guidelines", "responsible ai", "policy", "prohibited", "blocked")


def _http_exceptions(name: str) -> tuple[type[Exception], ...]:
    """An exception class from httpx and from httpx2 (the fork google-genai 3.x sends with)."""
    found: list[type[Exception]] = []
    for module_name in ("httpx", "httpx2"):
        try:
            found.append(getattr(importlib.import_module(module_name), name))
        except ImportError:
            continue
    return tuple(found)


HTTP_TIMEOUTS = _http_exceptions("TimeoutException")
HTTP_FAILURES = _http_exceptions("HTTPError")


class GeminiTextOptions(Options):
    """Sampling options of every Gemini text model."""

    temperature: float | None = Field(default=None, ge=0, le=2)
    max_output_tokens: int | None = Field(default=None, ge=1, le=65_536)
    seed: int | None = None


class GeminiFixedSamplingOptions(Options):
    """Gemini 3.6 Flash and later: Google fixes the sampling (temperature and top-p/k are ignored)."""

    max_output_tokens: int | None = Field(default=None, ge=1, le=65_536)


GEMINI_IMAGE_RATIOS = Literal["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
GEMINI_31_IMAGE_RATIOS = Literal[
    "1:1", "1:4", "1:8", "2:3", "3:2", "3:4", "4:1", "4:3", "4:5", "5:4", "8:1", "9:16", "16:9", "21:9"
]


class FlashImageOptions(Options):
    """Gemini 2.5 Flash Image: one image per call, about 1 megapixel, ten aspect ratios."""

    aspect_ratio: GEMINI_IMAGE_RATIOS | None = None
    count: Literal[1] = 1
    seed: int | None = None


class FlashImage31Options(Options):
    """Gemini 3.1 Flash Image: one image per call at 1K, 2K or 4K, fourteen aspect ratios."""

    aspect_ratio: GEMINI_31_IMAGE_RATIOS | None = None
    size: Literal["1K", "2K", "4K"] | None = None
    count: Literal[1] = 1
    seed: int | None = None


class NanoBanana21Options(Options):
    """Gemini Nano Banana 2.1: one image per call at 1K or 2K (it refuses 512 px), fourteen aspect ratios."""

    aspect_ratio: GEMINI_31_IMAGE_RATIOS | None = None
    size: Literal["1K", "2K"] | None = None
    count: Literal[1] = 1
    seed: int | None = None


class Veo31Options(Options):
    """Veo 3.1 (and Fast) on the Gemini API: 4, 6 or 8 s, always with audio; 1080p only at 8 s."""

    duration_seconds: Literal[4, 6, 8] = 8
    aspect_ratio: Literal["16:9", "9:16"] = "16:9"
    resolution: Literal["720p", "1080p"] = "720p"
    with_audio: Literal[True] = True

    @field_validator("resolution")
    @classmethod
    def _full_hd_needs_eight_seconds(cls, resolution: str, info: ValidationInfo) -> str:
        if resolution == "1080p" and info.data.get("duration_seconds") != 8:
            raise ValueError("1080p video must be 8 seconds long")
        return resolution


class Veo2Options(Options):
    """Veo 2: 5 to 8 s at 720p, silent."""

    duration_seconds: Literal[5, 6, 7, 8] = 8
    aspect_ratio: Literal["16:9", "9:16"] = "16:9"
    resolution: Literal["720p"] = "720p"
    with_audio: Literal[False] = False


@dataclass(frozen=True)
class ImageModel:
    """Output-token cost of one image by size, as Google publishes it (None: the only size)."""

    tokens_by_size: Mapping[str | None, int]
    default_size: str | None = None


IMAGE_MODELS: dict[str, ImageModel] = {
    "gemini-2.5-flash-image": ImageModel({None: 1290}),
    "gemini-3.1-flash-image": ImageModel({"1K": 1120, "2K": 1680, "4K": 2520}, default_size="1K"),
    "gemini-nano-banana-2.1": ImageModel({"1K": 1120, "2K": 1680}, default_size="1K"),
}
VEO_AUDIO = {
    "veo-3.1-generate-preview": True,
    "veo-3.1-fast-generate-preview": True,
    "veo-2.0-generate-001": False,
}

MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(
        "gemini-4-argon",
        "Gemini 4 Argon",
        Capability.TEXT,
        GeminiFixedSamplingOptions,
        "Thinking model, 1M tokens in and out together.",
    ),
    ModelInfo(
        "gemini-3.8-flash", "Gemini 3.8 Flash", Capability.TEXT, GeminiFixedSamplingOptions, "Newest Flash."
    ),
    ModelInfo("gemini-3.6-flash", "Gemini 3.6 Flash", Capability.TEXT, GeminiFixedSamplingOptions),
    ModelInfo(
        "gemini-3.5-flash-lite", "Gemini 3.5 Flash-Lite", Capability.TEXT, GeminiTextOptions, "Cheapest 3.x."
    ),
    ModelInfo(
        "gemini-2.5-pro", "Gemini 2.5 Pro", Capability.TEXT, GeminiTextOptions, "Deep reasoning, 1M context."
    ),
    ModelInfo(
        "gemini-2.5-flash", "Gemini 2.5 Flash", Capability.TEXT, GeminiTextOptions, "Fast hybrid reasoning."
    ),
    ModelInfo(
        "gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", Capability.TEXT, GeminiTextOptions, "Cheapest."
    ),
    ModelInfo("gemini-3.1-pro-preview", "Gemini 3.1 Pro (preview)", Capability.TEXT, GeminiTextOptions),
    ModelInfo("gemini-3.1-flash-lite", "Gemini 3.1 Flash-Lite", Capability.TEXT, GeminiTextOptions),
    ModelInfo("gemini-3.5-flash", "Gemini 3.5 Flash", Capability.TEXT, GeminiTextOptions),
    ModelInfo(
        "gemini-nano-banana-2.1",
        "Gemini Nano Banana 2.1",
        Capability.IMAGE,
        NanoBanana21Options,
        "Generates or edits one image at 1K or 2K.",
        accepts_image=True,
    ),
    ModelInfo(
        "gemini-2.5-flash-image",
        "Gemini 2.5 Flash Image",
        Capability.IMAGE,
        FlashImageOptions,
        "Generates or edits one image from a prompt (and an optional input image).",
        accepts_image=True,
    ),
    ModelInfo(
        "gemini-3.1-flash-image",
        "Gemini 3.1 Flash Image",
        Capability.IMAGE,
        FlashImage31Options,
        "Generates or edits one image at 1K, 2K or 4K.",
        accepts_image=True,
    ),
    ModelInfo(
        "veo-3.1-generate-preview",
        "Veo 3.1",
        Capability.VIDEO,
        Veo31Options,
        "Video with native audio.",
        accepts_image=True,
    ),
    ModelInfo(
        "veo-3.1-fast-generate-preview",
        "Veo 3.1 Fast",
        Capability.VIDEO,
        Veo31Options,
        "Faster, cheaper video with native audio.",
        accepts_image=True,
    ),
    ModelInfo(
        "veo-2.0-generate-001",
        "Veo 2",
        Capability.VIDEO,
        Veo2Options,
        "Silent video, 5 to 8 seconds.",
        accepts_image=True,
    ),
)
_BY_ID = {info.id: info for info in MODELS}


def model_info(model: str, capability: Capability) -> ModelInfo:
    """The listed model with this id and capability, or an error naming the field."""
    info = _BY_ID.get(model)
    if info is None or info.capability is not capability:
        known = ", ".join(i.id for i in MODELS if i.capability is capability)
        raise InvalidProviderRequest(
            f"{LABEL} has no {capability.value} model '{model}'. Models: {known}.",
            provider=PROVIDER_ID,
            field="model",
        )
    return info


def _set(values: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def text_options(info: ModelInfo, request: TextRequest) -> Options:
    """Check a text request against the model's limits."""
    return info.validate_options(
        _set(
            {
                "temperature": request.temperature,
                "max_output_tokens": request.max_output_tokens,
                "seed": request.seed,
            }
        )
    )


def image_options(info: ModelInfo, request: ImageRequest) -> Options:
    """Check an image request against the model's limits (unsupported fields are named)."""
    values = _set(
        {
            "aspect_ratio": request.aspect_ratio,
            "size": request.size,
            "quality": request.quality,
            "negative_prompt": request.negative_prompt,
            "seed": request.seed,
        }
    )
    values["count"] = request.count
    if request.input_image is not None and not request.input_image_mime:
        raise InvalidProviderRequest(
            f"{info.label}: the input image needs its type (image/png or image/jpeg).",
            provider=PROVIDER_ID,
            field="input_image",
        )
    return info.validate_options(values)


def video_options(info: ModelInfo, request: VideoRequest) -> Options:
    """Check a video request against the model's real durations, ratios, resolutions and audio."""
    values = _set(
        {
            "duration_seconds": request.duration_seconds,
            "aspect_ratio": request.aspect_ratio,
            "resolution": request.resolution,
            "seed": request.seed,
        }
    )
    values["with_audio"] = request.with_audio
    if request.start_image is not None and not request.start_image_mime:
        raise InvalidProviderRequest(
            f"{info.label}: the start image needs its type (image/png or image/jpeg).",
            provider=PROVIDER_ID,
            field="start_image",
        )
    return info.validate_options(values)


def text_call(request: TextRequest) -> tuple[list[types.Content], types.GenerateContentConfig]:
    """The contents and config sent for a text request."""
    contents = [
        types.Content(role="model" if m.role == "assistant" else "user", parts=[types.Part(text=m.content)])
        for m in request.messages
    ]
    config = types.GenerateContentConfig(
        system_instruction=request.system or None,
        temperature=request.temperature,
        max_output_tokens=request.max_output_tokens,
        seed=request.seed,
    )
    return contents, config


def image_call(request: ImageRequest) -> tuple[list[types.Content], types.GenerateContentConfig]:
    """The contents and config sent for a Gemini image request (prompt plus optional input image)."""
    parts = [types.Part(text=request.prompt)]
    if request.input_image is not None:
        parts.append(
            types.Part(inline_data=types.Blob(data=request.input_image, mime_type=request.input_image_mime))
        )
    image_config = None
    if request.aspect_ratio or request.size:
        image_config = types.ImageConfig(aspect_ratio=request.aspect_ratio, image_size=request.size)
    config = types.GenerateContentConfig(
        response_modalities=["TEXT", "IMAGE"], image_config=image_config, seed=request.seed
    )
    return [types.Content(role="user", parts=parts)], config


def veo_body(request: VideoRequest) -> dict[str, Any]:
    """The ``predictLongRunning`` JSON body for a Veo request."""
    instance: dict[str, Any] = {"prompt": request.prompt}
    if request.start_image is not None:
        instance["image"] = {
            "bytesBase64Encoded": base64.b64encode(request.start_image).decode("ascii"),
            "mimeType": request.start_image_mime,
        }
    parameters: dict[str, Any] = {
        "sampleCount": 1,
        "durationSeconds": request.duration_seconds,
        "aspectRatio": request.aspect_ratio or "16:9",
    }
    if request.model != "veo-2.0-generate-001":
        parameters["resolution"] = request.resolution or "720p"
    return {"instances": [instance], "parameters": parameters}


def _enum_name(value: Any) -> str | None:
    if value is None:
        return None
    return str(getattr(value, "value", value))


def _refused(what: str, reason: str, detail: str = "") -> ContentRefused:
    tail = f" {detail.strip()}" if detail and detail.strip() else ""
    return ContentRefused(
        f"Google Gemini refused {what} on policy grounds ({reason}).{tail} "
        "Rephrase the prompt and try again.",
        provider=PROVIDER_ID,
    )


def _first_candidate(response: types.GenerateContentResponse, what: str) -> types.Candidate:
    feedback = response.prompt_feedback
    if feedback is not None and feedback.block_reason is not None:
        raise _refused(
            what, f"prompt blocked: {_enum_name(feedback.block_reason)}", feedback.block_reason_message or ""
        )
    if not response.candidates:
        raise ProviderUnavailable(
            f"Google Gemini returned no answer for {what}; try again.", provider=PROVIDER_ID
        )
    candidate = response.candidates[0]
    reason = _enum_name(candidate.finish_reason)
    if reason in REFUSAL_FINISH_REASONS:
        raise _refused(what, reason or "", candidate.finish_message or "")
    return candidate


def text_usage(metadata: types.GenerateContentResponseUsageMetadata | None) -> Usage:
    """Billing units of a text answer: prompt (with tool prompt) in, answer plus thinking out."""
    if metadata is None:
        return Usage()
    return Usage(
        input_tokens=(metadata.prompt_token_count or 0) + (metadata.tool_use_prompt_token_count or 0),
        cached_input_tokens=metadata.cached_content_token_count or 0,
        output_tokens=(metadata.candidates_token_count or 0) + (metadata.thoughts_token_count or 0),
    )


def text_result(model: str, response: types.GenerateContentResponse) -> GenerationResult:
    """Turn a generateContent answer into a text result, refusing on policy blocks."""
    candidate = _first_candidate(response, "the request")
    parts = candidate.content.parts if candidate.content and candidate.content.parts else []
    text = "".join(part.text for part in parts if part.text and not part.thought)
    return GenerationResult(
        provider=PROVIDER_ID,
        model=model,
        capability=Capability.TEXT,
        usage=text_usage(response.usage_metadata),
        usage_reported=response.usage_metadata is not None,
        text=text,
        request_id=response.response_id,
        finish_reason=_enum_name(candidate.finish_reason),
    )


def _modality_tokens(details: list[types.ModalityTokenCount] | None) -> dict[str, int]:
    counts: dict[str, int] = {}
    for detail in details or []:
        name = _enum_name(detail.modality) or "TEXT"
        counts[name] = counts.get(name, 0) + (detail.token_count or 0)
    return counts


def image_usage(
    metadata: types.GenerateContentResponseUsageMetadata | None, images: int, request: ImageRequest
) -> Usage:
    """Billing units of an image answer, split by modality as Google reports them.

    Without a per-modality breakdown every answer token is counted as image output (the dearer rate).
    """
    metadata = metadata or types.GenerateContentResponseUsageMetadata()
    prompt = _modality_tokens(metadata.prompt_tokens_details)
    answer = _modality_tokens(metadata.candidates_tokens_details)
    prompt_total = metadata.prompt_token_count or 0
    answer_total = metadata.candidates_token_count or 0
    image_in = prompt.get("IMAGE", 0)
    image_out = answer.get("IMAGE", 0) if answer else answer_total
    return Usage(
        input_tokens=prompt_total - image_in,
        image_input_tokens=image_in,
        image_output_tokens=image_out,
        output_tokens=answer_total - image_out + (metadata.thoughts_token_count or 0),
        image_count=images,
        image_size=request.size or IMAGE_MODELS[request.model].default_size,
        output_count=images,
    )


def _dimensions(data: bytes) -> tuple[int | None, int | None]:
    try:
        from PIL import Image

        with Image.open(BytesIO(data)) as picture:
            return picture.width, picture.height
    except Exception:
        return None, None


def image_result(request: ImageRequest, response: types.GenerateContentResponse) -> GenerationResult:
    """Turn a Gemini image answer into media; no image at all counts as a refusal."""
    candidate = _first_candidate(response, "the image prompt")
    parts = candidate.content.parts if candidate.content and candidate.content.parts else []
    media: list[Media] = []
    texts: list[str] = []
    for part in parts:
        if part.thought:
            continue
        if part.inline_data is not None and part.inline_data.data:
            width, height = _dimensions(part.inline_data.data)
            media.append(
                Media(part.inline_data.data, part.inline_data.mime_type or "image/png", width, height)
            )
        elif part.text:
            texts.append(part.text)
    text = "".join(texts) or None
    if not media:
        raise _refused(
            "to draw this image", f"no image returned, {_enum_name(candidate.finish_reason)}", text or ""
        )
    return GenerationResult(
        provider=PROVIDER_ID,
        model=request.model,
        capability=Capability.IMAGE,
        usage=image_usage(response.usage_metadata, len(media), request),
        usage_reported=response.usage_metadata is not None,
        text=text,
        media=tuple(media),
        request_id=response.response_id,
        finish_reason=_enum_name(candidate.finish_reason),
    )


def progress_of(operation: types.GenerateVideosOperation, elapsed: float) -> ProgressUpdate:
    """A progress update from the operation's metadata percent if it has one, else elapsed time."""
    metadata = operation.metadata or {}
    percent: int | None = None
    for key in ("progressPercent", "progress_percent", "progress"):
        value = metadata.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            percent = max(0, min(99, int(value)))
            break
    seconds = int(elapsed)
    message = f"Veo is generating the video ({seconds} s so far)."
    return ProgressUpdate(job_id=operation.name, percent=percent, message=message)


def _operation_error(name: str | None, error: Mapping[str, Any]) -> ProviderError:
    code = error.get("code")
    message = str(error.get("message") or "no reason given")
    text = f"Google Veo job {name} failed: {message}"
    if any(word in message.lower() for word in REFUSAL_WORDS):
        return _refused("the video prompt", "Veo", message)
    if code == 1:
        return JobCancelled(f"Google Veo job {name} was cancelled.", provider=PROVIDER_ID)
    if code == 3:
        return InvalidProviderRequest(text, provider=PROVIDER_ID)
    if code == 4:
        return ProviderTimeout(f"{text} Try again.", provider=PROVIDER_ID)
    if code == 8:
        return RateLimited(f"{text} Wait a little and try again.", provider=PROVIDER_ID)
    return ProviderUnavailable(f"{text} Try again.", provider=PROVIDER_ID)


def finished_video(operation: types.GenerateVideosOperation) -> types.Video:
    """The generated video of a finished operation, or the error it ended with."""
    if operation.error:
        raise _operation_error(operation.name, operation.error)
    result = operation.response or operation.result
    videos = [v.video for v in (result.generated_videos or []) if v.video] if result else []
    if not videos:
        filtered = result.rai_media_filtered_count if result else None
        reasons = "; ".join(result.rai_media_filtered_reasons or []) if result else ""
        if filtered:
            raise _refused("the video prompt", f"{filtered} video filtered", reasons)
        raise ProviderUnavailable(
            f"Google Veo job {operation.name} finished without a video; try again.", provider=PROVIDER_ID
        )
    video = videos[0]
    if not video.video_bytes and not video.uri:
        raise ProviderUnavailable(
            f"Google Veo job {operation.name} named a video with no data or address; try again.",
            provider=PROVIDER_ID,
        )
    return video


VIDEO_PIXELS = {("720p", "16:9"): (1280, 720), ("720p", "9:16"): (720, 1280)}
VIDEO_PIXELS |= {("1080p", "16:9"): (1920, 1080), ("1080p", "9:16"): (1080, 1920)}


def video_usage(request: VideoRequest) -> Usage:
    """Billed units of a Veo video: its seconds, with audio exactly when the model makes audio."""
    return Usage(
        video_seconds=Decimal(request.duration_seconds),
        video_audio=VEO_AUDIO[request.model],
        output_count=1,
    )


def _error_body(exc: genai_errors.APIError) -> dict[str, Any]:
    details = exc.details if isinstance(exc.details, dict) else {}
    body = details.get("error", details)
    return body if isinstance(body, dict) else {}


def _detail_items(exc: genai_errors.APIError) -> list[dict[str, Any]]:
    items = _error_body(exc).get("details")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def retry_after(exc: genai_errors.APIError) -> float | None:
    """Seconds to wait from the Retry-After header, else from a google.rpc.RetryInfo detail."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    raw = headers.get("retry-after") if headers is not None else None
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
    for item in _detail_items(exc):
        if str(item.get("@type", "")).endswith("RetryInfo"):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)s\s*", str(item.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def _daily_quota(exc: genai_errors.APIError) -> bool:
    for item in _detail_items(exc):
        if str(item.get("@type", "")).endswith("QuotaFailure"):
            for violation in item.get("violations") or []:
                if "perday" in str(violation.get("quotaId", "")).lower():
                    return True
    return False


def map_api_error(exc: genai_errors.APIError) -> ProviderError:
    """Translate an SDK APIError (ClientError, ServerError) into the mediaws error tree."""
    code = exc.code or 0
    message = (exc.message or "").strip() or "no details given"
    reasons = {str(item.get("reason", "")) for item in _detail_items(exc)}
    lowered = message.lower()
    if (
        code == 401
        or "API_KEY_INVALID" in reasons
        or "api key not valid" in lowered
        or "api key expired" in lowered
    ):
        return BadProviderKey(
            f"Google Gemini says the API key is not valid — {KEY_HINT}.", provider=PROVIDER_ID
        )
    if code == 403:
        return BadProviderKey(
            f"Google Gemini refused the key: {message} — {KEY_HINT}, and that the Gemini API is enabled "
            "for its Google Cloud project.",
            provider=PROVIDER_ID,
        )
    if code == 429:
        wait = retry_after(exc)
        if _daily_quota(exc) or (wait is None and "quota" in lowered):
            return QuotaExceeded(
                f"Google Gemini quota is used up: {message} Check the plan and billing of the key's project "
                "in Google AI Studio.",
                provider=PROVIDER_ID,
            )
        return RateLimited(
            f"Google Gemini is rate limiting this key: {message}", provider=PROVIDER_ID, retry_after=wait
        )
    if code in (408, 504):
        return ProviderTimeout(f"Google Gemini timed out ({code}); try again.", provider=PROVIDER_ID)
    if 400 <= code < 500:
        if any(word in lowered for word in REFUSAL_WORDS):
            return _refused("the request", exc.status or str(code), message)
        field = "model" if code == 404 else None
        return InvalidProviderRequest(
            f"Google Gemini rejected the request ({code} {exc.status or ''}): {message}".replace(" )", ")"),
            provider=PROVIDER_ID,
            field=field,
        )
    return ProviderUnavailable(
        f"Google Gemini failed on its side ({code} {exc.status or ''}): {message} Try again shortly.".replace(
            " )", ")"
        ),
        provider=PROVIDER_ID,
    )


def map_error(exc: Exception) -> ProviderError | None:
    """Translate what the SDK raised while talking to Google into the mediaws error tree (None: a bug)."""
    if isinstance(exc, ProviderError):
        return exc
    if isinstance(exc, genai_errors.APIError):
        return map_api_error(exc)
    if isinstance(exc, HTTP_TIMEOUTS):
        return ProviderTimeout("Google Gemini did not answer in time; try again.", provider=PROVIDER_ID)
    if isinstance(exc, HTTP_FAILURES):
        return ProviderUnavailable(
            f"Could not reach Google Gemini ({type(exc).__name__}); check the network or the endpoint "
            "URL in Settings and try again.",
            provider=PROVIDER_ID,
        )
    if isinstance(exc, json.JSONDecodeError | PydanticValidationError | genai_errors.UnknownApiResponseError):
        return ProviderUnavailable(
            "Google Gemini answered with something mediaws could not read; try again.", provider=PROVIDER_ID
        )
    if isinstance(exc, ValueError):
        return InvalidProviderRequest(
            f"Google Gemini could not send the request: {exc}", provider=PROVIDER_ID
        )
    return None


class GeminiProvider(Provider):
    """Google's Gemini API through the official google-genai SDK."""

    id = PROVIDER_ID
    label = LABEL
    needs_key = True
    key_env_var = "GEMINI_API_KEY"
    default_base_url = "https://generativelanguage.googleapis.com"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        poll_interval: float = 10.0,
        max_wait: float = 1200.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        poll_retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout)
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self._sleep = sleep
        self._clock = clock
        self._poll_retry = poll_retry
        self._client_instance: genai.Client | None = None

    @classmethod
    def models(cls) -> tuple[ModelInfo, ...]:
        """Gemini text, Gemini image and Veo video models with their real limits."""
        return MODELS

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """Image tokens per picture and Veo's fixed audio, which the generic estimate cannot know."""
        if isinstance(request, ImageRequest) and request.model in IMAGE_MODELS:
            spec = IMAGE_MODELS[request.model]
            size = request.size or spec.default_size
            per_image = spec.tokens_by_size.get(size, max(spec.tokens_by_size.values()))
            return Usage(
                input_tokens=-(-len(request.prompt) // 3),
                image_output_tokens=per_image * request.count,
                image_count=request.count,
                image_size=size,
                output_count=request.count,
            )
        if isinstance(request, VideoRequest) and request.model in VEO_AUDIO:
            return video_usage(request)
        return None

    @property
    def client(self) -> genai.Client:
        """The SDK client: our key, base URL and timeout, Gemini API (not Vertex), no SDK retries."""
        if self._client_instance is None:
            if not self.api_key:
                raise BadProviderKey(
                    "No Google Gemini key is set — add one in Settings → API keys.", provider=PROVIDER_ID
                )
            self._client_instance = genai.Client(
                api_key=self.api_key,
                vertexai=False,
                http_options=types.HttpOptions(
                    base_url=self.base_url,
                    api_version=API_VERSION,
                    timeout=max(1, int(self.timeout * 1000)),
                    retry_options=types.HttpRetryOptions(attempts=1),
                ),
            )
        return self._client_instance

    def _call(self, call: Callable[[], T]) -> T:
        """Run one SDK call, re-raising its failure as a mediaws error that holds no request or key."""
        mapped: ProviderError | None = None
        try:
            return call()
        except Exception as exc:
            mapped = map_error(exc)
            if mapped is None or mapped is exc:
                raise
        raise mapped  # outside the handler: the SDK error (and the request headers it holds) is dropped

    def _raw(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One JSON call through the SDK client's transport, for endpoints the SDK no longer wraps."""
        response = self.client._api_client.request(method, path, body)
        parsed = json.loads(response.body) if response.body else {}
        if not isinstance(parsed, dict):
            raise genai_errors.UnknownApiResponseError(f"expected a JSON object from {path}")
        return parsed

    def test_key(self) -> None:
        """List one model (``GET /v1beta/models``): free, and refused with a bad key."""
        self._call(lambda: self.client.models.list(config=types.ListModelsConfig(page_size=1)))

    def generate_text(self, request: TextRequest) -> GenerationResult:
        """Generate text with a Gemini model."""
        text_options(model_info(request.model, Capability.TEXT), request)
        contents, config = text_call(request)
        response = self._call(
            lambda: self.client.models.generate_content(model=request.model, contents=contents, config=config)
        )
        return self._call(lambda: text_result(request.model, response))

    def generate_image(self, request: ImageRequest) -> GenerationResult:
        """Generate or edit one image with a Gemini image model."""
        image_options(model_info(request.model, Capability.IMAGE), request)
        contents, config = image_call(request)
        response = self._call(
            lambda: self.client.models.generate_content(model=request.model, contents=contents, config=config)
        )
        return self._call(lambda: image_result(request, response))

    def generate_video(
        self,
        request: VideoRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_started: StartedCallback | None = None,
        resume_job_id: str | None = None,
    ) -> GenerationResult:
        """Start a Veo job (or follow one already started), poll it with progress, then download it."""
        info = model_info(request.model, Capability.VIDEO)
        options = video_options(info, request)
        report = on_progress or (lambda _update: None)
        if cancel is not None and cancel.cancelled:
            raise JobCancelled(f"The {info.label} job was cancelled before it started.", provider=PROVIDER_ID)
        started = self._clock()
        if resume_job_id is not None:
            operation = with_retries(
                partial(self._poll, types.GenerateVideosOperation.model_validate({"name": resume_job_id})),
                policy=self._poll_retry,
                sleep=self._sleep,
            )
            name = resume_job_id
        else:
            operation = self._start_video(request)
            name = operation.name or ""
            if on_started is not None:
                try:
                    on_started(name)
                except BaseException:
                    self._cancel_job(name)
                    raise
        report(ProgressUpdate(job_id=name, percent=0, message=f"{info.label} accepted the job."))
        while not operation.done:
            self._stop_if_cancelled(name, cancel)
            if self._clock() - started > self.max_wait:
                stopped = self._cancel_job(name)
                raise ProviderTimeout(
                    f"Google Veo job {name} took longer than {int(self.max_wait)} s; "
                    + (
                        "it was stopped."
                        if stopped
                        else "Google gives no way to stop it, so it may still be billed."
                    ),
                    provider=PROVIDER_ID,
                )
            self._sleep(self.poll_interval)
            self._stop_if_cancelled(name, cancel)
            operation = with_retries(
                partial(self._poll, operation), policy=self._poll_retry, sleep=self._sleep
            )
            if not operation.done:
                report(progress_of(operation, self._clock() - started))
        video = self._call(lambda: finished_video(operation))
        data = video.video_bytes or self._call(lambda: self.client.files.download(file=video))
        report(ProgressUpdate(job_id=name, percent=100, message="Video ready."))
        resolution = getattr(options, "resolution", "720p")
        width, height = VIDEO_PIXELS.get((resolution, request.aspect_ratio or "16:9"), (None, None))
        return GenerationResult(
            provider=PROVIDER_ID,
            model=request.model,
            capability=Capability.VIDEO,
            usage=video_usage(request),
            media=(
                Media(data, video.mime_type or "video/mp4", width, height, float(request.duration_seconds)),
            ),
            job_id=name,
            finish_reason="done",
        )

    def _start_video(self, request: VideoRequest) -> types.GenerateVideosOperation:
        raw = self._call(
            lambda: self._raw("post", f"models/{request.model}:predictLongRunning", veo_body(request))
        )
        operation = self._call(
            lambda: types.GenerateVideosOperation.from_api_response(raw, is_vertex_ai=False)
        )
        if not operation.name:
            raise ProviderUnavailable(
                "Google Veo did not return a job name; try again.", provider=PROVIDER_ID
            )
        return operation

    def _poll(self, operation: types.GenerateVideosOperation) -> types.GenerateVideosOperation:
        return self._call(lambda: self.client.operations.get(operation))

    def _stop_if_cancelled(self, name: str, cancel: CancelToken | None) -> None:
        if cancel is None or not cancel.cancelled:
            return
        stopped = self._cancel_job(name)
        raise JobCancelled(
            f"Google Veo job {name} was cancelled: "
            + (
                "Google was asked to stop it."
                if stopped
                else "Google gives no way to stop it, so polling stopped but it may still finish "
                "and be billed."
            ),
            provider=PROVIDER_ID,
        )

    def _cancel_job(self, name: str) -> bool:
        """Ask Google to stop the operation (``POST {name}:cancel``); False where it is not allowed."""
        try:
            self._raw("post", f"{name}:cancel", {})
        except Exception:
            return False
        return True


def register(registry: Registry) -> None:
    """Add the Gemini provider to a registry."""
    registry.add(GeminiProvider)
