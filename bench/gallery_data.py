"""Seeding for bench/gallery.py: users, projects and many assets bulk-inserted straight into the tables."""

from __future__ import annotations

import itertools
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mediaws.models import Asset, Project, User
from mediaws.security.passwords import hash_password
from mediaws.storage import storage_key

BATCH = 10_000
VOCABULARY_SIZE = 2_000
YEAR = timedelta(days=365)
KINDS = (
    ("image", "image/png", 70),
    ("video", "video/mp4", 10),
    ("audio", "audio/mpeg", 10),
    ("text", "text/plain", 10),
)
WORDS_TEXT = """
lighthouse dusk forest river mountain portrait city night neon rain street cat dog horse ocean wave
sunset sunrise castle dragon knight robot spaceship galaxy planet moon star desert cactus snow winter
summer autumn spring flower garden rose tulip meadow field farm barn village market bridge tower
cathedral temple ruins jungle tiger lion eagle owl fox wolf bear whale dolphin shark coral reef island
beach palm boat sailboat harbour train station airport car bicycle motorcycle road highway tunnel cave
crystal gem gold silver copper iron steel glass wood stone marble clay paper fabric silk velvet leather
watercolor oil pastel charcoal pencil ink sketch painting photograph cinematic dramatic soft warm cold
vivid muted pale dark bright glowing misty foggy stormy cloudy sunny golden hour blue red green yellow
purple orange pink black white grey portrait landscape closeup wide aerial macro minimal detailed
surreal dreamy vintage retro futuristic cyberpunk steampunk baroque gothic impressionist cubist abstract
"""
REAL_WORDS = tuple(WORDS_TEXT.split())
SYLLABLE_TEXT = "ka lo mi ne ru sa te vo zi ba de fi go hu ja ke li mo nu pa qui ro su ta ve wa xo yu ze"
SYLLABLES = tuple(SYLLABLE_TEXT.split())


def vocabulary(size: int = VOCABULARY_SIZE) -> list[str]:
    """``size`` distinct words: real ones first (the common ranks), then made-up ones of 2-3 syllables."""
    words = list(dict.fromkeys(REAL_WORDS))
    made = ("".join(parts) for n in (2, 3) for parts in itertools.product(SYLLABLES, repeat=n))
    seen = set(words)
    for word in made:
        if len(words) >= size:
            break
        if word not in seen and not any(word.startswith(w) or w.startswith(word) for w in REAL_WORDS):
            words.append(word)
            seen.add(word)
    return words


def zipf_weights(size: int) -> list[float]:
    """Cumulative weights with frequency proportional to 1/rank."""
    return list(itertools.accumulate(1.0 / rank for rank in range(1, size + 1)))


@dataclass(frozen=True)
class Owner:
    """One seeded user, their one project and how many assets it holds."""

    user_id: uuid.UUID
    project_id: uuid.UUID
    assets: int


@dataclass
class Plan:
    """Who owns what: one big project and many users with one project each."""

    big: Owner
    others: list[Owner]

    @property
    def total(self) -> int:
        """Assets in all."""
        return self.big.assets + sum(owner.assets for owner in self.others)


def make_plan(big: int, users: int, per_user: int) -> Plan:
    """Fresh ids for the big user (extra, not one of the others) and ``users`` users."""
    return Plan(
        big=Owner(uuid.uuid4(), uuid.uuid4(), big),
        others=[Owner(uuid.uuid4(), uuid.uuid4(), per_user) for _ in range(users)],
    )


def seed_accounts(engine: Engine, plan: Plan) -> None:
    """The users (one argon2 hash shared by all) and their projects, through the models."""
    password = hash_password("bench passphrase 1")
    now = datetime.now(UTC)
    with Session(engine) as session:
        for number, owner in enumerate([plan.big, *plan.others]):
            session.add(User(id=owner.user_id, email=f"bench{number}@example.com", password_hash=password))
            session.flush()
            session.add(
                Project(
                    id=owner.project_id,
                    owner_id=owner.user_id,
                    name=f"Gallery {number}",
                    name_key=f"gallery {number}",
                    created_at=now,
                    updated_at=now,
                    last_activity_at=now,
                )
            )
        session.commit()


def asset_rows(
    owner: Owner, rng: random.Random, words: list[str], weights: list[float]
) -> Iterator[dict[str, Any]]:
    """``owner.assets`` rows with Zipf-distributed prompts, created at random moments over a year."""
    start = datetime.now(UTC) - YEAR
    kinds = [(kind, mime) for kind, mime, share in KINDS for _ in range(share)]
    for _ in range(owner.assets):
        asset_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        kind, mime = rng.choice(kinds)
        prompt = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(6, 12)))
        name = f"{rng.choice(words).capitalize()} {rng.choice(words)} {rng.randrange(10_000)}"
        created = start + timedelta(seconds=rng.random() * YEAR.total_seconds())
        yield {
            "id": asset_id,
            "owner_id": owner.user_id,
            "project_id": owner.project_id,
            "kind": kind,
            "storage_key": storage_key(owner.user_id, owner.project_id, asset_id, mime),
            "mime_type": mime,
            "bytes": rng.randrange(10_000, 5_000_000),
            "name": name,
            "name_key": name.casefold(),
            "description": "",
            "prompt": prompt,
            "cost_micros": rng.randrange(0, 400) * 500,
            "favourite": rng.random() < 0.05,
            "preview_status": "ready",
            "previews": {},
            "created_at": created,
            "updated_at": created,
        }


COLUMNS = tuple(next(asset_rows(Owner(uuid.uuid4(), uuid.uuid4(), 1), random.Random(0), ["a"], [1.0])))


def all_rows(plan: Plan, seed: int = 12) -> Iterator[dict[str, Any]]:
    """Every asset of the plan, the same on every call (a fixed random seed)."""
    rng, words = random.Random(seed), vocabulary()
    weights = zipf_weights(len(words))
    for owner in [plan.big, *plan.others]:
        yield from asset_rows(owner, rng, words, weights)


def batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    """Rows in lists of ``size``."""
    while batch := list(itertools.islice(rows, size)):
        yield batch


def seed_sqlite(engine: Engine, plan: Plan, budget_seconds: float) -> int:
    """Bulk-insert the assets (core insert, 10k a batch); stop early past the budget. Returns rows written."""
    written, started = 0, time.monotonic()
    table = Asset.__table__  # type: ignore[attr-defined]
    for batch in batches(all_rows(plan)):
        with engine.begin() as connection:
            connection.execute(insert(table), batch)
        written += len(batch)
        if time.monotonic() - started > budget_seconds:
            break
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return written


def psycopg_url(url: str) -> str:
    """A SQLAlchemy ``postgresql+psycopg://`` URL as a libpq one."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def seed_postgres(url: str, plan: Plan) -> int:
    """COPY the assets in (the generated tsvector fills itself), then VACUUM ANALYZE. Returns rows written."""
    written = 0
    columns = ", ".join(COLUMNS)
    with psycopg.connect(psycopg_url(url)) as connection:
        with connection.cursor() as cursor, cursor.copy(f"COPY assets ({columns}) FROM STDIN") as copy:
            for row in all_rows(plan):
                copy.write_row(tuple("{}" if name == "previews" else row[name] for name in COLUMNS))
                written += 1
        connection.commit()
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return written


def create_database(server: str, name: str) -> str:
    """A fresh PostgreSQL database ``name`` on ``server`` (dropped first if left over); returns its URL."""
    drop_database(server, name)
    with psycopg.connect(psycopg_url(f"{server}/postgres"), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:
    """Drop the database ``name`` if it exists, closing its connections."""
    with psycopg.connect(psycopg_url(f"{server}/postgres"), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
