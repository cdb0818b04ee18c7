"""Request and response bodies of the API; JSON fields are camelCase."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from mediaws.errors import MediawsError
from mediaws.models import Asset, AsyncJob, Generation, Project
from mediaws.pricing.cost import priced_display

MICROS = Decimal(1_000_000)


class Body(BaseModel):
    """camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


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


class ProjectCreate(Body):
    """A new project."""

    name: str = Field(max_length=1000)
    description: str = Field(default="", max_length=10_000)
    monthly_budget_usd: str | int | float | None = Field(
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


class AssetOut(Body):
    """A stored result file; fetch its bytes from ``url``."""

    id: uuid.UUID
    kind: str
    mime_type: str
    bytes: int
    width: int | None
    height: int | None
    duration_seconds: float | None
    name: str
    url: str
    generation_id: uuid.UUID | None
    source_asset_id: uuid.UUID | None
    created_at: datetime

    @classmethod
    def of(cls, row: Asset) -> AssetOut:
        """Shape an asset row."""
        return cls(
            id=row.id,
            kind=row.kind,
            mime_type=row.mime_type,
            bytes=row.bytes,
            width=row.width,
            height=row.height,
            duration_seconds=row.duration_seconds,
            name=row.name,
            url=f"/api/assets/{row.id}/file",
            generation_id=row.generation_id,
            source_asset_id=row.source_asset_id,
            created_at=row.created_at,
        )


class FallbackRequest(Body):
    """Another model to try, in order, if the chosen one fails."""

    provider: str
    model: str
    endpoint_id: uuid.UUID | None = None


class GenerateRequest(Body):
    """What to make."""

    project_id: uuid.UUID
    type: str = Field(description="text, image, video, speech or audio")
    provider: str
    model: str
    prompt: str
    options: dict[str, Any] = Field(default_factory=dict)
    endpoint_id: uuid.UUID | None = Field(default=None, description="For the openai_compatible provider.")
    fallbacks: list[FallbackRequest] = Field(
        default_factory=list,
        max_length=3,
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
    cost_display: str | None
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
            "cost_display": display(row.provider, row.model, row.cost_micros),
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
