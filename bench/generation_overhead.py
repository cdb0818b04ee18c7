"""App overhead per text generation (queue, claim, run, store, price) and worker throughput.

An instant fake provider registered like any plug-in stands in for OpenAI, so the time measured is
mediaws's own: total per generation minus the time spent inside the provider. Runs on SQLite and,
when PostgreSQL answers at MEDIAWS_BENCH_DATABASE_URL (default: the local `test` server), on a
fresh PostgreSQL database too.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from mediaws.deps import Deps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mediaws import migrations
from mediaws.config import Settings
from mediaws.db import make_engine
from mediaws.jobs.worker import Worker
from mediaws.providers.base import (
    Capability,
    GenerationResult,
    ModelInfo,
    Provider,
    Registry,
    TextRequest,
    Usage,
)
from mediaws.security.crypto import Keyring
from mediaws.security.master_key import decode_key, generate_key
from mediaws.services import accounts, generation, job_runner, keys, projects
from mediaws.storage import LocalStorage

RUNS = int(os.environ.get("BENCH_RUNS", "500"))
THROUGHPUT_JOBS = int(os.environ.get("BENCH_JOBS", "300"))
PG_URL = os.environ.get("MEDIAWS_BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


class InstantProvider(Provider):
    """Answers at once with fixed usage; records how long it was inside."""

    id = "openai"
    label = "OpenAI (instant fake)"
    inside: list[float] = []

    @classmethod
    def models(cls) -> tuple[ModelInfo, ...]:
        """One priced text model."""
        return (ModelInfo("gpt-4.1", "GPT-4.1", Capability.TEXT),)

    def generate_text(self, request: TextRequest) -> GenerationResult:
        """Return a short answer immediately."""
        start = time.perf_counter()
        result = GenerationResult(
            provider=self.id,
            model=request.model,
            capability=Capability.TEXT,
            usage=Usage(input_tokens=12, output_tokens=3),
            text="Hello there.",
        )
        self.inside.append(time.perf_counter() - start)
        return result


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the values fall."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(url: str, label: str) -> None:
    """Time RUNS generations one by one, then drain THROUGHPUT_JOBS queued ones."""
    migrations.upgrade(url)
    engine = make_engine(url)
    registry = Registry()
    registry.add(InstantProvider)
    with tempfile.TemporaryDirectory() as folder:
        deps = Deps(
            settings=Settings(data_dir=Path(folder), database_url=url),
            registry=registry,
            keyring=Keyring([decode_key(generate_key())]),
            storage=LocalStorage(Path(folder) / "files"),
            session_factory=lambda: Session(engine, expire_on_commit=False),
        )
        with deps.session_factory() as session:
            user = accounts.sign_up(
                session=session,
                email=f"bench-{secrets.token_hex(4)}@example.com",
                password="benchmark passphrase",
            )
            project = projects.create_project(session=session, owner_id=user.id, name="Bench")
            keys.save_key(
                session=session,
                keyring=deps.keyring,
                user_id=user.id,
                provider="openai",
                secret="sk-bench-000000000000000000",
            )
        worker = Worker(
            session_factory=deps.session_factory, handler=job_runner.job_handler(deps), name="bench"
        )

        def start_one(session: Session) -> None:
            generation.start_generation(
                session=session,
                deps=deps,
                user_id=user.id,
                project_id=project.id,
                capability="text",
                provider_id="openai",
                model="gpt-4.1",
                prompt="Say hello.",
                options={"max_output_tokens": 20},
            )

        overhead: list[float] = []
        for _ in range(RUNS):
            InstantProvider.inside.clear()
            began = time.perf_counter()
            with deps.session_factory() as session:
                start_one(session)
            assert worker.run_once() == "succeeded"
            overhead.append((time.perf_counter() - began - sum(InstantProvider.inside)) * 1000)
        with deps.session_factory() as session:
            for _ in range(THROUGHPUT_JOBS):
                start_one(session)
        began = time.perf_counter()
        done = 0
        while worker.run_once() is not None:
            done += 1
        rate = done / (time.perf_counter() - began)
    commit = baseline_commit_ms(engine)
    engine.dispose()
    print(
        f"{label}: overhead per text generation over {RUNS} runs: p50 {percentile(overhead, 0.5):.2f} ms  "
        f"p95 {percentile(overhead, 0.95):.2f} ms  mean {statistics.fmean(overhead):.2f} ms"
    )
    print(
        f"{label}: baseline, one row inserted and committed: p50 {commit:.2f} ms; "
        f"a generation costs {percentile(overhead, 0.5) / commit:.1f}x that"
    )
    print(f"{label}: one worker drained {done} queued jobs at {rate:.1f} jobs/s")


def baseline_commit_ms(engine: Engine, runs: int = 300) -> float:
    """The p50 of the smallest durable write on this database: insert one row, commit."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_baseline (id VARCHAR(36) PRIMARY KEY, payload TEXT)"))
    times: list[float] = []
    for _ in range(runs):
        began = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO bench_baseline (id, payload) VALUES (:id, :payload)"),
                {"id": secrets.token_hex(16), "payload": "x" * 200},
            )
        times.append((time.perf_counter() - began) * 1000)
    return percentile(times, 0.5)


def postgres_database() -> str | None:
    """Create a scratch database on the local server, or None if it does not answer."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"mediaws_bench_{secrets.token_hex(4)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL skipped: {type(exc).__name__}")
        return None
    finally:
        admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop(url: str) -> None:
    """Drop the scratch database."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    """Run on SQLite, then PostgreSQL."""
    with tempfile.TemporaryDirectory() as folder:
        measure(f"sqlite:///{folder}/bench.db", "SQLite")
    pg = postgres_database()
    if pg:
        try:
            measure(pg, "PostgreSQL")
        finally:
            drop(pg)


if __name__ == "__main__":
    main()
