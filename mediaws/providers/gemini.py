"""Google Gemini: Gemini text and Gemini native image models, behind the google-genai SDK.

Text and images go through ``models.generate_content`` (``POST /v1beta/models/{model}:generateContent``,
key in the ``x-goog-api-key`` header). No video model is offered: Google shut down every Veo model on the
Gemini API (Veo 2 on 2026-06-30, the Veo 3.1 previews on 2026-10-22), and its successor speaks another
API. Imagen is not offered either: Google shut every Imagen model down on the Gemini API in June 2026 in
favour of the Gemini image models listed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from io import BytesIO
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

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
    Capability,
    GenerationResult,
    ImageRequest,
    Media,
    ModelInfo,
    Options,
    Provider,
    Registry,
    Request,
    TextRequest,
    Usage,
    listed_model,
)
from mediaws.providers.sdk import lazy, load

if TYPE_CHECKING:
    from google import genai
    from google.genai import errors as genai_errors
    from google.genai import types
else:
    genai = lazy("google.genai")
    genai_errors = lazy("google.genai.errors")
    types = lazy("google.genai.types")

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


@cache
def _http_exceptions(name: str) -> tuple[type[Exception], ...]:
    """An exception class from httpx and from httpx2 (the fork google-genai 3.x sends with)."""
    found: list[type[Exception]] = []
    for module_name in ("httpx", "httpx2"):
        try:
            found.append(getattr(load(module_name), name))
        except ImportError:
            continue
    return tuple(found)


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


FAMILIES: dict[str, type[Options]] = {
    "gemini-text": GeminiTextOptions,
    "gemini-fixed-sampling": GeminiFixedSamplingOptions,
    "nano-banana-2.1": NanoBanana21Options,
    "flash-image": FlashImageOptions,
    "flash-image-3.1": FlashImage31Options,
}


def model_info(model: str, capability: Capability) -> ModelInfo:
    """The listed model with this id and capability, or an error naming the field."""
    return listed_model(PROVIDER_ID, LABEL, FAMILIES, model, capability)


def default_size(info: ModelInfo) -> str | None:
    """The size an image is made at when the request names none (None: the model has one size)."""
    return next(iter(info.image_tokens), None) or None


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
        image_size=request.size or default_size(model_info(request.model, Capability.IMAGE)),
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
    if isinstance(exc, _http_exceptions("TimeoutException")):
        return ProviderTimeout("Google Gemini did not answer in time; try again.", provider=PROVIDER_ID)
    if isinstance(exc, _http_exceptions("HTTPError")):
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
    key_hint = "AIza…"
    makes = "Text, Nano Banana images"
    families = FAMILIES

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, timeout: float = 60.0):
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout)
        self._client_instance: genai.Client | None = None

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """Image tokens per picture by size, which the generic estimate cannot know."""
        info = next((info for info in cls.models() if info.id == request.model), None)
        if isinstance(request, ImageRequest) and info is not None and info.image_tokens:
            size = request.size or default_size(info)
            per_image = info.image_tokens.get(size or "", max(info.image_tokens.values()))
            return Usage(
                input_tokens=-(-len(request.prompt) // 3),
                image_output_tokens=per_image * request.count,
                image_count=request.count,
                image_size=size,
                output_count=request.count,
            )
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


def register(registry: Registry) -> None:
    """Add the Gemini provider to a registry."""
    registry.add(GeminiProvider)
