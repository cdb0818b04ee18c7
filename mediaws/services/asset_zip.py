"""Many assets as one zip file, streamed as it is read from storage (never built in memory or on disk)."""

from __future__ import annotations

from collections.abc import Iterator

from zipstream import ZIP_STORED, ZipStream

from mediaws.models import Asset
from mediaws.services.asset_files import download_name
from mediaws.storage import Storage


def _unique(name: str, taken: set[str]) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({number}){dot}{extension}"
        number += 1
    taken.add(candidate.casefold())
    return candidate


def _read_later(storage: Storage, key: str) -> Iterator[bytes]:
    """Open the object only when the zip reaches it (one open object at a time)."""
    yield from storage.iter_range(key)


def zip_stream(*, storage: Storage, assets: list[Asset]) -> tuple[Iterator[bytes], int]:
    """The zip's bytes and its exact size; files are stored as they are (media is compressed already)."""
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    taken: set[str] = set()
    for asset in assets:
        archive.add(
            _read_later(storage, asset.storage_key),
            _unique(download_name(asset), taken),
            size=asset.bytes,
        )
    return iter(archive), len(archive)
