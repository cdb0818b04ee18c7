"""Settings read from the environment (prefix ``MEDIAWS_``) and an optional ``.env`` file."""

from __future__ import annotations

from email.utils import parseaddr
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from mediaws.errors import ConfigError
from mediaws.security.client_address import parse_networks
from mediaws.security.master_key import decode_key

PLACEHOLDER_SECRETS = frozenset(
    {"", "changeme", "change-me", "changethis", "secret", "placeholder", "xxx", "todo", "none"}
)


LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
SQLITE_API_THREADS = 4
SERVER_API_THREADS = 16
SMTP_PORTS = {"ssl": 465, "starttls": 587, "none": 25}


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
    # Send the session cookie only over https; unset means "on when MEDIAWS_PUBLIC_URL is https".
    cookie_secure: bool | None = None
    # How long a failed login counts against the address and account it came from.
    login_window_minutes: int = Field(default=15, ge=1)
    # Failures of one account from one address before that address must wait (then waits double).
    login_max_failures_per_account: int = Field(default=5, ge=1)
    # Failures from one address over all accounts before it must wait (addresses the account never used).
    login_max_failures_per_client: int = Field(default=20, ge=1)
    # The first wait after the free failures; each further failure doubles it, up to login_max_delay_seconds.
    login_first_delay_seconds: int = Field(default=30, ge=1)
    login_max_delay_seconds: int = Field(default=900, ge=1)
    # Failures of one account from all new addresses before each new address waits, at most the cap below.
    login_account_failures_before_delay: int = Field(default=10, ge=1)
    login_account_max_delay_seconds: int = Field(default=30, ge=1)
    # An address an account logged in from within this many days is spared account- and address-wide waits.
    login_known_address_days: int = Field(default=30, ge=1)
    # Reverse proxies (IPs/CIDRs, comma-separated) whose X-Forwarded-For names the client; others are ignored.
    trusted_proxies: Annotated[list[str], NoDecode] = []
    # Idle minutes after which a browser tab's saved UI state (.states/) is deleted.
    state_expiry_minutes: int = Field(default=60, ge=1)
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
    # After SIGTERM/SIGINT a server process that has not stopped cleanly in this time exits anyway.
    shutdown_grace_seconds: float = Field(default=15.0, gt=0, le=3600)
    # Threads for blocking work (API routes, sign-in lookups) per server process; each holds at most one
    # database connection, so the pool is sized api_threads + db_pool_reserve. 0 picks by database:
    # SQLite 4 (its reads hand the GIL back and forth per row, so more threads only thrash), PostgreSQL 16.
    api_threads: int = Field(default=0, ge=0, le=512)
    # Connections on top of api_threads for the embedded worker and background tasks (also the overflow).
    db_pool_reserve: int = Field(default=8, ge=1, le=512)
    # /api requests one process works on at once; past this it answers 503 with Retry-After at once.
    api_max_in_flight: int = Field(default=2000, ge=1)
    # Largest /api request body (JSON); larger ones get 413 before being read.
    api_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Images (uploads and provider results) above this many pixels are refused before decoding.
    max_image_pixels: int = Field(default=40_000_000, ge=1)
    # How many images this process decodes at once; more wait their turn.
    image_decode_slots: int = Field(default=2, ge=1)
    # The one port serving pages, events, uploads and the API (rxconfig.py binds it).
    port: int = Field(default=3000, ge=1, le=65535)
    # The address the server binds: loopback unless you mean to expose it (e.g. 0.0.0.0 in a container).
    host: str = "127.0.0.1"
    # The URL people open; its origin is the only one allowed for CORS and cookie-authenticated writes.
    public_url: str = ""
    # Multipart framing allowed on upload bodies (/_upload, POST /api/assets) beyond the largest limit.
    upload_overhead_bytes: int = Field(default=64 * 1024, ge=1024)
    # Largest upload kept of each kind, in MB (1 MB = 1024 * 1024 bytes).
    max_image_mb: int = Field(default=20, ge=1, le=1024)
    max_video_mb: int = Field(default=2048, ge=1, le=1024 * 1024)
    max_audio_mb: int = Field(default=500, ge=1, le=1024 * 1024)
    max_text_mb: int = Field(default=2, ge=1, le=64)
    # Where asset files live: "local" (data_dir/files), "s3" (any S3-compatible store) or "supabase".
    storage_backend: Literal["local", "s3", "supabase"] = "local"
    s3_bucket: str = ""
    # Empty picks boto3's default region (AWS_REGION or its config); R2 takes "auto".
    s3_region: str = ""
    # Unset for AWS itself; set for R2, MinIO, Supabase's S3 endpoint and other S3-compatible stores.
    s3_endpoint_url: str | None = None
    # Unset keys fall back to boto3's own chain (environment, ~/.aws, instance role).
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    # "path" (https://host/bucket/key, MinIO's usual style) or "virtual" (https://bucket.host/key).
    s3_addressing_style: Literal["auto", "path", "virtual"] = "auto"
    # Hand browsers presigned GET URLs of the store instead of serving S3 files through mediaws.
    s3_presigned_urls: bool = False
    # Supabase project URL (https://<ref>.supabase.co), its service role key and this deployment's bucket.
    supabase_url: str = ""
    supabase_service_key: SecretStr | None = None
    supabase_bucket: str = ""
    # Longest life of a signed file link (a share or download link); longer requests are cut to this.
    share_link_max_days: int = Field(default=30, ge=1, le=365)
    # Life of the signed links the app's own pages use (gallery thumbnails, players), in seconds.
    file_link_seconds: int = Field(default=3600, ge=60, le=7 * 24 * 3600)
    # The mail server for cost summaries and budget warnings; empty host means mediaws sends no email.
    smtp_host: str = ""
    # 0 picks the security mode's usual port: 465 for "ssl", 587 for "starttls", 25 for "none".
    smtp_port: int = Field(default=0, ge=0, le=65535)
    # "starttls" upgrades a plain connection, "ssl" speaks TLS from the start; both verify the certificate.
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    # Log in (AUTH) with these when a username is set; never over an unencrypted connection to another host.
    smtp_username: str = ""
    smtp_password: SecretStr | None = None
    # The From address, e.g. "mediaws <noreply@example.com>"; required with a host.
    smtp_from: str = ""
    # How long to wait for the mail server at each step (connecting, each reply).
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    # A PEM file of the CA(s) to trust for the mail server instead of the system's (a private relay).
    smtp_ca_file: Path | None = None

    @field_validator("data_dir")
    @classmethod
    def _absolute_data_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            parse_networks(value)
        return value

    @model_validator(mode="after")
    def _defaults_and_refusals(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'mediaws.db'}"
        self.public_url = (self.public_url or f"http://localhost:{self.port}").rstrip("/")
        if self.cookie_secure is None:
            self.cookie_secure = self.public_url.lower().startswith("https://")
        self.database_url = normalize_database_url(self.database_url)
        if not self.api_threads:
            self.api_threads = SQLITE_API_THREADS if self.is_sqlite else SERVER_API_THREADS
        if self.job_engine == "procrastinate" and not self.database_url.startswith("postgresql"):
            raise ConfigError(
                "MEDIAWS_JOB_ENGINE=procrastinate keeps its queue in PostgreSQL, but DATABASE_URL is not a "
                "PostgreSQL database. Set DATABASE_URL to postgresql://… or use MEDIAWS_JOB_ENGINE=embedded."
            )
        if self.smtp_host:
            self._check_smtp()
        if self.env is Environment.PRODUCTION:
            self._refuse_placeholders()
        return self

    def _check_smtp(self) -> None:
        if not self.smtp_port:
            self.smtp_port = SMTP_PORTS[self.smtp_security]
        if "@" not in parseaddr(self.smtp_from)[1]:
            raise ConfigError(
                "MEDIAWS_SMTP_HOST is set but MEDIAWS_SMTP_FROM is not an address: set it to the sender, "
                "e.g. 'mediaws <noreply@example.com>'."
            )
        if self.smtp_username and self.smtp_security == "none" and self.smtp_host not in LOOPBACK_NAMES:
            raise ConfigError(
                "MEDIAWS_SMTP_USERNAME is set with MEDIAWS_SMTP_SECURITY=none: the password would cross the "
                "network unencrypted. Use starttls or ssl."
            )

    def _refuse_placeholders(self) -> None:
        key = self.master_key.get_secret_value().strip() if self.master_key else ""
        if key.lower() in PLACEHOLDER_SECRETS:
            raise ConfigError(
                "MEDIAWS_MASTER_KEY is missing or a placeholder. In production set it to a fresh "
                "key: run `mediaws keys generate` and put the printed value in MEDIAWS_MASTER_KEY."
            )
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
    def public_origin(self) -> str:
        """Scheme, host and port of the public URL, as browsers send it in ``Origin``."""
        return origin_of(self.public_url)

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Origins trusted for CORS, the event socket and cookie writes: the public one and loopback twins."""
        origin = self.public_origin
        parts = urlsplit(origin)
        if parts.hostname not in LOOPBACK_NAMES:
            return (origin,)
        port = f":{parts.port}" if parts.port else ""
        twins = tuple(f"{parts.scheme}://{name}{port}" for name in ("localhost", "127.0.0.1", "[::1]"))
        return (origin, *(twin for twin in twins if twin != origin))

    @property
    def email_enabled(self) -> bool:
        """Whether a mail server is configured, so summaries and budget warnings can be sent."""
        return bool(self.smtp_host)

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL as browsers send it in ``Origin`` (no default port; "" if none)."""
    parts = urlsplit(url.strip().lower())
    try:
        port_number = parts.port
    except ValueError:
        return ""
    if not parts.scheme or not parts.hostname:
        return ""
    port = "" if port_number in (None, {"http": 80, "https": 443}.get(parts.scheme)) else f":{port_number}"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{port}"


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
