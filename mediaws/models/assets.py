"""Assets (stored files in a project), the tags people put on them, and storage deletes still owed."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from mediaws.models.base import UTCDateTime, created_field, id_field, time_field

PREVIEW_PENDING, PREVIEW_READY, PREVIEW_FAILED = "pending", "ready", "failed"


class Asset(SQLModel, table=True):
    """A stored file in a project: a generation's result or an upload, with its previews."""

    __tablename__ = "assets"
    __table_args__ = (
        Index("ix_assets_project_created", "project_id", "created_at", "id"),
        Index("ix_assets_owner_created", "owner_id", "created_at", "id"),
        Index("ix_assets_project_name", "project_id", "name_key", "id"),
        Index("ix_assets_project_cost", "project_id", "cost_micros", "id"),
        Index("ix_assets_project_kind", "project_id", "kind", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    project_id: uuid.UUID = Field(foreign_key="projects.id", index=True, ondelete="CASCADE")
    generation_id: uuid.UUID | None = Field(
        default=None, foreign_key="generations.id", index=True, ondelete="SET NULL"
    )
    source_asset_id: uuid.UUID | None = Field(
        default=None, foreign_key="assets.id", index=True, ondelete="SET NULL"
    )
    kind: str = Field(max_length=16)
    storage_key: str = Field(max_length=300, unique=True)
    mime_type: str = Field(max_length=100)
    bytes: int = Field(default=0, sa_type=BigInteger)
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    name: str = Field(default="", max_length=200)
    name_key: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    prompt: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    cost_micros: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})
    favourite: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    archived_at: datetime | None = time_field()
    preview_status: str = Field(
        default=PREVIEW_PENDING, max_length=16, sa_column_kwargs={"server_default": PREVIEW_PENDING}
    )
    previews: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False, server_default="{}")
    )
    peaks: list[float] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    excerpt: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class Tag(SQLModel, table=True):
    """A label one person puts on their assets, with a colour."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("owner_id", "name_key", name="uq_tags_owner_name"),)

    id: uuid.UUID = id_field()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=40)
    name_key: str = Field(max_length=40)
    colour: str = Field(default="gray", max_length=16)
    created_at: datetime = created_field()


class AssetTag(SQLModel, table=True):
    """One tag on one asset."""

    __tablename__ = "asset_tags"

    asset_id: uuid.UUID = Field(foreign_key="assets.id", primary_key=True, ondelete="CASCADE")
    tag_id: uuid.UUID = Field(foreign_key="tags.id", primary_key=True, index=True, ondelete="CASCADE")


class StorageDeletion(SQLModel, table=True):
    """A stored object whose row is gone: deleted now, or retried until the store lets it go."""

    __tablename__ = "storage_deletions"

    id: uuid.UUID = id_field()
    key: str = Field(max_length=300)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    created_at: datetime = created_field()
