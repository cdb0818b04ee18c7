"""Personal access tokens: bearer credentials for the REST API, stored only as hashes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from mediaws.models.base import created_field, id_field, time_field


class PersonalAccessToken(SQLModel, table=True):
    """A named token a person made for scripts; the plaintext is shown once and never stored."""

    __tablename__ = "personal_access_tokens"

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=8)
    created_at: datetime = created_field()
    last_used_at: datetime | None = time_field()
    revoked_at: datetime | None = time_field()
