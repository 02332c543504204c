"""The simulator's own rate limiter: vendor windows that answer 429 the vendor's way."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["SimRateLimit", "SimRateLimiter"]


class SimRateLimit(BaseModel):
    """At most `limit` requests per `period_seconds` to routes matching `route` (a regex
    on "METHOD /path"; `.*` for all)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(gt=0)
    period_seconds: float = Field(gt=0)
    route: str = ".*"
    name: str = ""


class SimRateLimiter:
    """Sliding-window counting per configured window, on the simulator's clock.

    Args:
        now: the simulator clock.
    """

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self.windows: list[SimRateLimit] = []
        self._logs: list[deque[float]] = []
        self.rejected = 0

    def configure(self, windows: list[SimRateLimit]) -> None:
        """Replace every window (an empty list removes limiting)."""
        self.windows = list(windows)
        self._logs = [deque() for _ in windows]

    def check(self, method: str, path: str) -> tuple[float, SimRateLimit | None]:
        """(0, None) and the request is counted, or (seconds until allowed, the window)."""
        now = self._now()
        key = f"{method.upper()} {path}"
        matched = [
            (w, log)
            for w, log in zip(self.windows, self._logs, strict=True)
            if re.search(w.route, key)
        ]
        for window, log in matched:
            while log and log[0] <= now - window.period_seconds:
                log.popleft()
            if len(log) >= window.limit:
                self.rejected += 1
                return log[0] + window.period_seconds - now, window
        for _, log in matched:
            log.append(now)
        return 0.0, None

    def remaining(self, window: SimRateLimit) -> int:
        """Requests left in `window` now."""
        index = self.windows.index(window)
        return max(0, window.limit - len(self._logs[index]))
