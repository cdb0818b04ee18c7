"""Projects: the folders a person organises work into."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from mediaws.models.base import created_field, id_field, time_field


class Project(SQLModel, table=True):
    """A project owned by one user."""

    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("owner_id", "name_key", name="uq_projects_owner_name"),)

    id: uuid.UUID = id_field()
    owner_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    description: str = Field(default="", max_length=2000)
    monthly_budget_micros: int | None = Field(default=None, ge=0, sa_type=BigInteger)
    archived_at: datetime | None = time_field()
    created_at: datetime = created_field()
    updated_at: datetime = created_field()
    last_activity_at: datetime = created_field()
