"""Run the alembic history from code (CLI, tests, app start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from mediaws.config import get_settings

ROOT = Path(__file__).resolve().parent.parent


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
