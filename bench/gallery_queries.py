"""Timing bench/gallery.py's queries through list_assets, and the plans the database chose for them."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mediaws.services.asset_queries import AssetQuery, list_assets

RUNS = 200
WARM_UP = 20


def percentile(samples: list[float], share: float) -> float:
    """Milliseconds below which ``share`` of the samples fall (samples in seconds)."""
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


@dataclass
class Timing:
    """Latencies of one measured query and the plan of its asset SELECT."""

    name: str
    samples: list[float]
    plan: list[str]
    note: str = ""

    @property
    def p50(self) -> float:
        """Median, ms."""
        return percentile(self.samples, 0.5)

    @property
    def p95(self) -> float:
        """95th percentile, ms."""
        return percentile(self.samples, 0.95)


class Bench:
    """list_assets against one engine, each call in its own session as a request would."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.captured: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._capture)

    def _capture(self, _conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if (
            "FROM assets" in statement
            and "ORDER BY" in statement
            and "asset_tags.asset_id IN" not in statement
        ):
            self.captured.append((statement, parameters))

    def page(self, user_id: uuid.UUID, query: AssetQuery) -> tuple[int, str | None]:
        """One page: how many items and the next cursor."""
        with Session(self.engine) as session:
            found = list_assets(session=session, user_id=user_id, query=query)
        return len(found.items), found.next_cursor

    def cursor_of(self, user_id: uuid.UUID, query: AssetQuery, page: int) -> str | None:
        """Walk the cursors once; the cursor that fetches page number ``page`` (1-based)."""
        cursor = None
        for _ in range(page - 1):
            _, cursor = self.page(user_id, AssetQuery(**{**query.__dict__, "cursor": cursor}))
            if cursor is None:
                raise SystemExit(f"only {_ + 1} pages for {query}")
        return cursor

    def time(
        self, name: str, user_id: uuid.UUID, queries: Callable[[int], AssetQuery], runs: int = RUNS
    ) -> Timing:
        """``runs`` calls; the plan of the first one's asset SELECT."""
        samples, counts = [], []
        for run in range(min(runs, WARM_UP)):
            self.page(user_id, queries(run))
        for run in range(runs):
            began = time.perf_counter()
            count, _ = self.page(user_id, queries(run))
            samples.append(time.perf_counter() - began)
            counts.append(count)
        self.captured.clear()
        self.page(user_id, queries(0))
        note = f"{sum(1 for c in counts if c == 0)} of {runs} found nothing" if min(counts) == 0 else ""
        return Timing(name, samples, self.explain(*self.captured[-1]), note)

    def explain(self, statement: str, parameters: Any) -> list[str]:
        """The plan lines of one captured statement (EXPLAIN ANALYZE on PostgreSQL)."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            if self.engine.dialect.name == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                return [str(row[-1]) for row in cursor.fetchall()]
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + statement, parameters)
            return [str(row[0]).strip() for row in cursor.fetchall()]
        finally:
            raw.close()


def fixed(query: AssetQuery) -> Callable[[int], AssetQuery]:
    """The same query on every run."""
    return lambda _run: query


@contextmanager
def quiet_capture(bench: Bench) -> Iterator[None]:
    """Drop what was captured meanwhile (walking cursors captures a thousand statements)."""
    try:
        yield
    finally:
        bench.captured.clear()


def search_words(words: list[str], runs: int, seed: int = 7) -> list[tuple[str, list[int]]]:
    """``runs`` searches of 1-2 words: half among the 50 commonest, half from the whole vocabulary."""
    rng = random.Random(seed)
    picked = []
    for run in range(runs):
        ranks = [
            rng.randrange(50) if run % 2 == 0 else rng.randrange(len(words)) for _ in range(rng.randint(1, 2))
        ]
        picked.append((" ".join(words[rank] for rank in ranks), [rank + 1 for rank in ranks]))
    return picked
