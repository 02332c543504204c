"""Client-side rate limiting: several sliding windows at once, priority lanes, FIFO waits.

Sliding-window logs, not token buckets: a bucket of capacity N refilled at N per period lets
up to 2N requests into one period (a full burst, then the refill), and vendors count per
window. A log admits a request only if the last `period` seconds hold fewer than `limit`,
so no window of the limiter's length ever sees more than its limit.

Background calls (syncs, bulk sends) see each window shrunk by `background_share`, so the
last part of every budget always stays for interactive calls.

The vendor counts a request when it arrives, somewhere between our admission and its
answer, and the vendor's window is what must never overflow. So a call through
`RateLimitLayer` holds its place in each window from admission until `period` after its
answer (`settle`): a request that waited 150 ms on a busy CPU before reaching the vendor
cannot make the vendor see one request too many. Each window is also held a little longer
than its period (`margin_seconds`, at most 10% of it) for calls never settled (a process
killed mid-call, direct `acquire` callers).

A 429 pauses the whole integration for the time the vendor asked, and teaches the limiter a
window of the vendor's real rate (`learned_limit.py`), so the calls waiting out the pause
resume at that rate instead of all at once. A call never waits past its deadline: a wait
that would end after it fails at once with `RateLimitedError` carrying the wait.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import math
import uuid
from collections import Counter

import httpx2

from integrations.core.backoff import server_wait
from integrations.core.clock import Clock
from integrations.core.context import Priority, call_context
from integrations.core.learned_limit import LearnedLimit
from integrations.core.spec import RateLimitRule
from integrations.core.state import StateStore, Window
from integrations.errors import RateLimitedError
from integrations.logging import get_logger

__all__ = ["RateLimitLayer", "RateLimiter"]

Lane = tuple[str, tuple[str, ...]]  # (priority, keys of the matched windows)
_Plan = tuple[list[Window], int, Lane]  # windows to spend in, cost, lane
_PRIORITIES: tuple[Priority, ...] = ("interactive", "background")

_log = get_logger()
DEFAULT_429_PAUSE_S = 1.0


class RateLimiter:
    """The budget of one integration: rules, a store, and queues per priority.

    Args:
        integration: connector name (the state key prefix).
        rules: the vendor's limits; each request spends in every rule it matches.
        store: memory, or Redis to share one budget between processes.
        clock: time source.
        max_wait_seconds: the longest `acquire()` waits before failing with RateLimitedError.
        background_share: the share of each window background calls may not use.
    """

    def __init__(
        self,
        integration: str,
        rules: tuple[RateLimitRule, ...],
        store: StateStore,
        clock: Clock,
        *,
        max_wait_seconds: float = 300.0,
        background_share: float = 0.2,
        margin_seconds: float = 0.1,
    ) -> None:
        self.integration = integration
        self.rules = rules
        self._store = store
        self._clock = clock
        self.max_wait_seconds = max_wait_seconds
        self.background_share = background_share
        self.margin_seconds = margin_seconds
        self._block_key = f"rl:{integration}:blocked"
        self._queues: dict[Lane, asyncio.Lock] = {}
        # Calls inside `acquire`'s queue, per lane; a free lock alone does not mean nobody
        # waits (a released lock stays free until the woken waiter runs).
        self._queued: dict[Lane, int] = {}
        self.violations: Counter[str] = Counter()  # budget_exhausted, vendor_429
        self.waits = 0  # admissions that waited for a window (normal, not violations)
        self._rules_plan = self._plan()
        self.learned = LearnedLimit(margin=margin_seconds)
        # Rules without a method or path matcher match every request: their windows per
        # priority are worked out once, not on every call.
        self._unconditional: dict[Priority, _Plan] = {}
        if all(rule.methods is None and rule.path is None for rule in rules):
            for lane_priority in _PRIORITIES:
                self._unconditional[lane_priority] = self._match(None, lane_priority)

    def _plan(self) -> list[tuple[RateLimitRule, Window, Window]]:
        """Per rule, its window for interactive and for background calls (built once)."""
        plan = []
        for index, rule in enumerate(self.rules):
            key = f"rl:{self.integration}:{index}:{rule.limit}/{rule.period_seconds:g}"
            period = rule.period_seconds + min(self.margin_seconds, rule.period_seconds * 0.1)
            background = max(1, math.floor(rule.limit * (1 - self.background_share)))
            plan.append((rule, Window(key, rule.limit, period), Window(key, background, period)))
        return plan

    def _windows(self, request: httpx2.Request, priority: Priority) -> _Plan:
        """The windows `request` spends in, its cost, and its FIFO lane."""
        known = self._unconditional.get(priority)
        return known if known is not None else self._match(request, priority)

    def _match(self, request: httpx2.Request | None, priority: Priority) -> _Plan:
        windows: list[Window] = []
        cost = 1
        background = priority == "background"
        for rule, interactive_window, background_window in self._rules_plan:
            unconditional = rule.methods is None and rule.path is None
            if unconditional or (request is not None and rule.matches(request)):
                windows.append(background_window if background else interactive_window)
                if rule.cost > cost:
                    cost = rule.cost
        # One FIFO queue per priority and set of matched windows: calls governed by the same
        # windows go out in arrival order, others do not wait behind them.
        return windows, cost, (priority, tuple(w.key for w in windows))

    async def try_acquire(
        self, request: httpx2.Request, priority: Priority = "interactive"
    ) -> float:
        """Spend budget without waiting: 0.0 when admitted, else the seconds to wait."""
        windows, cost, _ = self._windows(request, priority)
        return await self._admit(windows, cost)

    async def _admit(self, windows: list[Window], cost: int, holder: str | None = None) -> float:
        """One try at admission: the learned window (in process), then the store's windows."""
        now = self._clock.now()
        wait = self.learned.reserve(now)
        if wait > 0:
            return wait
        wait = await self._store.acquire_windows(windows, cost, self._block_key, holder)
        if wait > 0:
            self.learned.release(now)
        return wait

    async def acquire(
        self,
        request: httpx2.Request,
        priority: Priority = "interactive",
        *,
        max_wait: float | None = None,
        holder: str | None = None,
    ) -> float:
        """Wait (in arrival order) until the budget admits `request`; returns seconds waited.

        Args:
            max_wait: the longest this call may wait (what is left of its deadline); never
                more than `max_wait_seconds`.
            holder: a name unique to this call; `settle(request, priority, holder)` must
                follow once the request is answered or has failed.

        Raises:
            RateLimitedError: when admission would take longer than that.
        """
        windows, cost, lane = self._windows(request, priority)
        # With nobody queued, trying first overtakes no one; only a call that must wait takes
        # its place in line.
        if not self._queued.get(lane) and await self._admit(windows, cost, holder) <= 0:
            return 0.0
        limit = self.max_wait_seconds if max_wait is None else min(max_wait, self.max_wait_seconds)
        queue = self._queues.get(lane)
        if queue is None:
            queue = self._queues[lane] = asyncio.Lock()
        self._queued[lane] = self._queued.get(lane, 0) + 1
        try:
            return await self._wait_in_line(queue, windows, cost, limit, holder)
        finally:
            self._queued[lane] -= 1

    async def _wait_in_line(
        self,
        queue: asyncio.Lock,
        windows: list[Window],
        cost: int,
        limit: float,
        holder: str | None,
    ) -> float:
        started = self._clock.now()
        waited = 0.0
        async with queue:
            while True:
                wait = await self._admit(windows, cost, holder)
                if wait <= 0:
                    return waited
                if self._clock.now() - started + wait > limit:
                    retry_at = dt.datetime.fromtimestamp(self._clock.now() + wait, dt.UTC)
                    self._violation("budget_exhausted", wait)
                    raise RateLimitedError(
                        f"{self.integration}: rate limit budget exhausted",
                        provider=self.integration,
                        retry_after=wait,
                        retry_at=retry_at,
                    )
                # Waiting for a window to free up is the limiter working, not a violation.
                self.waits += 1
                _log.debug("ratelimit.waited", integration=self.integration, wait_s=round(wait, 3))
                await self._clock.sleep(wait)
                waited += wait

    async def settle(self, request: httpx2.Request, priority: Priority, holder: str) -> None:
        """The call `holder` was admitted for is over: the vendor counted it by now, so its
        units stay in their windows until `period` from now."""
        windows, cost, _ = self._windows(request, priority)
        if windows:
            await self._store.settle_windows(windows, cost, holder)

    async def update_from_response(self, response: httpx2.Response) -> None:
        """Correct the budget from what the vendor said: 429 and exhausted-budget headers."""
        if response.status_code == 429:
            hinted = server_wait(response.headers, self._clock.now())
            pause = hinted if hinted is not None else DEFAULT_429_PAUSE_S
            self._violation("vendor_429", pause)
            await self._store.block(self._block_key, pause)
            learned = self.learned.refused(response, pause, self._clock.now())
            _log.info(
                "ratelimit.limit_learned",
                integration=self.integration,
                limit=learned.limit,
                period_s=round(learned.period, 3),
            )
        elif _budget_signal(response):
            # Only a budget signal pauses the integration: a Retry-After on a 202 ("not
            # ready, poll later") concerns that one resource, not the whole budget.
            hinted = server_wait(response.headers, self._clock.now())
            if hinted is not None and hinted > 0:
                await self._store.block(self._block_key, hinted)

    async def headroom(self) -> float | None:
        """The share of budget still free now in the tightest interactive window: 1.0
        untouched, 0.0 exhausted or paused by a vendor 429; None without rules. Reads only,
        so a health check or a scrape never spends what calls need."""
        if not self.rules:
            return None
        windows = [interactive for _, interactive, _ in self._rules_plan]
        used, blocked = await self._store.window_usage(windows, self._block_key)
        if blocked > 0:
            return 0.0
        return min(max(0.0, (w.limit - n) / w.limit) for w, n in zip(windows, used, strict=True))

    def now(self) -> float:
        """The limiter's clock."""
        return self._clock.now()

    def _violation(self, kind: str, wait: float) -> None:
        self.violations[kind] += 1
        _log.info(
            "ratelimit.violation_recorded",
            integration=self.integration,
            kind=kind,
            wait_s=round(wait, 3),
        )


def _budget_signal(response: httpx2.Response) -> bool:
    """True for answers that speak about our budget: 503 with Retry-After, or a remaining
    budget of zero."""
    if response.status_code == 503:
        return True
    for name, value in response.headers.raw:  # every answer comes here
        if name.lower() in _REMAINING and value.strip() in (b"0", b"0.0"):
            return True
    return False


_REMAINING = frozenset({b"x-ratelimit-remaining", b"ratelimit-remaining"})


class RateLimitLayer(httpx2.AsyncBaseTransport):
    """Waits for budget before each attempt and learns from each answer."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, limiter: RateLimiter) -> None:
        self._inner = inner
        self.limiter = limiter
        # Holder names: unique across the processes sharing a Redis budget.
        self._holder_prefix = uuid.uuid4().hex[:16]
        self._calls = itertools.count()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        ctx = call_context(request)
        left = None if ctx.deadline is None else ctx.deadline - self.limiter.now()
        holder = f"{self._holder_prefix}:{next(self._calls)}"
        waited = await self.limiter.acquire(request, ctx.priority, max_wait=left, holder=holder)
        if waited:
            ctx.limiter_waits += 1
            ctx.limiter_wait_seconds += waited
        try:
            response = await self._inner.handle_async_request(request)
        finally:
            await self.limiter.settle(request, ctx.priority, holder)
        await self.limiter.update_from_response(response)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
