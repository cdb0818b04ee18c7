"""The Replicate provider: creates, polls, cancels and follows predictions through the ``replicate`` SDK."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import httpx

from mediaws.errors import (
    BadProviderKey,
    InvalidProviderRequest,
    JobCancelled,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
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
    ProgressCallback,
    Provider,
    Registry,
    Request,
    SpeechRequest,
    StartedCallback,
    Usage,
    VideoRequest,
)
from mediaws.providers.replicate.errors import KEY_HINT, failure_error, raise_for_response, sdk_errors
from mediaws.providers.replicate.options import (
    FAMILIES,
    LABEL,
    MINIMAX_VOICES,
    PROVIDER_ID,
    Flux2ProOptions,
    model_info,
)
from mediaws.providers.replicate.translate import (
    WIRE_TO_REQUEST,
    ProgressReporter,
    audio_input,
    flux2_megapixels,
    from_data_uri,
    image_dimensions,
    image_input,
    output_mime,
    output_urls,
    reported,
    speech_input,
    usage_for,
    video_input,
)
from mediaws.providers.sdk import lazy

if TYPE_CHECKING:
    import replicate
else:
    replicate = lazy("replicate")

TERMINAL = frozenset({"succeeded", "failed", "canceled"})
MUSICGEN_ESTIMATED_PREDICT_SECONDS = Decimal(120)


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
                event_hooks={"request": [self._enforce_timeout], "response": [raise_for_response]},
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
        reporter = ProgressReporter(prediction.id, on_progress)
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
            return from_data_uri(url)
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
        mime = output_mime(url, response.headers.get("content-type"))
        width, height = image_dimensions(response.content, mime)
        return Media(response.content, mime, width, height)


@dataclass(frozen=True)
class Resumable:
    """Hooks that make a prediction survive a crash: report its id once created, or follow an old one."""

    on_started: StartedCallback | None = None
    resume_job_id: str | None = None


def register(registry: Registry) -> None:
    """Add Replicate to a registry."""
    registry.add(ReplicateProvider)
