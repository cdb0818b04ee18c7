"""Request and response bodies of the API; JSON fields are camelCase."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import Header
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.alias_generators import to_camel

from mediaws.errors import MediawsError
from mediaws.models import Asset, AsyncJob, Generation, Project, Tag
from mediaws.pricing.cost import exact_usd, priced_display
from mediaws.services.generation import MAX_FALLBACKS
from mediaws.services.idempotency import IDEMPOTENCY_KEY_MAX
from mediaws.services.options import PROMPT_LIMITS, PROMPT_MAX
from mediaws.services.projects import DESCRIPTION_MAX, NAME_MAX
from mediaws.services.validation import check_plain

MICROS = Decimal(1_000_000)
OPTION_NAME_MAX = 100
OPTIONS_MAX = 50


class Body(BaseModel):
    """camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Part(Body):
    """Part of a request body: fields the API does not know are refused."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class RequestBody(Part):
    """A whole request body: a NUL, a lone surrogate or NaN/Infinity anywhere in it is a 422 naming the field.

    It runs on the body as sent, before any field is parsed, and raises mediaws' ValidationError, which
    pydantic lets through, so the API's error handler answers with the full path (``fallbacks.0.model``;
    option entries by their own name, as the services do) and never echoes the bad text.
    """

    @model_validator(mode="before")
    @classmethod
    def _plain(cls, data: Any) -> Any:
        if isinstance(data, dict):
            check_plain(list(data), field="body")
            for name, value in data.items():
                check_plain(value, field=str(name), bare_keys=isinstance(value, dict))
        return data


class ErrorDetail(BaseModel):
    """What went wrong, and the request field to fix when there is one."""

    code: str = Field(description="invalid, conflict, not_found, unauthorized, too_many_attempts, …")
    message: str
    field: str | None = Field(description="Dotted path of the offending field, e.g. prompt or seed.")


class ErrorOut(BaseModel):
    """Every error the API answers with."""

    error: ErrorDetail


ERROR_MEANINGS = {
    400: "The body could not be read (not UTF-8 or not the declared content type).",
    401: "Not signed in: no, an expired or a revoked token or session.",
    404: "No such thing, or not yours.",
    409: "Clashes with existing data.",
    413: "The request body is too large.",
    422: "A field is missing, malformed or outside its limits; `field` names it.",
    429: "Too many attempts; wait for `Retry-After` seconds.",
    503: "The server is busy; retry after `Retry-After` seconds.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for these error statuses, all with the one error shape."""
    return {code: {"model": ErrorOut, "description": ERROR_MEANINGS[code]} for code in codes}


COMMON_ERRORS = error_responses(400, 401, 404, 413, 422, 429, 503)


def usd(micros: int | None, places: int = 6) -> str | None:
    """Micro-dollars as a plain decimal string, e.g. ``0.012000``."""
    if micros is None:
        return None
    return f"{Decimal(micros) / MICROS:.{places}f}"


def display(provider: str, model: str, micros: int | None) -> str | None:
    """Dollars for people, marking free models as free."""
    if micros is None:
        return None
    try:
        return priced_display(provider, model, micros)
    except MediawsError:
        return f"${Decimal(micros) / MICROS:,.6f}"


# --- projects --------------------------------------------------------------------------------


class ProjectCreate(RequestBody):
    """A new project."""

    name: str = Field(max_length=NAME_MAX, description="Required; trimmed; unique per owner (409 if not).")
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    monthly_budget_usd: Annotated[str, StringConstraints(max_length=40)] | int | float | None = Field(
        default=None, description="USD per month, e.g. 25 or '12.50'; null for no budget."
    )


class ProjectOut(Body):
    """A project."""

    id: uuid.UUID
    name: str
    description: str
    monthly_budget_micros: int | None
    monthly_budget_usd: str | None
    archived: bool
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime

    @classmethod
    def of(cls, row: Project) -> ProjectOut:
        """Shape a project row."""
        return cls(
            id=row.id,
            name=row.name,
            description=row.description,
            monthly_budget_micros=row.monthly_budget_micros,
            monthly_budget_usd=usd(row.monthly_budget_micros, 2),
            archived=row.archived_at is not None,
            created_at=row.created_at,
            updated_at=row.updated_at,
            last_activity_at=row.last_activity_at,
        )


# --- jobs, assets, generations ---------------------------------------------------------------


class JobOut(Body):
    """The durable job behind a generation."""

    id: uuid.UUID
    generation_id: uuid.UUID
    status: str
    progress_percent: int | None
    eta_seconds: int | None
    message: str
    attempts: int
    max_attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def of(cls, row: AsyncJob) -> JobOut:
        """Shape a job row."""
        return cls(
            id=row.id,
            generation_id=row.generation_id,
            status=row.status,
            progress_percent=row.progress_percent,
            eta_seconds=row.eta_seconds,
            message=row.message,
            attempts=row.attempts,
            max_attempts=row.max_attempts,
            cancel_requested=row.cancel_requested,
            created_at=row.created_at,
            started_at=row.started_at,
            completed_at=row.completed_at,
        )


class TagOut(Body):
    """A tag: its name and colour (and, in the tag list, how many assets carry it)."""

    id: uuid.UUID
    name: str
    colour: str
    asset_count: int | None = None

    @classmethod
    def of(cls, row: Tag, count: int | None = None) -> TagOut:
        """Shape a tag row."""
        return cls(id=row.id, name=row.name, colour=row.colour, asset_count=count)


class AssetOut(Body):
    """A stored file; its bytes are at ``url``, its previews at ``previewUrls`` (bearer or cookie)."""

    id: uuid.UUID
    project_id: uuid.UUID
    kind: str
    mime_type: str
    bytes: int
    width: int | None
    height: int | None
    duration_seconds: float | None
    name: str
    description: str
    prompt: str
    cost_usd: str
    favourite: bool
    archived: bool
    preview_status: str
    url: str
    preview_urls: dict[str, str]
    excerpt: str | None
    tags: list[TagOut]
    generation_id: uuid.UUID | None
    source_asset_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Asset, tags: list[Tag] | None = None) -> AssetOut:
        """Shape an asset row (with its tags when the caller loaded them)."""
        base = f"/api/assets/{row.id}/file"
        return cls(
            id=row.id,
            project_id=row.project_id,
            kind=row.kind,
            mime_type=row.mime_type,
            bytes=row.bytes,
            width=row.width,
            height=row.height,
            duration_seconds=row.duration_seconds,
            name=row.name,
            description=row.description,
            prompt=row.prompt,
            cost_usd=usd(row.cost_micros) or "0.000000",
            favourite=row.favourite,
            archived=row.archived_at is not None,
            preview_status=row.preview_status,
            url=base,
            preview_urls={variant: f"{base}?variant={variant}" for variant in sorted(row.previews)},
            excerpt=row.excerpt,
            tags=[TagOut.of(tag) for tag in tags or []],
            generation_id=row.generation_id,
            source_asset_id=row.source_asset_id,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


ProviderId = Annotated[str, StringConstraints(min_length=1, max_length=32)]
ModelId = Annotated[str, StringConstraints(min_length=1, max_length=120)]
OptionName = Annotated[str, StringConstraints(min_length=1, max_length=OPTION_NAME_MAX)]
PROMPT_LIMITS_TEXT = ", ".join(f"{kind.value} {limit:,}" for kind, limit in PROMPT_LIMITS.items())


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX + 2,
        description=(
            "Optional; a UUID is best. The same key and body again within 24 h answers with the first "
            "generation instead of starting another; the same key with another body is a 422. "
            "A plain token or a quoted string."
        ),
    ),
]


QueuedFor = Annotated[
    str | None,
    Header(
        alias="X-Queued-For",
        min_length=1,
        max_length=1000,
        description=(
            "Optional; the email (URL-encoded) of the account a request was queued for, by the app's offline "
            "queue. From another account the request is refused with 409 and nothing is written."
        ),
    ),
]


class FallbackRequest(Part):
    """Another model to try, in order, if the chosen one fails."""

    provider: ProviderId
    model: ModelId
    endpoint_id: uuid.UUID | None = None


class GenerateRequest(RequestBody):
    """What to make."""

    project_id: uuid.UUID
    type: Literal["text", "image", "video", "speech", "audio"]
    provider: ProviderId
    model: ModelId
    prompt: str = Field(
        min_length=1,
        max_length=PROMPT_MAX,
        description=f"At most, in characters by type: {PROMPT_LIMITS_TEXT}. Outer spaces are trimmed.",
    )
    options: dict[OptionName, Any] = Field(
        default_factory=dict,
        max_length=OPTIONS_MAX,
        description="Only the options the model's schema declares (see the model list); others are a 422.",
    )
    endpoint_id: uuid.UUID | None = Field(default=None, description="For the openai_compatible provider.")
    fallbacks: list[FallbackRequest] = Field(
        default_factory=list,
        max_length=MAX_FALLBACKS,
        description="Tried in order when the model fails (not when the provider refuses the content).",
    )


class GenerationOut(Body):
    """A generation; costs in micro-USD, as 6-decimal USD strings and for display."""

    id: uuid.UUID
    project_id: uuid.UUID
    type: str
    provider: str
    model: str
    prompt: str
    options: dict[str, Any]
    status: str
    error: str | None
    error_code: str | None
    estimated_cost_micros: int
    estimated_cost_usd: str
    estimated_cost_display: str
    cost_micros: int | None
    cost_usd: str | None
    cost_exact_usd: str | None = Field(
        default=None,
        description="The cost unrounded (to the pico-dollar), as the provider's invoice arithmetic has it.",
    )
    cost_display: str | None
    cost_source: Literal["provider_usage", "derived"] | None = Field(
        default=None,
        description=(
            "Where cost_micros came from: the provider's reported usage, derived from the request "
            "(e.g. characters sent), or null when nothing was billed."
        ),
    )
    price_version: str | None
    fallback_from: str | None = Field(description="provider/model that failed before this one made it.")
    fallbacks_left: list[str] = Field(description="provider/model still to try if this one fails.")
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def fields_of(cls, row: Generation) -> dict[str, Any]:
        """The fields every view of a generation shares."""
        return {
            "id": row.id,
            "project_id": row.project_id,
            "type": row.capability,
            "provider": row.provider,
            "model": row.model,
            "prompt": row.prompt,
            "options": row.options,
            "status": row.status,
            "error": row.error,
            "error_code": row.error_code,
            "estimated_cost_micros": row.estimated_cost_micros,
            "estimated_cost_usd": usd(row.estimated_cost_micros),
            "estimated_cost_display": display(row.provider, row.model, row.estimated_cost_micros),
            "cost_micros": row.cost_micros,
            "cost_usd": usd(row.cost_micros),
            "cost_exact_usd": exact_usd(row.cost_picos),
            "cost_display": display(row.provider, row.model, row.cost_micros),
            "cost_source": row.cost_source,
            "price_version": row.price_version,
            "fallback_from": row.fallback_from,
            "fallbacks_left": [f"{f['provider']}/{f['model']}" for f in row.fallbacks],
            "created_at": row.created_at,
            "started_at": row.started_at,
            "completed_at": row.completed_at,
        }

    @classmethod
    def of(cls, row: Generation) -> GenerationOut:
        """Shape a generation row."""
        return cls(**cls.fields_of(row))


class GenerationDetail(GenerationOut):
    """A generation with its job and result files."""

    job: JobOut
    assets: list[AssetOut]

    @classmethod
    def build(cls, row: Generation, job: AsyncJob, assets: list[Asset]) -> GenerationDetail:
        """Shape a generation with its job and assets."""
        return cls(**cls.fields_of(row), job=JobOut.of(job), assets=[AssetOut.of(a) for a in assets])
