"""Cache: TTL expiry (30), key equality (31), pattern invalidation (32), hit/miss counts (33)."""

from __future__ import annotations

import httpx2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from integrations.core.cache import ResponseCache, generate_cache_key
from integrations.core.clock import VirtualClock
from integrations.core.state import MemoryStateStore
from integrations.errors import NotFoundError
from tests.helpers.pipeline import ScriptedVendor, make_client

PATHS = st.sampled_from(["/a", "/b", "/a/b"])
PARAMS = st.dictionaries(
    st.sampled_from(["page", "q", "count"]), st.sampled_from(["1", "2", "x"]), max_size=3
)
METHODS = st.sampled_from(["GET", "HEAD", "POST"])
TOKENS = st.sampled_from(["", "Bearer one", "Bearer two"])
BODIES = st.sampled_from([b"", b"{}", b'{"a":1}'])


@st.composite
def requests(draw: st.DrawFn) -> tuple[tuple[object, ...], httpx2.Request]:
    """A request and the tuple of what makes it distinct."""
    method, path, params = draw(METHODS), draw(PATHS), draw(PARAMS)
    token, body = draw(TOKENS), draw(BODIES)
    headers = {"Authorization": token} if token else {}
    request = httpx2.Request(
        method, "https://api.example.org" + path, params=params, headers=headers, content=body
    )
    return (method, path, tuple(sorted(params.items())), token, body), request


@given(a=requests(), b=requests())
def test_property_31_key_equal_iff_request_equal(a: tuple, b: tuple) -> None:  # type: ignore[type-arg]
    """Two requests share a key exactly when method, URL, query, credentials and body match."""
    (ident_a, req_a), (ident_b, req_b) = a, b
    same_key = generate_cache_key("demo", req_a) == generate_cache_key("demo", req_b)
    assert same_key is (ident_a == ident_b)


def test_query_order_does_not_matter() -> None:
    """Query parameters in another order are the same request."""
    one = httpx2.Request("GET", "https://h/x?a=1&b=2")
    two = httpx2.Request("GET", "https://h/x?b=2&a=1")
    assert generate_cache_key("demo", one) == generate_cache_key("demo", two)
    assert generate_cache_key("demo", one) != generate_cache_key("other", one)


@given(ttl=st.floats(0.5, 3600), before=st.floats(0, 0.999))
async def test_property_30_entries_expire_after_ttl(ttl: float, before: float) -> None:
    """An entry is served before its TTL ends and never after."""
    clock = VirtualClock()
    cache = ResponseCache(MemoryStateStore(clock))
    await cache.set("cache:demo:k", b"v", ttl)
    clock.advance(ttl * before)
    assert await cache.get("demo", "cache:demo:k") == b"v"
    clock.advance(ttl * (1 - before) + 1e-6)
    assert await cache.get("demo", "cache:demo:k") is None


@given(keys=st.sets(st.sampled_from(["a1", "a2", "b1", "b2", "ab"]), min_size=1))
async def test_property_32_pattern_invalidation(keys: set[str]) -> None:
    """delete_pattern removes exactly the matching keys."""
    cache = ResponseCache(MemoryStateStore(VirtualClock()))
    for key in keys:
        await cache.set(f"cache:demo:{key}", b"v", 60)
    removed = await cache.delete_pattern("cache:demo:a*")
    expected = {k for k in keys if k.startswith("a")}
    assert removed == len(expected)
    for key in keys:
        present = await cache.get("demo", f"cache:demo:{key}") is not None
        assert present is (key not in expected)


@given(pattern=st.lists(st.sampled_from(["/a", "/b", "/c"]), min_size=1, max_size=20))
async def test_property_33_hits_and_misses_counted(pattern: list[str]) -> None:
    """Each first read is a miss, each repeat a hit, and the rate follows."""
    vendor = ScriptedVendor()
    client = make_client(vendor, cache_ttl=300)
    for path in pattern:
        await client.request("GET", path, operation="read")
    stats = client.cache.get_stats("demo")
    distinct = len(set(pattern))
    assert (stats.misses, stats.hits) == (distinct, len(pattern) - distinct)
    assert len(vendor.seen) == distinct
    assert stats.hit_rate == (len(pattern) - distinct) / len(pattern)
    records = client.recorder.records  # type: ignore[attr-defined]
    assert sum(r.cache_hit for r in records) == stats.hits


async def test_only_successful_reads_are_cached() -> None:
    """Writes, errors and a zero TTL never touch the cache."""
    vendor = ScriptedVendor(script=[404])
    client = make_client(vendor, cache_ttl=300)
    with pytest.raises(NotFoundError):
        await client.request("GET", "/r", operation="read")
    for _ in range(2):
        await client.request("POST", "/w", operation="write")
    await client.request("GET", "/r", operation="read")
    await client.request("GET", "/r", operation="read")  # from the cache
    await client.request("GET", "/r", operation="read", cache_ttl=0)
    assert [r.method for r in vendor.seen] == ["GET", "POST", "POST", "GET", "GET"]
    assert client.cache.get_stats("demo").hits == 1


async def test_invalidate_one_integration() -> None:
    """invalidate() drops one integration's entries and counts them."""
    cache = ResponseCache(MemoryStateStore(VirtualClock()))
    await cache.set("cache:demo:1", b"v", 60)
    await cache.set("cache:other:1", b"v", 60)
    assert await cache.invalidate("demo") == 1
    assert await cache.delete("cache:other:1") is True
    assert await cache.delete("cache:other:1") is False
    assert ResponseCache(MemoryStateStore()).get_stats("x").hit_rate == 0.0
