"""The storage contract and the key scheme (no user-controlled path segments)."""

from __future__ import annotations

import re
import uuid
from typing import Protocol

from mediaws.errors import MediawsError

EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/webm": "webm",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/ogg": "ogg",
    "audio/opus": "opus",
    "audio/aac": "aac",
    "audio/flac": "flac",
    "text/plain": "txt",
    "text/markdown": "md",
}
KEY_RE = re.compile(r"^[0-9a-f-]{36}/[0-9a-f-]{36}/[0-9a-f-]{36}\.[a-z0-9]{2,5}$")


class StorageError(MediawsError):
    """A file could not be stored, read or removed."""


def extension_for(mime_type: str) -> str:
    """File extension for a mime type; unknown types are stored as .bin."""
    return EXTENSIONS.get(mime_type.split(";")[0].strip().lower(), "bin")


def storage_key(user_id: uuid.UUID, project_id: uuid.UUID, asset_id: uuid.UUID, mime_type: str) -> str:
    """``{user}/{project}/{asset}.{ext}``: built from ids only, never from names people typed."""
    return f"{user_id}/{project_id}/{asset_id}.{extension_for(mime_type)}"


def check_key(key: str) -> str:
    """Refuse any key that is not of our own making."""
    if not KEY_RE.match(key):
        raise StorageError(f"Refusing storage key {key!r}: keys are user/project/asset ids.")
    return key


class Storage(Protocol):
    """What every backend offers."""

    def put(self, key: str, data: bytes, mime_type: str) -> None:
        """Store bytes under a key, all or nothing."""
        ...

    def get(self, key: str) -> bytes:
        """Return the bytes stored under a key."""
        ...

    def delete(self, key: str) -> None:
        """Remove a key; a missing key is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Whether something is stored under a key."""
        ...
