"""The ledger as CSV: one row per finished generation in a range of the person's days, streamed.

RFC 4180 (comma, double quotes, CRLF), UTF-8. Rows are read in batches and written as they come, so memory
stays flat however long the range. Text a spreadsheet would run as a formula (a cell starting with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return) is written with a leading ``'``, as OWASP advises.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from mediaws.models import Generation, LedgerEntry, Project
from mediaws.pricing.cost import exact_usd
from mediaws.services import analytics, ledger

COLUMNS = (
    "completed_at_utc",
    "local_date",
    "project",
    "project_deleted",
    "provider",
    "model",
    "type",
    "status",
    "cost_usd",
    "cost_source",
    "tokens",
    "images",
    "video_seconds",
    "characters",
    "duration_ms",
    "generation_id",
    "prompt",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 1_000


def neutralised(text: str) -> str:
    """Text as a spreadsheet shows it, never runs it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


ENTRY_FIELDS = (
    "completed_at",
    "project_name",
    "deleted_at",
    "provider",
    "model",
    "capability",
    "status",
    "cost_picos",
    "reported_cost_picos",
    "tokens_total",
    "image_count",
    "video_seconds",
    "characters",
    "duration_ms",
    "generation_id",
)


def _rows(session: Session, user_id: uuid.UUID, filters: analytics.Filters) -> Iterator[list[str]]:
    zone = ledger.user_zone(session, user_id)
    start = analytics.local_midnight(filters.start, zone)
    end = analytics.local_midnight(filters.end + timedelta(days=1), zone)
    columns = [getattr(LedgerEntry, name) for name in ENTRY_FIELDS]
    query = (
        select(*columns, col(Project.name), col(Generation.prompt))
        .outerjoin(Project, col(Project.id) == col(LedgerEntry.project_id))
        .outerjoin(Generation, col(Generation.id) == col(LedgerEntry.generation_id))
        .where(
            col(LedgerEntry.user_id) == user_id,
            col(LedgerEntry.completed_at) >= start,
            col(LedgerEntry.completed_at) < end,
        )
        .order_by(col(LedgerEntry.completed_at), col(LedgerEntry.id))
    )
    if filters.provider:
        query = query.where(col(LedgerEntry.provider) == filters.provider)
    if filters.model:
        query = query.where(col(LedgerEntry.model) == filters.model)
    if filters.project_id:
        query = query.where(col(LedgerEntry.project_id) == filters.project_id)
    for row in session.execute(query.execution_options(yield_per=BATCH)):
        entry: dict[str, Any] = dict(zip(ENTRY_FIELDS, row[: len(ENTRY_FIELDS)], strict=True))
        project_name, prompt = row[len(ENTRY_FIELDS)], row[len(ENTRY_FIELDS) + 1]
        done: datetime = entry["completed_at"]
        yield [
            done.isoformat(),
            done.astimezone(zone).date().isoformat(),
            neutralised(project_name or entry["project_name"] or ""),
            "yes" if entry["deleted_at"] is not None else "",
            neutralised(entry["provider"]),
            neutralised(entry["model"]),
            entry["capability"],
            entry["status"],
            exact_usd(entry["cost_picos"]) or "0.00",
            _source(entry["cost_picos"], entry["reported_cost_picos"]),
            str(entry["tokens_total"]),
            str(entry["image_count"]),
            f"{Decimal(entry['video_seconds']).normalize():f}",
            str(entry["characters"]),
            "" if entry["duration_ms"] is None else str(entry["duration_ms"]),
            str(entry["generation_id"]),
            neutralised(prompt or ""),
        ]


def _source(cost_picos: int, reported_picos: int) -> str:
    if not cost_picos:
        return ""
    return "reported" if reported_picos == cost_picos else "derived"


def csv_chunks(
    session_factory: Callable[[], AbstractContextManager[Session]],
    user_id: uuid.UUID,
    filters: analytics.Filters,
) -> Iterator[bytes]:
    """The header, then the rows in batches, as UTF-8 bytes ready to send or write."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    with session_factory() as session:
        for count, row in enumerate(_rows(session, user_id, filters), start=1):
            writer.writerow(row)
            if count % BATCH == 0:
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode()


def file_name(filters: analytics.Filters) -> str:
    """A download's name that says what it holds."""
    return f"mediaws-usage-{filters.start.isoformat()}-to-{filters.end.isoformat()}.csv"
