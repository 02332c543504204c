"""The health rule on its own (property 40, every signal): worst signal wins, every reason
is listed."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.telemetry.health_rules import (
    HealthReport,
    HealthSignals,
    HealthThresholds,
    classify,
)

pytestmark = pytest.mark.unit

share = st.floats(0, 1, allow_nan=False)
signals = st.builds(
    HealthSignals,
    circuit_state=st.sampled_from([None, "closed", "half_open", "open"]),
    auth_error=st.none() | st.just("401 invalid key"),
    check_error=st.none() | st.just("provider_server_error: 503"),
    error_rate=st.none() | share,
    p95_ms=st.none() | st.floats(0, 10_000, allow_nan=False),
    headroom=st.none() | share,
)
thresholds = st.builds(
    HealthThresholds,
    error_rate=st.floats(0.001, 1, allow_nan=False),
    latency_objective_ms=st.floats(1, 5000, allow_nan=False),
    min_headroom=share,
)


def reference(s: HealthSignals, t: HealthThresholds) -> tuple[str, int, int]:
    """The README's table, written out again: (status, unhealthy reasons, degraded reasons)."""
    bad = [s.circuit_state == "open", s.auth_error is not None, s.check_error is not None]
    slow = [
        s.circuit_state == "half_open",
        s.error_rate is not None and s.error_rate > t.error_rate,
        s.p95_ms is not None and s.p95_ms > t.latency_objective_ms,
        s.headroom is not None and s.headroom < t.min_headroom,
    ]
    status = "unhealthy" if any(bad) else "degraded" if any(slow) else "healthy"
    return status, sum(bad), sum(slow)


@settings(max_examples=400, deadline=None)
@given(s=signals, t=thresholds)
def test_property_40_status_follows_the_documented_rule(
    s: HealthSignals, t: HealthThresholds
) -> None:
    """For any signals and thresholds, the status is the worst any signal implies, and there
    is one reason per signal past its limit (unhealthy ones first)."""
    status, reasons = classify(s, t)
    expected, bad, slow = reference(s, t)
    assert status == expected
    assert len(reasons) == bad + slow
    assert all(("open" in r and "half" not in r) or "fail" in r or "credential" in r
               for r in reasons[:bad])  # fmt: skip


@pytest.mark.parametrize(
    ("signal", "words"),
    [
        pytest.param(HealthSignals(error_rate=0.051), "error rate 5.1%", id="error-rate"),
        pytest.param(HealthSignals(p95_ms=2001), "p95 latency 2001 ms", id="p95"),
        pytest.param(HealthSignals(headroom=0.09), "headroom 9%", id="headroom"),
        pytest.param(HealthSignals(circuit_state="half_open"), "half-open", id="half-open"),
    ],
)
def test_each_degraded_signal_names_its_value(signal: HealthSignals, words: str) -> None:
    """A degraded reason says which value crossed which limit."""
    status, reasons = classify(signal, HealthThresholds())
    assert status == "degraded"
    assert len(reasons) == 1
    assert words in reasons[0]


def test_limits_are_exclusive() -> None:
    """Exactly at a limit is still healthy: above the error rate and p95, under headroom."""
    at_limits = HealthSignals("closed", None, None, 0.05, 2000.0, 0.10)
    assert classify(at_limits, HealthThresholds()) == ("healthy", [])


def test_report_dict_is_json_ready() -> None:
    """`as_dict` renders the time as RFC 3339 and keeps every field; `details` the signals."""
    at = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    report = HealthReport("mock", "degraded", ["x"], at, "closed", 1.5, 0.2, 30.0, 0.5, True)
    assert report.as_dict() == {
        "integration": "mock",
        "status": "degraded",
        "reasons": ["x"],
        "checked_at": "2026-01-02T03:04:05+00:00",
        "circuit_state": "closed",
        "latency_ms": 1.5,
        "error_rate": 0.2,
        "p95_ms": 30.0,
        "headroom": 0.5,
        "is_mock": True,
    }
    assert report.details() == {
        "reasons": ["x"],
        "error_rate": 0.2,
        "p95_ms": 30.0,
        "headroom": 0.5,
        "is_mock": True,
    }
