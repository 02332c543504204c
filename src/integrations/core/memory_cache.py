"""The in-memory response cache: per-entry expiry and a bound on the bytes it holds.

Expired entries go when read, and in a sweep each time the map has doubled since the last
one, so entries nobody reads again cannot pile up. Past `max_bytes` the oldest writes go
first. Hand-written rather than cachetools' TLRUCache: that one keeps a heap and an LRU order
for every entry and costs about 2.5 µs more per write, on a path every cached read takes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

__all__ = ["DEFAULT_CACHE_MAX_BYTES", "BoundedTTLMap"]

DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024
# What one entry costs besides its value (key string, tuple, dict slot), roughly.
_ENTRY_OVERHEAD = 200


class BoundedTTLMap:
    """`key → bytes` entries, each with its own expiry time, at most `max_bytes` in all.

    Args:
        max_bytes: the bound on values plus a fixed per-entry overhead; a value bigger than
            the whole bound is not kept at all.
    """

    def __init__(self, max_bytes: int = DEFAULT_CACHE_MAX_BYTES) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.max_bytes = max_bytes
        self.size = 0
        # OrderedDict, not dict: evicting from the front of a plain dict again and again makes
        # each `next(iter(...))` skip over the slots freed before it (quadratic under churn).
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._swept_at_len = 64

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def get(self, key: str, now: float) -> bytes | None:
        """The value under `key`, or None when absent or expired at `now`."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            self.pop(key)
            return None
        return entry[0]

    def set(self, key: str, value: bytes, expires_at: float, now: float) -> None:
        """Keep `value` under `key` until `expires_at`, evicting the oldest writes if need be."""
        cost = len(value) + _ENTRY_OVERHEAD
        self.pop(key)  # a rewrite moves the key to the young end
        if cost > self.max_bytes:
            return
        self._entries[key] = (value, expires_at)
        self.size += cost
        if len(self._entries) >= 2 * self._swept_at_len:
            self._sweep(now)
        while self.size > self.max_bytes:
            _, (evicted, _) = self._entries.popitem(last=False)
            self.size -= len(evicted) + _ENTRY_OVERHEAD

    def pop(self, key: str) -> bool:
        """Remove `key`; whether it was there (expired or not)."""
        entry = self._entries.pop(key, None)
        if entry is None:
            return False
        self.size -= len(entry[0]) + _ENTRY_OVERHEAD
        return True

    def _sweep(self, now: float) -> None:
        for key in [k for k, (_, expires) in self._entries.items() if expires <= now]:
            self.pop(key)
        self._swept_at_len = max(64, len(self._entries))
