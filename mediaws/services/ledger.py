"""The spend ledger: each finished generation entered once, with its day's and month's totals, as it finishes.

Entries and totals (and the counts of the local hour it finished in, for the weekday-by-hour chart: the
user's, and the day's for its project, provider and model) are written in the transaction that finishes
the generation, so they are never behind it, and totals are added with one upsert (``INSERT … ON CONFLICT
DO UPDATE SET n = n + excluded.n``), so workers finishing at once on PostgreSQL add up instead of
overwriting each other. Deleting a project marks its entries deleted; what was spent stays spent. Days,
months and hours are the owner's (``users.time_zone``).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from mediaws.errors import ValidationError
from mediaws.jobs import queue
from mediaws.models import Generation, LedgerEntry, UsageBucket, UsageHour, User
from mediaws.models.analytics import BUCKET_KEY, DAY_HOURS, DAY_HOURS_KEY, HOUR_COLUMNS
from mediaws.models.base import utcnow

log = logging.getLogger(__name__)

FINISHED = (queue.SUCCEEDED, queue.FAILED, queue.CANCELLED)
PERIODS = ("day", "month")
SUMMED = (
    "request_count",
    "success_count",
    "failure_count",
    "cancelled_count",
    "total_tokens",
    "image_count",
    "video_seconds",
    "characters",
    "cost_picos",
    "reported_cost_picos",
    "duration_ms_total",
    "timed_count",
)
HOUR_KEY = ("user_id", "period_start")
LEDGER = LedgerEntry.__table__  # type: ignore[attr-defined]
BUCKETS = UsageBucket.__table__  # type: ignore[attr-defined]
HOURS = UsageHour.__table__  # type: ignore[attr-defined]
INSERT_BATCH = 500
"""Rows per multi-row insert: under SQLite's limit on bound values at ~20 columns a row."""
READ_BATCH = 10_000
"""Entries read at a time when recounting: plain rows, never the whole ledger in memory."""
COUNTED = {
    queue.SUCCEEDED: "success_count",
    queue.FAILED: "failure_count",
    queue.CANCELLED: "cancelled_count",
}
Totals = dict[tuple[Any, ...], dict[str, Any]]
"""A bucket's amounts by ``BUCKET_KEY``, an hour's weekday, hour and count by ``HOUR_KEY``, or a day's weekday
and hour counts by ``DAY_HOURS_KEY``."""


def zone_of(name: str) -> ZoneInfo:
    """An IANA time zone by name, or a clear error naming the setting."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            f"Unknown time zone '{name}'. Use an IANA name such as Europe/Paris or America/New_York.",
            field="time_zone",
        ) from None


def period_starts(moment: datetime, zone: ZoneInfo) -> dict[str, datetime]:
    """The local midnight starting the moment's day and month in ``zone``, each in UTC."""
    local = moment.astimezone(zone)
    return {
        "day": datetime(local.year, local.month, local.day, tzinfo=zone).astimezone(UTC),
        "month": datetime(local.year, local.month, 1, tzinfo=zone).astimezone(UTC),
    }


def hour_of(moment: datetime, zone: ZoneInfo) -> dict[str, Any]:
    """The local hour a moment falls in: when it starts (in UTC), its weekday (Monday 0) and its hour."""
    local = moment.astimezone(zone)  # the second of two same-named hours (clocks turned back) has fold=1
    return {
        "period_start": local.replace(minute=0, second=0, microsecond=0).astimezone(UTC),
        "weekday": local.weekday(),
        "hour": local.hour,
    }


def entry_for(generation: Generation) -> dict[str, Any]:
    """What a finished generation spent, as the values of its ledger entry."""
    cost = generation.cost_picos or 0
    return {
        "id": uuid.uuid4(),
        "generation_id": generation.id,
        "user_id": generation.owner_id,
        "project_id": generation.project_id,
        "provider": generation.provider,
        "model": generation.model,
        "capability": generation.capability,
        "status": generation.status,
        "cost_picos": cost,
        "reported_cost_picos": cost if generation.cost_source == "provider_usage" else 0,
        "tokens_total": generation.tokens_total,
        "image_count": generation.image_count,
        "video_seconds": Decimal(generation.video_seconds),
        "characters": generation.characters,
        "duration_ms": generation.duration_ms,
        "created_at": generation.created_at,
        "completed_at": generation.completed_at or utcnow(),
    }


def _amounts(entry: Mapping[str, Any]) -> dict[str, Any]:
    amounts: dict[str, Any] = dict.fromkeys(SUMMED, 0)
    amounts |= {
        "request_count": 1,
        COUNTED[entry["status"]]: 1,
        "total_tokens": entry["tokens_total"],
        "image_count": entry["image_count"],
        "video_seconds": Decimal(entry["video_seconds"]),
        "characters": entry["characters"],
        "cost_picos": entry["cost_picos"],
        "reported_cost_picos": entry["reported_cost_picos"],
    }
    if entry["duration_ms"] is not None:
        amounts |= {"duration_ms_total": entry["duration_ms"], "timed_count": 1}
    return amounts


def _bucket_rows(entry: Mapping[str, Any], zone: ZoneInfo) -> list[dict[str, Any]]:
    return [
        {
            "id": uuid.uuid4(),
            "user_id": entry["user_id"],
            "period_type": period,
            "period_start": start,
            "project_id": entry["project_id"],
            "provider": entry["provider"],
            "model": entry["model"],
            "generation_type": entry["capability"],
            "updated_at": utcnow(),
            **_amounts(entry),
        }
        for period, start in period_starts(entry["completed_at"], zone).items()
    ]


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _hour_row(entry: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "user_id": entry["user_id"],
        **hour_of(entry["completed_at"], zone),
        "request_count": 1,
    }


def _day_hours_row(entry: Mapping[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    local = entry["completed_at"].astimezone(zone)
    return {
        "id": uuid.uuid4(),
        "user_id": entry["user_id"],
        "period_start": period_starts(entry["completed_at"], zone)["day"],
        "project_id": entry["project_id"],
        "provider": entry["provider"],
        "model": entry["model"],
        "weekday": local.weekday(),
        **dict.fromkeys(HOUR_COLUMNS, 0),
        HOUR_COLUMNS[local.hour]: 1,
    }


@lru_cache(maxsize=8)
def _insert(dialect: str, table: Any) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


@lru_cache(maxsize=4)
def _enter_once(dialect: str) -> Any:
    """Insert an entry unless its generation has one (built once: statements are costly to build)."""
    return (
        _insert(dialect, LEDGER)
        .on_conflict_do_nothing(index_elements=["generation_id"])
        .returning(LEDGER.c.id)
    )


@lru_cache(maxsize=4)
def _add_up(dialect: str) -> Any:
    """Insert a bucket, or add to the one with its key."""
    statement = _insert(dialect, BUCKETS)
    return statement.on_conflict_do_update(
        index_elements=list(BUCKET_KEY),
        set_={name: BUCKETS.c[name] + statement.excluded[name] for name in SUMMED}
        | {"updated_at": statement.excluded.updated_at},
    )


@lru_cache(maxsize=4)
def _count_hour(dialect: str) -> Any:
    """Insert an hour's count, or add it to the stored one."""
    statement = _insert(dialect, HOURS)
    return statement.on_conflict_do_update(
        index_elements=list(HOUR_KEY),
        set_={"request_count": HOURS.c.request_count + statement.excluded.request_count},
    )


@lru_cache(maxsize=4)
def _count_day_hour(dialect: str) -> Any:
    """Insert a day's hour counts, or add them to the stored ones."""
    statement = _insert(dialect, DAY_HOURS)
    return statement.on_conflict_do_update(
        index_elements=list(DAY_HOURS_KEY),
        set_={name: DAY_HOURS.c[name] + statement.excluded[name] for name in HOUR_COLUMNS},
    )


def user_zone(session: Session, user_id: uuid.UUID) -> ZoneInfo:
    """The zone a user's days are counted in."""
    name = session.exec(select(User.time_zone).where(User.id == user_id)).first()
    return zone_of(name or "UTC")


def enter(session: Session, generation: Generation) -> bool:
    """Enter a finished generation and add it to its totals, in the caller's transaction; once only."""
    if generation.status not in FINISHED:
        raise ValueError(f"generation {generation.id} has not finished ({generation.status})")
    entry = entry_for(generation)
    dialect = _dialect(session)
    if session.execute(_enter_once(dialect), entry).first() is None:  # entered before: a conflict
        return False
    zone = user_zone(session, generation.owner_id)
    for row in _bucket_rows(entry, zone):
        session.execute(_add_up(dialect), row)
    session.execute(_count_hour(dialect), _hour_row(entry, zone))
    session.execute(_count_day_hour(dialect), _day_hours_row(entry, zone))
    return True


def kept_name(session: Session, user_id: uuid.UUID, project_id: uuid.UUID) -> str | None:
    """The name a deleted project had, read from one of its entries (None if none kept one)."""
    return session.exec(
        select(LedgerEntry.project_name)
        .where(
            LedgerEntry.user_id == user_id,
            LedgerEntry.project_id == project_id,
            col(LedgerEntry.project_name).is_not(None),
        )
        .limit(1)
    ).first()


def forget_project(session: Session, project_id: uuid.UUID, name: str) -> None:
    """Mark a deleted project's entries deleted, keeping its name; its spend and totals stay."""
    session.execute(
        update(LedgerEntry)
        .where(col(LedgerEntry.project_id) == project_id, col(LedgerEntry.deleted_at).is_(None))
        .values(deleted_at=utcnow(), project_name=name[:200])
    )


def enter_missing(session: Session, since: datetime | None = None) -> int:
    """Enter finished generations (since a moment, or all) that have no entry yet."""
    query = (
        select(Generation)
        .outerjoin(LedgerEntry, col(LedgerEntry.generation_id) == col(Generation.id))
        .where(col(Generation.status).in_(FINISHED), col(LedgerEntry.id).is_(None))
    )
    if since is not None:
        query = query.where(col(Generation.completed_at) >= since)
    return sum(enter(session, generation) for generation in session.exec(query).all())


class CatchUp:
    """A worker chore, hourly: enter what finished lately without reaching the ledger.

    Finishing writes the ledger in the same transaction, so this finds nothing unless a process without
    the ledger (an older release during a rolling deploy, a hand-edited row) finished a generation.
    """

    def __init__(
        self,
        session_factory: Callable[[], Session],
        *,
        clock: Callable[[], datetime] = utcnow,
        every: timedelta = timedelta(hours=1),
        window: timedelta = timedelta(days=2),
    ) -> None:
        self.session_factory = session_factory
        self.clock = clock
        self.every = every
        self.window = window
        self._next: datetime | None = None

    def __call__(self) -> int:
        """Enter what is missing if an hour has passed since the last look; how many were entered."""
        now = self.clock()
        if self._next is not None and now < self._next:
            return 0
        with self.session_factory() as session:
            entered = enter_missing(session, since=now - self.window)
            session.commit()
        self._next = now + self.every
        if entered:
            log.warning("entered %d finished generation(s) the ledger lacked", entered)
        return entered


def expected_totals(session: Session, user_id: uuid.UUID | None = None) -> tuple[Totals, Totals, Totals]:
    """Every bucket's totals, hour's count and day's hour counts, computed from the entries alone."""
    query = select(*LEDGER.c)
    if user_id is not None:
        query = query.where(LEDGER.c.user_id == user_id)
    zones: dict[uuid.UUID, ZoneInfo] = {}
    totals: Totals = defaultdict(lambda: dict.fromkeys(SUMMED, 0))
    hours: Totals = {}
    days: Totals = {}
    for entry in session.execute(query.execution_options(yield_per=READ_BATCH)).mappings():
        if entry["user_id"] not in zones:
            zones[entry["user_id"]] = user_zone(session, entry["user_id"])
        zone = zones[entry["user_id"]]
        for row in _bucket_rows(dict(entry), zone):
            bucket = totals[tuple(row[name] for name in BUCKET_KEY)]
            for name in SUMMED:
                bucket[name] += row[name]
        hour = hour_of(entry["completed_at"], zone)
        counted = hours.setdefault((entry["user_id"], hour.pop("period_start")), hour | {"request_count": 0})
        counted["request_count"] += 1
        row = _day_hours_row(dict(entry), zone)
        day = days.setdefault(
            tuple(row[name] for name in DAY_HOURS_KEY),
            {"weekday": row["weekday"], **dict.fromkeys(HOUR_COLUMNS, 0)},
        )
        for name in HOUR_COLUMNS:
            day[name] += row[name]
    return dict(totals), hours, days


def stored_totals(session: Session, user_id: uuid.UUID | None = None) -> tuple[Totals, Totals, Totals]:
    """Every bucket's totals, every hour's count and every day's hour counts as stored."""
    buckets = select(UsageBucket)
    hours = select(*HOURS.c)
    days = select(*DAY_HOURS.c)
    if user_id is not None:
        buckets = buckets.where(UsageBucket.user_id == user_id)
        hours = hours.where(HOURS.c.user_id == user_id)
        days = days.where(DAY_HOURS.c.user_id == user_id)
    return (
        {
            tuple(getattr(bucket, name) for name in BUCKET_KEY): {
                name: getattr(bucket, name) for name in SUMMED
            }
            for bucket in session.exec(buckets)
        },
        {
            (row.user_id, row.period_start): {
                "weekday": row.weekday,
                "hour": row.hour,
                "request_count": row.request_count,
            }
            for row in session.execute(hours)
        },
        {
            tuple(row[name] for name in DAY_HOURS_KEY): {
                name: row[name] for name in ("weekday", *HOUR_COLUMNS)
            }
            for row in session.execute(days).mappings()
        },
    )


@dataclass(frozen=True)
class Difference:
    """A bucket, hour or day's hour counts whose stored values differ from its entries'."""

    key: tuple[Any, ...]
    stored: dict[str, Any] | None
    expected: dict[str, Any] | None

    def __str__(self) -> str:
        if len(self.key) == len(HOUR_KEY):
            user, start = self.key
            where = f"user {user}, hour from {start:%Y-%m-%d %H:%M} UTC"
        elif len(self.key) == len(DAY_HOURS_KEY):
            user, start, project, provider, model = self.key
            where = f"user {user}, hours of the day from {start:%Y-%m-%d %H:%M} UTC, project {project}"
            where += f", {provider}/{model}"
        else:
            user, period, start, project, provider, model, kind = self.key
            where = f"user {user}, {period} from {start:%Y-%m-%d %H:%M} UTC, project {project}"
            where += f", {provider}/{model} {kind}"
        if self.stored is None or self.expected is None:
            return f"{where}: {'missing' if self.stored is None else 'no entries behind it'}"
        changed = ", ".join(
            f"{name} {self.stored[name]} ≠ {self.expected[name]}"
            for name in self.stored
            if self.stored[name] != self.expected[name]
        )
        return f"{where}: {changed}"


def check(session: Session, user_id: uuid.UUID | None = None) -> list[Difference]:
    """Each total or count that is not the exact sum of its entries (there should be none)."""
    return [
        Difference(key, stored.get(key), expected.get(key))
        for stored, expected in zip(
            stored_totals(session, user_id), expected_totals(session, user_id), strict=True
        )
        for key in sorted(set(stored) | set(expected), key=str)
        if stored.get(key) != expected.get(key)
    ]


def rebuild(session: Session, user_id: uuid.UUID | None = None) -> tuple[int, int]:
    """Enter finished generations the ledger lacks, recount totals and hours from it; how many of each.

    On PostgreSQL the ledger is locked against new entries first (``SHARE``: reads go on, a finishing
    generation waits), so one that finishes meanwhile is counted once, after the recount, not lost to a
    unique key or counted twice. SQLite has one writer at a time already.
    """
    if _dialect(session) == "postgresql":
        session.execute(text("LOCK TABLE ledger_entries IN SHARE MODE"))
    enter_missing(session)
    for table in (BUCKETS, HOURS, DAY_HOURS):
        session.execute(
            table.delete() if user_id is None else table.delete().where(table.c.user_id == user_id)
        )
    buckets, hours, days = expected_totals(session, user_id)
    rows = [
        {"id": uuid.uuid4(), "updated_at": utcnow(), **dict(zip(BUCKET_KEY, key, strict=True)), **amounts}
        for key, amounts in buckets.items()
    ]
    _insert_all(session, BUCKETS, rows)
    _insert_all(
        session,
        HOURS,
        [
            {"id": uuid.uuid4(), **dict(zip(HOUR_KEY, key, strict=True)), **hour}
            for key, hour in hours.items()
        ],
    )
    _insert_all(
        session,
        DAY_HOURS,
        [
            {"id": uuid.uuid4(), **dict(zip(DAY_HOURS_KEY, key, strict=True)), **counts}
            for key, counts in days.items()
        ],
    )
    session.commit()
    return len(rows), len(hours)


def _insert_all(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), INSERT_BATCH):
        session.execute(_insert(_dialect(session), table), rows[start : start + INSERT_BATCH])
