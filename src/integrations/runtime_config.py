"""Per-integration runtime configuration: what an operator changes without a restart.

It lives in the `integration_configs` table (credentials encrypted) and every change is
recorded in `integration_config_history`. An integration is disabled until someone enables it:
the playbook's feature flag. Updates are partial (only the fields sent change) and validated
as a whole, so a bad value never reaches storage.

Only the fields an operator set are stored (`model_fields_set`): every other field takes the
connector's own value (its spec, see `connector_defaults`), so a default written here can never
override what a connector declares. Sending `null` for a field resets it to that value.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    StrictBool,
    StrictFloat,
    ValidationError,
    field_validator,
)

from integrations.core.request_safety import clean_credentials
from integrations.errors import ConfigError
from integrations.logging import MASK
from integrations.runtime_values import JSON_INTEGER, BaseUrl, Credential, LogLevelName, not_null

__all__ = [
    "CircuitPatch",
    "CircuitSettings",
    "IntegrationSettings",
    "IntegrationSettingsUpdate",
    "RateLimitWindow",
    "RetryPatch",
    "RetrySettings",
    "apply_update",
    "masked_view",
    "with_defaults",
]

# Fields a `null` in an update resets to the connector's value; `enabled` and `mode` have no
# connector value to go back to, so a null there stays a validation error.
_RESETTABLE = frozenset(
    {"base_url", "timeout_seconds", "rate_limits", "cache_ttl_seconds", "retry", "circuit"}
    | {"log_level", "options"}
)
_GROUPS = frozenset({"retry", "circuit"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimitWindow(_Strict):
    """At most `limit` requests in any `period_seconds` window."""

    limit: Annotated[int, Field(gt=0, le=1_000_000), JSON_INTEGER]
    period_seconds: StrictFloat = Field(gt=0, le=86_400)


class RetrySettings(_Strict):
    """Retry policy: exponential backoff `base * 2**n` with full jitter, capped (seconds)."""

    max_attempts: int = Field(default=3, ge=1, le=10)
    base_seconds: float = Field(default=1.0, gt=0, le=60)
    cap_seconds: float = Field(default=60.0, gt=0, le=3600)


class CircuitSettings(_Strict):
    """Circuit breaker: open after `failure_threshold` failures, trial after the timeout."""

    failure_threshold: int = Field(default=5, ge=1, le=1000)
    reset_timeout_seconds: float = Field(default=60.0, gt=0, le=86_400)


class IntegrationSettings(_Strict):
    """The full runtime configuration of one integration (credentials excluded).

    The defaults below stand only where neither the operator nor the connector says anything
    (`with_defaults` fills unset fields from the connector's own values first).
    """

    enabled: bool = False
    mode: Literal["live", "mock"] = "live"
    base_url: HttpUrl | None = None
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    rate_limits: tuple[RateLimitWindow, ...] = ()
    cache_ttl_seconds: float = Field(default=0.0, ge=0, le=86_400 * 30)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    circuit: CircuitSettings = Field(default_factory=CircuitSettings)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class RetryPatch(BaseModel):
    """Some fields of `RetrySettings`; the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: Annotated[int, Field(ge=1, le=10), JSON_INTEGER] | None = None
    base_seconds: StrictFloat | None = Field(default=None, gt=0, le=60)
    cap_seconds: StrictFloat | None = Field(default=None, gt=0, le=3600)


class CircuitPatch(BaseModel):
    """Some fields of `CircuitSettings`; the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    failure_threshold: Annotated[int, Field(ge=1, le=1000), JSON_INTEGER] | None = None
    reset_timeout_seconds: StrictFloat | None = Field(default=None, gt=0, le=86_400)


class IntegrationSettingsUpdate(BaseModel):
    """A partial update: fields left out keep their value; credentials replace the old ones.

    `null` for a field (or a `retry` / `circuit` member) removes the operator's value, so the
    connector's own value applies again.
    """

    model_config = ConfigDict(extra="forbid")

    # The bounds are those of `IntegrationSettings`, so the OpenAPI schema of an update says
    # what the merged result accepts; `enabled` and `mode` cannot be null (nothing to reset to).
    # Numbers and booleans are JSON ones, as the schema says (see `runtime_values`).
    enabled: StrictBool | None = Field(default=None, json_schema_extra=not_null)
    mode: Literal["live", "mock"] | None = Field(default=None, json_schema_extra=not_null)
    base_url: BaseUrl | None = None
    timeout_seconds: StrictFloat | None = Field(default=None, gt=0, le=600)
    rate_limits: list[RateLimitWindow] | None = None
    cache_ttl_seconds: StrictFloat | None = Field(default=None, ge=0, le=86_400 * 30)
    # Nested groups merge field by field: {"retry": {"base_seconds": 2}} keeps max_attempts.
    retry: RetryPatch | None = None
    circuit: CircuitPatch | None = None
    log_level: LogLevelName | None = None
    options: dict[str, Any] | None = None
    credentials: dict[str, Credential] | None = None

    @field_validator("credentials")
    @classmethod
    def _clean_credentials(cls, value: dict[str, SecretStr] | None) -> dict[str, SecretStr] | None:
        """Stripped of surrounding whitespace; a line break or NUL would forge a header."""
        if value is None:
            return None
        plain = {key: secret.get_secret_value() for key, secret in value.items()}
        try:
            cleaned = clean_credentials(plain, integration="update")
        except ConfigError as exc:
            key = exc.problems[0][0].removeprefix("credentials.")
            raise ValueError(f"credential {key!r} contains a line break or NUL character") from None
        return {key: SecretStr(text) for key, text in cleaned.items()}

    def is_empty(self) -> bool:
        """True when the update changes nothing."""
        return not self.model_fields_set


def apply_update(
    current: IntegrationSettings, update: IntegrationSettingsUpdate
) -> IntegrationSettings:
    """Merge `update` into the fields an operator set in `current`; validate the result.

    The result's `model_fields_set` is exactly the operator's fields: what storage keeps.

    Raises:
        ConfigError: naming every invalid field.
    """
    changes = update.model_dump(exclude_unset=True, exclude={"credentials"}, mode="json")
    merged = current.model_dump(mode="json", exclude_unset=True)
    for key, value in changes.items():
        if value is None and key in _RESETTABLE:
            merged.pop(key, None)
        elif key in _GROUPS and isinstance(value, dict):
            # The patch holds only the fields sent; a null member resets that member.
            group = {k: v for k, v in (merged.get(key, {}) | value).items() if v is not None}
            if group:
                merged[key] = group
            else:
                merged.pop(key, None)
        else:
            merged[key] = value
    try:
        return IntegrationSettings.model_validate(merged)
    except ValidationError as exc:
        problems = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise ConfigError("invalid integration configuration", problems=problems) from None


def with_defaults(
    settings: IntegrationSettings, defaults: IntegrationSettings
) -> IntegrationSettings:
    """`settings` with every field the operator did not set taken from `defaults`.

    The result keeps `settings.model_fields_set` (also inside `retry` and `circuit`), so
    `model_dump(exclude_unset=True)` still gives the operator's choices alone.
    """
    values: dict[str, Any] = {}
    for name in IntegrationSettings.model_fields:
        mine, default = getattr(settings, name), getattr(defaults, name)
        if isinstance(mine, BaseModel) and isinstance(default, BaseModel):
            values[name] = _group_with_defaults(mine, default)
        else:
            values[name] = mine if name in settings.model_fields_set else default
    return IntegrationSettings.model_construct(set(settings.model_fields_set), **values)


def _group_with_defaults(mine: BaseModel, default: BaseModel) -> BaseModel:
    chosen = mine.model_fields_set
    values = {n: getattr(mine if n in chosen else default, n) for n in type(mine).model_fields}
    return type(mine).model_construct(set(chosen), **values)


def masked_view(
    settings: IntegrationSettings, credentials: dict[str, Any] | None
) -> dict[str, Any]:
    """The JSON shape shown in the API and history: credential values replaced by a mask."""
    view = settings.model_dump(mode="json")
    view["credentials"] = {k: MASK for k in sorted(credentials or {})}
    return view
