"""Rate limiter: no window ever over its limit (27), waits run in order (28),
violations logged (29), priority lanes, server corrections."""

from __future__ import annotations

import asyncio

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from structlog.testing import capture_logs

from integrations.core.clock import VirtualClock
from integrations.core.ratelimit import RateLimiter
from integrations.core.spec import RateLimitRule
from integrations.core.state import MemoryStateStore
from integrations.errors import RateLimitedError
from tests.helpers.pipeline import ScriptedVendor, make_client

GET = httpx2.Request("GET", "https://api.example.org/documents")


def _limiter(clock: VirtualClock, *rules: RateLimitRule, **kw: float) -> RateLimiter:
    return RateLimiter("demo", rules, MemoryStateStore(clock), clock, **kw)


@settings(max_examples=60, deadline=None)
@given(
    windows=st.lists(
        st.tuples(st.integers(1, 8), st.sampled_from([0.5, 1.0, 2.0, 5.0])), min_size=1, max_size=3
    ),
    gaps=st.lists(st.floats(0, 1.5, allow_nan=False), min_size=1, max_size=80),
)
async def test_property_27_no_window_over_its_limit(
    windows: list[tuple[int, float]], gaps: list[float]
) -> None:
    """Over any arrival pattern, no span of a window's length admits more than its limit."""
    clock = VirtualClock()
    limiter = _limiter(clock, *(RateLimitRule(limit, period) for limit, period in windows))
    admitted: list[float] = []
    for gap in gaps:
        clock.advance(gap)
        if await limiter.try_acquire(GET) == 0:
            admitted.append(clock.now())
    assert limiter.margin_seconds > 0  # the property holds with and without the margin
    for limit, period in windows:
        for i, start in enumerate(admitted):
            inside = [t for t in admitted[i:] if t < start + period]
            assert len(inside) <= limit


async def test_try_acquire_never_waits() -> None:
    """try_acquire answers at once with the wait it would need."""
    clock = VirtualClock()
    limiter = _limiter(clock, RateLimitRule(2, 1.0))
    assert await limiter.try_acquire(GET) == 0
    assert await limiter.try_acquire(GET) == 0
    assert await limiter.try_acquire(GET) == pytest.approx(1.1)  # period + safety margin
    assert clock.slept == []


@given(n=st.integers(3, 25))
async def test_property_28_waiting_calls_run_in_arrival_order(n: int) -> None:
    """Calls over the limit wait, and leave the queue in the order they arrived."""
    clock = VirtualClock()
    limiter = _limiter(clock, RateLimitRule(2, 1.0))
    order: list[int] = []

    async def call(i: int) -> None:
        await limiter.acquire(GET)
        order.append(i)

    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(call(i)))
        await asyncio.sleep(0)  # arrive one after another
    await asyncio.gather(*tasks)
    assert order == list(range(n))
    assert clock.now() - 1_700_000_000 == pytest.approx((n - 1) // 2 * 1.1, abs=1e-4)


async def test_property_29_violations_are_logged_and_counted() -> None:
    """A vendor 429 is counted and logged as a violation; waiting for the window, which is
    the limiter doing its job, is counted apart and logged only at debug level."""
    clock = VirtualClock()
    vendor = ScriptedVendor(script=[429], headers={"Retry-After": "2"})
    client = make_client(vendor, clock=clock, limits=[RateLimitRule(1, 1.0)])
    with capture_logs() as logs:
        await client.request("GET", "/a", operation="a")
        await client.request("GET", "/b", operation="b")
    kinds = [e["kind"] for e in logs if e["event"] == "ratelimit.violation_recorded"]
    assert kinds == ["vendor_429"]
    assert client.limiter.violations == {"vendor_429": 1}
    assert client.limiter.waits >= 1
    waited = [e for e in logs if e["event"] == "ratelimit.waited"]
    assert waited and all(e["log_level"] == "debug" for e in waited)
    assert all(e["integration"] == "demo" for e in logs if e["event"].startswith("ratelimit"))


async def test_max_wait_fails_with_retry_time() -> None:
    """A wait longer than the maximum fails fast with the time the budget frees up."""
    clock = VirtualClock()
    limiter = _limiter(clock, RateLimitRule(1, 60.0), max_wait_seconds=5)
    await limiter.acquire(GET)
    with pytest.raises(RateLimitedError) as info:
        await limiter.acquire(GET)
    assert info.value.retry_after == pytest.approx(60.1)
    assert limiter.violations["budget_exhausted"] == 1


async def test_background_leaves_a_share_for_interactive() -> None:
    """Background calls stop at 80% of a window; interactive calls may use the rest."""
    clock = VirtualClock()
    limiter = _limiter(clock, RateLimitRule(10, 60.0))
    admitted = [await limiter.try_acquire(GET, "background") == 0 for _ in range(10)]
    assert admitted.count(True) == 8
    assert await limiter.try_acquire(GET, "interactive") == 0
    assert await limiter.try_acquire(GET, "interactive") == 0
    assert await limiter.try_acquire(GET, "interactive") > 0


async def test_endpoint_rules_and_costs() -> None:
    """An endpoint rule limits only its requests; a cost spends several units."""
    clock = VirtualClock()
    send = RateLimitRule(1, 60.0, methods=frozenset({"POST"}), path=r"/send$", cost=1)
    bulk = RateLimitRule(4, 60.0, path=r"/bulk", cost=2)
    limiter = _limiter(clock, send, bulk)
    post_send = httpx2.Request("POST", "https://h/docs/1/send")
    assert await limiter.try_acquire(post_send) == 0
    assert await limiter.try_acquire(post_send) > 0
    assert await limiter.try_acquire(GET) == 0  # no rule matches: unlimited
    bulk_req = httpx2.Request("GET", "https://h/bulk")
    assert [await limiter.try_acquire(bulk_req) == 0 for _ in range(3)] == [True, True, False]
    assert send.label == "1/60s"


async def test_exhausted_budget_header_pauses_calls() -> None:
    """X-RateLimit-Remaining: 0 with a reset pauses the next call until the reset."""
    clock = VirtualClock()
    vendor = ScriptedVendor(headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3"})
    client = make_client(vendor, clock=clock)
    await client.request("GET", "/a", operation="a")
    await client.request("GET", "/b", operation="b")
    assert clock.now() - 1_700_000_000 == pytest.approx(3)


async def test_a_call_holds_its_window_until_period_after_its_answer() -> None:
    """A request answered 3 s after admission keeps its place until a period after the
    answer (the vendor may have counted it that late): the next call goes at 13.1 s."""
    clock = VirtualClock()

    async def slow_vendor(request: httpx2.Request) -> httpx2.Response:
        await clock.sleep(3.0)
        return httpx2.Response(200, json={})

    client = make_client(slow_vendor, clock=clock, limits=[RateLimitRule(1, 10.0)])
    await client.request("GET", "/a", operation="a")
    await client.request("GET", "/b", operation="b")
    assert clock.now() - 1_700_000_000 == pytest.approx(3 + 10.1 + 3)  # not 10.1 + 3


async def test_margin_is_bounded_by_period_share() -> None:
    """The safety margin never exceeds 10% of a short window."""
    clock = VirtualClock()
    limiter = _limiter(clock, RateLimitRule(1, 0.2))
    await limiter.try_acquire(GET)
    assert await limiter.try_acquire(GET) == pytest.approx(0.22)


async def test_cost_above_limit_is_refused() -> None:
    """A request that can never fit its window is a programming error, said at once."""
    clock = VirtualClock()
    limiter = _limiter(clock, RateLimitRule(1, 1.0, cost=2))
    with pytest.raises(ValueError, match="exceeds"):
        await limiter.try_acquire(GET)


async def test_retry_after_on_success_does_not_pause_the_budget() -> None:
    """A 202 "poll later" with Retry-After concerns one resource, not the whole budget."""
    clock = VirtualClock()
    vendor = ScriptedVendor(script=[202], headers={"Retry-After": "30"})
    client = make_client(vendor, clock=clock)
    await client.request("GET", "/a", operation="a")
    vendor.headers = {}
    await client.request("GET", "/b", operation="b")
    assert clock.now() - 1_700_000_000 == pytest.approx(0)


async def test_headroom_is_the_tightest_window_share_left() -> None:
    """Headroom is the smallest free share over the windows, 0 while paused, None without
    rules, and reading it spends nothing."""
    clock = VirtualClock()
    assert await _limiter(clock).headroom() is None
    limiter = _limiter(clock, RateLimitRule(4, 10.0), RateLimitRule(10, 60.0))
    assert await limiter.headroom() == 1.0
    for _ in range(3):
        await limiter.try_acquire(GET)
    assert await limiter.headroom() == pytest.approx(0.25)  # 1 of 4 left beats 7 of 10
    assert await limiter.headroom() == pytest.approx(0.25)
    clock.advance(11)
    assert await limiter.headroom() == pytest.approx(0.7)  # the short window emptied
    await limiter.update_from_response(httpx2.Response(429, headers={"Retry-After": "5"}))
    assert await limiter.headroom() == 0.0
