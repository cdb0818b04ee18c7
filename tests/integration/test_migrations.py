"""The alembic history builds, removes and rebuilds exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from mediaws import migrations
from mediaws.db import make_engine

FIRST = {"users", "sessions", "projects", "api_keys", "login_attempts"}
TABLES = FIRST | {
    "generations",
    "async_jobs",
    "assets",
    "personal_access_tokens",
    "tags",
    "asset_tags",
    "storage_deletions",
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
