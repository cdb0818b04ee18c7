"""ElevenLabs speech through the official ``elevenlabs`` SDK: text to speech, voices, voice cloning."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import wave
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import httpx
from pydantic import Field

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
    Media,
    ModelInfo,
    Options,
    Provider,
    Registry,
    Request,
    SpeechRequest,
    Usage,
    listed_model,
)
from mediaws.providers.retry import retry_after_seconds
from mediaws.providers.sdk import lazy

if TYPE_CHECKING:
    from elevenlabs import client as elevenlabs_client
    from elevenlabs.core import api_error, parse_error
    from elevenlabs.core.request_options import RequestOptions
else:
    elevenlabs_client = lazy("elevenlabs.client")
    api_error = lazy("elevenlabs.core.api_error")
    parse_error = lazy("elevenlabs.core.parse_error")

PROVIDER_ID = "elevenlabs"
LABEL = "ElevenLabs"
KEY_HINT = "check the key in Settings → API keys (keys are made in ElevenLabs → Developers → API keys)"
CREDIT_HINT = "top up or upgrade in ElevenLabs → Subscription"
VOICE_CACHE_TTL = 600.0

OutputFormat = Literal[
    "mp3",
    "wav",
    "opus",
    "pcm",
    "mp3_22050_32",
    "mp3_24000_48",
    "mp3_44100_32",
    "mp3_44100_64",
    "mp3_44100_96",
    "mp3_44100_128",
    "mp3_44100_192",
    "opus_48000_32",
    "opus_48000_64",
    "opus_48000_96",
    "opus_48000_128",
    "opus_48000_192",
    "pcm_8000",
    "pcm_16000",
    "pcm_22050",
    "pcm_24000",
    "pcm_32000",
    "pcm_44100",
    "pcm_48000",
    "wav_8000",
    "wav_16000",
    "wav_22050",
    "wav_24000",
    "wav_32000",
    "wav_44100",
    "wav_48000",
    "ulaw_8000",
    "alaw_8000",
]
DEFAULT_FORMAT: OutputFormat = "mp3_44100_128"
FORMAT_ALIASES = {"mp3": "mp3_44100_128", "wav": "wav_44100", "opus": "opus_48000_128", "pcm": "pcm_24000"}
V25Language = Literal[
    "en", "ja", "zh", "de", "hi", "fr", "ko", "pt", "it", "es", "id", "nl", "tr", "fil", "pl", "sv",
    "bg", "ro", "ar", "cs", "el", "fi", "hr", "ms", "sk", "da", "ta", "uk", "ru", "hu", "no", "vi",
]  # fmt: skip
QUOTA_STATUSES = frozenset(
    {"quota_exceeded", "payment_required", "insufficient_credits", "credits_exhausted"}
)
REFUSAL_STATUSES = frozenset({"bad_prompt", "content_against_tos", "tos_violation", "blocked_content"})
WIRE_FIELDS = {
    "text": "text",
    "model_id": "model",
    "voice_id": "voice",
    "speed": "speed",
    "stability": "stability",
    "language_code": "language",
    "output_format": "output_format",
    "files": "sample",
    "name": "name",
}


class SpeechOptions(Options):
    """Voice settings every ElevenLabs model takes."""

    speed: float | None = Field(None, ge=0.7, le=1.2)
    stability: float | None = Field(None, ge=0.0, le=1.0)
    output_format: OutputFormat = DEFAULT_FORMAT


class V25Options(SpeechOptions):
    """Flash and Turbo v2.5: a forced language out of their 32."""

    language: V25Language | None = None


class V3Options(SpeechOptions):
    """Eleven v3: a forced language as an ISO 639 code (70+ languages)."""

    language: str | None = Field(None, pattern=r"^[a-z]{2,3}$")


class V4Options(Options):
    """Eleven v4: stability only (it takes no speed), a forced language as an ISO 639 code."""

    stability: float | None = Field(None, ge=0.0, le=1.0)
    output_format: OutputFormat = DEFAULT_FORMAT
    language: str | None = Field(None, pattern=r"^[a-z]{2,3}$")


FAMILIES: dict[str, type[Options]] = {
    "multilingual": SpeechOptions,
    "v2.5": V25Options,
    "v3": V3Options,
    "v4": V4Options,
}


@dataclass(frozen=True)
class Voice:
    """A voice the key may use."""

    id: str
    name: str
    category: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    preview_url: str | None = None


def speech_model(model_id: str) -> ModelInfo:
    """Return one speech model or say which exist."""
    return listed_model(PROVIDER_ID, "ElevenLabs", FAMILIES, model_id, Capability.SPEECH)


def wire_format(output_format: str) -> str:
    """The ElevenLabs output_format for ours (short names pick a common default)."""
    return FORMAT_ALIASES.get(output_format, output_format)


def speech_params(request: SpeechRequest) -> dict[str, Any]:
    """Arguments of ``text_to_speech.convert`` (POST /v1/text-to-speech/{voice_id}) for a request."""
    model = speech_model(request.model)
    name = model.label
    limit = model.max_characters or len(request.text)
    if not request.text.strip():
        raise InvalidProviderRequest("There is no text to speak.", provider=PROVIDER_ID, field="text")
    if len(request.text) > limit:
        raise InvalidProviderRequest(
            f"{name} speaks at most {limit:,} characters at a time; this text has "
            f"{len(request.text):,}. Shorten or split it.",
            provider=PROVIDER_ID,
            field="text",
        )
    if not request.voice.strip():
        raise InvalidProviderRequest("Choose a voice.", provider=PROVIDER_ID, field="voice")
    if request.language and "language" not in model.options.model_fields:
        raise InvalidProviderRequest(
            f"{name} picks the language from the text; choose a model that forces one (v4, v3, Flash v2.5).",
            provider=PROVIDER_ID,
            field="language",
        )
    values: dict[str, Any] = {"output_format": request.output_format}
    for key in ("speed", "stability", "language"):
        if getattr(request, key) is not None:
            values[key] = getattr(request, key)
    options = model.validate_options(values)
    params: dict[str, Any] = {
        "voice_id": request.voice,
        "text": request.text,
        "model_id": request.model,
        "output_format": wire_format(options.output_format),  # type: ignore[attr-defined]
    }
    settings = {k: values[k] for k in ("stability", "speed") if k in values}
    if settings:
        params["voice_settings"] = settings
    if request.language:
        params["language_code"] = request.language
    return params


def mime_type(output_format: str) -> str:
    """The media type of an ElevenLabs output format."""
    codec = output_format.split("_", 1)[0]
    return {
        "mp3": "audio/mpeg",
        "wav": "audio/wav",
        "opus": "audio/ogg",
        "pcm": "audio/pcm",
        "ulaw": "audio/basic",
        "alaw": "audio/x-alaw-basic",
    }.get(codec, "application/octet-stream")


def duration_seconds(output_format: str, data: bytes) -> float | None:
    """Exact duration for raw and WAV audio (16-bit PCM, 8-bit μ-law/A-law); None for compressed formats."""
    codec, _, rest = output_format.partition("_")
    rate = int(rest.split("_", 1)[0]) if rest[:1].isdigit() else 0
    if codec == "pcm" and rate:
        return len(data) / (2 * rate)
    if codec in ("ulaw", "alaw") and rate:
        return len(data) / rate
    if codec == "wav":
        try:
            with wave.open(io.BytesIO(data)) as audio:
                return audio.getnframes() / audio.getframerate()
        except (wave.Error, EOFError, ZeroDivisionError):
            return None
    return None


def billed_characters(text: str, headers: Mapping[str, str]) -> int:
    """Characters billed: the reported count when larger than the text (normalisation), else the text."""
    lowered = {k.lower(): v for k, v in headers.items()}
    reported = 0
    for name in ("x-character-count", "character-cost"):
        try:
            reported = max(reported, int(lowered.get(name, "") or 0))
        except ValueError:
            continue
    return max(len(text), reported)


def result_from_wire(
    request: SpeechRequest, output_format: str, data: bytes, headers: Mapping[str, str]
) -> GenerationResult:
    """Translate the audio body and headers into a result (execution checks that the body is audio)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    media = Media(data, mime_type(output_format), duration_seconds=duration_seconds(output_format, data))
    return GenerationResult(
        provider=PROVIDER_ID,
        model=request.model,
        capability=Capability.SPEECH,
        usage=Usage(characters=billed_characters(request.text, headers), output_count=1),
        usage_reported=any(name in lowered for name in ("x-character-count", "character-cost")),
        media=(media,),
        request_id=lowered.get("request-id") or lowered.get("x-trace-id"),
    )


def voices_from_wire(payload: Any) -> tuple[Voice, ...]:
    """Voices from a GET /v1/voices answer."""
    try:
        return tuple(
            Voice(
                id=str(v.voice_id),
                name=str(v.name or v.voice_id),
                category=str(v.category) if v.category is not None else None,
                labels=dict(v.labels or {}),
                preview_url=v.preview_url,
            )
            for v in payload.voices
        )
    except (AttributeError, TypeError, ValueError) as exc:
        raise ProviderUnavailable(
            "ElevenLabs sent a voice list mediaws could not read; try again later.", provider=PROVIDER_ID
        ) from exc


def _detail(body: Any) -> tuple[str, str, str | None]:
    """(status code word, message, field) from an ElevenLabs error body."""
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        first = detail[0]
        loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
        wire = loc[-1] if loc else None
        return "validation_error", str(first.get("msg", "")), WIRE_FIELDS.get(wire or "", wire)
    if isinstance(detail, dict):
        status = str(detail.get("status") or detail.get("code") or detail.get("type") or "")
        message = str(detail.get("message") or "")
        wire = detail.get("param")
        return status, message, WIRE_FIELDS.get(str(wire), str(wire)) if wire else None
    return "", str(detail or ""), None


def map_api_error(error: api_error.ApiError) -> ProviderError:
    """Our error for an ElevenLabs HTTP error."""
    status_code = error.status_code or 0
    status, message, where = _detail(error.body)
    said = f" ({message})" if message else ""
    if status in QUOTA_STATUSES or status_code == 402:
        return QuotaExceeded(
            f"ElevenLabs says the account is out of credits{said} — {CREDIT_HINT}.", provider=PROVIDER_ID
        )
    if status in REFUSAL_STATUSES or "terms of service" in message.lower():
        return ContentRefused(
            f"ElevenLabs refused this text under its terms of service{said}. Change the text.",
            provider=PROVIDER_ID,
        )
    if status == "missing_permissions":
        return BadProviderKey(
            f"ElevenLabs says this key lacks a permission{said} — allow it for the key in "
            f"ElevenLabs → Developers → API keys, or {KEY_HINT}.",
            provider=PROVIDER_ID,
        )
    if status_code in (401, 403):
        return BadProviderKey(f"ElevenLabs says the key is invalid{said} — {KEY_HINT}.", provider=PROVIDER_ID)
    if status_code == 429:
        return RateLimited(
            f"ElevenLabs is limiting this key{said}; mediaws will retry. Fewer requests at once, "
            "or a higher plan, helps.",
            provider=PROVIDER_ID,
            retry_after=retry_after_seconds(error.headers or {}),
        )
    if status_code in (408, 504):
        return ProviderTimeout("ElevenLabs timed out on its side; try again.", provider=PROVIDER_ID)
    if status_code == 404 or status == "voice_not_found":
        return InvalidProviderRequest(
            f"ElevenLabs does not know this voice or model{said}; pick another voice.",
            provider=PROVIDER_ID,
            field=where or "voice",
        )
    if 400 <= status_code < 500:
        return InvalidProviderRequest(
            f"ElevenLabs refused the request{said}.", provider=PROVIDER_ID, field=where
        )
    if 200 <= status_code < 300:
        return ProviderUnavailable(
            "ElevenLabs sent an answer mediaws could not read; try again later.", provider=PROVIDER_ID
        )
    return ProviderUnavailable(f"ElevenLabs failed on its side{said}; try again later.", provider=PROVIDER_ID)


def map_error(error: Exception, *, timeout: float) -> ProviderError:
    """Our error for anything the SDK or httpx raised."""
    if isinstance(error, ProviderError):
        return error
    if isinstance(error, parse_error.ParsingError):
        return ProviderUnavailable(
            "ElevenLabs sent an answer mediaws could not read; try again later.", provider=PROVIDER_ID
        )
    if isinstance(error, api_error.ApiError):
        return map_api_error(error)
    if isinstance(error, httpx.TimeoutException):
        return ProviderTimeout(
            f"ElevenLabs did not answer within {timeout:g} s; try again or use shorter text.",
            provider=PROVIDER_ID,
        )
    if isinstance(error, httpx.HTTPError):
        return ProviderUnavailable(
            "Could not reach ElevenLabs; check the network or the provider's base URL.", provider=PROVIDER_ID
        )
    if isinstance(error, ValueError | TypeError | AttributeError):
        return ProviderUnavailable(
            "ElevenLabs sent an answer mediaws could not read; try again later.", provider=PROVIDER_ID
        )
    raise error


class VoiceCache:
    """Voice lists per key, kept for a while so each key is fetched once per TTL."""

    def __init__(self, ttl: float = VOICE_CACHE_TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, tuple[Voice, ...]]] = {}

    @staticmethod
    def key(api_key: str, base_url: str | None) -> str:
        """A digest standing for the key, so the cache never holds the key itself."""
        return hashlib.sha256(f"{base_url}\0{api_key}".encode()).hexdigest()

    def get(self, key: str) -> tuple[Voice, ...] | None:
        """The cached voices, if still fresh."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= self.clock():
                return None
            return entry[1]

    def put(self, key: str, voices: Iterable[Voice]) -> tuple[Voice, ...]:
        """Keep voices until the TTL runs out."""
        kept = tuple(voices)
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl, kept)
        return kept

    def forget(self, key: str) -> None:
        """Drop one key's voices (after a voice was added)."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        """Drop everything."""
        with self._lock:
            self._entries.clear()


VOICES = VoiceCache()
_NO_RETRIES: RequestOptions = {"max_retries": 0}


class ElevenLabsProvider(Provider):
    """ElevenLabs text to speech, voice lists and instant voice cloning."""

    id: ClassVar[str] = PROVIDER_ID
    label: ClassVar[str] = LABEL
    needs_key: ClassVar[bool] = True
    key_env_var: ClassVar[str | None] = "ELEVENLABS_API_KEY"
    default_base_url: ClassVar[str | None] = "https://api.elevenlabs.io"
    key_hint = "sk_…"
    makes = "Speech, voice cloning"
    families = FAMILIES

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """ElevenLabs bills the characters of the text."""
        if isinstance(request, SpeechRequest):
            return Usage(characters=len(request.text), output_count=1)
        return None

    @cached_property
    def _sdk(self) -> elevenlabs_client.ElevenLabs:
        return elevenlabs_client.ElevenLabs(
            api_key=self.api_key, base_url=self.base_url, timeout=self.timeout
        )

    def _client(self) -> elevenlabs_client.ElevenLabs:
        if not self.api_key:
            raise BadProviderKey(f"No ElevenLabs key is set — {KEY_HINT}.", provider=PROVIDER_ID)
        return self._sdk

    def _cache_key(self) -> str:
        return VOICES.key(self.api_key or "", self.base_url)

    def test_key(self) -> None:
        """List models (GET /v1/models): free, and refused for a bad key."""
        client = self._client()
        try:
            client.models.list(request_options=_NO_RETRIES)
        except Exception as exc:
            raise map_error(exc, timeout=self.timeout) from exc

    def synthesize_speech(self, request: SpeechRequest) -> GenerationResult:
        """POST /v1/text-to-speech/{voice_id}; the audio body is read whole."""
        params = speech_params(request)
        client = self._client()
        try:
            with client.text_to_speech.with_raw_response.convert(
                **params, request_options=_NO_RETRIES
            ) as response:
                data = b"".join(response.data)
                headers = response.headers
        except Exception as exc:
            raise map_error(exc, timeout=self.timeout) from exc
        return result_from_wire(request, params["output_format"], data, headers)

    def cached_voices(self) -> tuple[Voice, ...] | None:
        """The voices listed for this key within the TTL, without calling ElevenLabs."""
        return VOICES.get(self._cache_key())

    def list_voices(self, *, refresh: bool = False) -> tuple[Voice, ...]:
        """Voices this key may use (GET /v1/voices), fetched once per key per TTL."""
        key = self._cache_key()
        cached = None if refresh else VOICES.get(key)
        if cached is not None:
            return cached
        client = self._client()
        try:
            payload = client.voices.get_all(request_options=_NO_RETRIES)
        except Exception as exc:
            raise map_error(exc, timeout=self.timeout) from exc
        return VOICES.put(key, voices_from_wire(payload))

    def clone_voice(self, name: str, sample_bytes: bytes, mime: str) -> str:
        """Instant voice clone from one audio sample (POST /v1/voices/add); returns the new voice id."""
        if not name.strip():
            raise InvalidProviderRequest("Name the new voice.", provider=PROVIDER_ID, field="name")
        if not sample_bytes:
            raise InvalidProviderRequest("The voice sample is empty.", provider=PROVIDER_ID, field="sample")
        if not mime.startswith(("audio/", "video/")):
            raise InvalidProviderRequest(
                f"The voice sample must be audio, not {mime}.", provider=PROVIDER_ID, field="sample"
            )
        extension = mime.split("/", 1)[1].split(";", 1)[0].replace("mpeg", "mp3")
        client = self._client()
        try:
            created = client.voices.ivc.create(
                name=name.strip(),
                files=[(f"sample.{extension}", sample_bytes, mime)],
                request_options=_NO_RETRIES,
            )
            voice_id = str(created.voice_id)
        except Exception as exc:
            raise map_error(exc, timeout=self.timeout) from exc
        VOICES.forget(self._cache_key())
        return voice_id


def register(registry: Registry) -> None:
    """Add the ElevenLabs provider."""
    registry.add(ElevenLabsProvider)
