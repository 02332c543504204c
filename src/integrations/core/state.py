"""Shared state of the breaker, the limiter and the cache, behind one small protocol.

Every operation is atomic in the store, so one process or many (through Redis) see one
breaker, one budget and one cache. `MemoryStateStore` is the single-process default; the
asyncio event loop makes each of its methods atomic because none of them awaits.
"""

from __future__ import annotations

import bisect
import fnmatch
import math
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from integrations.core.clock import Clock, SystemClock
from integrations.core.memory_cache import DEFAULT_CACHE_MAX_BYTES, BoundedTTLMap

__all__ = ["BreakerSnapshot", "MemoryStateStore", "StateStore", "Window"]


@dataclass(frozen=True, slots=True)
class Window:
    """One sliding window to check: at most `limit` units per `period` seconds under `key`."""

    key: str
    limit: int
    period: float


@dataclass(frozen=True, slots=True)
class BreakerSnapshot:
    """A breaker's state: `closed`, `open` or `half_open`, with its counters (epoch seconds)."""

    state: str = "closed"
    failures: int = 0
    opened_at: float = 0.0
    trial_until: float = 0.0


class StateStore(Protocol):
    """Atomic operations on shared state. Times are epoch seconds."""

    async def acquire_windows(
        self, windows: list[Window], cost: int, block_key: str, holder: str | None = None
    ) -> float:
        """Spend `cost` in every window, or nothing: 0.0 when admitted, else seconds to wait.
        With a `holder` (unique per call), `settle_windows` can later move those units."""
        ...

    async def settle_windows(self, windows: list[Window], cost: int, holder: str) -> None:
        """Move the units `holder` spent (still in their windows) to now: its request was
        answered, so the vendor counted it at some moment up to now."""
        ...

    async def block(self, block_key: str, seconds: float) -> None:
        """Refuse every acquisition under `block_key` for `seconds` (a server asked us to)."""
        ...

    async def window_usage(self, windows: list[Window], block_key: str) -> tuple[list[int], float]:
        """Read without spending: units used in each window now, and the seconds left of a
        block (0.0 when none); what health checks and `/metrics` report as headroom."""
        ...

    async def breaker_get(self, key: str) -> BreakerSnapshot:
        """The breaker's current state."""
        ...

    async def breaker_enter(
        self, key: str, reset_timeout: float, trial_timeout: float
    ) -> tuple[bool, bool, BreakerSnapshot]:
        """May a call go out? Returns (allowed, is_trial, state after the check)."""
        ...

    async def breaker_record(
        self, key: str, success: bool, threshold: int
    ) -> tuple[BreakerSnapshot, BreakerSnapshot]:
        """Record a call's outcome; returns (before, after)."""
        ...

    async def breaker_release(self, key: str, trial_until: float) -> bool:
        """Give back the trial lease ending at `trial_until` (a trial that never reached the
        vendor), so the next call may probe at once; False when that lease is gone."""
        ...

    async def cache_get(self, key: str) -> bytes | None:
        """A cached value, or None when absent or expired."""
        ...

    async def cache_set(self, key: str, value: bytes, ttl: float) -> None:
        """Store `value` for `ttl` seconds."""
        ...

    async def cache_delete(self, key: str) -> bool:
        """Remove one key; True when it existed."""
        ...

    async def cache_delete_pattern(self, pattern: str) -> int:
        """Remove every key matching a glob pattern; returns how many."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class MemoryStateStore:
    """In-process state (the default).

    Args:
        clock: where time comes from (a virtual clock in tests).
        cache_max_bytes: the bound on the response cache (oldest writes go first past it).
    """

    def __init__(
        self, clock: Clock | None = None, cache_max_bytes: int = DEFAULT_CACHE_MAX_BYTES
    ) -> None:
        self.clock = clock or SystemClock()
        self._windows: dict[str, deque[float]] = {}
        self._held: dict[str, float] = {}  # holder -> admission time, until settled
        self._blocked: dict[str, float] = {}
        self._breakers: dict[str, BreakerSnapshot] = {}
        self._cache = BoundedTTLMap(cache_max_bytes)

    async def acquire_windows(
        self, windows: list[Window], cost: int, block_key: str, holder: str | None = None
    ) -> float:
        now = self.clock.now()
        wait = max(0.0, self._blocked.get(block_key, 0.0) - now)
        for w in windows:
            log = self._windows.get(w.key)
            if log is None:  # not setdefault: that would build a deque on every call
                log = self._windows[w.key] = deque()
            while log and log[0] <= now - w.period:
                log.popleft()
            if cost > w.limit:
                raise ValueError(f"cost {cost} exceeds the window limit {w.limit}")
            excess = len(log) + cost - w.limit
            if excess > 0:
                wait = max(wait, log[excess - 1] + w.period - now)
        if wait > 0:
            return wait
        for w in windows:
            self._windows[w.key].extend([now] * cost)
        if holder is not None:
            if len(self._held) >= _MAX_HELD:  # a holder never settled must not pile up
                del self._held[next(iter(self._held))]
            self._held[holder] = now
        return 0.0

    async def settle_windows(self, windows: list[Window], cost: int, holder: str) -> None:
        admitted = self._held.pop(holder, None)
        if admitted is None:
            return
        now = self.clock.now()
        for w in windows:
            log = self._windows.get(w.key)
            if log is not None:
                _move_to_now(log, admitted, cost, now)

    async def block(self, block_key: str, seconds: float) -> None:
        until = self.clock.now() + seconds
        self._blocked[block_key] = max(self._blocked.get(block_key, 0.0), until)

    async def window_usage(self, windows: list[Window], block_key: str) -> tuple[list[int], float]:
        now = self.clock.now()
        used = [
            sum(1 for at in self._windows.get(w.key, ()) if at > now - w.period) for w in windows
        ]
        return used, max(0.0, self._blocked.get(block_key, 0.0) - now)

    async def breaker_get(self, key: str) -> BreakerSnapshot:
        return self._breakers.get(key, BreakerSnapshot())

    async def breaker_enter(
        self, key: str, reset_timeout: float, trial_timeout: float
    ) -> tuple[bool, bool, BreakerSnapshot]:
        now = self.clock.now()
        snap = self._breakers.get(key, _CLOSED)
        if snap.state == "closed":
            return True, False, snap
        trial_free = snap.state == "open" and now >= snap.opened_at + reset_timeout
        lease_lost = snap.state == "half_open" and now >= snap.trial_until
        if trial_free or lease_lost:
            snap = BreakerSnapshot("half_open", snap.failures, snap.opened_at, now + trial_timeout)
            self._breakers[key] = snap
            return True, True, snap
        return False, False, snap

    async def breaker_record(
        self, key: str, success: bool, threshold: int
    ) -> tuple[BreakerSnapshot, BreakerSnapshot]:
        before = self._breakers.get(key, _CLOSED)
        if success and before is _CLOSED:  # the common case: nothing changes
            return before, before
        after = next_breaker_state(before, success, threshold, self.clock.now())
        self._breakers[key] = after
        return before, after

    async def breaker_release(self, key: str, trial_until: float) -> bool:
        snap = self._breakers.get(key, _CLOSED)
        if snap.state != "half_open" or snap.trial_until != trial_until:
            return False
        now = self.clock.now()
        self._breakers[key] = BreakerSnapshot("half_open", snap.failures, snap.opened_at, now)
        return True

    async def cache_get(self, key: str) -> bytes | None:
        return self._cache.get(key, self.clock.now())

    async def cache_set(self, key: str, value: bytes, ttl: float) -> None:
        if ttl > 0 and math.isfinite(ttl):
            now = self.clock.now()
            self._cache.set(key, value, now + ttl, now)

    async def cache_delete(self, key: str) -> bool:
        return self._cache.pop(key)

    async def cache_delete_pattern(self, pattern: str) -> int:
        doomed = [k for k in self._cache if fnmatch.fnmatchcase(k, pattern)]
        for k in doomed:
            self._cache.pop(k)
        return len(doomed)

    async def close(self) -> None:
        return None


_CLOSED = BreakerSnapshot()
_MAX_HELD = 100_000


def _move_to_now(log: deque[float], admitted: float, cost: int, now: float) -> None:
    """Replace up to `cost` entries `admitted` (those not yet expired) with `now`. Every
    entry is at most `now`, so appending keeps the log in time order."""
    # The log is in time order: bisect finds the newest entry `admitted` in a few probes,
    # where a scan from the newest end walked every call admitted or settled since (about
    # a hundred at 2,000 calls/s; docs/performance.md).
    i = bisect.bisect_right(log, admitted) - 1
    moved = 0
    while moved < cost and i >= 0 and log[i] == admitted:
        del log[i]
        i -= 1
        moved += 1
    log.extend([now] * moved)


def next_breaker_state(
    before: BreakerSnapshot, success: bool, threshold: int, now: float
) -> BreakerSnapshot:
    """The breaker transition for one outcome (pure; the Redis script mirrors it)."""
    if success:
        if before.state == "open":
            return before  # a call that started before the breaker opened changes nothing
        return _CLOSED
    if before.state == "half_open":
        return BreakerSnapshot("open", before.failures + 1, now, 0.0)
    if before.state == "open":
        return before
    failures = before.failures + 1
    if failures >= threshold:
        return BreakerSnapshot("open", failures, now, 0.0)
    return BreakerSnapshot("closed", failures, 0.0, 0.0)
