"""Generations: check and price a request, queue it as a durable job, run it, keep the result."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from mediaws.deps import Deps
from mediaws.errors import (
    NotFoundError,
    ValidationError,
)
from mediaws.jobs import queue
from mediaws.models import Asset, AsyncJob, Generation, Project
from mediaws.models.base import utcnow
from mediaws.pricing.cost import Cost, micros_of
from mediaws.providers.base import (
    Capability,
    Message,
    ModelInfo,
    ModelRef,
    Request,
    SpeechRequest,
    TextRequest,
)
from mediaws.services import idempotency, ledger, model_lifecycle, projects
from mediaws.services import options as options_check
from mediaws.services.asset_queries import get_asset, parse_id
from mediaws.services.options import PROMPT_LIMITS, REQUEST_FIELDS, request_field_names
from mediaws.services.projects import format_usd
from mediaws.services.provider_access import price_of, stored_key
from mediaws.services.validation import check_plain

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
    spent_picos = session.exec(
        select(func.coalesce(func.sum(Generation.cost_picos), 0)).where(
            Generation.project_id == project_id,
            col(Generation.cost_picos).is_not(None),
            col(Generation.completed_at) >= month_start,
        )
    ).one()
    spent = micros_of(int(spent_picos or 0))  # the exact sum, rounded once
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
    check_plain(prompt, field="prompt")
    check_plain(options or {}, field="options", bare_keys=True)
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
    limit = PROMPT_LIMITS[kind]
    if len(text) > limit:
        raise ValidationError(
            f"The prompt is too long ({len(text):,} characters); the limit is {limit:,}.", field="prompt"
        )
    plain, images = split_image_inputs(dict(options or {}))
    ref = ModelRef.of(provider_id, model, endpoint_id)
    info = deps.registry.resolve(ref)
    model_lifecycle.refuse_if_retired(deps.registry, provider_id, model)
    if info.capability is not kind:
        raise ValidationError(f"{info.label} makes {info.capability.value}, not {kind.value}.", field="model")
    defaults = _request_defaults(info, kind, plain)
    plain, values = plain | defaults, plain | images | defaults
    options_check.check_declared(info, kind, plain, deps.registry.provider(provider_id).request_aliases)
    for key, asset_id in images.items():
        _check_image_input(session, user_id, kind, info, key, asset_id)
    request = build_request(kind, model, text or " ", plain)
    stored_key(  # a missing key is said now; the key itself is opened only to run the generation
        session=session,
        registry=deps.registry,
        user_id=user_id,
        provider_id=provider_id,
        endpoint_id=ref.endpoint,
    )
    hint = deps.registry.provider(provider_id).estimate_usage(request)
    price = price_of(session=session, registry=deps.registry, user_id=user_id, ref=ref)
    guess = price.estimate(request, usage=hint)
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
    session: Session, user_id: uuid.UUID, kind: Capability, info: ModelInfo, key: str, asset_id: str
) -> Asset:
    """An uploaded start or input image must be the user's own image, for a model that takes one."""
    wanted_kind, field_name = IMAGE_INPUTS[key]
    what = field_name.replace("_", " ")
    if kind is not wanted_kind or not info.accepts_image:
        article = "an" if what[0] in "aeiou" else "a"
        raise ValidationError(f"{info.label} does not take {article} {what}.", field=key)
    try:
        asset = get_asset(session=session, user_id=user_id, asset_id=asset_id)
    except NotFoundError:
        raise ValidationError(f"The {what} was not found; upload it again.", field=key) from None
    if asset.kind != "image":
        raise ValidationError(f"The {what} must be an image.", field=key)
    return asset


MAX_FALLBACKS = 3


def _fallback_options(deps: Deps, ref: ModelRef, options: dict[str, Any]) -> dict[str, Any]:
    """The options a fallback model understands; an uploaded image it cannot take is refused."""
    plain, images = split_image_inputs(options)
    info = deps.registry.resolve(ref)
    model_lifecycle.refuse_if_retired(deps.registry, ref.provider, ref.model)
    if images and not info.accepts_image:
        raise ValidationError(
            f"{info.label} does not take an image, so it cannot be the fallback.", field="fallbacks"
        )
    return {k: v for k, v in plain.items() if k in info.options.model_fields} | images


def _checked_fallbacks(
    *,
    session: Session,
    deps: Deps,
    user_id: uuid.UUID,
    checked: Quote,
    primary: ModelRef,
    fallbacks: Sequence[Mapping[str, Any]],
) -> list[Fallback]:
    """Check and price each fallback as if it were asked for directly."""
    if len(fallbacks) > MAX_FALLBACKS:
        raise ValidationError(f"Choose at most {MAX_FALLBACKS} fallbacks.", field="fallbacks")
    chosen: list[Fallback] = []
    seen = {primary}
    for entry in fallbacks:
        ref = ModelRef.of(
            str(entry.get("provider") or ""), str(entry.get("model") or ""), entry.get("endpoint_id")
        )
        if ref in seen:
            raise ValidationError(f"{ref.provider}/{ref.model} is chosen twice.", field="fallbacks")
        seen.add(ref)
        try:
            options = _fallback_options(deps, ref, checked.options)
            priced = quote(
                session=session,
                deps=deps,
                user_id=user_id,
                project_id=checked.project.id,
                capability=checked.kind.value,
                provider_id=ref.provider,
                model=ref.model,
                prompt=checked.prompt,
                options=options,
                endpoint_id=ref.endpoint,
            )
        except ValidationError as exc:
            raise ValidationError(f"Fallback {ref.provider}/{ref.model}: {exc}", field="fallbacks") from None
        chosen.append(
            {
                "provider": ref.provider,
                "model": ref.model,
                "endpoint_id": ref.endpoint,
                "options": priced.options,
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
    idempotency_key: str | None = None,
) -> Generation:
    """Check everything a person could get wrong, price it, refuse past the budget, then queue it.

    ``fallbacks`` ({"provider", "model", "endpoint_id"}) are tried in order if the model fails.
    With an ``idempotency_key`` the same request again (within 24 h) returns the first generation
    instead of starting another; the same key with a different request is refused.
    """
    check_plain(list(fallbacks or ()), field="fallbacks")
    key = idempotency.parse_key(idempotency_key)
    fingerprint = None
    if key is not None:
        fingerprint = idempotency.request_fingerprint(
            project_id=project_id,
            capability=capability,
            provider_id=provider_id,
            model=model,
            prompt=prompt,
            options=options,
            endpoint_id=endpoint_id,
            fallbacks=fallbacks,
        )
        earlier = idempotency.earlier_generation(session, user_id, key, fingerprint)
        if earlier is not None:
            return earlier
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
        primary=ModelRef.of(provider_id, model, endpoint_id),
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
        idempotency_key=key,
        request_fingerprint=fingerprint,
    )
    long_running, limits = checked.kind in (Capability.VIDEO, Capability.AUDIO), deps.settings
    job = AsyncJob(
        generation_id=generation.id,
        run_after=utcnow(),
        timeout_seconds=limits.long_job_timeout_seconds if long_running else limits.short_job_timeout_seconds,
    )
    project.last_activity_at = utcnow()
    session.add(generation)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        if key is None or fingerprint is None:
            raise
        return idempotency.raced_generation(session, user_id, key, fingerprint)
    session.add(job)
    session.commit()
    if deps.dispatch is not None:
        deps.dispatch(job.id)
    return generation


def get_generation(*, session: Session, user_id: uuid.UUID, generation_id: str | uuid.UUID) -> Generation:
    """One of the user's generations; anyone else's is not found."""
    wanted = parse_id(generation_id, "Generation")
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
        ledger.enter(session, generation)
    session.commit()
    return generation


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
            Generation.project_id == parse_id(project_id, "Project"),
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
        .where(AsyncJob.id == parse_id(job_id, "Job"), Generation.owner_id == user_id)
    ).first()
    if row is None:
        raise NotFoundError("Job not found.")
    return row[0], row[1]
