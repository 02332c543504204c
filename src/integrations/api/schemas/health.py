"""What the health endpoints answer: the public status, and the admin report behind it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

__all__ = ["HealthReport", "IntegrationStatus", "MigrationState", "PublicHealth"]


class PublicHealth(BaseModel):
    """`/healthz`: whether this instance can serve, and, when it cannot, which part failed.

    `reason` is `database_unavailable` or `migration_behind`; the details (the driver's
    error, the revisions) are in the admin `/api/v1/health`, since they describe the
    deployment to whoever asks.
    """

    status: Literal["ok", "error"]
    reason: Literal["database_unavailable", "migration_behind"] | None = None


class MigrationState(BaseModel):
    """The database's schema revision and the one this release ships."""

    current: str | None
    head: str


class IntegrationStatus(BaseModel):
    """One integration's newest stored health observation (a check or a breaker change).

    `status` is `healthy`, `degraded`, `unhealthy`, `unknown` (never observed) or `disabled`;
    `GET /api/v1/integrations/{name}/health` checks one now. `circuit_state` (`closed`,
    `open`, `half_open`) and `latency_ms` are the observation's, null when it has none.
    """

    integration: str
    enabled: bool
    mode: Literal["live", "mock"]
    status: Literal["healthy", "degraded", "unhealthy", "unknown", "disabled"]
    reasons: list[str] = []
    checked_at: str | None = None
    source: str | None = None
    circuit_state: str | None = None
    latency_ms: float | None = None


class HealthReport(BaseModel):
    """`/api/v1/health`: the version, the database, its migration, the mock-mode list and
    every integration's newest health status.

    `database` is `ok` or why it is not; `mock_mode` lists the enabled integrations whose
    calls go to a simulator instead of the vendor.
    """

    status: Literal["ok", "error"]
    version: str
    database: str
    migration: MigrationState | None = None
    mock_mode: list[str] = []
    integrations: list[IntegrationStatus] = []
