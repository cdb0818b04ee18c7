"""Provider API keys, sealed with AES-256-GCM."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from mediaws.models.base import created_field, id_field, time_field


class ApiKey(SQLModel, table=True):
    """One provider key or OpenAI-compatible endpoint of one user."""

    __tablename__ = "api_keys"
    __table_args__ = (UniqueConstraint("user_id", "provider", "name", name="uq_api_keys_slot"),)

    id: uuid.UUID = id_field()
    user_id: uuid.UUID = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    provider: str = Field(max_length=32)
    name: str = Field(max_length=100)
    base_url: str | None = Field(default=None, max_length=500)
    last4: str | None = Field(default=None, max_length=4)
    master_key_id: str | None = Field(default=None, max_length=16, index=True)
    nonce: bytes | None = Field(default=None, sa_type=LargeBinary)
    ciphertext: bytes | None = Field(default=None, sa_type=LargeBinary)
    input_price_micros: int | None = Field(default=None, sa_type=BigInteger)
    output_price_micros: int | None = Field(default=None, sa_type=BigInteger)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()
    last_used_at: datetime | None = time_field()
