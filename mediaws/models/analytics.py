"""The spend ledger: an entry per finished generation, kept after deletion; its period and hour totals."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlmodel import Field, SQLModel

from mediaws.models.base import UTCDateTime, created_field, id_field, time_field

BUCKET_KEY = ("user_id", "period_type", "period_start", "project_id", "provider", "model", "generation_type")
BUCKET_SUMS = (
    "cost_picos",
    "reported_cost_picos",
    "request_count",
    "success_count",
    "failure_count",
    "cancelled_count",
    "duration_ms_total",
    "timed_count",
)
"""What the dashboard sums over a span of day totals: the covering index holds them after the key."""


class LedgerEntry(SQLModel, table=True):
    """What one finished generation spent; deleting the generation or its project only marks it deleted."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_user_completed", "user_id", "completed_at"),
        Index(
            "ix_ledger_entries_kept_names",
            "project_id",
            "user_id",
            "project_name",
            sqlite_where=text("project_name IS NOT NULL"),
            postgresql_where=text("project_name IS NOT NULL"),
        ),
    )

    id: uuid.UUID = id_field()
    generation_id: uuid.UUID = Field(unique=True)
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    project_id: uuid.UUID = Field(index=True)
    provider: str = Field(max_length=32)
    model: str = Field(max_length=120)
    capability: str = Field(max_length=16)
    status: str = Field(max_length=16)
    cost_picos: int = Field(default=0, sa_type=BigInteger)
    reported_cost_picos: int = Field(default=0, sa_type=BigInteger)
    tokens_total: int = Field(default=0, sa_type=BigInteger)
    image_count: int = 0
    video_seconds: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(12, 3), nullable=False))
    characters: int = Field(default=0, sa_type=BigInteger)
    duration_ms: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = created_field()
    completed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    deleted_at: datetime | None = time_field()
    project_name: str | None = Field(default=None, max_length=200)
    """The project's name when it was deleted (live projects are named by the projects table)."""


class UsageBucket(SQLModel, table=True):
    """One day's or month's totals (in the user's time zone) for a project, provider, model and type."""

    __tablename__ = "usage_analytics"
    __table_args__ = (
        UniqueConstraint(*BUCKET_KEY, name="uq_usage_analytics_bucket"),
        Index("ix_usage_analytics_sums", *BUCKET_KEY, *BUCKET_SUMS),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    project_id: uuid.UUID = Field(index=True)
    period_type: str = Field(max_length=8)
    period_start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    """The local midnight the period starts at, stored in UTC."""
    provider: str = Field(max_length=32)
    model: str = Field(max_length=120)
    generation_type: str = Field(max_length=16)
    request_count: int = 0
    success_count: int = 0
    failure_count: int = 0
    cancelled_count: int = 0
    total_tokens: int = Field(default=0, sa_type=BigInteger)
    image_count: int = 0
    video_seconds: Decimal = Field(default=Decimal(0), sa_column=Column(Numeric(14, 3), nullable=False))
    characters: int = Field(default=0, sa_type=BigInteger)
    cost_picos: int = Field(default=0, sa_type=BigInteger)
    reported_cost_picos: int = Field(default=0, sa_type=BigInteger)
    duration_ms_total: int = Field(default=0, sa_type=BigInteger)
    timed_count: int = 0
    updated_at: datetime = created_field()


class UsageHour(SQLModel, table=True):
    """Requests in one hour of the user's day (their zone), kept with the day totals for the heatmap."""

    __tablename__ = "usage_hours"
    __table_args__ = (
        UniqueConstraint("user_id", "period_start", name="uq_usage_hours_hour"),
        Index("ix_usage_hours_user_span", "user_id", "period_start", "weekday", "hour", "request_count"),
    )

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", ondelete="CASCADE")
    period_start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    """The instant the local hour starts, in UTC."""
    weekday: int
    """The local hour's day of the week, Monday 0."""
    hour: int
    """The local hour of the day, 0-23."""
    request_count: int = 0


HOUR_COLUMNS = tuple(f"h{hour:02d}" for hour in range(24))
"""A day's request counts by local hour, 00-23 (a repeated hour counts twice into its column)."""
DAY_HOURS_KEY = ("user_id", "period_start", "project_id", "provider", "model")

DAY_HOURS = Table(
    "usage_day_hours",
    SQLModel.metadata,
    Column("id", Uuid(), primary_key=True),
    Column("user_id", Uuid(), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("period_start", UTCDateTime, nullable=False, doc="The local midnight the day starts at, in UTC."),
    Column("project_id", Uuid(), nullable=False),
    Column("provider", String(32), nullable=False),
    Column("model", String(120), nullable=False),
    Column("weekday", Integer, nullable=False, doc="The local day's day of the week, Monday 0."),
    *(Column(name, Integer, nullable=False, default=0) for name in HOUR_COLUMNS),
    UniqueConstraint(*DAY_HOURS_KEY, name="uq_usage_day_hours_key"),
    Index(
        "ix_usage_day_hours_span",
        "user_id",
        "period_start",
        "provider",
        "model",
        "project_id",
        "weekday",
        *HOUR_COLUMNS,
    ),
)
"""Requests by local hour of one day, project, provider and model: the weekday-by-hour chart when narrowed.

A table rather than a class: its 24 hour columns are read and added to by name, never as an object.
"""
