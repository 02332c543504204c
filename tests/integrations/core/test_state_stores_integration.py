"""One scenario, two stores: `MemoryStateStore` and `RedisStateStore` behave the same.

The memory store runs on a virtual clock that `elapse` moves by hand. Redis reads the time
from its own server, so there `elapse` really waits; every step that must happen *before*
a deadline gets at least one second of slack, so a loaded machine cannot fail it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from integrations.core.clock import VirtualClock
from integrations.core.redis_state import RedisStateStore
from integrations.core.state import BreakerSnapshot, MemoryStateStore, StateStore, Window
from tests.helpers.services import REDIS_URL, require_service
from tests.helpers.shared_budget import delete_redis_prefix

pytestmark = pytest.mark.integration

BLOCK_KEY = "rl:conformance:blocked"
BREAKER = "breaker:conformance"
LIMIT = 3
PERIOD = 1.0
RESET = 1.2  # breaker reset timeout: the slack for "still open right after it (re)opened"
LEASE = 1.2  # trial lease: the slack for "a second entry during the trial is refused"
AFTER = 0.05  # added to a wait that must be over (sleeping longer is always safe)

Elapse = Callable[[float], Awaitable[None]]


@pytest.fixture(name="timed_store", params=["memory", "redis"])
async def _timed_store(request: pytest.FixtureRequest) -> AsyncIterator[tuple[StateStore, Elapse]]:
    """A store and how to let time pass on its clock: virtual in memory, real in Redis
    (under a fresh prefix, deleted afterwards)."""
    if request.param == "memory":
        clock = VirtualClock()

        async def advance(seconds: float) -> None:
            clock.advance(seconds)

        yield MemoryStateStore(clock), advance
        return
    require_service("Redis", REDIS_URL, 6379)
    prefix = f"it-conformance-{uuid.uuid4().hex}:"
    store = RedisStateStore.from_url(REDIS_URL, prefix=prefix)
    try:
        yield store, asyncio.sleep
    finally:
        await store.close()
        delete_redis_prefix(prefix)


@pytest.fixture(name="store")
def _store(timed_store: tuple[StateStore, Elapse]) -> StateStore:
    return timed_store[0]


@pytest.fixture(name="elapse")
def _elapse(timed_store: tuple[StateStore, Elapse]) -> Elapse:
    return timed_store[1]


async def test_window_admits_the_limit_then_reports_the_wait(
    store: StateStore, elapse: Elapse
) -> None:
    """A window admits exactly `limit`, refuses the next with a wait, and admits after it."""
    windows = [Window("rl:conformance:w", LIMIT, PERIOD)]
    admitted = [await store.acquire_windows(windows, 1, BLOCK_KEY) for _ in range(LIMIT)]
    assert admitted == [0.0] * LIMIT
    wait = await store.acquire_windows(windows, 1, BLOCK_KEY)
    assert 0 < wait <= PERIOD
    assert 0 < await store.acquire_windows(windows, 1, BLOCK_KEY) <= wait  # refusals spend nothing
    await elapse(wait + AFTER)
    assert await store.acquire_windows(windows, 1, BLOCK_KEY) == 0.0
    with pytest.raises(ValueError, match="exceeds"):
        await store.acquire_windows(windows, LIMIT + 1, BLOCK_KEY)


async def test_settle_keeps_a_unit_until_period_after_its_answer(
    store: StateStore, elapse: Elapse
) -> None:
    """A unit settled 1.2 s after admission stays in its window 1.2 s longer than an unheld
    one admitted with it; settling an unknown holder changes nothing."""
    windows = [Window("rl:conformance:s", 2, 2.4)]
    assert await store.acquire_windows(windows, 1, BLOCK_KEY, "call-a") == 0.0
    assert await store.acquire_windows(windows, 1, BLOCK_KEY) == 0.0
    await elapse(1.2)
    await store.settle_windows(windows, 1, "call-a")
    await store.settle_windows(windows, 1, "never-admitted")
    await elapse(1.2 + AFTER)  # the unheld unit has expired, the settled one has 1.15 s left
    assert await store.acquire_windows(windows, 1, BLOCK_KEY) == 0.0
    assert await store.acquire_windows(windows, 1, BLOCK_KEY) > 0
    assert (await store.window_usage(windows, BLOCK_KEY))[0] == [2]


async def test_block_refuses_every_window(store: StateStore, elapse: Elapse) -> None:
    """A block (a server's Retry-After) refuses acquisitions until it ends."""
    windows = [Window("rl:conformance:b", 100, 1.0)]
    await store.block(BLOCK_KEY, 1.5)
    wait = await store.acquire_windows(windows, 1, BLOCK_KEY)
    assert 0 < wait <= 1.5
    await elapse(wait + AFTER)
    assert await store.acquire_windows(windows, 1, BLOCK_KEY) == 0.0


async def test_breaker_opens_after_the_threshold(store: StateStore) -> None:
    """Consecutive failures open the breaker at the threshold; a success resets the count."""
    assert await store.breaker_get(BREAKER) == BreakerSnapshot()
    await store.breaker_record(BREAKER, False, 3)
    _, after = await store.breaker_record(BREAKER, True, 3)
    assert after == BreakerSnapshot()
    for _ in range(2):
        _, after = await store.breaker_record(BREAKER, False, 3)
    assert (after.state, after.failures) == ("closed", 2)
    before, after = await store.breaker_record(BREAKER, False, 3)
    assert (before.state, after.state, after.failures) == ("closed", "open", 3)
    assert after.opened_at > 0
    _, late = await store.breaker_record(BREAKER, True, 3)
    assert late == after  # a call that started before the breaker opened changes nothing
    assert await store.breaker_enter(BREAKER, 60.0, 30.0) == (False, False, after)
    assert await store.breaker_get(BREAKER) == after


async def test_breaker_lets_a_single_trial_through(store: StateStore, elapse: Elapse) -> None:
    """After the reset timeout exactly one of many concurrent entries is the trial."""
    for _ in range(2):
        await store.breaker_record(BREAKER, False, 2)
    await elapse(0.1 + AFTER)
    entries = await asyncio.gather(*(store.breaker_enter(BREAKER, 0.1, 30.0) for _ in range(8)))
    assert sorted((allowed, trial) for allowed, trial, _ in entries) == [(False, False)] * 7 + [
        (True, True)
    ]
    assert {snap.state for _, _, snap in entries} == {"half_open"}
    before, after = await store.breaker_record(BREAKER, True, 2)
    assert (before.state, after) == ("half_open", BreakerSnapshot())


async def test_failed_or_lost_trial_reopens(store: StateStore, elapse: Elapse) -> None:
    """A failed trial reopens the breaker; a trial whose lease ran out lets another through."""
    for _ in range(2):
        await store.breaker_record(BREAKER, False, 2)
    await elapse(RESET + AFTER)
    assert (await store.breaker_enter(BREAKER, RESET, LEASE))[:2] == (True, True)
    _, reopened = await store.breaker_record(BREAKER, False, 2)
    assert (reopened.state, reopened.failures) == ("open", 3)
    assert (await store.breaker_enter(BREAKER, RESET, LEASE))[:2] == (False, False)
    await elapse(RESET + AFTER)
    assert (await store.breaker_enter(BREAKER, RESET, LEASE))[:2] == (True, True)
    assert (await store.breaker_enter(BREAKER, RESET, LEASE))[:2] == (False, False)
    await elapse(LEASE + AFTER)
    assert (await store.breaker_enter(BREAKER, RESET, LEASE))[:2] == (True, True)


async def test_cache_set_get_expire_and_delete(store: StateStore, elapse: Elapse) -> None:
    """Cached bytes come back until their TTL ends; deletes work by key and by glob."""
    assert await store.cache_get("cache:a:1") is None
    await store.cache_set("cache:a:1", b"\x00one", 60)
    await store.cache_set("cache:a:2", b"two", 60)
    await store.cache_set("cache:b:1", b"other", 60)
    await store.cache_set("cache:a:short", b"brief", 1.0)
    await store.cache_set("cache:a:never", b"nothing", 0)
    assert await store.cache_get("cache:a:1") == b"\x00one"
    assert await store.cache_get("cache:a:short") == b"brief"
    assert await store.cache_get("cache:a:never") is None
    await elapse(1.0 + AFTER)
    assert await store.cache_get("cache:a:short") is None
    assert await store.cache_delete("cache:a:2") is True
    assert await store.cache_delete("cache:a:2") is False
    await store.cache_set("cache:a:3", b"three", 60)
    assert await store.cache_delete_pattern("cache:a:*") == 2
    assert await store.cache_get("cache:a:1") is None
    assert await store.cache_get("cache:b:1") == b"other"


async def test_released_trial_lets_the_next_call_probe_at_once(
    store: StateStore, elapse: Elapse
) -> None:
    """A trial given back frees the probe now; only the current lease's holder can give it."""
    for _ in range(2):
        await store.breaker_record(BREAKER, False, 2)
    await elapse(0.1 + AFTER)
    allowed, trial, snap = await store.breaker_enter(BREAKER, 0.1, 30.0)
    assert (allowed, trial) == (True, True)
    assert (await store.breaker_enter(BREAKER, 0.1, 30.0))[:2] == (False, False)
    assert not await store.breaker_release(BREAKER, snap.trial_until + 1)  # not that lease
    assert await store.breaker_release(BREAKER, snap.trial_until)
    await elapse(AFTER)  # a lease is named by its end time: the next one starts later
    again = await store.breaker_enter(BREAKER, 0.1, 30.0)
    assert again[:2] == (True, True)
    assert not await store.breaker_release(BREAKER, snap.trial_until)  # already given back
    await store.breaker_record(BREAKER, True, 2)
    assert not await store.breaker_release(BREAKER, again[2].trial_until)  # closed now


async def test_window_usage_reads_without_spending(store: StateStore) -> None:
    """`window_usage` counts each window's units and the block left, and spends nothing."""
    windows = [Window("rl:conformance:u1", LIMIT, 60.0), Window("rl:conformance:u2", 10, 60.0)]
    assert await store.window_usage(windows, BLOCK_KEY) == ([0, 0], 0.0)
    await store.acquire_windows(windows, 2, BLOCK_KEY)
    await store.acquire_windows(windows[1:], 1, BLOCK_KEY)
    for _ in range(3):  # reading twice changes nothing
        used, blocked = await store.window_usage(windows, BLOCK_KEY)
        assert (used, blocked) == ([2, 3], 0.0)
    await store.block(BLOCK_KEY, 30.0)
    used, blocked = await store.window_usage(windows, BLOCK_KEY)
    assert used == [2, 3]
    assert 29.0 < blocked <= 30.0
