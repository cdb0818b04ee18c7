"""Database engine and sessions: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from mediaws.config import Settings, get_settings


def pool_sizes(settings: Settings) -> tuple[int, int]:
    """Pool size and overflow: a connection for every API thread plus the reserve, on any database."""
    return settings.api_threads + settings.db_pool_reserve, settings.db_pool_reserve


def make_engine(url: str, settings: Settings | None = None) -> Engine:
    """Create an engine with the pragmas and pool settings mediaws relies on."""
    pool_size, max_overflow = pool_sizes(settings or get_settings())
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=max_overflow,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    """Return the shared engine for the configured database."""
    return _engine_for(get_settings().database_url)


@contextmanager
def committing(session: Session) -> Iterator[Session]:
    """Use a session that commits on success, rolls back on any error, and is closed after."""
    with session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def session_scope(engine: Engine | None = None) -> AbstractContextManager[Session]:
    """Open a session on the configured database that commits on success and rolls back on any error."""
    return committing(Session(engine or get_engine(), expire_on_commit=False))
