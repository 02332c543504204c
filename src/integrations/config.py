"""Process settings: read once from the environment and `.env`, validated all at once.

Why one `Settings` class: every start-up path (server, worker, CLI) validates the same way and
reports *every* invalid field in one message, named by the environment variable a user sets.
Nothing is built at import time; `get_settings()` caches one instance, tests build their own.

Per-integration runtime configuration (enabled, mode, limits, credentials) lives in the
database, not here: see `integrations.runtime_config`.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from cryptography.fernet import Fernet
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from integrations.errors import ConfigError
from integrations.ops_config import (
    AlertSettings,
    ChangeEventSettings,
    JobSettings,
    MetricsSettings,
    RetentionSettings,
)

__all__ = [
    "ApiSettings",
    "DatabaseSettings",
    "Environment",
    "HttpSettings",
    "LogLevel",
    "LoggingSettings",
    "McpSettings",
    "ServerSettings",
    "Settings",
    "WebhookSettings",
    "env_name",
    "get_settings",
    "is_placeholder",
    "load_settings",
]

ENV_PREFIX = "INTEGRATIONS_"
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

# Values people leave in templates; a production start with one of these is refused.
_PLACEHOLDER = re.compile(
    r"^(change[-_ ]?(this|me|it)|placeholder|secret|password|example|todo|xxx+|test|"
    r"default|your[-_ ].*|<.*>|\$\{.*\}|\.\.\.)$",
    re.IGNORECASE,
)
_MIN_ADMIN_TOKEN = 24


class Environment(StrEnum):
    """Where the process runs; each environment has its own defaults."""

    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"


def is_placeholder(value: str) -> bool:
    """True for empty values and the template words people forget to replace."""
    stripped = value.strip()
    return not stripped or bool(_PLACEHOLDER.match(stripped))


class LoggingSettings(BaseModel):
    """Log level and format; `integration_levels` overrides the level per connector."""

    level: LogLevel = "INFO"
    format: Literal["json", "console"] | None = None
    integration_levels: dict[str, LogLevel] = Field(default_factory=dict)

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("integration_levels", mode="before")
    @classmethod
    def _upper_all(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v.upper() if isinstance(v, str) else v for k, v in value.items()}
        return value


class ServerSettings(BaseModel):
    """Where `integrations serve` listens."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)


class DatabaseSettings(BaseModel):
    """How long the process waits on its database before calling it unavailable (seconds).

    `connect_timeout` bounds opening a connection (PostgreSQL; at least 2, as in libpq).
    `statement_timeout` bounds one PostgreSQL statement on the server, the wait for a pooled
    connection, and how long a webhook delivery waits for its commit before it is answered
    503 with `Retry-After` (docs/webhooks.md, "When the database is down").
    """

    connect_timeout: int = Field(default=5, ge=2, le=300)
    statement_timeout: float = Field(default=5.0, gt=0, le=3600)


class HttpSettings(BaseModel):
    """The outbound HTTP client of every connector this process builds.

    Every client is httpx2's. A call's own timeout is the integration's runtime
    `timeout_seconds`; `connect_timeout` caps the connect phase below it, `max_connections`
    sizes each client's pool, and `http2` offers HTTP/2 to vendors that speak it.
    """

    # A misspelt or retired key (INTEGRATIONS_HTTP__TIMEOUT, INTEGRATIONS_HTTP__ENGINE) is an
    # error naming why, not ignored.
    model_config = ConfigDict(extra="forbid")

    connect_timeout: float = Field(default=10.0, gt=0, le=120)
    max_connections: int = Field(default=100, ge=1, le=10_000)
    http2: bool = False

    @model_validator(mode="before")
    @classmethod
    def _refuse_retired(cls, data: Any) -> Any:
        if isinstance(data, dict) and "engine" in data:
            raise ValueError(
                "INTEGRATIONS_HTTP__ENGINE was removed: every client now uses httpx2 (proxies "
                "come from HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY); unset the variable"
            )
        return data


class WebhookSettings(BaseModel):
    """Inbound webhooks: limits, verification tolerance, processing retries (seconds)."""

    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=50 * 1_048_576)
    tolerance_seconds: float = Field(default=300.0, gt=0, le=86_400)
    max_attempts: int = Field(default=5, ge=1, le=50)
    retry_base_seconds: float = Field(default=2.0, gt=0, le=3600)
    retry_cap_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    lease_seconds: float = Field(default=60.0, gt=0, le=3600)
    worker_concurrency: int = Field(default=4, ge=1, le=256)
    worker_batch_size: int = Field(default=32, ge=1, le=1000)
    worker_enabled: bool = True
    handler_modules: list[str] = Field(default_factory=list)


class ApiSettings(BaseModel):
    """Limits of the HTTP API and whether it publishes its documentation.

    `max_header_count` and `max_header_bytes` bound every request (431 above them; Apache's
    `LimitRequestFields` defaults to 100 too, nginx's header buffers to 32 KiB);
    `max_body_bytes` bounds an admin request's body (413; webhook deliveries have their own
    `webhooks.max_body_bytes`). `docs_enabled` serves `/docs`, `/redoc` and
    `/openapi.json`; unset, they are served outside production only.
    """

    max_header_count: int = Field(default=100, ge=16, le=10_000)
    max_header_bytes: int = Field(default=32_768, ge=4096, le=1_048_576)
    max_body_bytes: int = Field(default=1_048_576, ge=1024, le=50 * 1_048_576)
    docs_enabled: bool | None = None


class McpSettings(BaseModel):
    """The MCP server (`integrations mcp`, `/mcp`): which write tools agents may run, and
    how many calls per minute each client may make.

    `allow_writes` lists `integration:action` patterns (`pandadoc:create_document`,
    `mock:*`, `*`); a write tool not matched is refused, so the default (empty) serves read
    tools only. For compatibility `true` means `["*"]` and `false` means `[]`; a
    comma-separated list works as well as JSON. `calls_per_minute` is each client's budget
    (0: unlimited).
    """

    allow_writes: Annotated[list[str], NoDecode] = Field(default_factory=list)
    calls_per_minute: int = Field(default=60, ge=0, le=100_000)

    @field_validator("allow_writes", mode="before")
    @classmethod
    def _allow_writes(cls, value: Any) -> Any:
        from integrations.core.allow_list import parse_allow_list  # the one reading of it

        return parse_allow_list(value)


class Settings(BaseSettings):
    """All process settings. Environment variables use the `INTEGRATIONS_` prefix.

    Groups nest with `__`: `INTEGRATIONS_LOGGING__LEVEL=DEBUG`, `INTEGRATIONS_SERVER__PORT=9000`.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    env: Environment = Environment.DEVELOPMENT
    var_dir: Path = Path("var")
    # Where vendors reach our webhook endpoints (behind a proxy: the proxy's URL).
    public_url: str = "http://127.0.0.1:8000"
    database_url: str | None = None
    redis_url: str | None = None
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    secret_key: SecretStr | None = None
    admin_token: SecretStr | None = None
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    http: HttpSettings = Field(default_factory=HttpSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    change_events: ChangeEventSettings = Field(default_factory=ChangeEventSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    otel_enabled: bool = False

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        allowed = ("sqlite+aiosqlite://", "postgresql+psycopg://", "postgresql://")
        if not value.startswith(allowed):
            raise ValueError(
                "must start with sqlite+aiosqlite://, postgresql+psycopg:// or postgresql://"
            )
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// or rediss:// URL")
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_key(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            if info.data.get("env") == Environment.PRODUCTION:
                raise ValueError(
                    "is required in production (one or more Fernet keys, newest first)"
                )
            return None
        for key in value.get_secret_value().split(","):
            try:
                Fernet(key.strip().encode())
            except ValueError:
                raise ValueError(
                    "each comma-separated key must be a Fernet key "
                    "(32 url-safe base64 bytes; make one with `integrations secrets keygen`)"
                ) from None
        return value

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        raw = value.get_secret_value() if value is not None else ""
        if info.data.get("env") != Environment.PRODUCTION:
            return value if raw.strip() else None
        if is_placeholder(raw):
            raise ValueError("is required in production and must not be a placeholder")
        if len(raw) < _MIN_ADMIN_TOKEN:
            raise ValueError(f"must be at least {_MIN_ADMIN_TOKEN} characters in production")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under `var_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'integrations.db').as_posix()}"

    @property
    def log_format(self) -> Literal["json", "console"]:
        """JSON outside development unless set explicitly."""
        if self.logging.format:
            return self.logging.format
        return "console" if self.env == Environment.DEVELOPMENT else "json"

    @property
    def is_production(self) -> bool:
        return self.env == Environment.PRODUCTION

    @property
    def docs_enabled(self) -> bool:
        """Whether `/docs`, `/redoc` and `/openapi.json` are served: off in production
        unless `INTEGRATIONS_API__DOCS_ENABLED=true`."""
        if self.api.docs_enabled is not None:
            return self.api.docs_enabled
        return not self.is_production


def env_name(loc: tuple[int | str, ...]) -> str:
    """The environment variable a validation error location refers to."""
    return ENV_PREFIX + "__".join(str(part) for part in loc).upper()


def load_settings(**overrides: Any) -> Settings:
    """Build and validate settings, raising one `ConfigError` that names every bad field.

    Args:
        **overrides: values that take precedence over the environment (tests, CLI flags).
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = [(_field_name(err["loc"]), _reason(err)) for err in exc.errors()]
    except SettingsError as exc:
        # Raised before validation, e.g. a nested group that is not valid JSON.
        problems = [
            (
                _settings_error_field(str(exc)),
                "a value is not valid JSON (this variable or one of its __ sub-variables)",
            )
        ]
    raise ConfigError(f"invalid configuration: {len(problems)} problem(s)", problems=problems)


def _field_name(loc: tuple[int | str, ...]) -> str:
    # A mapping's key (integration_levels.pandadoc) is not a variable of its own.
    if len(loc) > 2 and loc[:2] == ("logging", "integration_levels"):
        return f"{env_name(loc[:2])} ({loc[2]})"
    return env_name(loc)


def _settings_error_field(message: str) -> str:
    match = re.search(r'field "(\w+)"', message)
    return env_name((match.group(1),)) if match else "environment"


def _reason(err: Any) -> str:
    message = str(err["msg"]).removeprefix("Value error, ")
    if err.get("type") in {"string_type", "missing"}:
        return message
    value = err.get("input")
    # Echo short non-secret inputs so users see what was read; never echo secret fields.
    secret = any(str(p) in {"secret_key", "admin_token"} for p in err["loc"])
    if not secret and isinstance(value, str | int | float) and len(str(value)) <= 40:
        return f"{message} (got {value!r})"
    return message


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, validated once."""
    return load_settings()
