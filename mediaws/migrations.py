"""Run the alembic history from code (CLI, tests, app start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from mediaws.config import get_settings

ROOT = Path(__file__).resolve().parent.parent
SEARCH_OBJECTS = ("assets_fts", "search_vector", "ix_assets_search_vector")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Leave out of model comparisons what search keeps beside the models (FTS5 tables, tsvector column)."""
    return not (name or "").startswith(SEARCH_OBJECTS)


def alembic_config(database_url: str | None = None) -> Config:
    """Return an alembic config for the repository's history and the given database."""
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["database_url"] = database_url or get_settings().database_url
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str | None = None, revision: str = "head") -> None:
    """Migrate the database forward."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str | None = None, revision: str = "base") -> None:
    """Migrate the database back."""
    command.downgrade(alembic_config(database_url), revision)


def upgrade_job_engine(database_url: str | None = None) -> bool:
    """Create the job engine's own tables (procrastinate's) when it is configured and they are missing."""
    settings = get_settings()
    if settings.job_engine != "procrastinate":
        return False
    from mediaws.jobs.engine import ensure_schema

    return ensure_schema(database_url or settings.database_url)


def rebuild_search(database_url: str | None = None) -> bool:
    """Re-read every asset into SQLite's FTS5 index; PostgreSQL's generated column needs nothing."""
    from sqlalchemy import text

    from mediaws.db import make_engine

    engine = make_engine(database_url or get_settings().database_url)
    try:
        if engine.dialect.name != "sqlite":
            return False
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO assets_fts(assets_fts) VALUES ('rebuild')"))
        return True
    finally:
        engine.dispose()
