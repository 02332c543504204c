"""Keep calls working when the shared store is down: fall back to memory, say so once.

While Redis is unreachable each process limits, breaks and caches on its own (a budget is
then per process, not shared); the primary is tried again every `retry_seconds`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from integrations.core.clock import Clock, SystemClock
from integrations.core.state import BreakerSnapshot, MemoryStateStore, StateStore, Window
from integrations.logging import get_logger

__all__ = ["FallbackStateStore"]

T = TypeVar("T")
_log = get_logger()


class FallbackStateStore:
    """A `StateStore` that uses `primary` and switches to memory while it fails.

    Args:
        primary: the shared store (Redis).
        errors: exception types that mean "the primary is unreachable".
        retry_seconds: how long to stay on memory before trying the primary again.
    """

    def __init__(
        self,
        primary: StateStore,
        *,
        errors: tuple[type[BaseException], ...],
        retry_seconds: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = MemoryStateStore(clock)
        self._errors = errors
        self._retry = retry_seconds
        self._clock = clock or SystemClock()
        self._down_until: float | None = None

    @property
    def degraded(self) -> bool:
        """True while the memory fallback is in use."""
        return self._down_until is not None

    async def _run(self, op: Callable[[StateStore], Awaitable[T]]) -> T:
        now = self._clock.now()
        if self._down_until is not None and now < self._down_until:
            return await op(self.fallback)
        try:
            result = await op(self.primary)
        except self._errors as exc:
            if self._down_until is None:
                _log.warning(
                    "state.fallback_engaged",
                    error=type(exc).__name__,
                    detail="shared state unreachable; using per-process memory",
                )
            self._down_until = now + self._retry
            return await op(self.fallback)
        if self._down_until is not None:
            _log.info("state.primary_recovered")
            self._down_until = None
        return result

    async def acquire_windows(
        self, windows: list[Window], cost: int, block_key: str, holder: str | None = None
    ) -> float:
        return await self._run(lambda s: s.acquire_windows(windows, cost, block_key, holder))

    async def settle_windows(self, windows: list[Window], cost: int, holder: str) -> None:
        await self._run(lambda s: s.settle_windows(windows, cost, holder))

    async def block(self, block_key: str, seconds: float) -> None:
        await self._run(lambda s: s.block(block_key, seconds))

    async def window_usage(self, windows: list[Window], block_key: str) -> tuple[list[int], float]:
        return await self._run(lambda s: s.window_usage(windows, block_key))

    async def breaker_get(self, key: str) -> BreakerSnapshot:
        return await self._run(lambda s: s.breaker_get(key))

    async def breaker_enter(
        self, key: str, reset_timeout: float, trial_timeout: float
    ) -> tuple[bool, bool, BreakerSnapshot]:
        return await self._run(lambda s: s.breaker_enter(key, reset_timeout, trial_timeout))

    async def breaker_record(
        self, key: str, success: bool, threshold: int
    ) -> tuple[BreakerSnapshot, BreakerSnapshot]:
        return await self._run(lambda s: s.breaker_record(key, success, threshold))

    async def breaker_release(self, key: str, trial_until: float) -> bool:
        return await self._run(lambda s: s.breaker_release(key, trial_until))

    async def cache_get(self, key: str) -> bytes | None:
        return await self._run(lambda s: s.cache_get(key))

    async def cache_set(self, key: str, value: bytes, ttl: float) -> None:
        await self._run(lambda s: s.cache_set(key, value, ttl))

    async def cache_delete(self, key: str) -> bool:
        return await self._run(lambda s: s.cache_delete(key))

    async def cache_delete_pattern(self, pattern: str) -> int:
        return await self._run(lambda s: s.cache_delete_pattern(pattern))

    async def close(self) -> None:
        await self.primary.close()

    def __repr__(self) -> str:
        return f"FallbackStateStore(primary={self.primary!r}, degraded={self.degraded})"
