"""The registry of installed providers, filled from the ``mediaws.providers`` entry points.

Built-in providers are declared as entry points in pyproject.toml, exactly as a third-party package
would declare its own: ``[project.entry-points."mediaws.providers"] name = "package.module:register"``.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points

from mediaws.providers.base import Registry

ENTRY_POINT_GROUP = "mediaws.providers"


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    """Load every registered provider once per process."""
    registry = Registry()
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        entry.load()(registry)
    return registry
