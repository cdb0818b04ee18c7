"""Generations and the durable jobs that run them (and asset work such as previews)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Numeric, Text
from sqlmodel import Field, SQLModel

from mediaws.models.base import UTCDateTime, created_field, id_field, time_field


class Generation(SQLModel, table=True):
    """One request to a provider: what was asked, what it cost, how it ended."""

    __tablename__ = "generations"
    __table_args__ = (
        Index("uq_generations_owner_idempotency_key", "owner_id", "idempotency_key", unique=True),
    )

    id: uuid.UUID = id_field()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    capability: str = Field(max_length=16)
    provider: str = Field(max_length=32)
    model: str = Field(max_length=120)
    endpoint_id: uuid.UUID | None = Field(default=None)
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    options: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="queued", max_length=16, index=True)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    error_code: str | None = Field(default=None, max_length=40)
    tokens_input: int = 0
    tokens_output: int = 0
    tokens_total: int = 0
    tokens_cached: int = 0
    image_count: int = 0
    video_seconds: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(12, 3), nullable=False))
    characters: int = 0
    predict_seconds: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(12, 3), nullable=False))
    output_count: int = 0
    usage: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    estimated_cost_micros: int = Field(default=0, sa_type=BigInteger)
    cost_micros: int | None = Field(default=None, sa_type=BigInteger)  # cost_picos rounded, for people
    cost_picos: int | None = Field(default=None, sa_type=BigInteger)  # exact: never rounded per call
    cost_source: str | None = Field(default=None, max_length=20)  # "provider_usage", "derived", or no cost
    price_version: str | None = Field(default=None, max_length=60)
    provider_request_id: str | None = Field(default=None, max_length=200)
    fallback_from: str | None = Field(default=None, max_length=160)
    fallbacks: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]")
    )
    idempotency_key: str | None = Field(default=None, max_length=255)
    request_fingerprint: str | None = Field(default=None, max_length=64)
    created_at: datetime = created_field()
    started_at: datetime | None = time_field()
    completed_at: datetime | None = time_field()
    duration_ms: int | None = None


class AsyncJob(SQLModel, table=True):
    """A durable job (a generation, or an asset's previews): lease, heartbeat, progress, cancel, retry."""

    __tablename__ = "async_jobs"

    id: uuid.UUID = id_field()
    kind: str = Field(default="generation", max_length=24, sa_column_kwargs={"server_default": "generation"})
    generation_id: uuid.UUID | None = Field(
        default=None, foreign_key="generations.id", unique=True, ondelete="CASCADE"
    )
    asset_id: uuid.UUID | None = Field(default=None, foreign_key="assets.id", index=True, ondelete="CASCADE")
    provider_job_id: str | None = Field(default=None, max_length=200)
    status: str = Field(default="queued", max_length=16, index=True)
    progress_percent: int | None = None
    eta_seconds: int | None = None
    message: str = Field(default="", max_length=500)
    attempts: int = 0
    max_attempts: int = 3
    timeout_seconds: int = 600
    lease_owner: str | None = Field(default=None, max_length=120)
    lease_expires_at: datetime | None = time_field(index=True)
    heartbeat_at: datetime | None = time_field()
    run_after: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    cancel_requested: bool = False
    created_at: datetime = created_field()
    started_at: datetime | None = time_field()
    completed_at: datetime | None = time_field()
