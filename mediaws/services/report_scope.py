"""What a report or invoice covers: its days (a period of the person's calendar) and its project, by name."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from sqlmodel import Session

from mediaws.errors import ValidationError
from mediaws.services import analytics

MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
PERIOD_HINT = "day, week, month or a calendar month like 2026-11"


def next_month(day: date) -> date:
    """The first day of the month after a day's."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(first: date) -> date:
    """The last day of a day's month."""
    return next_month(first) - timedelta(days=1)


def calendar_month(value: str, today: date, *, field: str = "month") -> date:
    """The first day of a month written ``YYYY-MM``; a month after today's is refused."""
    found = MONTH.fullmatch(value.strip())
    try:
        first = date(int(found[1]), int(found[2]), 1) if found else None
    except ValueError:
        first = None
    if first is None:
        raise ValidationError("Write the month like 2026-11.", field=field)
    if first > today:
        raise ValidationError(f"{first:%B %Y} has not begun yet.", field=field)
    return first


def period_days(period: str, today: date) -> tuple[date, date]:
    """A report's first and last day: this day, week (from Monday) or month, or a named month, to today."""
    if period == "day":
        return today, today
    if period == "week":
        return today - timedelta(days=today.weekday()), today
    if period == "month":
        return today.replace(day=1), today
    first = _named_month(period, today)
    return first, min(month_end(first), today)


def invoice_month(period: str, today: date) -> date:
    """The first day of the month an invoice covers: ``month`` (the current one) or ``YYYY-MM``."""
    if period == "month":
        return today.replace(day=1)
    if period in ("day", "week"):
        raise ValidationError("An invoice covers a calendar month: use month or YYYY-MM.", field="period")
    return _named_month(period, today)


def _named_month(period: str, today: date) -> date:
    if not MONTH.fullmatch(period.strip()):
        raise ValidationError(f"The period must be {PERIOD_HINT}.", field="period")
    return calendar_month(period, today, field="period")


def project_label(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> str:
    """One of the person's projects by name; a deleted one by the name it had, marked "(deleted)"."""
    return analytics.project_names(session, user_id, {project_id}).get(project_id, analytics.DELETED_PROJECT)
