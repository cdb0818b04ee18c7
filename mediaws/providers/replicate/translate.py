"""Replicate translations with no SDK and no network: requests to prediction inputs, predictions to results.

Inputs are checked against what each model really accepts; outputs, logs and metrics are read into
media, progress and billing units.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from io import BytesIO
from typing import Any, get_args
from urllib.parse import urlsplit

from mediaws.errors import InvalidProviderRequest, ProviderUnavailable
from mediaws.providers.base import (
    AudioRequest,
    Capability,
    ImageRequest,
    Media,
    ModelInfo,
    ProgressCallback,
    ProgressUpdate,
    SpeechRequest,
    UnusableAnswer,
    Usage,
    VideoRequest,
)
from mediaws.providers.replicate.options import (
    MINIMAX_LANGUAGES,
    PROVIDER_ID,
    Flux2ProOptions,
    FluxProOptions,
)

PROGRESS = re.compile(r"(\d{1,3})%\s*\|")
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
SPEECH_MAX_CHARACTERS = 10_000
FLUX2_RESOLUTIONS = {"0.5 MP": Decimal("0.5"), "1 MP": Decimal(1), "2 MP": Decimal(2), "4 MP": Decimal(4)}
MEGAPIXEL_METRICS = ("image_input_megapixel_count", "image_output_megapixel_count")


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


class ProgressReporter:
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
        """Send an update for this status and these logs unless it repeats the last one."""
        if self.callback is None:
            return
        percent = 100 if status == "succeeded" else parse_progress(logs)
        message = self.MESSAGES.get(status, status)
        if (percent, message) != self.last:
            self.last = (percent, message)
            self.callback(ProgressUpdate(self.job_id, percent, message))


def predict_seconds(metrics: Mapping[str, Any] | None) -> Decimal:
    """Predict time Replicate reported, exact as sent."""
    value = (metrics or {}).get("predict_time")
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


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


def output_mime(url: str, header: str | None) -> str:
    """The MIME type of a downloaded output: as declared unless generic, else guessed from the URL."""
    declared = (header or "").split(";")[0].strip().lower()
    if declared and declared != "application/octet-stream":
        return declared
    guessed, _ = mimetypes.guess_type(urlsplit(url).path)
    return guessed or declared or "application/octet-stream"


def image_dimensions(data: bytes, mime: str) -> tuple[int | None, int | None]:
    """Width and height of an image file; Nones for other media or an unreadable image."""
    if not mime.startswith("image/"):
        return None, None
    try:
        from PIL import Image

        with Image.open(BytesIO(data)) as image:
            return image.width, image.height
    except Exception:
        return None, None


def from_data_uri(url: str) -> Media:
    """An output Replicate sent inline as a data URI."""
    header, _, payload = url.partition(",")
    mime = header[5:].split(";")[0] or "application/octet-stream"
    try:
        data = base64.b64decode(payload, validate=True) if ";base64" in header else payload.encode()
    except binascii.Error:
        raise ProviderUnavailable(
            "Replicate returned an unreadable inline file.", provider=PROVIDER_ID
        ) from None
    width, height = image_dimensions(data, mime)
    return Media(data, mime, width, height)
