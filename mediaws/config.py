"""Settings read from the environment (prefix ``MEDIAWS_``) and an optional ``.env`` file."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from mediaws.errors import ConfigError

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "changethis", "secret", "placeholder", "xxx", "todo", "none"}
)


class Environment(StrEnum):
    """Where the app runs; everything but development demands real secrets."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting mediaws reads; README.md lists them with their defaults."""

    model_config = SettingsConfigDict(
        env_prefix="MEDIAWS_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("data")
    database_url: str = Field(
        default="", validation_alias=AliasChoices("MEDIAWS_DATABASE_URL", "DATABASE_URL")
    )
    master_key: SecretStr | None = None
    previous_master_keys: SecretStr | None = None
    session_lifetime_hours: int = Field(default=24 * 14, ge=1, le=24 * 365)
    cookie_secure: bool = False
    login_window_minutes: int = Field(default=15, ge=1)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_client: int = Field(default=20, ge=1)
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None
    gemini_base_url: str | None = None
    elevenlabs_base_url: str | None = None
    replicate_base_url: str | None = None
    local_text_base_url: str | None = None
    provider_timeout_seconds: float = Field(default=120.0, gt=0)
    embedded_worker: bool = True
    long_job_timeout_seconds: int = Field(default=600, ge=10, le=24 * 3600)
    short_job_timeout_seconds: int = Field(default=180, ge=10, le=24 * 3600)
    job_engine: Literal["embedded", "procrastinate"] = "embedded"

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @model_validator(mode="after")
    def _defaults_and_refusals(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'mediaws.db'}"
        self.database_url = normalize_database_url(self.database_url)
        if self.job_engine == "procrastinate" and not self.database_url.startswith("postgresql"):
            raise ConfigError(
                "MEDIAWS_JOB_ENGINE=procrastinate keeps its queue in PostgreSQL, but DATABASE_URL is not a "
                "PostgreSQL database. Set DATABASE_URL to postgresql://… or use MEDIAWS_JOB_ENGINE=embedded."
            )
        if self.env is Environment.PRODUCTION:
            self._refuse_placeholders()
        return self

    def _refuse_placeholders(self) -> None:
        key = self.master_key.get_secret_value().strip() if self.master_key else ""
        if key.lower() in PLACEHOLDER_SECRETS:
            raise ConfigError(
                "MEDIAWS_MASTER_KEY is missing or a placeholder. In production set it to a fresh "
                "key: run `mediaws keys generate` and put the printed value in MEDIAWS_MASTER_KEY."
            )
        from mediaws.security.crypto import decode_key

        decode_key(key)
        if self.previous_master_keys is not None:
            for part in self.previous_master_keys.get_secret_value().split(","):
                if part.strip():
                    decode_key(part)
        lowered_url = self.database_url.lower()
        for word in PLACEHOLDER_SECRETS - {""}:
            if f":{word}@" in lowered_url:
                raise ConfigError(
                    f"DATABASE_URL uses the placeholder password '{word}'. "
                    "Set a real password before running in production."
                )

    @property
    def keyring_path(self) -> Path:
        """File holding generated master keys when none come from the environment."""
        return self.data_dir / "master-keys.json"

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def normalize_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once."""
    return Settings()
