"""The storage contract and the key scheme (no user-controlled path segments)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

from mediaws.errors import MediawsError

EXTENSIONS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/webp": "webp",
    "image/gif": "gif",
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
    "application/json": "json",
}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
VARIANTS = ("small", "large", "poster", "peaks", "wave")
KEY_RE = re.compile(rf"^{UUID}/{UUID}/{UUID}(\.({'|'.join(VARIANTS)}))?\.[a-z0-9]{{2,5}}$")
CHUNK_BYTES = 256 * 1024


class StorageError(MediawsError):
    """A file could not be stored, read or removed."""


class MissingObject(StorageError):
    """Nothing is stored under the key."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a backend knows of a stored object without reading it."""

    size: int
    etag: str


def extension_for(mime_type: str) -> str:
    """File extension for a mime type; unknown types are stored as .bin."""
    return EXTENSIONS.get(mime_type.split(";")[0].strip().lower(), "bin")


def storage_key(user_id: uuid.UUID, project_id: uuid.UUID, asset_id: uuid.UUID, mime_type: str) -> str:
    """``{user}/{project}/{asset}.{ext}``: built from ids only, never from names people typed."""
    return f"{user_id}/{project_id}/{asset_id}.{extension_for(mime_type)}"


def variant_key(key: str, variant: str, mime_type: str) -> str:
    """The key of a derived file (thumbnail, poster, waveform) next to an asset's own key."""
    if variant not in VARIANTS:
        raise StorageError(f"Unknown variant {variant!r}.")
    stem = check_key(key).rsplit(".", 1)[0]
    return check_key(f"{stem}.{variant}.{extension_for(mime_type)}")


def content_disposition(filename: str, *, download: bool) -> str:
    """``inline`` or ``attachment`` with an ASCII ``filename`` and the exact ``filename*`` (RFC 6266/5987)."""
    stem, dot, extension = filename.rpartition(".") if "." in filename else (filename, "", "")
    ascii_stem = "".join(
        c for c in unicodedata.normalize("NFKD", stem) if 32 <= ord(c) < 127 and c not in '"\\'
    ).strip(" .")
    ascii_name = f"{ascii_stem or 'file'}{dot}{extension}"
    exact = quote(filename, safe="!#$&+-.^_`|~")
    kind = "attachment" if download else "inline"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{exact}"


def check_key(key: str) -> str:
    """Refuse any key that is not of our own making."""
    if not KEY_RE.match(key):
        raise StorageError(f"Refusing storage key {key!r}: keys are user/project/asset ids.")
    return key


class Storage(Protocol):
    """What every backend offers; reads stream, writes are all or nothing."""

    name: str

    def put(self, key: str, data: bytes, mime_type: str) -> None:
        """Store bytes under a key, all or nothing."""
        ...

    def put_file(self, key: str, path: Path, mime_type: str) -> None:
        """Store a file's content under a key, streaming it (never read whole into memory)."""
        ...

    def get(self, key: str) -> bytes:
        """Return the bytes stored under a key (small files only: thumbnails, provider inputs)."""
        ...

    def stat(self, key: str) -> ObjectInfo:
        """Size and ETag of a stored object; MissingObject when there is none."""
        ...

    def iter_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """The bytes from ``start`` to ``end`` inclusive (None: to the end), in chunks <= CHUNK_BYTES."""
        ...

    def copy(self, source: str, target: str) -> None:
        """Copy an object to another key inside the store, without passing it through memory."""
        ...

    def delete(self, key: str) -> None:
        """Remove a key; a missing key is not an error, a store that fails raises StorageError."""
        ...

    def exists(self, key: str) -> bool:
        """Whether something is stored under a key."""
        ...

    def signed_url(self, key: str, *, expires_in: int, filename: str, download: bool) -> str | None:
        """A URL of the store itself that serves the object until it expires; None when mediaws serves it."""
        ...

    def signed_urls(self, objects: Sequence[tuple[str, str]], *, expires_in: int) -> list[str | None] | None:
        """Inline links for many ``(key, filename)`` at once, None for an object the store won't sign.

        None instead of a list when mediaws serves the store's files itself.
        """
        ...


def check_range(start: int, end: int | None) -> None:
    """Refuse a byte range that cannot be read: a negative start or an end before it."""
    if start < 0 or (end is not None and end < start):
        shown = f"{start}-{'' if end is None else end}"
        raise StorageError(f"Refusing byte range {shown}: it is empty or negative.")
