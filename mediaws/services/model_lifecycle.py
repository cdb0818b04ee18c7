"""Which models may still be used: retired ones are refused, deprecated ones say when they stop."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from mediaws.catalogue.table import ModelEntry, Status, lifecycle_of, today
from mediaws.errors import ValidationError
from mediaws.providers.base import Registry

WARN_DAYS = 30
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Standing:
    """A model's lifecycle on one day, in words a person reads next to it."""

    status: Status
    shutdown_on: date | None = None
    replacement_label: str = ""

    @property
    def note(self) -> str:
        """Nothing for a live model; else when it stops (or stopped) and what to use instead."""
        if self.status == "live":
            return ""
        instead = f"; use {self.replacement_label} instead" if self.replacement_label else ""
        if self.status == "retired":
            return f"Shut down by its provider on {self.shutdown_on}{instead}."
        if self.shutdown_on is None:
            return f"Deprecated by its provider{instead}."
        return f"Deprecated: its provider shuts it down on {self.shutdown_on}{instead}."


def standing(registry: Registry, provider_id: str, model_id: str, day: date | None = None) -> Standing:
    """A model's standing on ``day`` (default today); models the tables do not list are live."""
    entry = lifecycle_of(provider_id, model_id)
    if entry is None:
        return Standing("live")
    return Standing(
        entry.status_on(day or today()),
        entry.shutdown_on,
        _label(registry, provider_id, entry),
    )


def retired_note(registry: Registry, provider_id: str, model_id: str, day: date | None = None) -> str:
    """Why a model its provider has shut down can no longer be used, naming the replacement; "" if it can."""
    found = standing(registry, provider_id, model_id, day)
    if found.status != "retired":
        return ""
    try:
        label = registry.model(provider_id, model_id).label
    except ValidationError:
        label = model_id
    return f"{label} can no longer be used. {found.note}"


def refuse_if_retired(registry: Registry, provider_id: str, model_id: str, day: date | None = None) -> None:
    """Refuse a new generation with a model its provider has shut down, naming the replacement."""
    note = retired_note(registry, provider_id, model_id, day)
    if note:
        raise ValidationError(note, field="model")


def warnings(registry: Registry, day: date | None = None, within_days: int = WARN_DAYS) -> list[str]:
    """A line for each listed model that has shut down or shuts down within ``within_days``."""
    moment = day or today()
    horizon = moment + timedelta(days=within_days)
    lines = []
    for provider, info in registry.all_models():
        entry = lifecycle_of(provider.id, info.id)
        if entry is None or entry.shutdown_on is None or entry.shutdown_on > horizon:
            continue
        found = standing(registry, provider.id, info.id, moment)
        lines.append(f"{provider.id}/{info.id}: {found.note}")
    return lines


def log_warnings(registry: Registry) -> None:
    """Warn in the server's log about listed models that have shut down or shut down within a month."""
    for line in warnings(registry):
        log.warning("model lifecycle: %s", line)


def _label(registry: Registry, provider_id: str, entry: ModelEntry) -> str:
    if not entry.replacement:
        return ""
    try:
        return registry.model(provider_id, entry.replacement).label
    except ValidationError:
        return entry.replacement
