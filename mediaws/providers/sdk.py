"""Provider SDKs imported on first use, one at a time, under the lock that forks wait for.

Importing anthropic, google-genai, openai, elevenlabs and replicate takes seconds of CPU, so a provider
module names its SDK with ``lazy`` and the SDK loads when a provider first touches it (mypy sees the real
import under ``TYPE_CHECKING``). Every such import, and the registry's loading of the provider modules,
holds ``IMPORTING``: a second thread waits for the first, and a fork waits until the import is over, so no
thread or child process ever sees a half-imported SDK (a child inherits the parent's import locks, not the
thread holding them, and would block on them for ever).
"""

from __future__ import annotations

import importlib
import os
import threading
from types import ModuleType
from typing import Any

IMPORTING = threading.RLock()


def load(name: str) -> ModuleType:
    """Import the module `name` (at most one SDK import at a time in this process)."""
    with IMPORTING:
        return importlib.import_module(name)


class LazyModule:
    """Stands for the module `name` until an attribute is read, which imports it."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # introspection (copy, pickle, inspect) does not load the SDK
            raise AttributeError(attribute)
        module = self._module
        if module is None:
            module = self._module = load(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str) -> Any:
    """A stand-in for the module `name` that imports it on first use."""
    return LazyModule(name)


os.register_at_fork(
    before=IMPORTING.acquire, after_in_parent=IMPORTING.release, after_in_child=IMPORTING.release
)
