"""The health rule: what an integration's signals say about it, as one pure function.

Kept apart from the monitor so the rule can be read, documented and property-tested on its
own (no client, no database). The status is the worst that any signal implies:

| status      | when (every matching reason is listed)                                         |
|-------------|--------------------------------------------------------------------------------|
| `unhealthy` | the breaker is open; the vendor refused the credentials (or none are          |
|             | configured); the health check failed                                           |
| `degraded`  | the breaker is half-open (probing); error rate over the recent window above    |
|             | `INTEGRATIONS_ALERTS__DEGRADED_ERROR_RATE` (5%); p95 above the latency         |
|             | objective (`INTEGRATIONS_ALERTS__LATENCY_OBJECTIVE_MS`, 2000 ms, unless the    |
|             | integration was registered with its own); limiter headroom under               |
|             | `INTEGRATIONS_ALERTS__MIN_HEADROOM` (10%)                                      |
| `healthy`   | none of the above                                                              |

A signal that could not be measured (no calls in the window, no rate-limit rules) is no
reason either way. `unknown` (no client in this version, or the check itself crashed) and
`disabled` (not enabled, so never called) are set by the monitor, not by this rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["HealthReport", "HealthSignals", "HealthStatus", "HealthThresholds", "classify"]

HealthStatus = Literal["healthy", "degraded", "unhealthy", "unknown", "disabled"]


@dataclass(frozen=True, slots=True)
class HealthSignals:
    """What one check measured.

    Args:
        circuit_state: `closed`, `half_open` or `open`; None when no client was built.
        auth_error: why the credentials were refused or are missing; None when they were not.
        check_error: why the health check failed for another reason; None when it passed.
        error_rate: failed share (0-1) of the calls in the recent window; None without calls.
        p95_ms: 95th percentile latency of that window, in milliseconds.
        headroom: free share (0-1) of the tightest rate-limit window; None without rules.
    """

    circuit_state: str | None = None
    auth_error: str | None = None
    check_error: str | None = None
    error_rate: float | None = None
    p95_ms: float | None = None
    headroom: float | None = None


@dataclass(frozen=True, slots=True)
class HealthThresholds:
    """The limits past which an integration is degraded (rates and headroom as 0-1)."""

    error_rate: float = 0.05
    latency_objective_ms: float = 2000.0
    min_headroom: float = 0.10


def _unhealthy(signals: HealthSignals) -> list[str]:
    reasons = []
    if signals.circuit_state == "open":
        reasons.append("circuit breaker open: calls are refused until its next trial")
    if signals.auth_error is not None:
        reasons.append(f"credentials missing or refused: {signals.auth_error}")
    if signals.check_error is not None:
        reasons.append(f"health check failed: {signals.check_error}")
    return reasons


def _degraded(signals: HealthSignals, limits: HealthThresholds) -> list[str]:
    reasons = []
    if signals.circuit_state == "half_open":
        reasons.append("circuit breaker half-open: one trial call is probing the vendor")
    if signals.error_rate is not None and signals.error_rate > limits.error_rate:
        reasons.append(
            f"error rate {signals.error_rate:.1%} over the recent window is above"
            f" {limits.error_rate:.1%}"
        )
    if signals.p95_ms is not None and signals.p95_ms > limits.latency_objective_ms:
        reasons.append(
            f"p95 latency {signals.p95_ms:.0f} ms is above the objective"
            f" {limits.latency_objective_ms:.0f} ms"
        )
    if signals.headroom is not None and signals.headroom < limits.min_headroom:
        reasons.append(
            f"rate-limit headroom {signals.headroom:.0%} is under {limits.min_headroom:.0%}"
        )
    return reasons


def classify(signals: HealthSignals, limits: HealthThresholds) -> tuple[HealthStatus, list[str]]:
    """The status the signals imply and every reason for it, worst first.

    Degraded reasons are listed even when the status is `unhealthy`, so an operator sees
    everything that is wrong at once.
    """
    bad = _unhealthy(signals)
    slow = _degraded(signals, limits)
    if bad:
        return "unhealthy", bad + slow
    if slow:
        return "degraded", slow
    return "healthy", []


@dataclass(slots=True)
class HealthReport:
    """One integration's health at `checked_at`: its status, every reason, and the measured
    signals (None when not measured). Rates and headroom are shares (0-1), times in ms."""

    integration: str
    status: HealthStatus
    reasons: list[str]
    checked_at: dt.datetime
    circuit_state: str | None = None
    latency_ms: float | None = None
    error_rate: float | None = None
    p95_ms: float | None = None
    headroom: float | None = None
    is_mock: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: `checked_at` as RFC 3339."""
        out = asdict(self)
        out["checked_at"] = self.checked_at.isoformat()
        return out

    def details(self) -> dict[str, Any]:
        """What `integration_health.details` keeps beside the row's own columns."""
        return {
            "reasons": list(self.reasons),
            "error_rate": self.error_rate,
            "p95_ms": self.p95_ms,
            "headroom": self.headroom,
            "is_mock": self.is_mock,
        }
