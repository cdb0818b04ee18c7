"""What entering a finished generation in the spend ledger adds to finishing it (issue #14).

Finishing a generation commits its status; with the ledger the same transaction also inserts its entry and
adds it to its day's and month's totals (two upserts). This times, in one run and on each database, the
finishing commit alone (the baseline) and with the ledger, and the totals' check over what was entered;
then eight threads finishing at once on PostgreSQL, the case the upserts are there for.

    .venv/bin/python bench/ledger.py [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mediaws import migrations
from mediaws.db import make_engine
from mediaws.models import Generation, Project, User
from mediaws.services import ledger

ROUNDS = 2_000


def finished(owner: uuid.UUID, project: uuid.UUID, moment: datetime) -> Generation:
    """A generation as the worker leaves it when it succeeds."""
    return Generation(
        owner_id=owner,
        project_id=project,
        capability="text",
        provider="openai",
        model="gpt-4.1",
        prompt="p",
        status="succeeded",
        cost_picos=4_136_000_000,
        cost_source="provider_usage",
        tokens_total=1801,
        video_seconds=Decimal(0),
        completed_at=moment,
        duration_ms=900,
    )


def owner_and_project(engine: Engine) -> tuple[uuid.UUID, uuid.UUID]:
    """A fresh account in Auckland time with one project."""
    with Session(engine, expire_on_commit=False) as session:
        user = User(
            email=f"bench-{uuid.uuid4().hex[:8]}@example.com", password_hash="x", time_zone="Pacific/Auckland"
        )
        session.add(user)
        session.flush()
        project = Project(owner_id=user.id, name="Bench", name_key=uuid.uuid4().hex)
        session.add(project)
        session.commit()
        return user.id, project.id


def finish_all(engine: Engine, *, with_ledger: bool, rounds: int = ROUNDS) -> list[float]:
    """Seconds per finishing transaction, each generation its own commit as in the worker."""
    owner, project = owner_and_project(engine)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    samples = []
    with Session(engine, expire_on_commit=False) as session:
        for n in range(rounds):
            generation = finished(owner, project, start + timedelta(minutes=37 * n))
            began = time.perf_counter()
            session.add(generation)
            session.flush()
            if with_ledger:
                ledger.enter(session, generation)
            session.commit()
            samples.append(time.perf_counter() - began)
    return samples


def line(name: str, samples: list[float]) -> float:
    """Print p50/p95 in milliseconds; return p50."""
    ordered = sorted(samples)
    p50, p95 = statistics.median(ordered), ordered[int(len(ordered) * 0.95)]
    print(f"  {name:<46} p50 {p50 * 1e3:7.3f} ms   p95 {p95 * 1e3:7.3f} ms")
    return p50


def concurrent(engine: Engine, threads: int = 8, each: int = 250) -> None:
    """Threads finishing generations into the same totals at once: throughput, and that nothing is lost."""
    owner, project = owner_and_project(engine)
    moment = datetime(2026, 12, 1, 12, tzinfo=UTC)
    barrier = threading.Barrier(threads + 1)

    def work() -> None:
        barrier.wait()
        with Session(engine, expire_on_commit=False) as session:
            for _ in range(each):
                generation = finished(owner, project, moment)
                session.add(generation)
                session.flush()
                ledger.enter(session, generation)
                session.commit()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    took = time.perf_counter() - began
    with Session(engine) as session:
        count = session.execute(
            text("SELECT request_count FROM usage_analytics WHERE user_id = :u AND period_type = 'day'"),
            {"u": owner},
        ).scalar_one()
    print(
        f"  {threads} threads x {each} finishing at once: {threads * each / took:,.0f} generations/s, "
        f"day total counts {count} of {threads * each}"
    )


def run(name: str, url: str) -> None:
    """Migrate a database and print its figures."""
    migrations.upgrade(url)
    engine = make_engine(url)
    try:
        print(name)
        base = line("finish a generation (baseline)", finish_all(engine, with_ledger=False))
        full = line("finish it and enter it in the ledger", finish_all(engine, with_ledger=True))
        print(f"  ledger adds {(full - base) * 1e3:.3f} ms per generation ({full / base:.2f}x the commit)")
        with Session(engine) as session:
            began = time.perf_counter()
            differences = ledger.check(session)
            print(
                f"  check all totals: {time.perf_counter() - began:.2f} s, {len(differences)} difference(s)"
            )
        if engine.dialect.name == "postgresql":
            concurrent(engine)
    finally:
        engine.dispose()


def main() -> None:
    """Print the figures for SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite (file, WAL)", f"sqlite:///{folder}/bench.db")
    if args.postgres:
        run("PostgreSQL", args.postgres)


if __name__ == "__main__":
    main()
