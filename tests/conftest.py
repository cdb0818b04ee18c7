"""Shared fixtures: settings, migrated databases (SQLite and PostgreSQL), sessions and users.

The schema always comes from the alembic history (``mediaws.migrations.upgrade``), never from
``create_all``, so every integration test also exercises the migrations.

PostgreSQL runs only when ``MEDIAWS_TEST_DATABASE_URL`` names a server we may create databases
on, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

import mediaws.models  # noqa: F401  (registers every table in SQLModel.metadata)
from mediaws import migrations
from mediaws.config import Settings, get_settings, normalize_database_url
from mediaws.db import make_engine
from mediaws.deps import Deps
from mediaws.models import User
from mediaws.providers.registry import default_registry
from mediaws.security import crypto
from mediaws.security.crypto import Keyring
from mediaws.security.master_key import decode_key, generate_key
from mediaws.security.passwords import hash_password
from mediaws.storage import LocalStorage

TEST_DATABASE_ENV = "MEDIAWS_TEST_DATABASE_URL"
PASSWORD = "violet-harbour-lantern-42"
TABLES = (
    "users",
    "sessions",
    "projects",
    "api_keys",
    "login_attempts",
    "generations",
    "async_jobs",
    "assets",
    "personal_access_tokens",
    "sent_emails",
)


def _clear_caches() -> None:
    get_settings.cache_clear()
    crypto.keyring_source.cache_clear()


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Keep the developer's MEDIAWS_* variables, .env file and cached settings out of tests."""
    for name in list(os.environ):
        if name.startswith("MEDIAWS_") and name != TEST_DATABASE_ENV:
            monkeypatch.delenv(name)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    _clear_caches()
    yield
    _clear_caches()


# --- PostgreSQL ------------------------------------------------------------------------------


class PostgresDatabases:
    """Creates uniquely named databases on the test server and drops them all at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = normalize_database_url(server_url)
        self._admin = create_engine(self.server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._created: list[str] = []

    def create(self) -> str:
        """Create an empty database and return its URL."""
        name = f"mediaws_t_{secrets.token_hex(6)}"
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        """Drop one database made by ``create``."""
        name = make_url(url).database
        assert name in self._created
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._created.remove(name)

    def drop_all(self) -> None:
        """Drop every database still left."""
        for name in list(self._created):
            with self._admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._created.remove(name)
        self._admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """The PostgreSQL server from MEDIAWS_TEST_DATABASE_URL, or skip."""
    server_url = os.environ.get(TEST_DATABASE_ENV, "").strip()
    if not server_url:
        pytest.skip(f"{TEST_DATABASE_ENV} is not set; PostgreSQL tests skipped")
    databases = PostgresDatabases(server_url)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_migrated_url(postgres_databases: PostgresDatabases) -> str:
    """One PostgreSQL database per test session, migrated to head."""
    url = postgres_databases.create()
    migrations.upgrade(url)
    return url


def _truncate_postgres(url: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            conn.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
    finally:
        engine.dispose()


# --- SQLite ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


# --- Databases as tests see them -------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a database migrated to head and empty; SQLite file or PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "db" / "mediaws.db"
        path.parent.mkdir()
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    url: str = request.getfixturevalue("postgres_migrated_url")
    yield url
    _truncate_postgres(url)


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a brand-new database with no tables at all (not migrated)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'mediaws.db'}"
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    url = databases.create()
    yield url
    databases.drop(url)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """Engine on the test database, built the way the app builds it."""
    built = make_engine(db_url)
    yield built
    built.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """An ORM session like the app's (no expiry on commit)."""
    with Session(engine, expire_on_commit=False) as opened:
        yield opened


@pytest.fixture
def make_settings(tmp_path: Path, db_url: str) -> Callable[..., Settings]:
    """Build Settings for the test database and data dir, with overrides."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "database_url": db_url}
        values.update(overrides)
        return Settings(**values)

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    """Default settings on the test database."""
    return make_settings()


@pytest.fixture
def keyring() -> Keyring:
    """A keyring with one fresh master key."""
    return Keyring([decode_key(generate_key())])


@pytest.fixture
def make_deps(
    engine: Engine, keyring: Keyring, make_settings: Callable[..., Settings], tmp_path: Path
) -> Callable[..., Deps]:
    """What generations need: the test database, real files in a temp dir, the real provider registry.

    Keyword arguments override settings, e.g. a provider's base URL pointing at a fake server.
    """

    def build(**settings: Any) -> Deps:
        return Deps(
            settings=make_settings(**settings),
            registry=default_registry(),
            keyring=keyring,
            storage=LocalStorage(tmp_path / "files"),
            session_factory=lambda: Session(engine, expire_on_commit=False),
        )

    return build


# --- Users -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def password_hash() -> str:
    """One argon2id hash of PASSWORD, reused so factories stay fast."""
    return hash_password(PASSWORD)


@pytest.fixture
def make_user(session: Session, password_hash: str) -> Callable[..., User]:
    """Insert a user row directly (password is PASSWORD) and return it."""

    def build(email: str | None = None) -> User:
        user = User(email=email or f"user-{uuid.uuid4().hex[:10]}@example.com", password_hash=password_hash)
        session.add(user)
        session.commit()
        return user

    return build


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    """One user."""
    return make_user()


@pytest.fixture
def other_user(make_user: Callable[..., User]) -> User:
    """A second, unrelated user."""
    return make_user()
