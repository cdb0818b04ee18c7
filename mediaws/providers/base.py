"""The provider contract: requests, results, billing units, models and the registry.

A provider module defines a ``Provider`` subclass and a ``register(registry)`` function; built-in
providers register exactly as a third-party one would. Providers take keys and base URLs as
arguments and return plain dataclasses; they know nothing of the database.
"""

from __future__ import annotations

import threading
from abc import ABC
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from mediaws.catalogue.table import ModelEntry, load_tables
from mediaws.errors import ConfigError, ContentRefused, InvalidProviderRequest, ProviderError, ValidationError
from mediaws.work import AudioRequest as AudioRequest
from mediaws.work import Capability as Capability
from mediaws.work import ImageRequest as ImageRequest
from mediaws.work import Message as Message
from mediaws.work import ModelRef as ModelRef
from mediaws.work import Request as Request
from mediaws.work import SpeechRequest as SpeechRequest
from mediaws.work import TextRequest as TextRequest
from mediaws.work import Usage as Usage
from mediaws.work import VideoRequest as VideoRequest


class Options(BaseModel):
    """Base of every model's options schema: unknown options are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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


class VoiceListing(Protocol):
    """One voice of a live voice list."""

    @property
    def id(self) -> str:
        """The id requests name the voice by."""

    @property
    def name(self) -> str:
        """The name people know the voice by."""

    @property
    def category(self) -> str | None:
        """Where it comes from: premade, cloned, generated, professional…"""

    @property
    def preview_url(self) -> str | None:
        """A free sample of the voice, if the provider offers one."""


@runtime_checkable
class ListsModels(Protocol):
    """A provider that can say which models its endpoint serves (``GET /models``)."""

    def list_models(self) -> list[str]:
        """The model ids the endpoint offers."""
        ...


@runtime_checkable
class ListsVoices(Protocol):
    """A provider whose voices depend on the key: listed from its API and kept a while."""

    def list_voices(self, *, refresh: bool = False) -> Sequence[VoiceListing]:
        """The voices this key may use (from the provider, or kept from a recent listing)."""
        ...

    def cached_voices(self) -> Sequence[VoiceListing] | None:
        """The voices listed recently for this key, without calling the provider (None: none kept)."""
        ...


@dataclass(frozen=True)
class FixedVoices:
    """A speech model's documented voices as (id, label) pairs, and what to say of voice ids typed in."""

    choices: tuple[tuple[str, str], ...]
    typed_ids: str = ""
    """Empty when only the listed voices exist; else a hint for an id of the user's own."""


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
    family: str | None = None
    max_characters: int | None = None
    image_tokens: Mapping[str, int] = field(default_factory=dict, hash=False, compare=False)
    wire_version: str | None = None

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
    key_hint: ClassVar[str] = ""
    """What a key looks like (e.g. "sk-…"), shown where a person pastes one."""
    makes: ClassVar[str] = ""
    """What the provider makes, in a few words for Settings (e.g. "Text, images, speech")."""
    default_base_url: ClassVar[str | None] = None
    base_url_setting: ClassVar[str | None] = None
    """The setting that overrides ``default_base_url``; default ``<id>_base_url`` (MEDIAWS_<ID>_BASE_URL)."""
    request_aliases: ClassVar[Mapping[str, str]] = {}
    """Option names in this provider's schemas that stand for request fields (e.g. num_outputs → count)."""
    families: ClassVar[Mapping[str, type[Options]]] = {}
    """The API families this provider's code speaks, by the name catalogue entries give as ``family``."""
    endpoints: ClassVar[bool] = False
    """Each key is an endpoint (name, base URL, prices) whose models are listed live, not catalogued."""

    def __init__(self, *, api_key: str | None = None, base_url: str | None = None, timeout: float = 60.0):
        self.api_key = api_key
        self.base_url = (base_url or self.default_base_url or "").rstrip("/") or None
        self.timeout = timeout

    @classmethod
    def models(cls) -> tuple[ModelInfo, ...]:
        """The models the catalogue lists for this provider, in its order."""
        return listed_models(cls.id, cls.families)

    @classmethod
    def endpoint_model(cls, model_id: str) -> ModelInfo:
        """What a model of an endpoint takes, for a provider with ``endpoints`` (any model it lists)."""
        raise ValidationError(f"{cls.label} has no endpoints; choose one of its models.", field="model")

    @classmethod
    def estimate_usage(cls, request: Request) -> Usage | None:
        """Units this provider will bill for a request, when it knows better than the generic guess."""
        return None

    @classmethod
    def fixed_voices(cls, info: ModelInfo) -> FixedVoices | None:
        """A speech model's voices when the provider documents them apart from the options schema."""
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
        """Return one model of one provider (an endpoint's model included) or say which exist."""
        provider = self.provider(provider_id)
        if provider.endpoints:
            return provider.endpoint_model(model_id)
        for info in provider.models():
            if info.id == model_id:
                return info
        known = ", ".join(info.id for info in provider.models())
        raise ValidationError(f"{provider.label} has no model '{model_id}'. Models: {known}.", field="model")

    def resolve(self, ref: ModelRef) -> ModelInfo:
        """The model a reference names; an endpoint goes with a provider that has them, and only there."""
        provider = self.provider(ref.provider)
        if provider.endpoints and ref.endpoint is None:
            raise ValidationError(f"Choose one of your {provider.label}s.", field="endpoint")
        if not provider.endpoints and ref.endpoint is not None:
            raise ValidationError(
                f"{provider.label} has no endpoints; choose one of its models.", field="endpoint"
            )
        return self.model(ref.provider, ref.model)

    def all_models(self) -> list[tuple[type[Provider], ModelInfo]]:
        """Every (provider, model) pair, providers in registration order."""
        return [(provider, info) for provider in self.providers.values() for info in provider.models()]


def listed_models(provider_id: str, families: Mapping[str, type[Options]]) -> tuple[ModelInfo, ...]:
    """The catalogue's models of one provider; a family the code does not speak is an error."""
    table = load_tables().get(provider_id)
    return tuple(
        _listed(provider_id, model_id, entry, families)
        for model_id, entry in (table.models.items() if table else ())
        if entry.label is not None and entry.capability is not None
    )


def _listed(
    provider_id: str, model_id: str, entry: ModelEntry, families: Mapping[str, type[Options]]
) -> ModelInfo:
    options = families.get(entry.family) if entry.family else Options
    if options is None:
        known = ", ".join(families) or "none"
        raise ConfigError(
            f"The catalogue's {provider_id}/{model_id} names the family '{entry.family}', which mediaws "
            f"does not speak for {provider_id} (families: {known})."
        )
    assert entry.label is not None and entry.capability is not None
    return ModelInfo(
        model_id,
        entry.label,
        entry.capability,
        options,
        entry.description,
        accepts_image=entry.accepts_image,
        fixed_seconds=entry.fixed_seconds,
        family=entry.family,
        max_characters=entry.max_characters,
        image_tokens=entry.image_tokens,
        wire_version=entry.wire_version,
    )


def listed_model(
    provider_id: str,
    label: str,
    families: Mapping[str, type[Options]],
    model_id: str,
    capability: Capability | None = None,
) -> ModelInfo:
    """One model the code can run (of ``capability``, if given), or an error naming the ones there are."""
    models = [
        m for m in listed_models(provider_id, families) if m.family and capability in (None, m.capability)
    ]
    for info in models:
        if info.id == model_id:
            return info
    what = f"{capability.value} " if capability else ""
    known = ", ".join(info.id for info in models)
    raise InvalidProviderRequest(
        f"{label} has no {what}model '{model_id}' in mediaws. Models: {known}.",
        provider=provider_id,
        field="model",
    )
