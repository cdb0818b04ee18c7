"""Reading and editing the content of text assets (plain text and Markdown), at most 1 MB."""

from __future__ import annotations

import codecs
import uuid
from dataclasses import dataclass

from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.errors import ValidationError
from mediaws.models import Asset
from mediaws.models.base import utcnow
from mediaws.services.asset_queries import get_asset
from mediaws.services.validation import check_plain
from mediaws.storage.base import Storage

TEXT_MAX_BYTES = 1_000_000
EXCERPT_CHARS = 280


@dataclass(frozen=True)
class TextBody:
    """A text asset's content, and whether it was longer than what was read."""

    text: str
    truncated: bool


def _need_text(asset: Asset) -> None:
    if asset.kind != "text":
        raise ValidationError("Only text assets have text to read or edit.", field="content")


def read_text(asset: Asset, storage: Storage, limit: int = TEXT_MAX_BYTES) -> TextBody:
    """The first ``limit`` bytes of a text asset as text (a character cut at the end is left out)."""
    _need_text(asset)
    data = b"".join(storage.iter_range(asset.storage_key, 0, limit))
    truncated = len(data) > limit
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    return TextBody(text=decoder.decode(data[:limit], final=not truncated), truncated=truncated)


def excerpt(text: str, size: int = EXCERPT_CHARS) -> str:
    """The start of a text on one line, for cards and search results."""
    flat = " ".join(text.split())
    return flat if len(flat) <= size else flat[: size - 1].rstrip() + "…"


def save_text(
    *, session: Session, deps: Deps, user_id: uuid.UUID, asset_id: str | uuid.UUID, content: str
) -> Asset:
    """Replace a text asset's content (written whole, then the row's size, excerpt and time follow)."""
    asset = get_asset(session=session, user_id=user_id, asset_id=asset_id)
    _need_text(asset)
    check_plain(content, field="content")
    data = content.replace("\r\n", "\n").encode("utf-8")
    if len(data) > TEXT_MAX_BYTES:
        raise ValidationError(
            f"Text assets are at most {TEXT_MAX_BYTES // 1_000_000} MB; this is {len(data):,} bytes.",
            field="content",
        )
    deps.storage.put(asset.storage_key, data, asset.mime_type)
    asset.bytes = len(data)
    asset.excerpt = excerpt(content)
    asset.updated_at = utcnow()
    session.add(asset)
    session.commit()
    session.refresh(asset)
    return asset
