"""The registry of installed providers, filled from the ``mediaws.providers`` entry points.

Built-in providers are declared as entry points in pyproject.toml, exactly as a third-party package
would declare its own: ``[project.entry-points."mediaws.providers"] name = "package.module:register"``.

Loading imports every provider module in one place, under ``sdk.IMPORTING``: a second thread asking
meanwhile waits for the first, and a fork waits until loading is over, so no thread or child process ever
sees a half-imported provider module (a child inherits the parent's import locks, not the thread holding
them, and would block on them for ever). The provider SDKs load later, on first use, under the same lock.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from mediaws.providers.base import Registry
from mediaws.providers.sdk import IMPORTING

ENTRY_POINT_GROUP = "mediaws.providers"


def default_registry() -> Registry:
    """Load every registered provider once per process; other threads wait for the one loading."""
    with IMPORTING:
        return _load()


@lru_cache(maxsize=1)
def _load() -> Registry:
    registry = Registry()
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        entry.load()(registry)
    return registry
