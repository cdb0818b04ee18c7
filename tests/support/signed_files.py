"""Assets with a stored file and "small" preview, and signed links to them, for the file-serving tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from mediaws.deps import Deps
from mediaws.models import Asset, Project, User
from mediaws.services import asset_files
from mediaws.storage.base import storage_key, variant_key

DATA = bytes(range(256)) * 40  # 10 240 bytes, every offset distinguishable
SMALL = b"RIFF-small-preview-bytes"
HOUR = 3600

MakeAsset = Callable[..., Asset]


def asset_maker(session: Session, deps: Deps, user: User) -> MakeAsset:
    """Store a file (and optionally a "small" preview) for a user and insert its asset row."""

    def build(
        data: bytes = DATA,
        *,
        owner: User | None = None,
        name: str = "Sunset over the bay.png",
        mime: str = "image/png",
        small: bytes | None = SMALL,
    ) -> Asset:
        who = owner or user
        project = Project(owner_id=who.id, name=f"p {uuid.uuid4().hex[:8]}", name_key=uuid.uuid4().hex)
        session.add(project)
        session.commit()
        asset_id = uuid.uuid4()
        key = storage_key(who.id, project.id, asset_id, mime)
        deps.storage.put(key, data, mime)
        previews: dict[str, Any] = {}
        if small is not None:
            small_key = variant_key(key, "small", "image/webp")
            deps.storage.put(small_key, small, "image/webp")
            previews["small"] = {"key": small_key, "mime": "image/webp", "bytes": len(small), "width": 64}
        asset = Asset(
            id=asset_id,
            owner_id=who.id,
            project_id=project.id,
            kind="image",
            storage_key=key,
            mime_type=mime,
            bytes=len(data),
            name=name,
            previews=previews,
        )
        session.add(asset)
        session.commit()
        return asset

    return build


def link(asset: Asset, deps: Deps, **kwargs: Any) -> str:
    """A mediaws signed link for the asset (one hour unless told otherwise)."""
    values: dict[str, Any] = {"expires_in": HOUR, **kwargs}
    return asset_files.file_url(asset=asset, storage=deps.storage, keyring=deps.keyring, **values)
