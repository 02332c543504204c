"""Health observations: circuit-breaker state changes written to `integration_health`.

Breaker rows use the statuses of the health rule (`health_rules`): closed is `healthy`,
half-open `degraded`, open `unhealthy`. Rows written before that alignment say `down` for an
open breaker; `normalise_status` reads them as `unhealthy`, so history stays one vocabulary.
"""

from __future__ import annotations

import datetime as dt

from integrations.core.circuit import CircuitEvent
from integrations.storage.db import Database
from integrations.storage.tables import HealthRow

__all__ = ["CircuitHealthWriter", "normalise_status", "status_for_circuit"]

_STATUS = {"closed": "healthy", "half_open": "degraded", "open": "unhealthy"}
_LEGACY = {"down": "unhealthy"}


def status_for_circuit(state: str) -> str:
    """The health status a breaker state implies."""
    return _STATUS.get(state, "unknown")


def normalise_status(stored: str) -> str:
    """A stored status in today's vocabulary (`down`, from older rows, is `unhealthy`)."""
    return _LEGACY.get(stored, stored)


class CircuitHealthWriter:
    """A circuit listener that appends one health row per state change."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def __call__(self, event: CircuitEvent) -> None:
        async with self._db.sessions.begin() as session:
            session.add(
                HealthRow(
                    integration=event.integration,
                    status=status_for_circuit(event.new_state),
                    source="circuit",
                    circuit_state=event.new_state,
                    message=f"circuit {event.old_state} -> {event.new_state}",
                    details={"failures": event.failures},
                    checked_at=dt.datetime.fromtimestamp(event.at, dt.UTC),
                )
            )
