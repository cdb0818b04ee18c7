"""Pick the storage backend the settings name."""

from __future__ import annotations

import threading

from mediaws.config import Settings
from mediaws.errors import ConfigError
from mediaws.storage.base import Storage
from mediaws.storage.local import LocalStorage


def create_storage(settings: Settings) -> Storage:
    """The configured backend: local files under the data dir, an S3-compatible bucket or Supabase Storage."""
    backend = settings.storage_backend
    if backend == "local":
        return LocalStorage(settings.data_dir / "files")
    if backend == "s3":
        from mediaws.storage.s3 import S3Storage

        return S3Storage.from_settings(settings)
    if backend == "supabase":
        from mediaws.storage.supabase import SupabaseStorage

        return SupabaseStorage.from_settings(settings)
    raise ConfigError(
        f"MEDIAWS_STORAGE_BACKEND={backend!r} is not a storage backend: use local, s3 or supabase."
    )


_shared: dict[tuple[object, ...], Storage] = {}
_shared_lock = threading.Lock()


def shared_storage(settings: Settings) -> Storage:
    """One backend per process and configuration (S3 and Supabase clients keep connection pools)."""
    key = (
        settings.storage_backend,
        str(settings.data_dir),
        settings.s3_bucket,
        settings.s3_endpoint_url,
        settings.s3_access_key_id,
        settings.supabase_url,
        settings.supabase_bucket,
    )
    with _shared_lock:
        if key not in _shared:
            _shared[key] = create_storage(settings)
        return _shared[key]
