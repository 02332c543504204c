"""Circuit breaker: opens after exactly N failures (20), fallback without network (21),
recovery through a single half-open trial (22)."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.core.circuit import CircuitBreaker, CircuitEvent
from integrations.core.clock import VirtualClock
from integrations.core.spec import CircuitSpec
from integrations.core.state import MemoryStateStore
from integrations.errors import CircuitOpenError, NotFoundError, ProviderServerError
from tests.helpers.pipeline import ScriptedVendor, make_client


def _breaker(threshold: int, clock: VirtualClock | None = None) -> CircuitBreaker:
    clock = clock or VirtualClock()
    spec = CircuitSpec(failure_threshold=threshold, reset_timeout_seconds=60)
    return CircuitBreaker("demo", spec, MemoryStateStore(clock), clock)


@given(threshold=st.integers(1, 12), outcomes=st.lists(st.booleans(), max_size=40))
async def test_property_20_opens_after_exactly_n_consecutive_failures(
    threshold: int, outcomes: list[bool]
) -> None:
    """The breaker is open exactly when some run of N consecutive failures occurred."""
    breaker = _breaker(threshold)
    run = 0
    should_open = False
    for success in outcomes:
        if should_open:
            break
        await (breaker.record_success() if success else breaker.record_failure())
        run = 0 if success else run + 1
        should_open = run >= threshold
        assert await breaker.is_open() is should_open


async def test_property_21_open_breaker_uses_fallback_without_network() -> None:
    """Once open, calls return the fallback and no request leaves the process."""
    vendor = ScriptedVendor(default=500)
    client = make_client(vendor, max_attempts=1, threshold=5)
    for _ in range(5):
        with pytest.raises(ProviderServerError):
            await client.request("GET", "/x", operation="get_x")
    assert len(vendor.seen) == 5
    fallback = httpx2.Response(200, json={"cached": True})
    for _ in range(3):
        response = await client.request("GET", "/x", operation="get_x", fallback=lambda: fallback)
        assert response.json() == {"cached": True}
    assert len(vendor.seen) == 5
    with pytest.raises(CircuitOpenError) as info:
        await client.request("GET", "/x", operation="get_x")
    assert info.value.next_attempt_at is not None
    records = client.recorder.records  # type: ignore[attr-defined]
    assert records[-1].error_class == "CircuitOpenError" and records[-1].status_code is None


async def test_async_fallback_is_awaited() -> None:
    """An async fallback is awaited."""
    client = make_client(ScriptedVendor(default=503), max_attempts=1, threshold=1)
    with pytest.raises(ProviderServerError):
        await client.request("GET", "/x", operation="get_x")

    async def fallback() -> httpx2.Response:
        return httpx2.Response(204)

    assert (await client.request("GET", "/x", operation="x", fallback=fallback)).status_code == 204


async def test_four_hundreds_do_not_count() -> None:
    """4xx answers are the caller's fault and never open the breaker."""
    client = make_client(ScriptedVendor(default=404), max_attempts=1, threshold=2)
    for _ in range(5):
        with pytest.raises(NotFoundError):
            await client.request("GET", "/x", operation="get_x")
    assert not await client.breaker.is_open()


async def test_transport_errors_count() -> None:
    """Connection errors and timeouts are counted failures."""
    vendor = ScriptedVendor(script=[httpx2.ConnectError("x"), httpx2.ReadTimeout("y")])
    client = make_client(vendor, max_attempts=1, threshold=2)
    for _ in range(2):
        with pytest.raises(Exception, match="demo"):
            await client.request("GET", "/x", operation="get_x")
    assert await client.breaker.is_open()


@given(concurrent=st.integers(2, 20))
async def test_property_22_single_trial_then_recovery(concurrent: int) -> None:
    """After the timeout exactly one trial goes out; its success closes the breaker."""
    clock = VirtualClock()
    events: list[CircuitEvent] = []

    async def listen(event: CircuitEvent) -> None:
        events.append(event)

    gate = asyncio.Event()
    vendor = ScriptedVendor(script=[500])

    async def slow_vendor(request: httpx2.Request) -> httpx2.Response:
        if vendor.seen:  # every call after the first failure is the trial: hold it
            await gate.wait()
        return vendor(request)

    client = make_client(
        slow_vendor, clock=clock, max_attempts=1, threshold=1, circuit_listeners=[listen]
    )
    with pytest.raises(ProviderServerError):
        await client.request("GET", "/x", operation="get_x")
    assert await client.breaker.is_open()
    clock.advance(61)
    tasks = [
        asyncio.create_task(client.request("GET", "/x", operation="get_x"))
        for _ in range(concurrent)
    ]
    # Release the trial only once every other call has been refused: a fixed real-time
    # pause here let a slow (loaded) machine start calls after the trial had closed it.
    for _ in range(100_000):
        if sum(task.done() for task in tasks) >= concurrent - 1:
            break
        await asyncio.sleep(0)
    gate.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    ok = [r for r in results if isinstance(r, httpx2.Response)]
    refused = [r for r in results if isinstance(r, CircuitOpenError)]
    assert len(ok) == 1 and len(refused) == concurrent - 1
    assert len(vendor.seen) == 2
    assert not await client.breaker.is_open() and not await client.breaker.is_half_open()
    assert [(e.old_state, e.new_state) for e in events] == [
        ("closed", "open"),
        ("open", "half_open"),
        ("half_open", "closed"),
    ]


async def test_failed_trial_reopens() -> None:
    """A failed trial opens the breaker again for a full timeout."""
    clock = VirtualClock()
    breaker = _breaker(1, clock)
    await breaker.record_failure()
    clock.advance(61)
    assert await breaker.attempt_reset() is True
    assert await breaker.is_half_open()
    await breaker.record_failure()
    assert await breaker.is_open()
    with pytest.raises(CircuitOpenError):
        await breaker.attempt_reset()


async def test_lost_trial_lease_allows_a_new_trial() -> None:
    """A trial that never reports back (crashed process) is replaced after its lease."""
    clock = VirtualClock()
    breaker = _breaker(1, clock)
    await breaker.record_failure()
    clock.advance(61)
    assert await breaker.attempt_reset()
    with pytest.raises(CircuitOpenError):
        await breaker.attempt_reset()
    clock.advance(breaker.spec.trial_timeout_seconds + 1)
    assert await breaker.attempt_reset()


async def test_listener_failure_does_not_break_calls() -> None:
    """A failing listener is logged and ignored."""

    async def broken(event: CircuitEvent) -> None:
        raise RuntimeError("listener down")

    breaker = _breaker(1)
    breaker.listeners.append(broken)
    await breaker.record_failure()
    assert await breaker.is_open()


async def test_trial_refused_by_our_own_limiter_is_given_back() -> None:
    """A half-open trial that our rate limiter refuses never reached the vendor: the next
    call may probe at once instead of failing fast for the trial's whole lease."""
    from integrations.core.spec import RateLimitRule
    from integrations.errors import RateLimitedError

    clock = VirtualClock()
    vendor = ScriptedVendor(script=[500], default=200)
    client = make_client(
        vendor, clock=clock, max_attempts=1, threshold=1, limits=[RateLimitRule(1, 3600.0)]
    )
    with pytest.raises(ProviderServerError):
        await client.request("GET", "/a", operation="a")  # opens; spends the hour's budget
    clock.advance(61)
    for _ in range(2):  # each is the trial, refused before the vendor: not CircuitOpenError
        with pytest.raises(RateLimitedError):
            await client.request("GET", "/a", operation="a")
        assert await client.breaker.is_half_open()
    clock.advance(3600)
    assert (await client.request("GET", "/a", operation="a")).status_code == 200
    assert not await client.breaker.is_open() and not await client.breaker.is_half_open()
    assert len(vendor.seen) == 2
