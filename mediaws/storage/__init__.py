"""Where result files live: one small interface, a local-filesystem backend by default."""

from mediaws.storage.base import Storage, StorageError, storage_key
from mediaws.storage.local import LocalStorage, create_storage

__all__ = ["LocalStorage", "Storage", "StorageError", "create_storage", "storage_key"]
