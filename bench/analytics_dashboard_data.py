"""Seeding for bench/analytics_dashboard.py: a year of finished generations for many users, with their ledger.

Generations are bulk-inserted (core insert on SQLite, COPY on PostgreSQL) and each one's ledger entry is the
product's own ``ledger.entry_for``; some projects are then deleted through ``projects.delete_project`` and the
day and month totals are recounted from the entries by ``ledger.rebuild``, as ``mediaws analytics rebuild``
does.
"""

from __future__ import annotations

import itertools
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast
from zoneinfo import ZoneInfo

import psycopg
from gallery_data import psycopg_url, vocabulary
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mediaws.models import Generation, LedgerEntry, Project, User
from mediaws.pricing.cost import micros_of
from mediaws.services import ledger, projects

BATCH = 10_000
YEAR = timedelta(days=365)
ZONES = (
    "America/New_York",
    "UTC",
    "Europe/Paris",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Europe/London",
)
MODELS = (  # provider, model, capability, price: picos per input/output token, image, second or character
    ("openai", "gpt-5.4", "text", (1_250_000, 10_000_000)),
    ("openai", "gpt-5.4-mini", "text", (250_000, 2_000_000)),
    ("openai", "gpt-4.1", "text", (2_000_000, 8_000_000)),
    ("openai", "gpt-image-2", "image", (40_000_000_000,)),
    ("openai", "tts-1", "speech", (15_000_000,)),
    ("anthropic", "claude-sonnet-5", "text", (3_000_000, 15_000_000)),
    ("anthropic", "claude-haiku-4-5", "text", (1_000_000, 5_000_000)),
    ("anthropic", "claude-opus-5", "text", (15_000_000, 75_000_000)),
    ("gemini", "gemini-2.5-flash", "text", (300_000, 2_500_000)),
    ("gemini", "gemini-2.5-flash-image", "image", (39_000_000_000,)),
    ("gemini", "veo-3.1-fast-generate-preview", "video", (150_000_000_000,)),
    ("elevenlabs", "eleven_multilingual_v2", "speech", (30_000_000,)),
    ("elevenlabs", "eleven_flash_v2_5", "speech", (15_000_000,)),
    ("replicate", "black-forest-labs/flux-schnell", "image", (3_000_000_000,)),
    ("replicate", "black-forest-labs/flux-1.1-pro", "image", (40_000_000_000,)),
    ("local", "local-text", "text", (0, 0)),
    ("local", "local-image", "image", (0,)),
)
PROJECT_NAMES = (
    "Launch",
    "Podcast",
    "Brand refresh",
    "Newsletter",
    "Storyboards",
    "Support replies",
    "Product shots",
    "Trailer",
    "Docs",
    "Ads Q3",
)
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 10, 9, 8, 9, 10, 10, 9, 8, 6, 5, 4, 3, 2, 1)
"""Requests by local hour: a working day."""
FAILURES = (
    ("rate_limited", "Provider error (429): rate limited, retry later"),
    (
        "content_policy",
        "The provider refused the prompt (content policy).",
    ),
)
GENERATION_COLUMNS = tuple(c.name for c in Generation.__table__.columns)  # type: ignore[attr-defined]
ENTRY_COLUMNS = tuple(c.name for c in LedgerEntry.__table__.columns)  # type: ignore[attr-defined]
JSON_COLUMNS = {"options", "usage", "fallbacks"}


@dataclass
class Account:
    """One seeded user: their zone, projects (with weights), the models they use, and how many generations."""

    user_id: uuid.UUID
    email: str
    zone: str
    generations: int
    projects: list[tuple[uuid.UUID, str]]
    project_weights: list[float]
    models: list[tuple[str, str, str, tuple[int, ...]]]
    model_weights: list[float]
    deleted: list[tuple[uuid.UUID, str]] = field(default_factory=list)


@dataclass
class Plan:
    """Every account; the first is the biggest (the export's), the second the heavy one measured."""

    accounts: list[Account]
    end: datetime

    @property
    def biggest(self) -> Account:
        """The account with the most generations."""
        return self.accounts[0]

    @property
    def heavy(self) -> Account:
        """The account whose dashboard is measured (about 12,000 generations in 90 days at 1 M)."""
        return self.accounts[1]


def cumulative(weights: list[float]) -> list[float]:
    """Running totals, for ``random.choices(cum_weights=...)``."""
    return list(itertools.accumulate(weights))


def make_plan(generations: int, users: int, seed: int = 14) -> Plan:
    """Who spends what: 11 % for the biggest account, 5 % for the heavy one, the rest spread unevenly."""
    rng = random.Random(seed)
    big, heavy = generations * 11 // 100, generations * 5 // 100
    weights = [rng.lognormvariate(0, 0.8) for _ in range(users - 2)]
    rest = generations - big - heavy
    counts = [big, heavy, *(int(rest * w / sum(weights)) for w in weights)]
    counts[-1] += generations - sum(counts)
    accounts = []
    for number, count in enumerate(counts):
        project_count = (6, 8)[number] if number < 2 else rng.randint(3, 10)
        names = rng.sample(PROJECT_NAMES, project_count)
        models = rng.sample(MODELS, rng.randint(4, 9) if number else 12)
        account = Account(
            user_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            email=f"dash{number}@example.com",
            zone=ZONES[(number - 1) % len(ZONES)] if number else "Asia/Kolkata",
            generations=count,
            projects=[(uuid.UUID(int=rng.getrandbits(128), version=4), name) for name in names],
            project_weights=cumulative([1 / rank for rank in range(1, project_count + 1)]),
            models=models,
            model_weights=cumulative([1 / rank for rank in range(1, len(models) + 1)]),
        )
        if number == 1 or number % 4 == 3:
            account.deleted = [account.projects[1 if number == 1 else -1]]
        accounts.append(account)
    end = datetime.now(UTC).replace(microsecond=0)
    return Plan(accounts, end)


def seed_accounts(engine: Engine, plan: Plan) -> None:
    """The users (each in their zone) and their projects, through the models."""
    with Session(engine) as session:
        for account in plan.accounts:
            session.add(
                User(id=account.user_id, email=account.email, password_hash="x", time_zone=account.zone)
            )
            session.flush()
            for project_id, name in account.projects:
                session.add(
                    Project(id=project_id, owner_id=account.user_id, name=name, name_key=name.lower())
                )
        session.commit()


def _moment(rng: random.Random, plan: Plan, offset: timedelta) -> datetime:
    """A moment in the year before the plan's end, at an hour of the owner's working day."""
    while True:
        moment = plan.end - timedelta(seconds=rng.random() * YEAR.total_seconds())
        if rng.random() * max(HOUR_WEIGHTS) < HOUR_WEIGHTS[(moment + offset).hour]:
            return moment


def _spend(
    rng: random.Random, capability: str, price: tuple[int, ...]
) -> tuple[int, dict[str, Any], int, str | None]:
    """Picos, usage figures, duration and cost source of one successful generation."""
    usage: dict[str, Any]
    if capability == "text":
        tokens_in, tokens_out = rng.randint(200, 6_000), rng.randint(50, 2_000)
        cost = tokens_in * price[0] + tokens_out * price[1]
        usage = {
            "tokens_input": tokens_in,
            "tokens_output": tokens_out,
            "tokens_total": tokens_in + tokens_out,
        }
        duration = rng.randint(600, 20_000)
    elif capability == "image":
        images = rng.choice((1, 1, 1, 2, 4))
        cost, usage = images * price[0], {"image_count": images, "output_count": images}
        duration = rng.randint(3_000, 30_000)
    elif capability == "video":
        seconds = rng.choice((4, 6, 8))
        cost, usage = seconds * price[0], {"video_seconds": Decimal(seconds), "output_count": 1}
        duration = rng.randint(40_000, 300_000)
    else:
        characters = rng.randint(80, 3_000)
        cost, usage = characters * price[0], {"characters": characters, "output_count": 1}
        duration = rng.randint(500, 6_000)
    if cost == 0:
        return 0, usage, duration, None
    source = "provider_usage" if capability == "text" and rng.random() < 0.9 else "derived"
    return cost, usage, duration, source


def generation_rows(plan: Plan, account: Account, rng: random.Random) -> Iterator[dict[str, Any]]:
    """The account's generations: ~94 % succeeded, 5 % failed, 1 % cancelled, at working hours."""
    words = vocabulary(400)
    offset = ZoneInfo(account.zone).utcoffset(plan.end) or timedelta(0)
    for _ in range(account.generations):
        project_id, _name = rng.choices(account.projects, cum_weights=account.project_weights)[0]
        provider, model, capability, price = rng.choices(account.models, cum_weights=account.model_weights)[0]
        completed = _moment(rng, plan, offset)
        roll = rng.random()
        status = "succeeded" if roll < 0.94 else "failed" if roll < 0.99 else "cancelled"
        row: dict[str, Any] = dict.fromkeys(GENERATION_COLUMNS)
        row |= {
            "id": uuid.UUID(int=rng.getrandbits(128), version=4),
            "owner_id": account.user_id,
            "project_id": project_id,
            "capability": capability,
            "provider": provider,
            "model": model,
            "prompt": " ".join(rng.choices(words, k=rng.randint(5, 25))),
            "options": {},
            "status": status,
            "tokens_input": 0,
            "tokens_output": 0,
            "tokens_total": 0,
            "tokens_cached": 0,
            "image_count": 0,
            "video_seconds": Decimal(0),
            "characters": 0,
            "predict_seconds": Decimal(0),
            "output_count": 0,
            "usage": {},
            "estimated_cost_micros": 0,
            "fallbacks": [],
            "completed_at": completed,
        }
        if status == "succeeded":
            cost, usage, duration, source = _spend(rng, capability, price)
            row |= usage
            row |= {
                "cost_picos": cost,
                "cost_micros": micros_of(cost),
                "estimated_cost_micros": micros_of(cost),
                "cost_source": source,
                "price_version": "2026-11" if source else None,
                "provider_request_id": f"req_{rng.getrandbits(64):016x}",
                "usage": {k: str(v) for k, v in usage.items()},
            }
        elif status == "failed":
            row["error_code"], row["error"] = rng.choice(FAILURES)
            duration = rng.randint(200, 8_000)
        else:
            duration = 0
        row["created_at"] = completed - timedelta(milliseconds=duration + rng.randint(50, 3_000))
        if status != "cancelled":
            row["started_at"] = completed - timedelta(milliseconds=duration)
            row["duration_ms"] = duration
        yield row


def entry_of(row: dict[str, Any]) -> dict[str, Any]:
    """The ledger entry the product writes for a finished generation (``ledger.entry_for``), every column."""
    entry = ledger.entry_for(cast(Generation, SimpleNamespace(**row)))
    return {**dict.fromkeys(ENTRY_COLUMNS), **entry}


def all_rows(plan: Plan, seed: int = 14) -> Iterator[dict[str, Any]]:
    """Every generation of the plan, the same on every call (a fixed seed)."""
    rng = random.Random(seed)
    for account in plan.accounts:
        yield from generation_rows(plan, account, rng)


def insert_sqlite(engine: Engine, plan: Plan) -> int:
    """Core inserts of generations and their entries, 10k a batch. Returns the generations written."""
    written = 0
    generations = Generation.__table__  # type: ignore[attr-defined]
    entries = LedgerEntry.__table__  # type: ignore[attr-defined]
    rows = all_rows(plan)
    while batch := list(itertools.islice(rows, BATCH)):
        with engine.begin() as connection:
            connection.execute(insert(generations), batch)
            connection.execute(insert(entries), [entry_of(row) for row in batch])
        written += len(batch)
    return written


def _copy_value(name: str, value: Any) -> Any:
    return json.dumps(value) if name in JSON_COLUMNS else value


def insert_postgres(url: str, plan: Plan) -> int:
    """COPY the generations and their entries in. Returns the generations written."""
    written = 0
    with psycopg.connect(psycopg_url(url)) as connection:
        rows = all_rows(plan)
        while batch := list(itertools.islice(rows, BATCH)):
            with connection.cursor() as cursor:
                with cursor.copy(f"COPY generations ({', '.join(GENERATION_COLUMNS)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([_copy_value(name, row[name]) for name in GENERATION_COLUMNS])
                with cursor.copy(f"COPY ledger_entries ({', '.join(ENTRY_COLUMNS)}) FROM STDIN") as copy:
                    for row in batch:
                        entry = entry_of(row)
                        copy.write_row([entry[name] for name in ENTRY_COLUMNS])
            written += len(batch)
        connection.commit()
    return written


def delete_projects(engine: Engine, plan: Plan) -> int:
    """Delete the planned projects as a person does (their spend stays in the ledger). Returns how many."""
    deleted = 0
    with Session(engine) as session:
        for account in plan.accounts:
            for project_id, name in account.deleted:
                projects.delete_project(
                    session=session, owner_id=account.user_id, project_id=project_id, confirm_name=name
                )
                deleted += 1
    return deleted


def analyse(engine: Engine) -> None:
    """Refresh the planner's statistics (ANALYZE; VACUUM ANALYZE on PostgreSQL, as autovacuum would)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))
