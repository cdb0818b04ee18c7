"""Running a claimed generation job: call the provider with heartbeats; keep, retry, fall back or fail."""

from __future__ import annotations

import dataclasses
import logging
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from mediaws.deps import Deps
from mediaws.errors import (
    ContentRefused,
    JobCancelled,
    NotFoundError,
    ProviderError,
    ProviderTimeout,
    ValidationError,
)
from mediaws.jobs import queue
from mediaws.models import Asset, AsyncJob, Generation
from mediaws.models.base import utcnow
from mediaws.pricing.cost import PICOS_PER_MICRO, micros_of
from mediaws.providers.base import (
    AudioRequest,
    BilledRefusal,
    CancelToken,
    Capability,
    GenerationResult,
    ImageRequest,
    Media,
    ModelRef,
    ProgressUpdate,
    Provider,
    Request,
    RunsProviderJobs,
    SpeechRequest,
    StartedCallback,
    TextRequest,
    UnusableAnswer,
    Usage,
    VideoRequest,
)
from mediaws.providers.retry import with_retries
from mediaws.services import asset_previews, ledger, result_checks
from mediaws.services.asset_queries import get_asset
from mediaws.services.generation import (
    IMAGE_INPUTS,
    build_request,
    split_image_inputs,
)
from mediaws.services.provider_access import price_of, provider_for
from mediaws.storage import StorageError, storage_key

log = logging.getLogger(__name__)

NO_FALLBACK_ERRORS = (ContentRefused, JobCancelled)


@dataclass
class _Live:
    """What the provider reports while it works, shared with the heartbeat."""

    percent: int | None = None
    message: str = ""
    cancel: CancelToken = field(default_factory=CancelToken)
    timed_out: bool = False


def _call(
    provider: Provider,
    request: Request,
    live: _Live,
    *,
    on_started: StartedCallback | None = None,
    resume_job_id: str | None = None,
) -> GenerationResult:
    def progress(update: ProgressUpdate) -> None:
        live.percent = update.percent if update.percent is not None else live.percent
        live.message = update.message or live.message

    if isinstance(provider, RunsProviderJobs) and not isinstance(request, TextRequest):
        return provider.run_job(
            request,
            on_progress=progress,
            cancel=live.cancel,
            on_started=on_started,
            resume_job_id=resume_job_id,
        )
    match request:
        case TextRequest():
            return with_retries(lambda: provider.generate_text(request))
        case ImageRequest():
            return with_retries(lambda: provider.generate_image(request))
        case SpeechRequest():
            return with_retries(lambda: provider.synthesize_speech(request))
        case VideoRequest():
            return provider.generate_video(
                request,
                on_progress=progress,
                cancel=live.cancel,
                on_started=on_started,
                resume_job_id=resume_job_id,
            )
        case AudioRequest():
            return provider.generate_audio(
                request,
                on_progress=progress,
                cancel=live.cancel,
                on_started=on_started,
                resume_job_id=resume_job_id,
            )
    raise AssertionError(request)


def _media_of(result: GenerationResult) -> tuple[Media, ...]:
    if result.text is not None and not result.media:
        return (Media(result.text.encode(), "text/plain"),)
    return result.media


MEDIA_KINDS = frozenset({"image", "video", "audio", "text"})
PROVIDER_USAGE, DERIVED = "provider_usage", "derived"
UNIT_FIELDS = frozenset({"usage", *(f.name for f in dataclasses.fields(Usage))})
"""Pricing errors about these are a provider's odd units (negative, inconsistent): the estimate is kept."""
TYPICAL_SAMPLE = 20


def typical_seconds(session: Session, provider_id: str, model: str) -> float | None:
    """The median duration of this model's latest successful generations, if it has any."""
    durations = session.exec(
        select(Generation.duration_ms)
        .where(
            Generation.provider == provider_id,
            Generation.model == model,
            Generation.status == queue.SUCCEEDED,
            col(Generation.duration_ms).is_not(None),
        )
        .order_by(col(Generation.completed_at).desc())
        .limit(TYPICAL_SAMPLE)
    ).all()
    known = [d for d in durations if d is not None]
    return statistics.median(known) / 1000 if known else None


def eta_seconds(elapsed: float, percent: int | None, typical: float | None) -> int | None:
    """Seconds left: from the provider's percentage when it gives one, else from past durations."""
    if percent is not None and 0 < percent < 100 and elapsed >= 1:
        return max(1, round(elapsed * (100 - percent) / percent))
    if typical is not None and typical > elapsed:
        return max(1, round(typical - elapsed))
    return None


def _load_images(
    deps: Deps, session: Session, user_id: uuid.UUID, image_ids: dict[str, str]
) -> dict[str, tuple[bytes, str]]:
    """Read uploaded start or input images from storage for the provider request."""
    loaded: dict[str, tuple[bytes, str]] = {}
    for key, asset_id in image_ids.items():
        try:
            asset = get_asset(session=session, user_id=user_id, asset_id=asset_id)
            loaded[key] = (deps.storage.get(asset.storage_key), asset.mime_type)
        except (NotFoundError, StorageError):
            what = IMAGE_INPUTS[key][1].replace("_", " ")
            raise ValidationError(f"The {what} is gone; upload it again.", field=key) from None
    return loaded


@dataclass(frozen=True)
class _Prepared:
    """A claimed job ready to call its provider."""

    provider: Provider
    request: Request
    resume: str | None
    first_started: datetime
    source_asset_id: uuid.UUID | None


def execute(
    *,
    deps: Deps,
    job_id: uuid.UUID,
    worker: str,
    lease_seconds: float,
    heartbeat_every: float = 2.0,
) -> str:
    """Run a claimed job to its end and return the final status; never leaves half a result."""
    with deps.session_factory() as session:
        job = session.get(AsyncJob, job_id)
        if job is None:
            raise NotFoundError("Job not found.")
        generation = session.get(Generation, job.generation_id)
        assert generation is not None
        prepared = _prepare(deps, session, job, generation, worker)
        if isinstance(prepared, str):
            return prepared
        live, started = _Live(), time.monotonic()
        outcome: dict[str, Any] = {}
        if not _run(deps, job, generation, worker, lease_seconds, heartbeat_every, prepared, live, outcome):
            return "lost"
        session.refresh(job)
        generation.duration_ms = int((time.monotonic() - started) * 1000)
        return _conclude(deps, session, job, generation, worker, prepared, live, outcome)


def _prepare(
    deps: Deps, session: Session, job: AsyncJob, generation: Generation, worker: str
) -> _Prepared | str:
    """Mark the generation running and build its provider request, or close the job and say how."""
    if job.cancel_requested:
        return _close(session, job, generation, worker, queue.CANCELLED, "Cancelled before it started.")
    if job.attempts > job.max_attempts:
        return _close(
            session,
            job,
            generation,
            worker,
            queue.FAILED,
            f"Gave up after {job.max_attempts} attempts; the last one stopped without finishing.",
            code="abandoned",
        )
    generation.status = queue.RUNNING
    generation.started_at = generation.started_at or utcnow()
    session.commit()
    try:
        provider = provider_for(
            session=session,
            keyring=deps.keyring,
            settings=deps.settings,
            registry=deps.registry,
            user_id=generation.owner_id,
            provider_id=generation.provider,
            endpoint_id=generation.endpoint_id,
        )
        plain, image_ids = split_image_inputs(dict(generation.options))
        request = build_request(
            Capability(generation.capability),
            generation.model,
            generation.prompt,
            plain,
            _load_images(deps, session, generation.owner_id, image_ids),
        )
    except (ValidationError, NotFoundError) as exc:
        return _fail(session, job, generation, worker, str(exc), code="invalid", error=None)
    return _Prepared(
        provider=provider,
        request=request,
        resume=job.provider_job_id,
        first_started=job.started_at or utcnow(),
        source_asset_id=uuid.UUID(next(iter(image_ids.values()))) if image_ids else None,
    )


def _run(
    deps: Deps,
    job: AsyncJob,
    generation: Generation,
    worker: str,
    lease_seconds: float,
    heartbeat_every: float,
    prepared: _Prepared,
    live: _Live,
    outcome: dict[str, Any],
) -> bool:
    """Call the provider in a thread, renewing the lease with progress; False if the lease was lost."""
    job_id, timeout, started = job.id, job.timeout_seconds, time.monotonic()
    typical: list[float | None] = []

    def record_started(provider_job_id: str) -> None:
        with deps.session_factory() as session:
            queue.record_provider_job(session, job_id=job_id, worker=worker, provider_job_id=provider_job_id)

    def run() -> None:
        try:
            outcome["result"] = _call(
                prepared.provider,
                prepared.request,
                live,
                on_started=record_started,
                resume_job_id=prepared.resume,
            )
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, name=f"job-{job_id}", daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(heartbeat_every)
        if not thread.is_alive():
            break
        if time.monotonic() - started > timeout and not live.timed_out:
            live.timed_out = True
            live.cancel.cancel()
        with deps.session_factory() as session:
            if not typical:
                typical.append(typical_seconds(session, generation.provider, generation.model))
            try:
                if queue.heartbeat(
                    session,
                    job_id=job_id,
                    worker=worker,
                    lease_seconds=lease_seconds,
                    progress=live.percent,
                    message=live.message or None,
                    eta_seconds=eta_seconds(
                        (utcnow() - prepared.first_started).total_seconds(), live.percent, typical[0]
                    ),
                ):
                    live.cancel.cancel()
            except queue.LeaseLost:
                live.cancel.cancel()
                thread.join()
                return False
        if live.timed_out and time.monotonic() - started > timeout + 30:
            break
    return True


def _conclude(
    deps: Deps,
    session: Session,
    job: AsyncJob,
    generation: Generation,
    worker: str,
    prepared: _Prepared,
    live: _Live,
    outcome: dict[str, Any],
) -> str:
    """Turn what the provider did into the job's end: kept, retried, fallen back, cancelled or failed."""
    error = outcome.get("error")
    if live.timed_out:
        minutes = max(1, job.timeout_seconds // 60)
        return _fail(
            session,
            job,
            generation,
            worker,
            f"The job took longer than {minutes} minute{'s' if minutes > 1 else ''} and was stopped.",
            code="timeout",
            error=None,
        )
    if isinstance(error, JobCancelled) or (job.cancel_requested and error is not None):
        return _close(session, job, generation, worker, queue.CANCELLED, "Cancelled.")
    if error is None and "result" in outcome:
        try:
            outcome["result"] = result_checks.verified(
                outcome["result"], prepared.provider.label, deps.settings
            )
        except UnusableAnswer as unusable:
            error = unusable
    if isinstance(error, ProviderError):
        billed = _billed(error)
        if billed is not None:
            _record_cost(deps, session, generation, billed[0], reported=billed[1])
        if error.retryable and job.attempts < job.max_attempts:
            job.provider_job_id = None
            queue.retry_later(
                session, job=job, worker=worker, delay_seconds=2.0**job.attempts, message=str(error)
            )
            generation.status = queue.QUEUED
            session.commit()
            return queue.QUEUED
        code = "timeout" if isinstance(error, ProviderTimeout) else type(error).__name__
        code = "ContentRefused" if isinstance(error, ContentRefused) else code  # billed or not
        if prepared.resume is not None and not error.retryable:
            message = f"The job started before a restart could not be followed: {error}"
            return _close(session, job, generation, worker, queue.FAILED, message, code=code)
        return _fail(session, job, generation, worker, str(error), code=code, error=error)
    if error is not None:
        return _close(
            session,
            job,
            generation,
            worker,
            queue.FAILED,
            "Something went wrong on our side; the job was stopped.",
            code="internal",
        )
    try:
        return _save(deps, session, job, generation, worker, outcome["result"], prepared.source_asset_id)
    except (StorageError, ValidationError, NotFoundError) as exc:
        fresh_job = session.get(AsyncJob, job.id)
        assert fresh_job is not None
        fresh_generation = session.get(Generation, fresh_job.generation_id)
        assert fresh_generation is not None
        return _close(
            session,
            fresh_job,
            fresh_generation,
            worker,
            queue.FAILED,
            f"The result could not be kept: {exc}",
            code="storage",
        )


def _billed(error: ProviderError) -> tuple[Usage | None, bool] | None:
    """What a failed call was billed (usage or None for "unknown, use the estimate") and whether reported."""
    if isinstance(error, BilledRefusal):
        return error.usage, True
    if isinstance(error, UnusableAnswer):
        return error.usage, error.usage_reported
    return None


def _record_cost(
    deps: Deps, session: Session, generation: Generation, usage: Usage | None, *, reported: bool
) -> None:
    """Add what this attempt was billed to the generation (a fallback adds to a billed failure before it)."""
    picos = generation.estimated_cost_micros * PICOS_PER_MICRO
    version, source = generation.price_version, DERIVED
    if usage is not None:
        try:
            ref = ModelRef.of(generation.provider, generation.model, generation.endpoint_id)
            price = price_of(session=session, registry=deps.registry, user_id=generation.owner_id, ref=ref)
            billed = price.cost(usage)
        except ValidationError as exc:
            if exc.field not in UNIT_FIELDS:
                raise  # no price at all: the generation fails, nothing is kept at a silent $0
            log.warning(
                "generation %s: usage could not be priced (%s); recording the estimate", generation.id, exc
            )
        else:
            _record_usage(generation, usage)
            if reported or billed.picos:  # no usage came back: the estimate stands, never $0
                picos, version = billed.picos, billed.price_version
                source = PROVIDER_USAGE if reported else DERIVED
    previous = (
        generation.cost_picos
        if generation.cost_picos is not None
        else (generation.cost_micros or 0) * PICOS_PER_MICRO
    )
    if previous and not picos:
        source = generation.cost_source or source
    elif previous and generation.cost_source != source:
        source = DERIVED  # a sum is only as sure as its least sure part
    generation.cost_picos = previous + picos
    generation.cost_micros = micros_of(generation.cost_picos)  # rounded once, from the exact sum
    generation.price_version = version
    generation.cost_source = source


def _record_usage(generation: Generation, usage: Usage) -> None:
    generation.tokens_input, generation.tokens_output = usage.input_tokens, usage.output_tokens
    generation.tokens_total = usage.input_tokens + usage.output_tokens
    generation.tokens_cached, generation.image_count = usage.cached_input_tokens, usage.image_count
    generation.video_seconds, generation.characters = Decimal(usage.video_seconds), usage.characters
    generation.predict_seconds, generation.output_count = Decimal(usage.predict_seconds), usage.output_count
    generation.usage = {
        k: str(v) if isinstance(v, Decimal) else v for k, v in dataclasses.asdict(usage).items()
    }


def _fail(
    session: Session,
    job: AsyncJob,
    generation: Generation,
    worker: str,
    message: str,
    *,
    code: str,
    error: ProviderError | None,
) -> str:
    """Fail the generation, or hand it to the next fallback the user chose."""
    if not generation.fallbacks or isinstance(error, NO_FALLBACK_ERRORS):
        return _close(session, job, generation, worker, queue.FAILED, message, code=code)
    chosen, *rest = generation.fallbacks
    failed = f"{generation.provider}/{generation.model}"
    generation.fallback_from = failed
    generation.provider, generation.model = chosen["provider"], chosen["model"]
    generation.endpoint_id = uuid.UUID(chosen["endpoint_id"]) if chosen.get("endpoint_id") else None
    generation.options, generation.fallbacks = dict(chosen["options"]), rest
    generation.estimated_cost_micros = int(chosen["estimate_micros"])
    generation.price_version = chosen.get("price_version")
    generation.status, generation.error_code = queue.QUEUED, None
    generation.error = f"{failed} failed ({message}); trying {generation.provider}/{generation.model}."
    job.attempts, job.provider_job_id, job.progress_percent, job.eta_seconds = 0, None, None, None
    queue.retry_later(session, job=job, worker=worker, delay_seconds=0, message=generation.error)
    session.commit()
    return queue.QUEUED


def _close(
    session: Session,
    job: AsyncJob,
    generation: Generation,
    worker: str,
    status: str,
    message: str,
    *,
    code: str | None = None,
) -> str:
    queue.finish(session, job=job, worker=worker, status=status, message=message)
    generation.status, generation.completed_at = status, utcnow()
    generation.error, generation.error_code = message, code
    ledger.enter(session, generation)
    session.commit()
    return status


def cost_shares(total: int, count: int) -> list[int]:
    """A generation's cost shared exactly among its files (the first takes the remainder)."""
    if count == 0:
        return []
    shares = [total // count] * count
    shares[0] += total - sum(shares)
    return shares


def _kind(mime_type: str) -> str:
    top = mime_type.split("/")[0]
    return top if top in MEDIA_KINDS else "file"


def _save(
    deps: Deps,
    session: Session,
    job: AsyncJob,
    generation: Generation,
    worker: str,
    result: GenerationResult,
    source_asset_id: uuid.UUID | None = None,
) -> str:
    """Write files first, then rows in one transaction; on any failure remove the files again."""
    written: list[str] = []
    assets: list[Asset] = []
    try:
        for index, media in enumerate(_media_of(result)):
            asset_id = uuid.uuid4()
            key = storage_key(generation.owner_id, generation.project_id, asset_id, media.mime_type)
            deps.storage.put(key, media.data, media.mime_type)
            written.append(key)
            name = f"{generation.prompt[:60]}".strip() + (f" ({index + 1})" if index else "")
            assets.append(
                Asset(
                    id=asset_id,
                    owner_id=generation.owner_id,
                    project_id=generation.project_id,
                    generation_id=generation.id,
                    source_asset_id=source_asset_id,
                    kind=_kind(media.mime_type),
                    storage_key=key,
                    mime_type=media.mime_type,
                    bytes=len(media.data),
                    width=media.width,
                    height=media.height,
                    duration_seconds=media.duration_seconds,
                    name=name,
                    name_key=name.casefold(),
                    prompt=generation.prompt,
                )
            )
        _record_cost(deps, session, generation, result.usage, reported=result.usage_reported)
        for asset, share in zip(assets, cost_shares(generation.cost_micros or 0, len(assets)), strict=True):
            asset.cost_micros = share
            session.add(asset)
        jobs = [asset_previews.queue_previews(session, asset) for asset in assets]
        generation.provider_request_id = result.request_id or result.job_id
        queue.finish(session, job=job, worker=worker, status=queue.SUCCEEDED)
        generation.status, generation.completed_at = queue.SUCCEEDED, utcnow()
        generation.error = generation.error_code = None
        ledger.enter(session, generation)
        session.commit()
    except BaseException:
        session.rollback()
        for key in written:
            deps.storage.delete(key)
        raise
    asset_previews.dispatch(deps, jobs)
    return queue.SUCCEEDED
