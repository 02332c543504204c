"""Fault storms against every HTTP connector, through its simulator served on 127.0.0.1.

Each storm is set through the simulator's control API. Whatever it throws, a call ends
with an answer or a typed `IntegrationError`; retries absorb short bursts; the breaker
opens after its threshold of counted failures and stops the requests; 429s never open it;
and once the storm ends (and the breaker's reset timeout passed, on the virtual clock) the
connector answers again.
"""

from __future__ import annotations

import pytest

from integrations.errors import (
    CircuitOpenError,
    IntegrationError,
    InvalidResponseError,
    ProviderServerError,
    RateLimitedError,
)
from tests.chaos.conftest import Served
from tests.chaos.logwatch import LogWatch
from tests.chaos.storms import breaker_state, calm, limit, outcome, storm
from tests.chaos.vendors import SHORT_ATTEMPT_TIMEOUT_S

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


async def _recovers(served: Served) -> None:
    """After the storm: past the breaker's reset timeout, calls answer and it closes."""
    await calm(served.url)
    served.clock.advance(served.client.spec.circuit.reset_timeout_seconds + 1)
    for i in range(3):
        await served.call(100 + i)
    assert await breaker_state(served.client) == "closed"


async def _until_open(served: Served, expected: type[IntegrationError]) -> list[object]:
    """Calls until the breaker refuses one; each earlier one failed with `expected`."""
    results: list[object] = []
    for i in range(6):
        result = await outcome(served.call(i))
        results.append(result)
        if isinstance(result, CircuitOpenError):
            break
        assert isinstance(result, expected), result
    assert isinstance(results[-1], CircuitOpenError), results
    return results


async def test_a_burst_of_5xx_and_dropped_connections_is_retried_away(
    served: Served, logs: LogWatch
) -> None:
    await storm(served.url, script=[503, "drop"])
    await served.call()
    assert served.api_requests() == 3
    assert await breaker_state(served.client) == "closed"
    logs.assert_clean()


async def test_a_5xx_storm_opens_the_breaker_then_recovers(served: Served, logs: LogWatch) -> None:
    await storm(served.url, error_rate=1.0, error_statuses=[500, 502, 503, 504])
    await _until_open(served, ProviderServerError)
    threshold = served.client.spec.circuit.failure_threshold
    assert served.api_requests() == threshold  # not one request once it opened
    assert isinstance(await outcome(served.call(50)), CircuitOpenError)
    assert served.api_requests() == threshold
    await _recovers(served)
    logs.assert_clean()


async def test_a_429_storm_with_retry_after_is_waited_out(served: Served, logs: LogWatch) -> None:
    """Two calls per 10 s at the vendor, five calls: the client waits what the vendor asks
    (virtual time), every call answers, and 429s never count toward the breaker."""
    await limit(served.url, {"limit": 2, "period_seconds": 10})
    started = served.clock.now()
    for i in range(5):
        await served.call(i)
    assert served.clock.now() - started >= 19.0  # three windows of the vendor's limit
    assert 1 <= served.sim.limiter.rejected <= 2  # refused once, then waited as told
    assert (await served.client.breaker.snapshot()).failures == 0
    logs.assert_clean()


async def test_a_429_storm_without_retry_after_backs_off_and_stays_closed(
    served: Served, logs: LogWatch
) -> None:
    await storm(served.url, error_rate=1.0, error_statuses=[429])
    for i in range(3):
        assert isinstance(await outcome(served.call(i)), RateLimitedError)
    assert served.api_requests() == 3 * served.client.spec.retry.max_attempts
    assert sum(served.clock.slept) > 0  # backed off between attempts (virtual time)
    assert await breaker_state(served.client) == "closed"
    await _recovers(served)
    logs.assert_clean()


async def test_a_timeout_is_retried(served: Served, logs: LogWatch) -> None:
    """A vendor that never answers costs one short attempt (real time), then a retry."""
    sim, url, clock = served.sim, served.url, served.clock
    client = served.vendor.client(sim, url, clock, SHORT_ATTEMPT_TIMEOUT_S)
    try:
        await served.vendor.call(client, 0)  # tokens fetched, connection warm
        sim.journal.clear()
        await storm(url, script=["timeout"])
        await served.vendor.call(client, 1)
    finally:
        await client.aclose()
    assert served.api_requests() >= 2  # the timed-out attempt and the answered one
    assert (await client.breaker.snapshot()).state == "closed"
    logs.assert_clean()


async def test_malformed_json_is_a_typed_failure_that_opens_the_breaker(
    served: Served, logs: LogWatch
) -> None:
    """Unreadable 200s are not retried (a write may have happened) but count as failures."""
    await storm(served.url, malformed_rate=1.0)
    results = await _until_open(served, InvalidResponseError)
    assert len(results) == served.client.spec.circuit.failure_threshold + 1
    await _recovers(served)
    logs.assert_clean()


async def test_a_mixed_storm_ends_in_answers_or_typed_errors_then_recovers(
    served: Served, logs: LogWatch
) -> None:
    await storm(
        served.url,
        error_rate=0.3,
        error_statuses=[500, 503, 429],
        drop_rate=0.1,
        malformed_rate=0.05,
    )
    results = [await outcome(served.call(i)) for i in range(12)]
    assert any(not isinstance(r, IntegrationError) for r in results) or any(
        isinstance(r, CircuitOpenError) for r in results
    )
    await _recovers(served)
    logs.assert_clean()
