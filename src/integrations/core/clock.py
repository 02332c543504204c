"""Time, injected: a system clock for production and a virtual clock for tests.

Every waiting component (retry, limiter, breaker, cache) asks a `Clock` for the time and
sleeps through it, so tests run hours of backoff and rate limiting in milliseconds. Times
are wall-clock seconds (epoch): processes that share state through Redis must agree on them.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from typing import Protocol

__all__ = ["Clock", "SystemClock", "VirtualClock"]


class Clock(Protocol):
    """Where components read the time and wait."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (no wait for zero or less)."""
        ...


class SystemClock:
    """The real clock."""

    __slots__ = ()

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        if seconds > 0:
            await asyncio.sleep(seconds)


class VirtualClock:
    """A clock that jumps instead of waiting: once every task is blocked, time advances
    to the earliest sleeper's wake-up. Sleepers wake in time order, ties in call order.

    Args:
        start: the initial time (seconds since the epoch).
        settle_ticks: loop iterations to let runnable tasks progress before time jumps.
    """

    def __init__(self, start: float = 1_700_000_000.0, *, settle_ticks: int = 20) -> None:
        self._now = start
        self._settle = settle_ticks
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._driver: asyncio.Task[None] | None = None
        self.slept: list[float] = []

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by hand (no sleeper is woken until they are driven)."""
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), future))
        if self._driver is None or self._driver.done():
            self._driver = asyncio.create_task(self._drive())
        await future

    async def _drive(self) -> None:
        while self._sleepers:
            for _ in range(self._settle):
                await asyncio.sleep(0)
            if not self._sleepers:
                return
            wake, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, wake)
            if not future.done():
                future.set_result(None)
