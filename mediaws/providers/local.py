"""The offline provider: images, speech and video made on this machine for free; text via a local server."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

from PIL import Image, UnidentifiedImageError
from pydantic import Field, field_validator

from mediaws.errors import (
    BadProviderKey,
    ContentRefused,
    InvalidProviderRequest,
    JobCancelled,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
)
from mediaws.media import drawing, speech, video
from mediaws.providers.base import (
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
    SpeechRequest,
    StartedCallback,
    TextRequest,
    Usage,
    VideoRequest,
    listed_model,
)
from mediaws.providers.sdk import lazy

if TYPE_CHECKING:
    import openai
else:
    openai = lazy("openai")

PROVIDER_ID = "local"
LABEL = "Local (offline)"
SEED_LIMIT = 2**32
IMAGE_SIZES = ("512x512", "768x768", "1024x1024", "1024x576", "576x1024")
IMAGE_ASPECTS = {"1:1": "1024x1024", "16:9": "1024x576", "9:16": "576x1024"}
VIDEO_SIZES = ("640x360", "1280x720", "720x1280")
VIDEO_ALIASES = {("360p", "16:9"): "640x360", ("720p", "16:9"): "1280x720", ("720p", "9:16"): "720x1280"}
VIDEO_FPS = 24
VOICES = {
    "en-us": "English (US)",
    "en": "English (UK)",
    "en-gb-x-rp": "English (UK, RP)",
    "de": "German",
    "fr": "French",
    "es": "Spanish (Spain)",
    "es-419": "Spanish (Latin America)",
    "it": "Italian",
    "pt": "Portuguese (Portugal)",
    "pt-br": "Portuguese (Brazil)",
    "nl": "Dutch",
}
"""espeak-ng voices (languages) offered, with the names people read."""
VOICE_VARIANTS = ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "croak")
MAX_SPEECH_CHARS = 20_000
MAX_VIDEO_SPEECH_CHARS = 600
TEXT_SERVER_HINT = (
    "Start Ollama and set MEDIAWS_LOCAL_TEXT_BASE_URL=http://localhost:11434/v1, "
    "or add an OpenAI-compatible endpoint in Settings → API keys."
)

OptionsT = TypeVar("OptionsT", bound=Options)


class LocalTextNotConfigured(ProviderUnavailable):
    """No local text server is configured; retrying cannot help."""

    retryable = False


class ImageOptions(Options):
    """Options of the local image drawer."""

    size: Literal["512x512", "768x768", "1024x1024", "1024x576", "576x1024"] = "1024x1024"
    count: int = Field(1, ge=1, le=4)
    seed: int | None = Field(None, ge=0, lt=SEED_LIMIT)


class SpeechOptions(Options):
    """Options of espeak-ng: a voice (optionally ``voice+variant``), speed and pitch."""

    voice: str = "en-us"
    speed: float | None = None
    pitch: int | None = Field(None, ge=0, le=100)
    output_format: Literal["mp3", "wav"] = "mp3"

    @field_validator("voice")
    @classmethod
    def _known_voice(cls, value: str) -> str:
        base, _, variant = value.lower().partition("+")
        if base not in VOICES or (variant and variant not in VOICE_VARIANTS):
            raise ValueError(
                f"must be one of {', '.join(VOICES)}, optionally with +variant ({', '.join(VOICE_VARIANTS)})"
            )
        return value.lower()

    @field_validator("speed")
    @classmethod
    def _sane_speed(cls, value: float | None) -> float | None:
        if value is not None:
            words_per_minute(value)
        return value


class VideoOptions(Options):
    """Options of the local pan-and-zoom video maker."""

    duration_seconds: int = Field(5, ge=2, le=20)
    resolution: Literal["640x360", "1280x720", "720x1280"] = "1280x720"
    with_audio: bool = False
    seed: int | None = Field(None, ge=0, lt=SEED_LIMIT)


class TextOptions(Options):
    """Options passed through to the local OpenAI-compatible server, and which of its models to use."""

    server_model: str | None = Field(None, min_length=1, max_length=200)
    temperature: float | None = Field(None, ge=0, le=2)
    max_output_tokens: int | None = Field(None, ge=1, le=131_072)
    seed: int | None = None


FAMILIES: dict[str, type[Options]] = {
    "sketch-image": ImageOptions,
    "espeak": SpeechOptions,
    "sketch-video": VideoOptions,
    "text-server": TextOptions,
}


def words_per_minute(speed: float | None) -> int:
    """espeak-ng rate: a 0.5-2.0 factor of 175 wpm, or 80-400 words per minute as given."""
    if speed is None:
        return speech.DEFAULT_WPM
    if 0.5 <= speed <= 2.0:
        return round(speech.DEFAULT_WPM * speed)
    if 80 <= speed <= 400:
        return round(speed)
    raise ValueError("must be a factor from 0.5 to 2.0 or 80 to 400 words per minute")


def parse_size(size: str) -> tuple[int, int]:
    """'1024x576' → (1024, 576)."""
    width, _, height = size.partition("x")
    return int(width), int(height)


def _checked(
    model_id: str, extra: Mapping[str, Any], values: dict[str, Any], options: type[OptionsT]
) -> OptionsT:
    merged = {**extra, **{key: value for key, value in values.items() if value is not None}}
    try:
        checked = listed_model(PROVIDER_ID, LABEL, FAMILIES, model_id).validate_options(merged)
    except InvalidProviderRequest as error:
        error.provider = PROVIDER_ID
        raise
    assert isinstance(checked, options)
    return checked


def _invalid(message: str, field: str) -> InvalidProviderRequest:
    return InvalidProviderRequest(message, provider=PROVIDER_ID, field=field)


def image_options(request: ImageRequest) -> ImageOptions:
    """Check an image request (fields and model options) against the drawer's limits."""
    if request.quality is not None:
        raise _invalid("Local images have no quality setting.", "quality")
    if request.negative_prompt:
        raise _invalid("Local images take no negative prompt.", "negative_prompt")
    if request.input_image is not None:
        raise _invalid(
            "Local images are drawn from the prompt; they cannot edit an input image.", "input_image"
        )
    size = request.size
    if size is None and request.aspect_ratio is not None:
        size = IMAGE_ASPECTS.get(request.aspect_ratio)
        if size is None:
            raise _invalid(
                f"Local images have no aspect ratio '{request.aspect_ratio}'. Choose one of: "
                f"{', '.join(IMAGE_ASPECTS)}.",
                "aspect_ratio",
            )
    values = {"size": size, "count": request.count, "seed": request.seed}
    return _checked("local-image", request.options, values, ImageOptions)


def speech_options(request: SpeechRequest) -> SpeechOptions:
    """Check a speech request (fields and options such as pitch) against espeak-ng's voices and ranges."""
    if not request.text.strip():
        raise _invalid("There is no text to speak.", "text")
    if len(request.text) > MAX_SPEECH_CHARS:
        raise _invalid(f"Local speech takes at most {MAX_SPEECH_CHARS:,} characters at a time.", "text")
    values = {
        "voice": request.voice or request.language,
        "speed": request.speed,
        "output_format": request.output_format,
    }
    return _checked("local-speech", request.options, values, SpeechOptions)


def video_options(request: VideoRequest) -> VideoOptions:
    """Check a video request (fields and model options) against the local maker's durations and sizes."""
    resolution = request.resolution
    if resolution is not None and resolution not in VIDEO_SIZES:
        resolution = VIDEO_ALIASES.get((resolution, request.aspect_ratio or "16:9"), resolution)
    elif resolution is None and request.aspect_ratio is not None:
        resolution = {"16:9": "1280x720", "9:16": "720x1280"}.get(request.aspect_ratio)
        if resolution is None:
            raise _invalid(
                f"Local video has no aspect ratio '{request.aspect_ratio}'. Choose 16:9 or 9:16.",
                "aspect_ratio",
            )
    values = {
        "duration_seconds": request.duration_seconds,
        "resolution": resolution,
        "with_audio": request.with_audio,
        "seed": request.seed,
    }
    return _checked("local-video", request.options, values, VideoOptions)


def text_options(request: TextRequest) -> TextOptions:
    """Check a text request's sampling settings and chosen server model."""
    values = {
        "temperature": request.temperature,
        "max_output_tokens": request.max_output_tokens,
        "seed": request.seed,
    }
    return _checked("local-text", request.options, values, TextOptions)


def chat_payload(request: TextRequest, options: TextOptions, server_model: str) -> dict[str, Any]:
    """The chat-completions body for a text request."""
    messages: list[dict[str, str]] = []
    if request.system:
        messages.append({"role": "system", "content": request.system})
    messages.extend({"role": message.role, "content": message.content} for message in request.messages)
    payload: dict[str, Any] = {"model": server_model, "messages": messages}
    if options.temperature is not None:
        payload["temperature"] = options.temperature
    if options.max_output_tokens is not None:
        payload["max_tokens"] = options.max_output_tokens
    if options.seed is not None:
        payload["seed"] = options.seed
    return payload


def text_result(completion: Any, request: TextRequest, server_model: str) -> GenerationResult:
    """Translate a chat completion into our result, refusing answers that hold no text."""
    choices = getattr(completion, "choices", None)
    if not choices or getattr(choices[0], "message", None) is None:
        raise ProviderUnavailable(
            "The local text server sent an answer without a message; check that it speaks the "
            "OpenAI chat-completions format.",
            provider=PROVIDER_ID,
        )
    choice = choices[0]
    if choice.finish_reason == "content_filter":
        raise ContentRefused(f"The local model '{server_model}' refused this prompt.", provider=PROVIDER_ID)
    usage = getattr(completion, "usage", None)
    details = getattr(usage, "prompt_tokens_details", None)
    return GenerationResult(
        provider=PROVIDER_ID,
        model=request.model,
        capability=Capability.TEXT,
        usage=Usage(
            input_tokens=getattr(usage, "prompt_tokens", 0) or 0,
            output_tokens=getattr(usage, "completion_tokens", 0) or 0,
            cached_input_tokens=getattr(details, "cached_tokens", 0) or 0,
        ),
        text=choice.message.content or "",
        request_id=getattr(completion, "id", None),
        finish_reason=choice.finish_reason,
    )


def _retry_after(error: openai.APIStatusError) -> float | None:
    value = error.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def map_text_error(error: Exception, base_url: str, server_model: str | None) -> ProviderError:
    """Our error for an SDK (or body-parsing) error from the local text server, saying what to do."""
    where = f"The local text server at {base_url}"
    if isinstance(error, openai.APITimeoutError):
        return ProviderTimeout(f"{where} did not answer in time; try a smaller model or raise the timeout.")
    if isinstance(error, openai.APIConnectionError):
        return ProviderUnavailable(
            f"Nothing answered at {base_url}. {TEXT_SERVER_HINT}", provider=PROVIDER_ID
        )
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return BadProviderKey(f"{where} refused the key — check its key in Settings → API keys.")
    if isinstance(error, openai.RateLimitError):
        return RateLimited(f"{where} is busy; try again shortly.", retry_after=_retry_after(error))
    if isinstance(error, openai.NotFoundError):
        return InvalidProviderRequest(
            f"{where} has no model '{server_model}' — pull it (e.g. `ollama pull {server_model}`).",
            field="model",
        )
    if isinstance(error, openai.APIStatusError) and error.status_code < 500:
        code = getattr(error, "code", None)
        if code in ("content_filter", "content_policy_violation"):
            return ContentRefused(f"{where} refused this prompt.")
        return InvalidProviderRequest(f"{where} rejected the request: {error.message}")
    if isinstance(error, openai.APIStatusError):
        return ProviderUnavailable(f"{where} failed (HTTP {error.status_code}); try again or check its logs.")
    return ProviderUnavailable(f"{where} sent an answer that could not be read: {error}")


class LocalProvider(Provider):
    """Media made on this machine with Pillow, espeak-ng and PyAV; text from a configured local server."""

    id = PROVIDER_ID
    label = LABEL
    needs_key = False
    key_env_var = None
    default_base_url = None
    base_url_setting = "local_text_base_url"
    families = FAMILIES

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = 60.0,
        text_model: str | None = None,
    ) -> None:
        super().__init__(api_key=api_key, base_url=base_url, timeout=timeout)
        self.text_model = text_model

    @classmethod
    def fixed_voices(cls, info: ModelInfo) -> FixedVoices | None:
        """espeak-ng's languages, named."""
        return FixedVoices(tuple((voice, f"{name} — {voice}") for voice, name in VOICES.items()))

    def test_key(self) -> None:
        """No key is needed; when a text server is configured, check that it answers."""
        if self.base_url is not None:
            self._server_model(self._client())

    def generate_image(self, request: ImageRequest) -> GenerationResult:
        """Draw ``count`` seeded compositions with the prompt on them, as PNG."""
        options = image_options(request)
        width, height = parse_size(options.size)
        seed = options.seed if options.seed is not None else secrets.randbelow(SEED_LIMIT)
        media = tuple(
            Media(
                drawing.png_bytes(
                    drawing.draw_image(request.prompt, (seed + index) % SEED_LIMIT, width, height)
                ),
                "image/png",
                width=width,
                height=height,
            )
            for index in range(options.count)
        )
        return GenerationResult(
            provider=self.id,
            model=request.model,
            capability=Capability.IMAGE,
            usage=Usage(image_count=options.count, image_size=options.size, output_count=options.count),
            media=media,
            request_id=f"local-image:seed={seed}",
        )

    def synthesize_speech(self, request: SpeechRequest) -> GenerationResult:
        """Speak the text with espeak-ng, as WAV or MP3."""
        options = speech_options(request)
        pcm = self._speak(request.text, options.voice, words_per_minute(options.speed), options.pitch)
        if pcm.frames == 0:
            raise _invalid("espeak-ng found nothing to say in this text.", "text")
        if options.output_format == "wav":
            data, mime = speech.wav_bytes(pcm), "audio/wav"
        else:
            data, mime = video.mp3_bytes(pcm), "audio/mpeg"
        return GenerationResult(
            provider=self.id,
            model=request.model,
            capability=Capability.SPEECH,
            usage=Usage(characters=len(request.text), output_count=1),
            media=(Media(data, mime, duration_seconds=pcm.duration_seconds),),
            request_id=f"local-speech:{pcm.engine}",
        )

    def generate_video(
        self,
        request: VideoRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_started: StartedCallback | None = None,
        resume_job_id: str | None = None,
    ) -> GenerationResult:
        """Pan and zoom over a seeded composition (or the start image) with the prompt; MP4, H.264, 24 fps.

        Rendering is local and free, so an interrupted video is simply rendered again.
        """
        options = video_options(request)
        width, height = parse_size(options.resolution)
        seed = options.seed if options.seed is not None else secrets.randbelow(SEED_LIMIT)
        frame_count = options.duration_seconds * VIDEO_FPS
        seconds = frame_count / VIDEO_FPS
        audio = self._soundtrack(request.prompt, seconds) if options.with_audio else None
        base_size = (round(width * video.MAX_ZOOM), round(height * video.MAX_ZOOM))
        if request.start_image is not None:
            base = video.cover(_open_image(request.start_image), *base_size)
        else:
            base = drawing.composition(request.prompt, seed, *base_size)
        ink = drawing.palette(drawing.seeded_rng(request.prompt, seed, "palette")).ink
        overlay = drawing.caption_layer(request.prompt, width, height, ink)
        frames = video.pan_zoom_frames(
            base,
            width,
            height,
            frame_count,
            drawing.seeded_rng(request.prompt, seed, "motion"),
            overlay,
            VIDEO_FPS,
        )
        codec = video.video_codec()

        def on_frame(index: int) -> None:
            if cancel is not None and cancel.cancelled:
                raise _Stopped
            if on_progress is not None and index % VIDEO_FPS == 0:
                percent = round(100 * index / frame_count)
                on_progress(
                    ProgressUpdate(None, percent, f"Drawing second {index // VIDEO_FPS + 1} of {seconds:g}")
                )

        try:
            data = video.encode_mp4(
                frames, width=width, height=height, fps=VIDEO_FPS, audio=audio, codec=codec, on_frame=on_frame
            )
        except _Stopped:
            raise JobCancelled("The local video was cancelled.", provider=self.id) from None
        if on_progress is not None:
            on_progress(ProgressUpdate(None, 100, "Done"))
        return GenerationResult(
            provider=self.id,
            model=request.model,
            capability=Capability.VIDEO,
            usage=Usage(
                video_seconds=Decimal(options.duration_seconds), video_audio=audio is not None, output_count=1
            ),
            media=(Media(data, "video/mp4", width=width, height=height, duration_seconds=seconds),),
            request_id=f"local-video:seed={seed}:{codec}",
        )

    def generate_text(self, request: TextRequest) -> GenerationResult:
        """Ask the configured local server; never make text up when there is none."""
        options = text_options(request)
        client = self._client()
        server_model = self._server_model(client, options)
        try:
            completion = client.chat.completions.create(**chat_payload(request, options, server_model))
        except (openai.OpenAIError, ValueError) as error:
            self._raise(error, server_model)
        return text_result(completion, request, server_model)

    def stream_text(self, request: TextRequest) -> Iterator[str]:
        """Yield text from the local server as it arrives."""
        options = text_options(request)
        client = self._client()
        server_model = self._server_model(client, options)
        try:
            stream = client.chat.completions.create(
                **chat_payload(request, options, server_model), stream=True
            )
            for chunk in stream:
                for choice in chunk.choices or ():
                    if choice.finish_reason == "content_filter":
                        raise ContentRefused(
                            f"The local model '{server_model}' refused this prompt.", provider=self.id
                        )
                    if choice.delta is not None and choice.delta.content:
                        yield choice.delta.content
        except (openai.OpenAIError, ValueError) as error:
            self._raise(error, server_model)

    def _client(self) -> openai.OpenAI:
        if self.base_url is None:
            raise LocalTextNotConfigured(
                f"No local text server is set up. {TEXT_SERVER_HINT}", provider=self.id
            )
        return openai.OpenAI(
            base_url=self.base_url, api_key=self.api_key or "local", timeout=self.timeout, max_retries=0
        )

    def _server_model(self, client: openai.OpenAI, options: TextOptions | None = None) -> str:
        chosen = (options.server_model if options else None) or self.text_model
        if chosen:
            return chosen
        try:
            served = [model.id for model in client.models.list()]
        except (openai.OpenAIError, ValueError) as error:
            self._raise(error, None)
        if not served:
            raise LocalTextNotConfigured(
                f"The local text server at {self.base_url} has no models; "
                "pull one, e.g. `ollama pull llama3.2`.",
                provider=self.id,
            )
        return served[0]

    def _raise(self, error: Exception, server_model: str | None) -> NoReturn:
        mapped = map_text_error(error, self.base_url or "", server_model)
        mapped.provider = self.id
        raise mapped from None

    def _speak(self, text: str, voice: str, wpm: int, pitch: int | None) -> speech.Pcm:
        try:
            return speech.synthesize(
                text, voice=voice, wpm=wpm, pitch=speech.DEFAULT_PITCH if pitch is None else pitch
            )
        except speech.UnknownVoice:
            raise _invalid(
                f"espeak-ng has no voice '{voice}'. Voices: {', '.join(VOICES)}.", "voice"
            ) from None
        except speech.SpeechEngineMissing as error:
            raise ProviderUnavailable(f"Local speech is not available: {error}", provider=self.id) from None

    def _soundtrack(self, prompt: str, seconds: float) -> speech.Pcm:
        pcm = self._speak(prompt[:MAX_VIDEO_SPEECH_CHARS], "en-us", speech.DEFAULT_WPM, None)
        wanted = round(seconds * pcm.sample_rate) * speech.SAMPLE_WIDTH
        samples = pcm.samples[:wanted]
        samples += bytes(wanted - len(samples))
        return speech.Pcm(samples, pcm.sample_rate, pcm.engine)


class _Stopped(Exception):
    """Raised inside encoding when the caller cancels."""


def _open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise _invalid(f"The start image could not be read: {error}", "start_image") from None
    return image


def register(registry: Registry) -> None:
    """Add the local provider."""
    registry.add(LocalProvider)
