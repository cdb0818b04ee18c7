"""Replicate: Flux images, MiniMax video and speech, MusicGen music, run as polled, cancellable predictions.

A prediction is created (``POST /v1/models/{owner}/{name}/predictions`` for official models,
``POST /v1/predictions`` with a pinned version otherwise), polled (``GET /v1/predictions/{id}``)
until it succeeds, fails or is cancelled (``POST /v1/predictions/{id}/cancel``), and its output
files are downloaded from the URLs it names. Progress comes from the ``NN%|`` bars models print
to their logs.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any, Literal, get_args
from urllib.parse import urlsplit

import httpx
import replicate
from pydantic import Field, model_validator
from replicate.exceptions import ReplicateError

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
    AudioRequest,
    CancelToken,
    Capability,
    FixedVoices,
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
    SpeechRequest,
    StartedCallback,
    UnusableAnswer,
    Usage,
    VideoRequest,
    listed_model,
)
from mediaws.providers.retry import retry_after_seconds

PROVIDER_ID = "replicate"
LABEL = "Replicate"
KEY_HINT = "check the Replicate token in Settings → API keys"
BILLING_URL = "https://replicate.com/account/billing"
TERMINAL = frozenset({"succeeded", "failed", "canceled"})
PROGRESS = re.compile(r"(\d{1,3})%\s*\|")
REFUSAL = re.compile(
    r"nsfw|not safe for work|safety|sensitive|flagged|moderat|content polic|\bE005\b", re.IGNORECASE
)
INPUT_FIELD = re.compile(r"input\.([A-Za-z_][\w]*)")
REQUIRED_FIELD = re.compile(r"\b([A-Za-z_]\w*) is required")

FLUX_ASPECTS = Literal["1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21"]
PRO_ASPECTS = Literal["custom", "1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3"]
FLUX2_ASPECTS = Literal[
    "match_input_image", "custom", "1:1", "16:9", "3:2", "2:3", "4:5", "5:4", "9:16", "3:4", "4:3"
]
IMAGE_FORMAT = Literal["webp", "jpg", "png"]
MINIMAX_VOICES = (
    "Wise_Woman",
    "Friendly_Person",
    "Inspirational_girl",
    "Deep_Voice_Man",
    "Calm_Woman",
    "Casual_Guy",
    "Lively_Girl",
    "Patient_Man",
    "Young_Knight",
    "Determined_Man",
    "Lovely_Girl",
    "Decent_Boy",
    "Imposing_Manner",
    "Elegant_Man",
    "Abbess",
    "Sweet_Girl_2",
    "Exuberant_Girl",
)
MINIMAX_LANGUAGES = Literal[
    "None", "Automatic", "Chinese", "Chinese,Yue", "Cantonese", "English", "Arabic", "Russian", "Spanish",
    "French", "Portuguese", "German", "Turkish", "Dutch", "Ukrainian", "Vietnamese", "Indonesian",
    "Japanese", "Italian", "Korean", "Thai", "Polish", "Romanian", "Greek", "Czech", "Finnish", "Hindi",
    "Bulgarian", "Danish", "Hebrew", "Malay", "Persian", "Slovak", "Swedish", "Croatian", "Filipino",
    "Hungarian", "Norwegian", "Slovenian", "Catalan", "Nynorsk", "Tamil", "Afrikaans",
]  # fmt: skip
ISO_LANGUAGES = {
    "zh": "Chinese", "yue": "Chinese,Yue", "en": "English", "ar": "Arabic", "ru": "Russian",
    "es": "Spanish", "fr": "French", "pt": "Portuguese", "de": "German", "tr": "Turkish", "nl": "Dutch",
    "uk": "Ukrainian", "vi": "Vietnamese", "id": "Indonesian", "ja": "Japanese", "it": "Italian",
    "ko": "Korean", "th": "Thai", "pl": "Polish", "ro": "Romanian", "el": "Greek", "cs": "Czech",
    "fi": "Finnish", "hi": "Hindi", "bg": "Bulgarian", "da": "Danish", "he": "Hebrew", "ms": "Malay",
    "fa": "Persian", "sk": "Slovak", "sv": "Swedish", "hr": "Croatian", "fil": "Filipino",
    "tl": "Filipino", "hu": "Hungarian", "no": "Norwegian", "nb": "Norwegian", "nn": "Nynorsk",
    "sl": "Slovenian", "ca": "Catalan", "ta": "Tamil", "af": "Afrikaans",
}  # fmt: skip
WIRE_TO_REQUEST = {
    "prompt": "prompt",
    "num_outputs": "count",
    "image": "input_image",
    "first_frame_image": "start_image",
    "text": "text",
    "voice_id": "voice",
    "audio_format": "output_format",
    "language_boost": "language",
}


class FluxSchnellOptions(Options):
    """black-forest-labs/flux-schnell inputs as Replicate publishes them."""

    aspect_ratio: FLUX_ASPECTS = "1:1"
    num_outputs: int = Field(1, ge=1, le=4)
    num_inference_steps: int = Field(4, ge=1, le=4)
    seed: int | None = None
    output_format: IMAGE_FORMAT = "webp"
    output_quality: int = Field(80, ge=0, le=100)
    go_fast: bool = True
    megapixels: Literal["1", "0.25"] = "1"


class FluxDevOptions(FluxSchnellOptions):
    """black-forest-labs/flux-dev inputs: more steps, guidance, and image-to-image strength."""

    num_inference_steps: int = Field(28, ge=1, le=50)
    guidance: float = Field(3, ge=0, le=10)
    prompt_strength: float = Field(0.8, ge=0, le=1)


def _custom_size_only(aspect_ratio: str, width: int | None, height: int | None) -> None:
    """Flux pro models take width and height together, and only with aspect_ratio 'custom'."""
    custom = aspect_ratio == "custom"
    if custom and (width is None or height is None):
        raise ValueError("aspect_ratio 'custom' needs both width and height")
    if not custom and (width is not None or height is not None):
        raise ValueError("width and height apply only with aspect_ratio 'custom'")


class FluxProOptions(Options):
    """black-forest-labs/flux-1.1-pro inputs; width and height only with aspect_ratio 'custom'."""

    aspect_ratio: PRO_ASPECTS = "1:1"
    width: int | None = Field(None, ge=256, le=1440)
    height: int | None = Field(None, ge=256, le=1440)
    seed: int | None = None
    output_format: IMAGE_FORMAT = "webp"
    output_quality: int = Field(80, ge=0, le=100)
    safety_tolerance: int = Field(2, ge=1, le=5)
    prompt_upsampling: bool = False

    @model_validator(mode="after")
    def _custom_size(self) -> FluxProOptions:
        _custom_size_only(self.aspect_ratio, self.width, self.height)
        return self


FLUX2_RESOLUTIONS = {"0.5 MP": Decimal("0.5"), "1 MP": Decimal(1), "2 MP": Decimal(2), "4 MP": Decimal(4)}


class Flux2ProOptions(Options):
    """black-forest-labs/flux-2-pro inputs; width and height only with aspect_ratio 'custom'."""

    aspect_ratio: FLUX2_ASPECTS = "1:1"
    resolution: Literal["match_input_image", "0.5 MP", "1 MP", "2 MP", "4 MP"] = "1 MP"
    width: int | None = Field(None, ge=256, le=2048)
    height: int | None = Field(None, ge=256, le=2048)
    seed: int | None = None
    output_format: IMAGE_FORMAT = "webp"
    output_quality: int = Field(80, ge=0, le=100)
    safety_tolerance: int = Field(2, ge=1, le=5)

    @model_validator(mode="after")
    def _custom_size(self) -> Flux2ProOptions:
        _custom_size_only(self.aspect_ratio, self.width, self.height)
        return self


class Video01Options(Options):
    """minimax/video-01 inputs: 6-second 720p clips, optionally from a first frame."""

    prompt_optimizer: bool = True


class MiniMaxSpeechOptions(Options):
    """minimax/speech-2.6-turbo inputs; voice_id is a system voice or a cloned voice id."""

    voice_id: str = Field("Wise_Woman", min_length=1, max_length=256)
    speed: float = Field(1, ge=0.5, le=2)
    volume: float = Field(1, ge=0, le=10)
    pitch: int = Field(0, ge=-12, le=12)
    emotion: Literal[
        "auto", "happy", "sad", "angry", "fearful", "disgusted", "surprised", "calm", "fluent", "neutral"
    ] = "auto"
    english_normalization: bool = False
    sample_rate: Literal[8000, 16000, 22050, 24000, 32000, 44100] = 32000
    bitrate: Literal[32000, 64000, 128000, 256000] = 128000
    audio_format: Literal["mp3", "wav", "flac", "pcm"] = "mp3"
    channel: Literal["mono", "stereo"] = "mono"
    language_boost: MINIMAX_LANGUAGES = "None"


class MusicGenOptions(Options):
    """meta/musicgen inputs for text-to-music (no melody or continuation input)."""

    model_version: Literal["stereo-melody-large", "stereo-large", "melody-large", "large"] = (
        "stereo-melody-large"
    )
    duration: int = Field(8, ge=1, le=30)
    output_format: Literal["wav", "mp3"] = "wav"
    normalization_strategy: Literal["loudness", "clip", "peak", "rms"] = "loudness"
    temperature: float = Field(1, ge=0)
    top_k: int = Field(250, ge=0)
    top_p: float = Field(0, ge=0, le=1)
    classifier_free_guidance: int = Field(3, ge=0)
    seed: int | None = None


FAMILIES: dict[str, type[Options]] = {
    "flux-schnell": FluxSchnellOptions,
    "flux-dev": FluxDevOptions,
    "flux-1.1-pro": FluxProOptions,
    "flux-2-pro": Flux2ProOptions,
    "minimax-video-01": Video01Options,
    "minimax-speech": MiniMaxSpeechOptions,
    "musicgen": MusicGenOptions,
}
SPEECH_MAX_CHARACTERS = 10_000
MUSICGEN_ESTIMATED_PREDICT_SECONDS = Decimal(120)


def model_info(model: str) -> ModelInfo:
    """One of our models, or an error naming the ones there are."""
    return listed_model(PROVIDER_ID, LABEL, FAMILIES, model)


def _validated(info: ModelInfo, values: dict[str, Any]) -> dict[str, Any]:
    try:
        options = info.validate_options(values)
    except InvalidProviderRequest as exc:
        field = WIRE_TO_REQUEST.get(exc.field or "", exc.field)
        raise InvalidProviderRequest(str(exc), provider=PROVIDER_ID, field=field) from None
    return options.model_dump(exclude_none=True)


def _refuse(info: ModelInfo, field: str, why: str) -> InvalidProviderRequest:
    return InvalidProviderRequest(f"{info.label}: {why}", provider=PROVIDER_ID, field=field)


def data_uri(data: bytes, mime: str | None) -> str:
    """Inline bytes as a data URI, which Replicate accepts for any file input."""
    return f"data:{mime or 'application/octet-stream'};base64,{base64.b64encode(data).decode()}"


def _merge(options: Mapping[str, Any] | None, fields: dict[str, Any]) -> dict[str, Any]:
    merged = dict(options or {})
    merged.update({key: value for key, value in fields.items() if value is not None})
    return merged


def image_input(
    info: ModelInfo, request: ImageRequest, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Translate an image request (and model options) into the prediction input, checking real limits."""
    if request.negative_prompt:
        raise _refuse(info, "negative_prompt", "Flux models take no negative prompt.")
    if request.quality is not None:
        raise _refuse(info, "quality", "this model has no quality setting; use output_quality.")
    fields: dict[str, Any] = {"aspect_ratio": request.aspect_ratio, "seed": request.seed}
    if info.options in (FluxProOptions, Flux2ProOptions):
        if request.count != 1:
            raise _refuse(info, "count", "makes one image per run.")
        if request.size is not None:
            width, height = _size(info, request.size)
            fields.update(aspect_ratio="custom", width=width, height=height)
    else:
        if request.size is not None:
            raise _refuse(info, "size", "takes an aspect ratio, not a pixel size.")
        fields["num_outputs"] = request.count
    values = _validated(info, _merge(options, fields))
    if request.input_image is not None:
        if not info.accepts_image:
            raise _refuse(info, "input_image", "does not take an input image; use FLUX.1 [dev].")
        uri = data_uri(request.input_image, request.input_image_mime)
        if info.options is Flux2ProOptions:
            values["input_images"] = [uri]
        else:
            values["image"] = uri
    else:
        values.pop("prompt_strength", None)
    return {"prompt": request.prompt, **values}


def _size(info: ModelInfo, size: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", size)
    if not match:
        raise _refuse(info, "size", f"size '{size}' should look like 1024x768.")
    return int(match[1]), int(match[2])


def video_input(
    info: ModelInfo, request: VideoRequest, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Translate a video request into the prediction input; video-01 makes fixed 6-second 720p clips."""
    if info.fixed_seconds is not None and request.duration_seconds != info.fixed_seconds:
        raise _refuse(info, "duration_seconds", f"makes {info.fixed_seconds}-second videos only.")
    if request.resolution not in (None, "720p"):
        raise _refuse(info, "resolution", "makes 720p videos only.")
    if request.aspect_ratio not in (None, "16:9"):
        raise _refuse(info, "aspect_ratio", "makes 16:9 videos, or follows the first frame's shape.")
    if request.with_audio:
        raise _refuse(info, "with_audio", "makes silent videos.")
    if request.seed is not None:
        raise _refuse(info, "seed", "takes no seed.")
    values = _validated(info, dict(options or {}))
    if request.start_image is not None:
        values["first_frame_image"] = data_uri(request.start_image, request.start_image_mime)
    return {"prompt": request.prompt, **values}


def _language(info: ModelInfo, language: str) -> str:
    if language in get_args(MINIMAX_LANGUAGES):
        return language
    code = language.lower().replace("_", "-")
    name = ISO_LANGUAGES.get(code) or ISO_LANGUAGES.get(code.split("-")[0])
    if name is None:
        raise _refuse(info, "language", f"has no language '{language}'.")
    return name


def speech_input(
    info: ModelInfo, request: SpeechRequest, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Translate a speech request into the MiniMax speech prediction input."""
    if not request.text.strip():
        raise _refuse(info, "text", "needs some text.")
    if request.stability is not None:
        raise _refuse(info, "stability", "has no stability setting.")
    if len(request.text) > SPEECH_MAX_CHARACTERS:
        raise _refuse(info, "text", f"reads at most {SPEECH_MAX_CHARACTERS:,} characters.")
    language = _language(info, request.language) if request.language else None
    fields: dict[str, Any] = {
        "voice_id": request.voice,
        "speed": request.speed,
        "audio_format": request.output_format,
        "language_boost": language,
    }
    return {"text": request.text, **_validated(info, _merge(options, fields))}


def audio_input(
    info: ModelInfo, request: AudioRequest, options: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Translate a music request into the MusicGen prediction input."""
    if not request.prompt.strip():
        raise _refuse(info, "prompt", "needs a description of the music.")
    fields = {"duration": request.duration_seconds, "seed": request.seed}
    return {"prompt": request.prompt, **_validated(info, _merge(options, fields))}


def parse_progress(logs: str | None) -> int | None:
    """The last ``NN%|`` progress bar percentage in a prediction's logs, if any."""
    found = PROGRESS.findall(logs or "")
    return min(int(found[-1]), 100) if found else None


def output_urls(output: Any) -> list[str]:
    """The file URLs of a prediction's output: one string, or a list of them."""
    items = output if isinstance(output, list) else [output]
    urls = [item for item in items if isinstance(item, str) and item]
    if not urls or len(urls) != len(items):
        raise UnusableAnswer(
            "Replicate finished the prediction but returned no files mediaws can read.", provider=PROVIDER_ID
        )
    return urls


def failure_error(error: str | None, model: str) -> ProviderError:
    """The error for a prediction that ended in status 'failed'."""
    text = (error or "no reason given").strip()
    if REFUSAL.search(text):
        return ContentRefused(
            f"Replicate's {model} refused this as unsafe content: {text} Try a different prompt.",
            provider=PROVIDER_ID,
        )
    return ProviderUnavailable(f"Replicate's {model} failed: {text}", provider=PROVIDER_ID)


def invalid_field(detail: str | None) -> str | None:
    """The request field a Replicate validation message names, in mediaws's words where they differ."""
    match = INPUT_FIELD.search(detail or "") or REQUIRED_FIELD.search(detail or "")
    if match is None:
        return None
    return WIRE_TO_REQUEST.get(match[1], match[1])


def api_error(
    status: int, title: str | None, detail: str | None, retry_after: float | None = None
) -> ProviderError:
    """Map an HTTP error from Replicate's API to mediaws's provider errors."""
    said = " ".join(part for part in (title, detail) if part).strip() or f"HTTP {status}"
    if status == 401:
        return BadProviderKey(f"Replicate says the API token is invalid — {KEY_HINT}.", provider=PROVIDER_ID)
    if status == 403:
        return BadProviderKey(
            f"Replicate refused this token access ({said}) — {KEY_HINT}.", provider=PROVIDER_ID
        )
    if status == 402:
        return QuotaExceeded(
            f"Replicate says the account is out of credit — add credit at {BILLING_URL}.",
            provider=PROVIDER_ID,
        )
    if status == 429:
        wait = f" Retry in {retry_after:g} s." if retry_after is not None else ""
        return RateLimited(
            f"Replicate is rate-limiting this token.{wait}", provider=PROVIDER_ID, retry_after=retry_after
        )
    if status == 404:
        return InvalidProviderRequest(
            f"Replicate does not know this model or prediction: {said}", provider=PROVIDER_ID, field="model"
        )
    if status in (400, 409, 413, 422):
        return InvalidProviderRequest(
            f"Replicate rejected the request: {said}", provider=PROVIDER_ID, field=invalid_field(detail)
        )
    if status in (408, 504):
        return ProviderTimeout(f"Replicate timed out ({said}). Try again.", provider=PROVIDER_ID)
    return ProviderUnavailable(f"Replicate failed with HTTP {status}: {said}", provider=PROVIDER_ID)


def _raise_for_response(response: httpx.Response) -> None:
    """httpx response hook: turn API errors into mediaws errors while the headers are still at hand."""
    if response.status_code < 400:
        return
    response.read()
    error = ReplicateError.from_response(response)
    raise api_error(response.status_code, error.title, error.detail, retry_after_seconds(response.headers))


@contextmanager
def sdk_errors() -> Iterator[None]:
    """Translate SDK, transport and parsing failures into mediaws's provider errors."""
    try:
        yield
    except ProviderError:
        raise
    except ReplicateError as exc:
        raise api_error(exc.status or 0, exc.title, exc.detail) from None
    except httpx.TimeoutException:
        raise ProviderTimeout("Replicate did not answer in time. Try again.", provider=PROVIDER_ID) from None
    except httpx.HTTPError as exc:
        raise ProviderUnavailable(
            f"Replicate could not be reached ({type(exc).__name__}). Check the connection and try again.",
            provider=PROVIDER_ID,
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ProviderUnavailable(
            f"Replicate sent an answer mediaws could not read ({type(exc).__name__}).", provider=PROVIDER_ID
        ) from None


def predict_seconds(metrics: Mapping[str, Any] | None) -> Decimal:
    """Predict time Replicate reported, exact as sent."""
    value = (metrics or {}).get("predict_time")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


MEGAPIXEL_METRICS = ("image_input_megapixel_count", "image_output_megapixel_count")


def _megapixels(width: int, height: int) -> Decimal:
    """Megapixels as Replicate bills an image: rounded up to a whole one, at least 1, at most 4."""
    return Decimal(min(4, max(1, -(-width * height // 1_000_000))))


def _data_uri_pixels(uri: Any) -> tuple[int, int] | None:
    if not isinstance(uri, str) or "base64," not in uri:
        return None
    try:
        from PIL import Image

        with Image.open(BytesIO(base64.b64decode(uri.split("base64,", 1)[1]))) as image:
            return image.size
    except Exception:
        return None


def flux2_megapixels(wire_input: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    """Input and output megapixels a FLUX.2 prediction will bill, erring high where the size is unknown."""
    inputs = [_data_uri_pixels(uri) for uri in wire_input.get("input_images") or ()]
    input_mp = sum((_megapixels(*size) if size else Decimal(4) for size in inputs), Decimal(0))
    if wire_input.get("aspect_ratio") == "custom":
        output_mp = _megapixels(int(wire_input.get("width") or 2048), int(wire_input.get("height") or 2048))
    elif wire_input.get("resolution") == "match_input_image":
        output_mp = max((_megapixels(*size) if size else Decimal(4) for size in inputs), default=Decimal(4))
    else:
        output_mp = max(Decimal(1), FLUX2_RESOLUTIONS.get(str(wire_input.get("resolution")), Decimal(4)))
    return input_mp, output_mp


def _metric(metrics: Mapping[str, Any], name: str) -> Decimal | None:
    value = metrics.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def reported(info: ModelInfo, metrics: Mapping[str, Any] | None) -> bool:
    """Whether Replicate reported the units this model bills (else they are derived from the request)."""
    if info.options is Flux2ProOptions:
        return all(_metric(metrics or {}, name) is not None for name in MEGAPIXEL_METRICS)
    return "predict_time" in (metrics or {})


def usage_for(
    info: ModelInfo, wire_input: Mapping[str, Any], metrics: Mapping[str, Any] | None, files: int
) -> Usage:
    """Billing units of a finished prediction: files made and predict time, plus what each kind bills."""
    seconds = predict_seconds(metrics)
    if info.options is Flux2ProOptions:
        derived_in, derived_out = flux2_megapixels(wire_input)
        input_mp, output_mp = (_metric(metrics or {}, name) for name in MEGAPIXEL_METRICS)
        return Usage(
            runs=1,
            input_megapixels=derived_in if input_mp is None else input_mp,
            output_megapixels=derived_out if output_mp is None else output_mp,
            image_count=files,
            output_count=files,
            predict_seconds=seconds,
        )
    match info.capability:
        case Capability.IMAGE:
            size = wire_input.get("aspect_ratio")
            if size == "custom":
                size = f"{wire_input.get('width')}x{wire_input.get('height')}"
            return Usage(image_count=files, image_size=size, output_count=files, predict_seconds=seconds)
        case Capability.VIDEO:
            return Usage(
                video_seconds=Decimal(info.fixed_seconds or 0) * files,
                output_count=files,
                predict_seconds=seconds,
            )
    counted = (metrics or {}).get("input_token_count")
    characters = counted if isinstance(counted, int) and not isinstance(counted, bool) else None
    if characters is None and "text" in wire_input:
        characters = len(str(wire_input["text"]))
    return Usage(characters=characters or 0, output_count=files, predict_seconds=seconds)


def _mime(url: str, header: str | None) -> str:
    declared = (header or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed or declared or "application/octet-stream"


def _dimensions(data: bytes, mime: str) -> tuple[int | None, int | None]:
    if not mime.startswith("image/"):
        return None, None
    try:
        from PIL import Image

        with Image.open(BytesIO(data)) as image:
            return image.width, image.height
    except Exception:
        return None, None


@dataclass
class Finished:
    """A prediction that succeeded: its id, output and metrics."""

    id: str
    output: Any
    metrics: dict[str, Any] | None


class ReplicateProvider(Provider):
    """Replicate, through the official ``replicate`` SDK with its retry transport bypassed."""

    id = PROVIDER_ID
    label = LABEL
    needs_key = True
    key_env_var = "REPLICATE_API_TOKEN"
    default_base_url = "https://api.replicate.com"
    key_hint = "r8_…"
    makes = "Flux images, video, audio"
    families = FAMILIES
    request_aliases = {**WIRE_TO_REQUEST, "duration": "duration_seconds"}

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        poll_interval: float = 1.0,
        max_wait: float = 1800.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout)
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self._sleep = sleep
        self._sdk: replicate.Client | None = None

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """MusicGen bills predict time and FLUX.2 megapixels, which the generic estimate cannot know."""
        if isinstance(request, AudioRequest):
            return Usage(predict_seconds=MUSICGEN_ESTIMATED_PREDICT_SECONDS, output_count=1)
        if isinstance(request, ImageRequest):
            info = model_info(request.model)
            if info.options is Flux2ProOptions:
                input_mp, output_mp = flux2_megapixels(image_input(info, request, request.options))
                return Usage(
                    runs=1,
                    input_megapixels=input_mp,
                    output_megapixels=output_mp,
                    image_count=1,
                    output_count=1,
                )
        return None

    @classmethod
    def fixed_voices(cls, info: ModelInfo) -> FixedVoices | None:
        """MiniMax's system voices; a voice cloned with MiniMax is typed in by its id."""
        if "voice_id" not in info.options.model_fields:
            return None
        return FixedVoices(
            tuple((voice, voice.replace("_", " ")) for voice in MINIMAX_VOICES),
            typed_ids="The id of a voice you cloned with MiniMax.",
        )

    def client(self) -> replicate.Client:
        """The SDK client: our key, base URL and timeout; retries off; API errors mapped by a hook."""
        if not self.api_key:
            raise BadProviderKey(f"No Replicate API token is set — {KEY_HINT}.", provider=PROVIDER_ID)
        if self._sdk is None:
            self._sdk = replicate.Client(
                api_token=self.api_key,
                base_url=self.base_url,
                timeout=httpx.Timeout(self.timeout),
                mounts={"all://": httpx.HTTPTransport()},
                event_hooks={"request": [self._enforce_timeout], "response": [_raise_for_response]},
            )
        return self._sdk

    def _enforce_timeout(self, request: httpx.Request) -> None:
        """httpx request hook: the SDK creates predictions with ``timeout=None`` (no limit); bound it."""
        timeouts = request.extensions.get("timeout") or {}
        if all(value is None for value in timeouts.values()):
            request.extensions["timeout"] = httpx.Timeout(self.timeout).as_dict()

    def test_key(self) -> None:
        """Read the token's account: the cheapest authenticated call."""
        with sdk_errors():
            self.client().accounts.current()

    def generate_image(
        self,
        request: ImageRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerationResult:
        """Generate 1-4 Flux images (request fields override the model options)."""
        return self.run_job(request, on_progress=on_progress, cancel=cancel)

    def generate_video(
        self,
        request: VideoRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_started: StartedCallback | None = None,
        resume_job_id: str | None = None,
    ) -> GenerationResult:
        """Generate a video, reporting progress and honouring cancellation."""
        return self.run_job(
            request,
            on_progress=on_progress,
            cancel=cancel,
            on_started=on_started,
            resume_job_id=resume_job_id,
        )

    def synthesize_speech(
        self,
        request: SpeechRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> GenerationResult:
        """Speak text with MiniMax."""
        return self.run_job(request, on_progress=on_progress, cancel=cancel)

    def generate_audio(
        self,
        request: AudioRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_started: StartedCallback | None = None,
        resume_job_id: str | None = None,
    ) -> GenerationResult:
        """Make music from a description with MusicGen."""
        return self.run_job(
            request,
            on_progress=on_progress,
            cancel=cancel,
            on_started=on_started,
            resume_job_id=resume_job_id,
        )

    def run_job(
        self,
        request: Request,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_started: StartedCallback | None = None,
        resume_job_id: str | None = None,
    ) -> GenerationResult:
        """Run any request as one prediction, reporting its id when created or following an old one."""
        match request:
            case ImageRequest():
                info = self._model(request.model, Capability.IMAGE)
                wire_input = image_input(info, request, request.options)
            case VideoRequest():
                info = self._model(request.model, Capability.VIDEO)
                wire_input = video_input(info, request, request.options)
            case SpeechRequest():
                info = self._model(request.model, Capability.SPEECH)
                wire_input = speech_input(info, request, request.options)
            case AudioRequest():
                info = self._model(request.model, Capability.AUDIO)
                wire_input = audio_input(info, request, request.options)
            case _:
                raise self._unsupported(Capability.TEXT)
        return self._generate(info, wire_input, on_progress, cancel, Resumable(on_started, resume_job_id))

    def _model(self, model: str, capability: Capability) -> ModelInfo:
        info = model_info(model)
        if info.capability is not capability:
            raise InvalidProviderRequest(
                f"{info.label} makes {info.capability.value}, not {capability.value}.",
                provider=PROVIDER_ID,
                field="model",
            )
        return info

    def _generate(
        self,
        info: ModelInfo,
        wire_input: dict[str, Any],
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
        job: Resumable | None = None,
    ) -> GenerationResult:
        finished = self._run(info, wire_input, on_progress, cancel, job or Resumable())
        media = tuple(self._download(url) for url in output_urls(finished.output))
        if info.fixed_seconds is not None:
            media = tuple(
                Media(m.data, m.mime_type, m.width, m.height, float(info.fixed_seconds)) for m in media
            )
        return GenerationResult(
            provider=PROVIDER_ID,
            model=info.id,
            capability=info.capability,
            usage=usage_for(info, wire_input, finished.metrics, len(media)),
            usage_reported=reported(info, finished.metrics),
            media=media,
            request_id=finished.id,
            job_id=finished.id,
            finish_reason="succeeded",
        )

    def _run(
        self,
        info: ModelInfo,
        wire_input: dict[str, Any],
        on_progress: ProgressCallback | None,
        cancel: CancelToken | None,
        job: Resumable,
    ) -> Finished:
        client = self.client()
        if cancel is not None and cancel.cancelled:
            raise JobCancelled(f"The {info.label} job was cancelled before it started.", provider=PROVIDER_ID)
        with sdk_errors():
            if job.resume_job_id is not None:
                prediction = client.predictions.get(job.resume_job_id)
            elif info.wire_version is not None:
                prediction = client.predictions.create(version=info.wire_version, input=wire_input)
            else:
                prediction = client.models.predictions.create(model=info.id, input=wire_input)
        if job.resume_job_id is None and job.on_started is not None:
            try:
                job.on_started(prediction.id)
            except BaseException:
                self._cancel(prediction.id)
                raise
        reporter = _Reporter(prediction.id, on_progress)
        reporter.report(prediction.status, prediction.logs)
        deadline = time.monotonic() + self.max_wait
        failures = 0
        while prediction.status not in TERMINAL:
            if time.monotonic() >= deadline:
                self._cancel(prediction.id)
                raise ProviderTimeout(
                    f"The {info.label} job {prediction.id} took longer than {self.max_wait:g} s and was "
                    "cancelled.",
                    provider=PROVIDER_ID,
                )
            self._sleep(self.poll_interval)
            if cancel is not None and cancel.cancelled:
                self._cancel(prediction.id)
                raise JobCancelled(
                    f"The {info.label} job {prediction.id} was cancelled.", provider=PROVIDER_ID
                )
            try:
                with sdk_errors():
                    prediction = client.predictions.get(prediction.id)
            except ProviderError as error:
                failures += 1
                if not error.retryable or failures >= 3:
                    raise
                if isinstance(error, RateLimited) and error.retry_after:
                    self._sleep(error.retry_after)
                continue
            failures = 0
            reporter.report(prediction.status, prediction.logs)
        if prediction.status == "failed":
            raise failure_error(prediction.error, info.label)
        if prediction.status == "canceled":
            raise JobCancelled(
                f"The {info.label} job {prediction.id} was cancelled on Replicate.", provider=PROVIDER_ID
            )
        return Finished(prediction.id, prediction.output, prediction.metrics)

    def _cancel(self, prediction_id: str) -> None:
        """Ask Replicate to stop a prediction; a failure here must not hide why we stopped."""
        try:
            with sdk_errors():
                self.client().predictions.cancel(prediction_id)
        except ProviderError:
            pass

    def _download(self, url: str) -> Media:
        if url.startswith("data:"):
            return _from_data_uri(url)
        try:
            response = httpx.get(url, timeout=self.timeout, follow_redirects=True)
        except httpx.TimeoutException:
            raise ProviderTimeout(
                "Downloading the Replicate output timed out. Try again.", provider=PROVIDER_ID
            ) from None
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(
                f"The Replicate output could not be downloaded ({type(exc).__name__}).", provider=PROVIDER_ID
            ) from None
        if response.status_code >= 400:
            raise ProviderUnavailable(
                f"The Replicate output could not be downloaded (HTTP {response.status_code}); output links "
                "expire an hour after the prediction.",
                provider=PROVIDER_ID,
            )
        mime = _mime(url, response.headers.get("content-type"))
        width, height = _dimensions(response.content, mime)
        return Media(response.content, mime, width, height)


def _from_data_uri(url: str) -> Media:
    header, _, payload = url.partition(",")
    mime = header[5:].split(";")[0] or "application/octet-stream"
    try:
        data = base64.b64decode(payload, validate=True) if ";base64" in header else payload.encode()
    except binascii.Error:
        raise ProviderUnavailable(
            "Replicate returned an unreadable inline file.", provider=PROVIDER_ID
        ) from None
    width, height = _dimensions(data, mime)
    return Media(data, mime, width, height)


@dataclass(frozen=True)
class Resumable:
    """Hooks that make a prediction survive a crash: report its id once created, or follow an old one."""

    on_started: StartedCallback | None = None
    resume_job_id: str | None = None


class _Reporter:
    """Sends a progress update whenever the status or the logged percentage changes."""

    MESSAGES = {
        "starting": "Waiting for a Replicate worker",
        "processing": "Generating",
        "succeeded": "Done",
    }

    def __init__(self, job_id: str, callback: ProgressCallback | None) -> None:
        self.job_id = job_id
        self.callback = callback
        self.last: tuple[int | None, str] | None = None

    def report(self, status: str, logs: str | None) -> None:
        if self.callback is None:
            return
        percent = 100 if status == "succeeded" else parse_progress(logs)
        message = self.MESSAGES.get(status, status)
        if (percent, message) != self.last:
            self.last = (percent, message)
            self.callback(ProgressUpdate(self.job_id, percent, message))


def register(registry: Registry) -> None:
    """Add Replicate to a registry."""
    registry.add(ReplicateProvider)
