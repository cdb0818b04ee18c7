"""How the usage CSV export scales: 100,000 ledger rows streamed, time and peak memory (issue #14).

A child process exports every row to /dev/null and reports its peak RSS; a second child does the same
imports and opens the same database but exports one day with nothing in it (the baseline), so the
difference is what the rows cost. Target: memory flat, within +50 MB of the baseline.

    .venv/bin/python bench/analytics_export.py [--rows 100000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHILD = """
import json, resource, sys, time, uuid
from datetime import date
from mediaws.db import make_engine
from sqlmodel import Session
from mediaws.services import analytics, analytics_export
url, user, first, last = sys.argv[1], uuid.UUID(sys.argv[2]), sys.argv[3], sys.argv[4]
engine = make_engine(url)
filters = analytics.Filters(date.fromisoformat(first), date.fromisoformat(last))
began, size = time.perf_counter(), 0
with open("/dev/null", "wb") as sink:
    for chunk in analytics_export.csv_chunks(lambda: Session(engine), user, filters):
        size += len(chunk)
        sink.write(chunk)
print(json.dumps({"seconds": time.perf_counter() - began, "bytes": size,
                  "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def fill(url: str, rows: int) -> uuid.UUID:
    """Migrate the database and insert one user with ``rows`` ledger entries over 90 days."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from mediaws import migrations
    from mediaws.db import make_engine
    from mediaws.models import LedgerEntry, Project, User

    migrations.upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        user = User(email=f"export-{uuid.uuid4().hex[:8]}@example.com", password_hash="x")
        session.add(user)
        session.flush()
        project = Project(owner_id=user.id, name="Bench", name_key=uuid.uuid4().hex)
        session.add(project)
        session.commit()
        start = datetime(2026, 9, 1, tzinfo=UTC)
        for offset in range(0, rows, 5_000):
            session.execute(
                insert(LedgerEntry.__table__),  # type: ignore[attr-defined]
                [
                    {
                        "id": uuid.uuid4(),
                        "generation_id": uuid.uuid4(),
                        "user_id": user.id,
                        "project_id": project.id,
                        "provider": "openai",
                        "model": "gpt-4.1",
                        "capability": "text",
                        "status": "succeeded",
                        "cost_picos": 4_136_000_000 + n,
                        "reported_cost_picos": 4_136_000_000 + n,
                        "tokens_total": 1801,
                        "image_count": 0,
                        "video_seconds": Decimal(0),
                        "characters": 0,
                        "duration_ms": 900,
                        "created_at": start,
                        "completed_at": start + timedelta(seconds=77 * n),
                    }
                    for n in range(offset, min(offset + 5_000, rows))
                ],
            )
        session.commit()
        user_id = user.id
    engine.dispose()
    return user_id


def child(url: str, user: uuid.UUID, first: date, last: date) -> dict[str, float]:
    """Run one export in a fresh process and return its figures."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(user), first.isoformat(), last.isoformat()],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    figures: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def run(name: str, url: str, rows: int) -> None:
    """Fill a database and print the export's figures."""
    began = time.perf_counter()
    user = fill(url, rows)
    print(f"{name}: {rows:,} ledger rows inserted in {time.perf_counter() - began:.1f} s")
    base = child(url, user, date(2020, 1, 1), date(2020, 1, 1))
    full = child(url, user, date(2026, 8, 31), date(2026, 12, 31))
    grown = (full["peak_kb"] - base["peak_kb"]) / 1024
    print(
        f"  export {rows:,} rows: {full['seconds']:.2f} s ({rows / full['seconds']:,.0f} rows/s), "
        f"{full['bytes'] / 1e6:.1f} MB of CSV"
    )
    print(
        f"  peak RSS {full['peak_kb'] / 1024:.0f} MB vs {base['peak_kb'] / 1024:.0f} MB for an empty export: "
        f"+{grown:.1f} MB (target ≤ +50 MB: {'met' if grown <= 50 else 'MISSED'})"
    )


def main() -> None:
    """Print the figures for SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("MEDIAWS_DATA_DIR", folder)
        run("SQLite (file, WAL)", f"sqlite:///{folder}/export.db", args.rows)
    if args.postgres:
        run("PostgreSQL", args.postgres, args.rows)


if __name__ == "__main__":
    main()
