"""Settings of the operations layer: metrics, alerts, background jobs and data retention.

Kept apart from `config.py` so each section stays small; `Settings` nests them as
`INTEGRATIONS_METRICS__*`, `INTEGRATIONS_ALERTS__*`, `INTEGRATIONS_JOBS__*` and
`INTEGRATIONS_RETENTION__*`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, SecretStr

__all__ = [
    "AlertSettings",
    "ChangeEventSettings",
    "JobSettings",
    "MetricsSettings",
    "RetentionSettings",
]


class MetricsSettings(BaseModel):
    """Metric windows and the Prometheus scrape endpoint.

    `scrape_token`, when set, lets a scraper read `/metrics` with it instead of an admin
    token (it grants nothing else). `max_samples` bounds the latency samples a window keeps
    per process; beyond it percentiles come from a uniform sample of the window's calls.
    """

    window_seconds: int = Field(default=300, ge=60, le=3600)
    flush_seconds: float = Field(default=10.0, gt=0, le=600)
    max_samples: int = Field(default=5000, ge=100, le=100_000)
    scrape_token: SecretStr | None = None


class AlertSettings(BaseModel):
    """When alerts fire and where they go.

    `webhook_url` receives every alert and recovery notice as a Standard Webhooks-signed
    POST (`webhook_secret`, `whsec_...`); loopback and private addresses are refused unless
    listed in `allowed_private_hosts`. `email_to` is mailed through the email integration.
    """

    failure_rate: float = Field(default=0.10, gt=0, le=1)
    min_calls: int = Field(default=20, ge=1, le=1_000_000)
    degraded_error_rate: float = Field(default=0.05, gt=0, le=1)
    latency_objective_ms: float = Field(default=2000.0, gt=0, le=600_000)
    min_headroom: float = Field(default=0.10, ge=0, le=1)
    rate_limit_hits: int = Field(default=10, ge=1, le=1_000_000)
    # Gap detection: a reconciliation run that healed more than this share of what it checked.
    reconciliation_gap_rate: float = Field(default=0.05, gt=0, le=1)
    cooldown_seconds: float = Field(default=900.0, ge=0, le=7 * 86_400)
    budget_per_day: dict[str, float] = Field(default_factory=dict)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    allowed_private_hosts: list[str] = Field(default_factory=list)
    email_to: list[str] = Field(default_factory=list)


class ChangeEventSettings(BaseModel):
    """Outbound change events (`/api/v1/event-subscriptions`): delivery retries and targets.

    A failed delivery is retried after a full-jitter wait (`uniform(0, min(cap, base *
    2**n))` seconds) up to `max_attempts` tries, then dead. Destinations follow the alert
    webhook's rules: https to a public address, unless the host is in `allowed_private_hosts`.
    The delivery job runs on `INTEGRATIONS_JOBS__CHANGE_DELIVERY_CRON`.
    """

    max_attempts: int = Field(default=8, ge=1, le=100)
    backoff_base_seconds: float = Field(default=1.0, gt=0, le=3600)
    backoff_cap_seconds: float = Field(default=300.0, gt=0, le=86_400)
    timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    batch_size: int = Field(default=200, ge=1, le=10_000)
    allowed_private_hosts: list[str] = Field(default_factory=list)


class JobSettings(BaseModel):
    """Background jobs: which runner, how many at once, and how failed jobs are retried.

    `runner`: `auto` picks procrastinate on PostgreSQL and the embedded runner otherwise.
    `lease_seconds`: how long a running job's worker may go silent before another worker
    takes the job over (the embedded lease; procrastinate's stalled-worker timeout).
    `modules`: extra Python modules whose `@job` declarations workers load at start.
    """

    runner: Literal["auto", "embedded", "procrastinate"] = "auto"
    concurrency: int = Field(default=4, ge=1, le=256)
    max_attempts: int = Field(default=5, ge=1, le=100)
    retry_base_seconds: float = Field(default=2.0, gt=0, le=3600)
    retry_cap_seconds: float = Field(default=600.0, gt=0, le=86_400)
    poll_seconds: float = Field(default=1.0, gt=0, le=60)
    lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    modules: list[str] = Field(default_factory=list)
    health_check_cron: str = "*/5 * * * *"
    metrics_cron: str = "*/5 * * * *"
    cleanup_cron: str = "17 3 * * *"
    reconciliation_cron: str = "*/15 * * * *"  # webhook gap detection
    # Seconds as a sixth field: change events go out within seconds, not minutes.
    change_delivery_cron: str = "* * * * * */5"


class RetentionSettings(BaseModel):
    """How many days the daily cleanup keeps each kind of row."""

    call_logs_days: int = Field(default=30, ge=1, le=3650)
    metrics_days: int = Field(default=365, ge=1, le=3650)
    webhook_events_days: int = Field(default=90, ge=1, le=3650)
    sync_logs_days: int = Field(default=90, ge=1, le=3650)
