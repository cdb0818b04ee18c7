"""The provider contract: requests, results, billing units, models and the registry.

A provider module defines a ``Provider`` subclass and a ``register(registry)`` function; built-in
providers register exactly as a third-party one would. Providers take keys and base URLs as
arguments and return plain dataclasses; they know nothing of the database.
"""

from __future__ import annotations

import threading
from abc import ABC
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from mediaws.errors import ContentRefused, InvalidProviderRequest, ProviderError, ValidationError


class Capability(StrEnum):
    """What a model produces."""

    TEXT = "text"
    IMAGE = "image"
    VIDEO = "video"
    SPEECH = "speech"
    AUDIO = "audio"


class Options(BaseModel):
    """Base of every model's options schema: unknown options are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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
    output_count: int = 0


@dataclass(frozen=True)
class Media:
    """One produced file."""

    data: bytes
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class GenerationResult:
    """What a provider returned: text or media, ids to trace it, and billing units."""

    provider: str
    model: str
    capability: Capability
    usage: Usage
    text: str | None = None
    media: tuple[Media, ...] = ()
    request_id: str | None = None
    job_id: str | None = None
    finish_reason: str | None = None
    usage_reported: bool = False  # True when ``usage`` holds the provider's own figures, not ours


class UnusableAnswer(ProviderError):
    """The provider answered, and may have billed, but the answer cannot be used; never retried.

    ``usage`` is what the answer says was billed, or None when the answer is too broken to say
    (the cost is then the request's estimate).
    """

    def __init__(
        self, message: str, *, provider: str = "", usage: Usage | None = None, usage_reported: bool = False
    ) -> None:
        super().__init__(message, provider=provider)
        self.usage = usage
        self.usage_reported = usage_reported


class BilledRefusal(ContentRefused):
    """A content refusal the provider still billed (a chat refusal arrives with its token usage)."""

    def __init__(self, message: str, *, provider: str = "", usage: Usage) -> None:
        super().__init__(message, provider=provider)
        self.usage = usage


@dataclass(frozen=True)
class ProgressUpdate:
    """Progress of a long-running job as the provider reports it."""

    job_id: str | None
    percent: int | None
    message: str = ""


ProgressCallback = Callable[[ProgressUpdate], None]
StartedCallback = Callable[[str], None]


class CancelToken:
    """Set by the caller to ask a running job to stop; providers check it while polling."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the job to stop."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether a stop was asked for."""
        return self._event.is_set()


@runtime_checkable
class RunsProviderJobs(Protocol):
    """A provider whose every generation is a job on its side, resumable by id after a restart."""

    def run_job(
        self,
        request: Request,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_started: StartedCallback | None = None,
        resume_job_id: str | None = None,
    ) -> GenerationResult:
        """Run the request as one provider job (hooks as in ``Provider.generate_video``)."""
        ...


@dataclass(frozen=True)
class ModelInfo:
    """A model a provider offers, with its capability and options schema."""

    id: str
    label: str
    capability: Capability
    options: type[Options] = Options
    description: str = ""
    accepts_image: bool = False
    fixed_seconds: int | None = None

    def validate_options(self, values: Mapping[str, Any]) -> Options:
        """Check options against the model's real limits, naming the offending field."""
        try:
            return self.options.model_validate(dict(values))
        except PydanticValidationError as exc:
            raise self._refusal(exc.errors()[0]) from None

    def check_options(self, values: Mapping[str, Any], *, unchecked: frozenset[str] = frozenset()) -> None:
        """Check options before queueing; names in ``unchecked`` may be request fields the schema omits."""
        try:
            self.options.model_validate(dict(values))
        except PydanticValidationError as exc:
            for error in exc.errors():
                loc = error["loc"]
                if not (error["type"] == "extra_forbidden" and loc and loc[0] in unchecked):
                    raise self._refusal(error) from None

    def _refusal(self, error: Any) -> InvalidProviderRequest:
        where = ".".join(str(part) for part in error["loc"]) or "options"
        return InvalidProviderRequest(f"{self.label}: option '{where}': {error['msg'].lower()}.", field=where)


class Provider(ABC):
    """One AI provider behind its official SDK."""

    id: ClassVar[str]
    label: ClassVar[str]
    needs_key: ClassVar[bool] = True
    key_env_var: ClassVar[str | None] = None
    default_base_url: ClassVar[str | None] = None
    request_aliases: ClassVar[Mapping[str, str]] = {}
    """Option names in this provider's schemas that stand for request fields (e.g. num_outputs → count)."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, timeout: float = 60.0):
        self.api_key = api_key
        self.base_url = (base_url or self.default_base_url or "").rstrip("/") or None
        self.timeout = timeout

    @classmethod
    def models(cls) -> tuple[ModelInfo, ...]:
        """The models this provider offers (static list; some providers also list live)."""
        return ()

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """Units this provider will bill for a request, when it knows better than the generic guess."""
        return None

    def test_key(self) -> None:
        """Make the cheapest authenticated call; raise BadProviderKey if the key is refused."""
        raise InvalidProviderRequest(f"{self.label} has no key test.")

    def generate_text(self, request: TextRequest) -> GenerationResult:
        """Generate text."""
        raise self._unsupported(Capability.TEXT)

    def generate_image(self, request: ImageRequest) -> GenerationResult:
        """Generate images."""
        raise self._unsupported(Capability.IMAGE)

    def generate_video(
        self,
        request: VideoRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_started: StartedCallback | None = None,
        resume_job_id: str | None = None,
    ) -> GenerationResult:
        """Generate a video, reporting progress and honouring cancellation.

        Providers that run the video as a job on their side call ``on_started(job_id)`` as soon as
        the job is accepted and before waiting on it, so the caller can record the id durably; given
        ``resume_job_id`` (recorded by an earlier, interrupted attempt) they follow that job instead
        of starting and paying for a new one.
        """
        raise self._unsupported(Capability.VIDEO)

    def synthesize_speech(self, request: SpeechRequest) -> GenerationResult:
        """Turn text into speech."""
        raise self._unsupported(Capability.SPEECH)

    def generate_audio(
        self,
        request: AudioRequest,
        *,
        on_progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
        on_started: StartedCallback | None = None,
        resume_job_id: str | None = None,
    ) -> GenerationResult:
        """Generate music or sound from a description (job hooks as in ``generate_video``)."""
        raise self._unsupported(Capability.AUDIO)

    def stream_text(self, request: TextRequest) -> Iterator[str]:
        """Yield text as it arrives; the default yields the whole answer once."""
        result = self.generate_text(request)
        yield result.text or ""

    def _unsupported(self, capability: Capability) -> InvalidProviderRequest:
        return InvalidProviderRequest(f"{self.label} does not offer {capability.value} generation.")


@dataclass
class Registry:
    """Providers by id, and their models."""

    providers: dict[str, type[Provider]] = field(default_factory=dict)

    def add(self, provider: type[Provider]) -> None:
        """Register a provider class; ids are unique."""
        if provider.id in self.providers:
            raise ValueError(f"provider {provider.id!r} is registered twice")
        self.providers[provider.id] = provider

    def provider(self, provider_id: str) -> type[Provider]:
        """Return a provider class or say which exist."""
        try:
            return self.providers[provider_id]
        except KeyError:
            known = ", ".join(sorted(self.providers))
            raise ValidationError(
                f"Unknown provider '{provider_id}'. Known providers: {known}.", field="provider"
            ) from None

    def model(self, provider_id: str, model_id: str) -> ModelInfo:
        """Return one model of one provider or say which exist."""
        provider = self.provider(provider_id)
        for info in provider.models():
            if info.id == model_id:
                return info
        known = ", ".join(info.id for info in provider.models())
        raise ValidationError(f"{provider.label} has no model '{model_id}'. Models: {known}.", field="model")

    def all_models(self) -> list[tuple[type[Provider], ModelInfo]]:
        """Every (provider, model) pair, providers in registration order."""
        return [(provider, info) for provider in self.providers.values() for info in provider.models()]
