"""The in-memory cache's bound: never over `max_bytes`, oldest writes evicted first, expiry kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.core.clock import VirtualClock
from integrations.core.memory_cache import BoundedTTLMap
from integrations.core.state import MemoryStateStore

OVERHEAD = 200  # memory_cache._ENTRY_OVERHEAD, restated: the test pins the accounting
KEYS = st.sampled_from([f"k{i}" for i in range(12)])
OPS = st.lists(
    st.tuples(KEYS, st.binary(max_size=600), st.floats(0.5, 30), st.floats(0, 5)), max_size=60
)


@given(ops=OPS, max_bytes=st.integers(300, 4000))
def test_never_over_the_bound_and_reads_give_the_newest_live_write(
    ops: list[tuple[str, bytes, float, float]], max_bytes: int
) -> None:
    """Size stays within the bound and equals what is held; a key read back is its last write,
    unless it expired or was evicted; evictions take the oldest writes first."""
    cache = BoundedTTLMap(max_bytes)
    now = 0.0
    written: dict[str, tuple[bytes, float]] = {}
    for key, value, ttl, step in ops:
        now += step
        cache.set(key, value, now + ttl, now)
        written.pop(key, None)
        written[key] = (value, now + ttl)
        assert cache.size <= max_bytes
        held = list(cache)
        assert cache.size == sum(len(written[k][0]) + OVERHEAD for k in held)
        # What is held is always the youngest writes, in write order (live or not yet swept).
        assert held == [k for k in written if k in held]
        for k in held:
            value_now = cache.get(k, now)
            assert value_now == (written[k][0] if written[k][1] > now else None)


def test_expired_entries_nobody_reads_are_swept() -> None:
    """A flood of one-off keys with a short TTL does not grow the map without end."""
    cache = BoundedTTLMap(1 << 30)
    for i in range(10_000):
        cache.set(f"k{i}", b"x", expires_at=i + 1.0, now=float(i))
    assert len(cache) < 200


def test_a_value_bigger_than_the_bound_is_not_kept_and_drops_the_old_one() -> None:
    cache = BoundedTTLMap(1000)
    cache.set("k", b"small", 10.0, 0.0)
    cache.set("k", b"x" * 2000, 10.0, 0.0)
    assert cache.get("k", 1.0) is None
    assert cache.size == 0


def test_bound_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        BoundedTTLMap(0)


async def test_memory_store_keeps_within_its_cache_bound() -> None:
    store = MemoryStateStore(VirtualClock(), cache_max_bytes=10_000)
    for i in range(100):
        await store.cache_set(f"k{i}", b"y" * 1000, ttl=60)
    assert await store.cache_get("k0") is None
    assert await store.cache_get("k99") == b"y" * 1000
    assert await store.cache_delete("k99") is True
    assert await store.cache_delete("k99") is False
