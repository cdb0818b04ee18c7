"""Where result files live: one small interface, a local-filesystem backend by default."""

from mediaws.storage.base import (
    CHUNK_BYTES,
    MissingObject,
    ObjectInfo,
    Storage,
    StorageError,
    check_key,
    storage_key,
    variant_key,
)
from mediaws.storage.factory import create_storage
from mediaws.storage.local import LocalStorage

__all__ = [
    "CHUNK_BYTES",
    "LocalStorage",
    "MissingObject",
    "ObjectInfo",
    "Storage",
    "StorageError",
    "check_key",
    "create_storage",
    "storage_key",
    "variant_key",
]
