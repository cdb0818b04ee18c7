"""Settings: environment variables, URL normalisation and production refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediaws.config import Environment, Settings, get_settings
from mediaws.errors import ConfigError
from mediaws.security.master_key import generate_key

PG_URL = "postgresql+psycopg://app:s3cret-Pass@db.internal:5432/mediaws"


@pytest.mark.parametrize("key", [None, "", "   ", "changeme", "CHANGEME", "secret", "placeholder"])
def test_production_refuses_a_missing_or_placeholder_master_key(tmp_path: Path, key: str | None) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(env="production", data_dir=tmp_path, database_url=PG_URL, master_key=key)
    assert "MEDIAWS_MASTER_KEY" in str(caught.value)
    assert "mediaws keys generate" in str(caught.value)


def test_production_refuses_a_missing_master_key_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAWS_ENV", "production")
    monkeypatch.setenv("MEDIAWS_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError) as caught:
        get_settings()
    assert "MEDIAWS_MASTER_KEY" in str(caught.value)


def test_production_with_a_real_key_works(tmp_path: Path) -> None:
    key = generate_key()
    settings = Settings(env="production", data_dir=tmp_path, database_url=PG_URL, master_key=key)
    assert settings.env is Environment.PRODUCTION
    assert settings.master_key is not None
    assert settings.master_key.get_secret_value() == key
    assert key not in repr(settings)


def test_development_without_a_key_works(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.env is Environment.DEVELOPMENT
    assert settings.master_key is None


def test_test_environment_without_a_key_works(tmp_path: Path) -> None:
    assert Settings(env="test", data_dir=tmp_path).master_key is None


@pytest.mark.parametrize("word", ["changeme", "secret", "placeholder"])
def test_production_refuses_a_placeholder_database_password(tmp_path: Path, word: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(
            env="production",
            data_dir=tmp_path,
            master_key=generate_key(),
            database_url=f"postgres://app:{word}@db:5432/mediaws",
        )
    assert "DATABASE_URL" in str(caught.value)
    assert word in str(caught.value)


def test_development_allows_a_placeholder_database_password(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="postgres://app:changeme@db/mediaws")
    assert settings.database_url == "postgresql+psycopg://app:changeme@db/mediaws"


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'mediaws.db'}"
    assert settings.is_sqlite
    assert settings.keyring_path == tmp_path / "data" / "master-keys.json"


def test_relative_data_dir_becomes_absolute(tmp_path: Path) -> None:
    settings = Settings(data_dir=Path("state"))
    assert settings.data_dir.is_absolute()
    assert settings.data_dir == Path.cwd().resolve() / "state"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/d", "postgresql+psycopg://u:p@h:5432/d"),
        ("postgresql://u:p@h/d", "postgresql+psycopg://u:p@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:////srv/mediaws.db", "sqlite:////srv/mediaws.db"),
    ],
)
def test_database_url_is_normalised_to_psycopg(tmp_path: Path, given: str, expected: str) -> None:
    settings = Settings(data_dir=tmp_path, database_url=given)
    assert settings.database_url == expected
    assert settings.is_sqlite == expected.startswith("sqlite")


@pytest.mark.parametrize("variable", ["DATABASE_URL", "MEDIAWS_DATABASE_URL"])
def test_database_url_is_read_from_either_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "postgres://app:pw@db.example:5432/media")
    monkeypatch.setenv("MEDIAWS_DATA_DIR", str(tmp_path))
    settings = get_settings()
    assert settings.database_url == "postgresql+psycopg://app:pw@db.example:5432/media"
    assert settings.data_dir == tmp_path.resolve()


def test_environment_variables_configure_login_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAWS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIAWS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "3")
    monkeypatch.setenv("MEDIAWS_SESSION_LIFETIME_HOURS", "12")
    settings = get_settings()
    assert settings.login_max_failures_per_account == 3
    assert settings.session_lifetime_hours == 12
    assert get_settings() is settings


def test_dotenv_file_in_working_directory_is_read(tmp_path: Path) -> None:
    Path(".env").write_text(f"MEDIAWS_DATA_DIR={tmp_path / 'from-dotenv'}\nMEDIAWS_ENV=test\n")
    settings = Settings()
    assert settings.data_dir == (tmp_path / "from-dotenv").resolve()
    assert settings.env is Environment.TEST


@pytest.mark.parametrize("hours", [0, 24 * 366])
def test_session_lifetime_out_of_range_is_refused(tmp_path: Path, hours: int) -> None:
    with pytest.raises(ValueError, match="session_lifetime_hours"):
        Settings(data_dir=tmp_path, session_lifetime_hours=hours)


def test_procrastinate_engine_refuses_sqlite(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(data_dir=tmp_path, job_engine="procrastinate")
    assert "MEDIAWS_JOB_ENGINE=procrastinate" in str(caught.value)
    assert "PostgreSQL" in str(caught.value)


def test_procrastinate_engine_is_read_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAWS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db.example:5432/media")
    monkeypatch.setenv("MEDIAWS_JOB_ENGINE", "procrastinate")
    assert get_settings().job_engine == "procrastinate"


def test_default_job_engine_is_embedded(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).job_engine == "embedded"


def test_unknown_job_engine_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="job_engine"):
        Settings(data_dir=tmp_path, job_engine="celery")


def test_api_threads_default_to_what_the_database_serves_best(tmp_path: Path) -> None:
    """SQLite gets few threads (more only thrash the GIL), PostgreSQL more; a set value is kept."""
    assert Settings(data_dir=tmp_path).api_threads == 4
    postgres = Settings(data_dir=tmp_path, database_url="postgresql://u@db/mediaws")
    assert postgres.api_threads == 16
    assert Settings(data_dir=tmp_path, api_threads=9).api_threads == 9
