"""The alembic history builds, removes and rebuilds exactly the schema the models describe."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from mediaws import migrations
from mediaws.db import make_engine
from mediaws.models import Generation, LedgerEntry, Project, UsageBucket, User
from mediaws.services import ledger

FIRST = {"users", "sessions", "projects", "api_keys", "login_attempts"}
TABLES = FIRST | {
    "generations",
    "async_jobs",
    "assets",
    "personal_access_tokens",
    "tags",
    "asset_tags",
    "storage_deletions",
    "ledger_entries",
    "usage_analytics",
    "sent_emails",
    "usage_hours",
    "usage_day_hours",
}


def table_names(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names()) - {"alembic_version"}
        return {name for name in names if not name.startswith("assets_fts")}


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": migrations.include_object}
        )
        return list(compare_metadata(context, SQLModel.metadata))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_upgrade_downgrade_upgrade_on_a_fresh_database(fresh_db_url: str) -> None:
    engine = make_engine(fresh_db_url)
    try:
        assert table_names(engine) == set()
        migrations.upgrade(fresh_db_url)
        assert table_names(engine) == TABLES
        assert current_revision(engine) is not None

        migrations.downgrade(fresh_db_url, "base")
        assert table_names(engine) == set()
        assert current_revision(engine) is None

        migrations.upgrade(fresh_db_url)
        assert table_names(engine) == TABLES
    finally:
        engine.dispose()


def test_upgrade_twice_is_a_no_op(fresh_db_url: str) -> None:
    migrations.upgrade(fresh_db_url)
    engine = make_engine(fresh_db_url)
    try:
        revision = current_revision(engine)
        migrations.upgrade(fresh_db_url)
        assert current_revision(engine) == revision
        assert table_names(engine) == TABLES
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(fresh_db_url: str) -> None:
    migrations.upgrade(fresh_db_url)
    engine = make_engine(fresh_db_url)
    try:
        assert schema_diff(engine) == []
    finally:
        engine.dispose()


def test_foreign_keys_cascade_from_users(fresh_db_url: str) -> None:
    migrations.upgrade(fresh_db_url)
    engine = make_engine(fresh_db_url)
    try:
        with engine.connect() as conn:
            inspector = inspect(conn)
            for table, column in (
                ("sessions", "user_id"),
                ("projects", "owner_id"),
                ("api_keys", "user_id"),
            ):
                (foreign_key,) = inspector.get_foreign_keys(table)
                assert foreign_key["referred_table"] == "users"
                assert foreign_key["constrained_columns"] == [column]
                assert foreign_key["options"].get("ondelete") == "CASCADE"
    finally:
        engine.dispose()


def test_downgrade_one_step_removes_only_the_generation_tables(fresh_db_url: str) -> None:
    """Revision 0002 adds generations, jobs and assets, and takes back exactly those."""
    migrations.upgrade(fresh_db_url)
    migrations.downgrade(fresh_db_url, "0001")
    engine = make_engine(fresh_db_url)
    try:
        assert table_names(engine) == FIRST
    finally:
        engine.dispose()


def test_generations_finished_before_the_ledger_are_entered_by_its_migration(fresh_db_url: str) -> None:
    """Upgrading a database with history enters each finished generation once, in UTC day and month totals."""
    migrations.upgrade(fresh_db_url, "0010")
    engine = make_engine(fresh_db_url)
    user, project = uuid.uuid4(), uuid.uuid4()
    finished = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    try:
        with Session(engine) as session:
            _insert_old(
                session,
                User,
                id=user,
                email="old@example.com",
                password_hash="x",
                auth_backend="local",
                created_at=finished,
            )
            _insert_old(
                session,
                Project,
                id=project,
                owner_id=user,
                name="Old",
                name_key="old",
                description="",
                created_at=finished,
                updated_at=finished,
                last_activity_at=finished,
            )
            for status, picos in (("succeeded", 1_500_000), ("failed", 250_000), ("queued", None)):
                _insert_old(
                    session,
                    Generation,
                    id=uuid.uuid4(),
                    owner_id=user,
                    project_id=project,
                    capability="text",
                    provider="openai",
                    model="gpt-4.1",
                    prompt="p",
                    options={},
                    status=status,
                    tokens_total=100,
                    video_seconds=0,
                    predict_seconds=0,
                    usage={},
                    fallbacks=[],
                    estimated_cost_micros=0,
                    cost_picos=picos,
                    cost_source="provider_usage",
                    created_at=finished,
                    completed_at=finished if picos else None,
                    duration_ms=1000,
                    tokens_input=0,
                    tokens_output=0,
                    tokens_cached=0,
                    image_count=0,
                    characters=0,
                    output_count=0,
                )
            session.commit()
        migrations.upgrade(fresh_db_url)
        with Session(engine) as session:
            entries = session.exec(select(LedgerEntry)).all()
            assert sorted(e.status for e in entries) == ["failed", "succeeded"]
            buckets = {b.period_type: b for b in session.exec(select(UsageBucket)).all()}
            assert set(buckets) == {"day", "month"}
            assert buckets["day"].period_start == datetime(2026, 11, 30, tzinfo=UTC)
            assert buckets["month"].period_start == datetime(2026, 11, 1, tzinfo=UTC)
            for bucket in buckets.values():
                assert (bucket.request_count, bucket.success_count, bucket.failure_count) == (2, 1, 1)
                assert (bucket.cost_picos, bucket.total_tokens, bucket.timed_count) == (1_750_000, 200, 2)
            assert ledger.check(session) == []
    finally:
        engine.dispose()


def _insert_old(session: Session, table_class: type[SQLModel], /, **values: object) -> None:
    """Insert a row with only the given columns, as an older schema holds them (no newer defaults)."""
    columns = table_class.__table__.c  # type: ignore[attr-defined]
    table = sa.table(table_class.__tablename__, *(sa.column(k, columns[k].type) for k in values))
    session.execute(sa.insert(table).values(**values))
