"""Generations: check and price a request, queue it as a durable job, run it, keep the result."""

from __future__ import annotations

import dataclasses
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from mediaws.config import Settings
from mediaws.errors import (
    ContentRefused,
    InvalidProviderRequest,
    JobCancelled,
    NotFoundError,
    ProviderError,
    ProviderTimeout,
    ValidationError,
)
from mediaws.jobs import queue
from mediaws.models import Asset, AsyncJob, Generation, Project
from mediaws.models.base import utcnow
from mediaws.pricing.cost import Cost, cost, estimate
from mediaws.providers import OPENAI_COMPATIBLE
from mediaws.providers.base import (
    AudioRequest,
    CancelToken,
    Capability,
    GenerationResult,
    ImageRequest,
    Media,
    Message,
    ModelInfo,
    ProgressUpdate,
    Provider,
    Registry,
    Request,
    SpeechRequest,
    StartedCallback,
    TextRequest,
    VideoRequest,
)
from mediaws.providers.retry import with_retries
from mediaws.security.crypto import Keyring
from mediaws.services import keys, projects
from mediaws.services.projects import format_usd
from mediaws.services.provider_access import provider_for
from mediaws.storage import Storage, StorageError, storage_key

PROMPT_MAX = 20_000
REQUEST_FIELDS: dict[Capability, type] = {
    Capability.TEXT: TextRequest,
    Capability.IMAGE: ImageRequest,
    Capability.VIDEO: VideoRequest,
    Capability.SPEECH: SpeechRequest,
    Capability.AUDIO: AudioRequest,
}


@dataclass(frozen=True)
class Deps:
    """What running a generation needs, handed in so tests can pass their own."""

    settings: Settings
    registry: Registry
    keyring: Keyring
    storage: Storage
    session_factory: Callable[[], Session]
    dispatch: Callable[[uuid.UUID], None] | None = None


def app_deps() -> Deps:
    """The configured database, storage, keyring and providers of this process."""
    from mediaws.config import get_settings
    from mediaws.db import get_engine
    from mediaws.providers.registry import default_registry
    from mediaws.security.crypto import keyring_source
    from mediaws.storage import create_storage

    settings = get_settings()
    engine = get_engine()
    dispatch = None
    if settings.job_engine == "procrastinate":
        from mediaws.jobs.engine import dispatcher

        dispatch = dispatcher(settings.database_url)
    return Deps(
        settings=settings,
        registry=default_registry(),
        keyring=keyring_source().get(),
        storage=create_storage(settings),
        session_factory=lambda: Session(engine, expire_on_commit=False),
        dispatch=dispatch,
    )


def job_handler(deps: Deps) -> Callable[[uuid.UUID, str, float], str]:
    """The function a Worker calls for each claimed job."""
    return lambda job_id, worker, lease: execute(deps=deps, job_id=job_id, worker=worker, lease_seconds=lease)


IMAGE_INPUTS: dict[str, tuple[Capability, str]] = {
    "start_image_asset_id": (Capability.VIDEO, "start_image"),
    "input_image_asset_id": (Capability.IMAGE, "input_image"),
}
Fallback = dict[str, Any]


def split_image_inputs(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Separate the ids of uploaded images (start or input image) from the model's own options."""
    plain = {k: v for k, v in options.items() if k not in IMAGE_INPUTS}
    images = {k: str(v) for k, v in options.items() if k in IMAGE_INPUTS and v not in (None, "")}
    return plain, images


def request_field_names(capability: Capability) -> frozenset[str]:
    """Options that become fields of the request rather than model options."""
    fields = {f.name for f in dataclasses.fields(REQUEST_FIELDS[capability])}
    return frozenset(fields - {"model", "prompt", "text", "messages", "options"})


def build_request(
    capability: Capability,
    model: str,
    prompt: str,
    options: dict[str, Any],
    images: dict[str, tuple[bytes, str]] | None = None,
) -> Request:
    """Turn a prompt, options and loaded input images into the provider request."""
    cls = REQUEST_FIELDS[capability]
    names = request_field_names(capability)
    given = {k: v for k, v in options.items() if k in names}
    for key, (data, mime) in (images or {}).items():
        field_name = IMAGE_INPUTS[key][1]
        given[field_name], given[f"{field_name}_mime"] = data, mime
    extra = {k: v for k, v in options.items() if k not in names}
    try:
        if capability is Capability.TEXT:
            return TextRequest(model=model, messages=(Message("user", prompt),), options=extra, **given)
        if capability is Capability.SPEECH:
            return SpeechRequest(model=model, text=prompt, options=extra, **given)
        return cls(model=model, prompt=prompt, options=extra, **given)
    except TypeError as exc:
        raise ValidationError(f"Missing or malformed option: {exc}.", field="options") from None


def month_spend_micros(session: Session, project_id: uuid.UUID, now: datetime | None = None) -> int:
    """Spent this calendar month (UTC) plus what queued and running generations are expected to cost."""
    moment = now or utcnow()
    month_start = datetime(moment.year, moment.month, 1, tzinfo=UTC)
    spent = session.exec(
        select(func.coalesce(func.sum(Generation.cost_micros), 0)).where(
            Generation.project_id == project_id,
            col(Generation.cost_micros).is_not(None),
            col(Generation.completed_at) >= month_start,
        )
    ).one()
    pending = session.exec(
        select(func.coalesce(func.sum(Generation.estimated_cost_micros), 0)).where(
            Generation.project_id == project_id, col(Generation.status).in_((queue.QUEUED, queue.RUNNING))
        )
    ).one()
    return int(spent or 0) + int(pending or 0)


@dataclass(frozen=True)
class Quote:
    """A checked request with its estimated cost and what is left of the project's budget."""

    project: Project
    kind: Capability
    prompt: str
    options: dict[str, Any]
    estimate: Cost
    budget_left_micros: int | None

    @property
    def over_budget(self) -> bool:
        """Whether the estimate exceeds what is left of the monthly budget."""
        return self.budget_left_micros is not None and self.estimate.micros > self.budget_left_micros


def quote(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str | uuid.UUID,
    capability: str,
    provider_id: str,
    model: str,
    prompt: str,
    options: dict[str, Any] | None = None,
    endpoint_id: str | uuid.UUID | None = None,
) -> Quote:
    """Check a request against the model's limits and price it, writing nothing."""
    project = projects.get_project(session=session, owner_id=user_id, project_id=project_id)
    if project.archived_at is not None:
        raise ValidationError("This project is archived; restore it to generate in it.", field="project")
    try:
        kind = Capability(capability)
    except ValueError:
        raise ValidationError(
            f"Unknown type '{capability}'. Choose text, image, video, speech or audio.", field="type"
        ) from None
    text = (prompt or "").strip()
    if len(text) > PROMPT_MAX:
        raise ValidationError(
            f"The prompt is too long ({len(text):,} characters); the limit is {PROMPT_MAX:,}.", field="prompt"
        )
    values = dict(options or {})
    plain, images = split_image_inputs(values)
    info = None
    if provider_id != OPENAI_COMPATIBLE:
        info = deps.registry.model(provider_id, model)
        if info.capability is not kind:
            raise ValidationError(
                f"{info.label} makes {info.capability.value}, not {kind.value}.", field="model"
            )
        defaults = _request_defaults(info, kind, plain)
        plain, values = plain | defaults, values | defaults
        try:
            info.check_options(plain, unchecked=request_field_names(kind))
        except InvalidProviderRequest as exc:
            raise ValidationError(str(exc), field=exc.field) from None
    for key, asset_id in images.items():
        _check_image_input(session, user_id, kind, info, key, asset_id)
    request = build_request(kind, model, text or " ", plain)
    provider = provider_for(
        session=session,
        keyring=deps.keyring,
        settings=deps.settings,
        registry=deps.registry,
        user_id=user_id,
        provider_id=provider_id,
        endpoint_id=endpoint_id,
    )
    hint = type(provider).estimate_usage(request)
    guess = (
        keys.endpoint_price(session=session, user_id=user_id, endpoint_id=endpoint_id).estimate(
            request, usage=hint
        )
        if provider_id == OPENAI_COMPATIBLE
        else estimate(provider_id, model, request, usage=hint)
    )
    left = None
    if project.monthly_budget_micros is not None:
        left = project.monthly_budget_micros - month_spend_micros(session, project.id)
    return Quote(project, kind, text, values, guess, left)


def _request_defaults(info: ModelInfo, kind: Capability, given: dict[str, Any]) -> dict[str, Any]:
    """Request fields the caller left out, from the model: its fixed clip length or its schema defaults."""
    fields = info.options.model_fields
    missing = {
        name: fields[name].default
        for name in request_field_names(kind)
        if name not in given
        and name in fields
        and not fields[name].is_required()
        and fields[name].default is not None
    }
    if kind is Capability.VIDEO and "duration_seconds" not in given and info.fixed_seconds is not None:
        missing["duration_seconds"] = info.fixed_seconds
    return missing


def _check_image_input(
    session: Session, user_id: uuid.UUID, kind: Capability, info: ModelInfo | None, key: str, asset_id: str
) -> Asset:
    """An uploaded start or input image must be the user's own image, for a model that takes one."""
    wanted_kind, field_name = IMAGE_INPUTS[key]
    what = field_name.replace("_", " ")
    if kind is not wanted_kind or info is None or not info.accepts_image:
        label = info.label if info is not None else "This model"
        article = "an" if what[0] in "aeiou" else "a"
        raise ValidationError(f"{label} does not take {article} {what}.", field=key)
    try:
        asset = get_asset(session=session, user_id=user_id, asset_id=asset_id)
    except NotFoundError:
        raise ValidationError(f"The {what} was not found; upload it again.", field=key) from None
    if asset.kind != "image":
        raise ValidationError(f"The {what} must be an image.", field=key)
    return asset


MAX_FALLBACKS = 3
NO_FALLBACK_ERRORS = (ContentRefused, JobCancelled)


def _fallback_options(
    deps: Deps, kind: Capability, provider_id: str, model: str, options: dict[str, Any]
) -> dict[str, Any]:
    """The options a fallback model understands; an uploaded image it cannot take is refused."""
    plain, images = split_image_inputs(options)
    if provider_id == OPENAI_COMPATIBLE:
        accepted, takes_image, label = request_field_names(kind), False, "That endpoint"
    else:
        info = deps.registry.model(provider_id, model)
        accepted, takes_image, label = frozenset(info.options.model_fields), info.accepts_image, info.label
    if images and not takes_image:
        raise ValidationError(
            f"{label} does not take an image, so it cannot be the fallback.", field="fallbacks"
        )
    return {k: v for k, v in plain.items() if k in accepted} | images


def _checked_fallbacks(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    checked: Quote,
    primary: tuple[str, str, str | None],
    fallbacks: Sequence[Mapping[str, Any]],
) -> list[Fallback]:
    """Check and price each fallback as if it were asked for directly."""
    if len(fallbacks) > MAX_FALLBACKS:
        raise ValidationError(f"Choose at most {MAX_FALLBACKS} fallbacks.", field="fallbacks")
    chosen: list[Fallback] = []
    seen = {primary}
    for entry in fallbacks:
        provider_id, model = str(entry.get("provider") or ""), str(entry.get("model") or "")
        endpoint = str(entry["endpoint_id"]) if entry.get("endpoint_id") else None
        if (provider_id, model, endpoint) in seen:
            raise ValidationError(f"{provider_id}/{model} is chosen twice.", field="fallbacks")
        seen.add((provider_id, model, endpoint))
        try:
            options = _fallback_options(deps, checked.kind, provider_id, model, checked.options)
            priced = quote(
                session=session,
                deps=deps,
                user_id=user_id,
                project_id=checked.project.id,
                capability=checked.kind.value,
                provider_id=provider_id,
                model=model,
                prompt=checked.prompt,
                options=options,
                endpoint_id=endpoint,
            )
        except ValidationError as exc:
            raise ValidationError(f"Fallback {provider_id}/{model}: {exc}", field="fallbacks") from None
        chosen.append(
            {
                "provider": provider_id,
                "model": model,
                "endpoint_id": endpoint,
                "options": options,
                "estimate_micros": priced.estimate.micros,
                "price_version": priced.estimate.price_version,
            }
        )
    return chosen


def start_generation(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    project_id: str | uuid.UUID,
    capability: str,
    provider_id: str,
    model: str,
    prompt: str,
    options: dict[str, Any] | None = None,
    endpoint_id: str | uuid.UUID | None = None,
    fallbacks: Sequence[Mapping[str, Any]] | None = None,
) -> Generation:
    """Check everything a person could get wrong, price it, refuse past the budget, then queue it.

    ``fallbacks`` ({"provider", "model", "endpoint_id"}) are tried in order if the model fails.
    """
    checked = quote(
        session=session,
        deps=deps,
        user_id=user_id,
        project_id=project_id,
        capability=capability,
        provider_id=provider_id,
        model=model,
        prompt=prompt,
        options=options,
        endpoint_id=endpoint_id,
    )
    project, guess = checked.project, checked.estimate
    if not checked.prompt:
        raise ValidationError("The prompt is empty.", field="prompt")
    chosen = _checked_fallbacks(
        session=session,
        deps=deps,
        user_id=user_id,
        checked=checked,
        primary=(provider_id, model, str(endpoint_id) if endpoint_id else None),
        fallbacks=fallbacks or (),
    )
    worst = max([guess.micros, *(f["estimate_micros"] for f in chosen)])
    if checked.budget_left_micros is not None and worst > checked.budget_left_micros:
        assert project.monthly_budget_micros is not None
        costs = f"about {guess.display()}"
        if worst != guess.micros:
            costs = f"up to {format_usd(worst)} with fallbacks"
        raise ValidationError(
            f"This would cost {costs}, but “{project.name}” has "
            f"{format_usd(max(checked.budget_left_micros, 0))} left of its "
            f"{format_usd(project.monthly_budget_micros)} monthly budget.",
            field="budget",
        )
    generation = Generation(
        owner_id=user_id,
        project_id=project.id,
        capability=checked.kind.value,
        provider=provider_id,
        model=model,
        endpoint_id=uuid.UUID(str(endpoint_id)) if endpoint_id else None,
        prompt=checked.prompt,
        options=checked.options,
        fallbacks=chosen,
        estimated_cost_micros=guess.micros,
        price_version=guess.price_version,
    )
    long_running, limits = checked.kind in (Capability.VIDEO, Capability.AUDIO), deps.settings
    job = AsyncJob(
        generation_id=generation.id,
        run_after=utcnow(),
        timeout_seconds=limits.long_job_timeout_seconds if long_running else limits.short_job_timeout_seconds,
    )
    project.last_activity_at = utcnow()
    session.add(generation)
    session.flush()
    session.add(job)
    session.commit()
    if deps.dispatch is not None:
        deps.dispatch(job.id)
    return generation


def get_generation(*, session: Session, user_id: uuid.UUID, generation_id: str | uuid.UUID) -> Generation:
    """One of the user's generations; anyone else's is not found."""
    wanted = _parse_id(generation_id, "Generation")
    row = session.exec(
        select(Generation).where(Generation.id == wanted, Generation.owner_id == user_id)
    ).first()
    if row is None:
        raise NotFoundError("Generation not found.")
    return row


def job_for(session: Session, generation: Generation) -> AsyncJob:
    """The job that runs a generation."""
    return session.exec(select(AsyncJob).where(AsyncJob.generation_id == generation.id)).one()


def assets_of(session: Session, generation: Generation) -> list[Asset]:
    """Files a generation produced, in order."""
    return list(
        session.exec(
            select(Asset).where(Asset.generation_id == generation.id).order_by(col(Asset.created_at))
        ).all()
    )


def cancel_generation(*, session: Session, user_id: uuid.UUID, generation_id: str | uuid.UUID) -> Generation:
    """Ask for a generation to stop; finished ones are left as they are."""
    generation = get_generation(session=session, user_id=user_id, generation_id=generation_id)
    job = job_for(session, generation)
    if job.status in queue.FINISHED:
        return generation
    queue.request_cancel(session, job=job)
    if job.status == queue.CANCELLED:
        generation.status, generation.completed_at = queue.CANCELLED, utcnow()
        generation.error = "Cancelled before it started."
    session.commit()
    return generation


@dataclass
class _Live:
    """What the provider reports while it works, shared with the heartbeat."""

    percent: int | None = None
    message: str = ""
    provider_job_id: str | None = None
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
        live.provider_job_id = update.job_id or live.provider_job_id

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
        live.provider_job_id = provider_job_id
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
                    provider_job_id=live.provider_job_id,
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
    if isinstance(error, ProviderError):
        if error.retryable and job.attempts < job.max_attempts:
            job.provider_job_id = None
            queue.retry_later(
                session, job=job, worker=worker, delay_seconds=2.0**job.attempts, message=str(error)
            )
            generation.status = queue.QUEUED
            session.commit()
            return queue.QUEUED
        code = "timeout" if isinstance(error, ProviderTimeout) else type(error).__name__
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
    session.commit()
    return status


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
    try:
        for index, media in enumerate(_media_of(result)):
            asset_id = uuid.uuid4()
            key = storage_key(generation.owner_id, generation.project_id, asset_id, media.mime_type)
            deps.storage.put(key, media.data, media.mime_type)
            written.append(key)
            session.add(
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
                    name=f"{generation.prompt[:60]}" + (f" ({index + 1})" if index else ""),
                )
            )
        usage = result.usage
        priced = (
            keys.endpoint_price(
                session=session, user_id=generation.owner_id, endpoint_id=generation.endpoint_id
            ).cost(usage)
            if generation.provider == OPENAI_COMPATIBLE
            else cost(generation.provider, generation.model, usage)
        )
        generation.tokens_input, generation.tokens_output = usage.input_tokens, usage.output_tokens
        generation.tokens_total = usage.input_tokens + usage.output_tokens
        generation.tokens_cached, generation.image_count = usage.cached_input_tokens, usage.image_count
        generation.video_seconds, generation.characters = Decimal(usage.video_seconds), usage.characters
        generation.predict_seconds, generation.output_count = (
            Decimal(usage.predict_seconds),
            usage.output_count,
        )
        generation.usage = {
            k: str(v) if isinstance(v, Decimal) else v for k, v in dataclasses.asdict(usage).items()
        }
        generation.cost_micros, generation.price_version = priced.micros, priced.price_version
        generation.provider_request_id = result.request_id or result.job_id
        queue.finish(session, job=job, worker=worker, status=queue.SUCCEEDED)
        generation.status, generation.completed_at = queue.SUCCEEDED, utcnow()
        generation.error = generation.error_code = None
        session.commit()
    except BaseException:
        session.rollback()
        for key in written:
            deps.storage.delete(key)
        raise
    return queue.SUCCEEDED


def _parse_id(value: str | uuid.UUID, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFoundError(f"{what} not found.") from None


def list_generations(
    *, session: Session, user_id: uuid.UUID, project_id: str | uuid.UUID, limit: int = 50
) -> list[Generation]:
    """The user's generations in one of their projects, newest first."""
    project = projects.get_project(session=session, owner_id=user_id, project_id=project_id)
    return list(
        session.exec(
            select(Generation)
            .where(Generation.project_id == project.id, Generation.owner_id == user_id)
            .order_by(col(Generation.created_at).desc(), col(Generation.id))
            .limit(limit)
        ).all()
    )


def active_generation(
    *, session: Session, user_id: uuid.UUID, project_id: str | uuid.UUID
) -> Generation | None:
    """The user's newest queued or running generation in a project, to show again after a reload."""
    return session.exec(
        select(Generation)
        .where(
            Generation.owner_id == user_id,
            Generation.project_id == _parse_id(project_id, "Project"),
            col(Generation.status).in_((queue.QUEUED, queue.RUNNING)),
        )
        .order_by(col(Generation.created_at).desc())
        .limit(1)
    ).first()


def get_job(*, session: Session, user_id: uuid.UUID, job_id: str | uuid.UUID) -> tuple[AsyncJob, Generation]:
    """One of the user's jobs (owned through its generation) and that generation."""
    row = session.exec(
        select(AsyncJob, Generation)
        .join(Generation, col(Generation.id) == col(AsyncJob.generation_id))
        .where(AsyncJob.id == _parse_id(job_id, "Job"), Generation.owner_id == user_id)
    ).first()
    if row is None:
        raise NotFoundError("Job not found.")
    return row[0], row[1]


def get_asset(*, session: Session, user_id: uuid.UUID, asset_id: str | uuid.UUID) -> Asset:
    """One of the user's assets."""
    row = session.exec(
        select(Asset).where(Asset.id == _parse_id(asset_id, "Asset"), Asset.owner_id == user_id)
    ).first()
    if row is None:
        raise NotFoundError("Asset not found.")
    return row
