"""Per-integration runtime configuration: what an operator changes without a restart.

It lives in the `integration_configs` table (credentials encrypted) and every change is
recorded in `integration_config_history`. An integration is disabled until someone enables it:
the playbook's feature flag. Updates are partial (only the fields sent change) and validated
as a whole, so a bad value never reaches storage.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, SecretStr, ValidationError

from integrations.errors import ConfigError
from integrations.logging import MASK

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
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimitWindow(_Strict):
    """At most `limit` requests in any `period_seconds` window."""

    limit: int = Field(gt=0, le=1_000_000)
    period_seconds: float = Field(gt=0, le=86_400)


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
    """The full runtime configuration of one integration (credentials excluded)."""

    enabled: bool = False
    mode: Literal["live", "mock"] = "live"
    base_url: HttpUrl | None = None
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    rate_limits: tuple[RateLimitWindow, ...] = ()
    cache_ttl_seconds: float = Field(default=300.0, ge=0, le=86_400 * 30)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    circuit: CircuitSettings = Field(default_factory=CircuitSettings)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = None
    options: dict[str, Any] = Field(default_factory=dict)


class RetryPatch(BaseModel):
    """Some fields of `RetrySettings`; the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    max_attempts: int | None = Field(default=None, ge=1, le=10)
    base_seconds: float | None = Field(default=None, gt=0, le=60)
    cap_seconds: float | None = Field(default=None, gt=0, le=3600)


class CircuitPatch(BaseModel):
    """Some fields of `CircuitSettings`; the others keep their value."""

    model_config = ConfigDict(extra="forbid")

    failure_threshold: int | None = Field(default=None, ge=1, le=1000)
    reset_timeout_seconds: float | None = Field(default=None, gt=0, le=86_400)


class IntegrationSettingsUpdate(BaseModel):
    """A partial update: fields left out keep their value; credentials replace the old ones."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool | None = None
    mode: Literal["live", "mock"] | None = None
    base_url: HttpUrl | None = None
    timeout_seconds: float | None = None
    rate_limits: list[RateLimitWindow] | None = None
    cache_ttl_seconds: float | None = None
    # Nested groups merge field by field: {"retry": {"base_seconds": 2}} keeps max_attempts.
    retry: RetryPatch | None = None
    circuit: CircuitPatch | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] | None = None
    options: dict[str, Any] | None = None
    credentials: dict[str, SecretStr] | None = None

    def is_empty(self) -> bool:
        """True when the update changes nothing."""
        return not self.model_fields_set


def apply_update(
    current: IntegrationSettings, update: IntegrationSettingsUpdate
) -> IntegrationSettings:
    """Merge `update` into `current` and validate the result as a whole.

    Raises:
        ConfigError: naming every invalid field.
    """
    changes = update.model_dump(exclude_unset=True, exclude={"credentials"}, mode="json")
    merged = current.model_dump(mode="json")
    for key, value in changes.items():
        if key in {"retry", "circuit"} and isinstance(value, dict):
            merged[key] = merged[key] | value  # the patch holds only the fields sent
        else:
            merged[key] = value
    try:
        return IntegrationSettings.model_validate(merged)
    except ValidationError as exc:
        problems = [(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        raise ConfigError("invalid integration configuration", problems=problems) from None


def masked_view(
    settings: IntegrationSettings, credentials: dict[str, Any] | None
) -> dict[str, Any]:
    """The JSON shape shown in the API and history: credential values replaced by a mask."""
    view = settings.model_dump(mode="json")
    view["credentials"] = {k: MASK for k in sorted(credentials or {})}
    return view
