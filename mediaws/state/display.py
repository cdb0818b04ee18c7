"""Turning stored values into the words and numbers pages show."""

from __future__ import annotations

from datetime import UTC, datetime


def when(value: datetime | None, *, now: datetime | None = None, never: str = "never") -> str:
    """Say how long ago something happened, in words."""
    if value is None:
        return never
    seconds = int(((now or datetime.now(UTC)) - value).total_seconds())
    if seconds < 45:
        return "just now"
    for size, unit in ((86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            if unit == "month" and count > 11:
                return value.strftime("%d %b %Y")
            return f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


def date(value: datetime | None) -> str:
    """Show a day in UTC."""
    return value.astimezone(UTC).strftime("%d %b %Y") if value else ""
