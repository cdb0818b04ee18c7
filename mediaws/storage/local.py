"""Files under the data dir, written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from mediaws.config import Settings
from mediaws.storage.base import Storage, StorageError, check_key


class LocalStorage:
    """A folder on this machine; each key is a relative path built from ids."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """Where a key lives on disk."""
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, mime_type: str) -> None:
        """Write to a temporary file, fsync, then rename into place."""
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise StorageError(f"Could not store the file: {exc.strerror}.") from exc

    def get(self, key: str) -> bytes:
        """Read a stored file."""
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise StorageError("The file is missing from storage.") from None

    def delete(self, key: str) -> None:
        """Remove a stored file if it is there."""
        self.path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether a file is stored under the key."""
        return self.path(key).is_file()


def create_storage(settings: Settings) -> Storage:
    """The configured backend: local files under the data dir."""
    return LocalStorage(settings.data_dir / "files")
