"""Files under the data dir, written atomically."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from mediaws.storage.base import CHUNK_BYTES, MissingObject, ObjectInfo, StorageError, check_key, check_range


class LocalStorage:
    """A folder on this machine; each key is a relative path built from ids."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """Where a key lives on disk."""
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, mime_type: str) -> None:
        """Write to a temporary file, fsync, then rename into place."""
        self._write(self.path(key), lambda handle: handle.write(data))

    def put_file(self, key: str, path: Path, mime_type: str) -> None:
        """Copy a file in CHUNK_BYTES pieces to a temporary file, fsync, then rename into place."""
        target = self.path(key)
        try:
            source = path.open("rb")
        except OSError as exc:
            raise StorageError(f"Could not read the file to store: {exc.strerror}.") from exc
        with source:
            self._write(target, lambda handle: shutil.copyfileobj(source, handle, CHUNK_BYTES))

    def get(self, key: str) -> bytes:
        """Read a stored file."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise MissingObject("The file is missing from storage.") from None
        except OSError as exc:
            raise StorageError(f"Could not read the file from storage: {exc.strerror}.") from exc

    def stat(self, key: str) -> ObjectInfo:
        """Size, and an ETag that changes whenever the file is replaced or rewritten."""
        try:
            found = self.path(key).stat()
        except FileNotFoundError:
            raise MissingObject("The file is missing from storage.") from None
        except OSError as exc:
            raise StorageError(f"Could not read the file from storage: {exc.strerror}.") from exc
        stamp = f"{found.st_size}:{found.st_mtime_ns}:{found.st_ino}".encode()
        return ObjectInfo(size=found.st_size, etag=hashlib.sha256(stamp).hexdigest()[:32])

    def iter_range(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Seek to ``start`` and read up to ``end`` inclusive in CHUNK_BYTES pieces."""
        check_range(start, end)
        target = self.path(key)
        try:
            handle = target.open("rb")
        except FileNotFoundError:
            raise MissingObject("The file is missing from storage.") from None
        except OSError as exc:
            raise StorageError(f"Could not read the file from storage: {exc.strerror}.") from exc
        return _read_range(handle, start, end)

    def copy(self, source: str, target: str) -> None:
        """Copy a stored file to another key (temporary file, then rename into place)."""
        origin, destination = self.path(source), self.path(target)
        if not origin.is_file():
            raise MissingObject("The file to copy is missing from storage.")
        destination.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=destination.parent, prefix=".upload-")
        os.close(fd)
        try:
            shutil.copyfile(origin, tmp)
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, destination)
        except FileNotFoundError:
            Path(tmp).unlink(missing_ok=True)
            raise MissingObject("The file to copy is missing from storage.") from None
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise StorageError(f"Could not copy the file in storage: {exc.strerror}.") from exc

    def delete(self, key: str) -> None:
        """Remove a stored file if it is there."""
        try:
            self.path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"Could not remove the file from storage: {exc.strerror}.") from exc

    def exists(self, key: str) -> bool:
        """Whether a file is stored under the key."""
        return self.path(key).is_file()

    def signed_url(self, key: str, *, expires_in: int, filename: str, download: bool) -> str | None:
        """None: mediaws serves local files through its own signed route."""
        check_key(key)
        return None

    def signed_urls(self, objects: Sequence[tuple[str, str]], *, expires_in: int) -> list[str | None] | None:
        """None: mediaws serves local files through its own signed route."""
        for key, _name in objects:
            check_key(key)
        return None

    def _write(self, target: Path, fill: Callable[[BinaryIO], object]) -> None:
        """Fill a temporary file next to ``target``, fsync it, then rename it into place."""
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        except OSError as exc:
            raise StorageError(f"Could not store the file: {exc.strerror}.") from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                fill(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise StorageError(f"Could not store the file: {exc.strerror}.") from exc
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _read_range(handle: BinaryIO, start: int, end: int | None) -> Iterator[bytes]:
    """Yield the bytes from ``start`` to ``end`` inclusive of an open file, then close it."""
    with handle:
        handle.seek(start)
        left = None if end is None else end - start + 1
        while left is None or left > 0:
            chunk = handle.read(CHUNK_BYTES if left is None else min(CHUNK_BYTES, left))
            if not chunk:
                return
            if left is not None:
                left -= len(chunk)
            yield chunk
