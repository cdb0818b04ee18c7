"""Assets made quickly for tests: real bytes in real storage and a row, as ingest would leave them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlmodel import Session

from mediaws.models import Asset
from mediaws.models.base import utcnow
from mediaws.storage import Storage, storage_key
from tests.support import media

KIND_FILES = {
    "image": ("image/png", lambda: media.image("PNG", (32, 24))),
    "video": ("video/mp4", lambda: media.mp4(0.5)),
    "audio": ("audio/wav", lambda: media.wav(0.25)),
    "text": ("text/plain", lambda: b"A short note\nwith two lines\n"),
}


def make_asset(
    session: Session,
    storage: Storage,
    *,
    owner_id: uuid.UUID,
    project_id: uuid.UUID,
    kind: str = "image",
    name: str = "",
    prompt: str = "",
    description: str = "",
    data: bytes | None = None,
    created_at: datetime | None = None,
    cost_micros: int = 0,
    commit: bool = True,
) -> Asset:
    """Store a small real file of ``kind`` and add its asset row."""
    mime, make = KIND_FILES[kind]
    body = make() if data is None else data
    asset_id = uuid.uuid4()
    key = storage_key(owner_id, project_id, asset_id, mime)
    storage.put(key, body, mime)
    label = name or f"{kind} {asset_id.hex[:6]}"
    moment = created_at or utcnow()
    asset = Asset(
        id=asset_id,
        owner_id=owner_id,
        project_id=project_id,
        kind=kind,
        storage_key=key,
        mime_type=mime,
        bytes=len(body),
        name=label,
        name_key=label.casefold(),
        prompt=prompt,
        description=description,
        cost_micros=cost_micros,
        created_at=moment,
        updated_at=moment,
    )
    session.add(asset)
    if commit:
        session.commit()
        session.refresh(asset)
    return asset


def spaced(count: int, *, start: datetime | None = None) -> list[datetime]:
    """``count`` creation times one second apart, oldest first."""
    first = start or utcnow() - timedelta(days=1)
    return [first + timedelta(seconds=index) for index in range(count)]
