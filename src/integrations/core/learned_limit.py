"""What a 429 teaches the limiter: the vendor's real rate, so calls resume paced after it.

A spec's limits can be wrong (a vendor that documents none, a budget shared with another
app). After a 429 the limiter pauses for the vendor's `Retry-After`, but if it then let every
waiting call go at once, the vendor would refuse all but its limit again. So each 429 also
installs a learned sliding window, checked on top of the spec's own rules:

- its **limit** is the vendor's `X-RateLimit-Limit` (or `RateLimit-Limit`) when sent, else the
  number of this process's calls the vendor accepted just before refusing (calls admitted
  within the pause, less the refused ones);
- its **period** is the pause plus the age of the oldest of those accepted calls: for a
  sliding window that is exactly the vendor's period, for a fixed window a little more; plus
  the limiter's margin, as for every window.

The window counts the calls the vendor accepted before it was learned, so it frees slots when
the vendor's own window does, not all at once when the pause ends. Later 429s only tighten it
(smaller limit, longer period). It is kept in this process (shared stores keep the spec's
windows) and forgotten `forget_after` seconds after the last 429 (at least ten periods), so a
passing squeeze by another app does not slow this process for good.
"""

from __future__ import annotations

import contextlib
import math
from collections import deque
from dataclasses import dataclass

import httpx2

__all__ = ["LearnedLimit", "LearnedWindow"]

_LIMIT_HEADERS = ("x-ratelimit-limit", "ratelimit-limit")
_HISTORY = 10_000


@dataclass(frozen=True, slots=True)
class LearnedWindow:
    """At most `limit` calls in any `period` seconds."""

    limit: int
    period: float


class LearnedLimit:
    """The window learned from the vendor's 429s, for one integration in this process.

    Args:
        margin: seconds added to a learned period (the limiter's safety margin).
        forget_after: seconds after the last 429 that the window is dropped (at least ten
            of its periods).
    """

    def __init__(self, *, margin: float = 0.1, forget_after: float = 600.0) -> None:
        self._margin = margin
        self._forget_after = forget_after
        self._admitted: deque[float] = deque(maxlen=_HISTORY)  # in time order
        self.window: LearnedWindow | None = None
        self._until = 0.0

    def reserve(self, now: float) -> float:
        """0.0 and the call is counted at `now`, or the seconds until the window has room."""
        window = self.window
        if window is not None and now >= self._until:
            window = self.window = None
        if window is not None:
            recent = self._since(now - window.period)
            if len(recent) >= window.limit:
                return recent[-window.limit] + window.period - now
        self._admitted.append(now)
        return 0.0

    def release(self, at: float) -> None:
        """Uncount a call reserved at `at` that was not sent after all."""
        with contextlib.suppress(ValueError):  # forgotten already (the history is bounded)
            self._admitted.remove(at)

    def refused(self, response: httpx2.Response, pause: float, now: float) -> LearnedWindow:
        """Learn from a 429 received at `now` that asked for `pause` seconds."""
        if self._admitted:
            self._admitted.pop()  # the refused call: the vendor did not count it
        accepted = self._since(now - pause)
        limit = _header_limit(response) or max(1, len(accepted))
        oldest = accepted[0] if accepted else now
        period = pause + (now - oldest) + min(self._margin, pause * 0.1)
        if self.window is not None:
            limit = min(limit, self.window.limit)
            period = max(period, self.window.period)
        self.window = LearnedWindow(limit, period)
        self._until = now + max(self._forget_after, 10 * period)
        return self.window

    def _since(self, start: float) -> list[float]:
        """Counted calls after `start`, oldest first (read from the newest end)."""
        found: list[float] = []
        for at in reversed(self._admitted):
            if at <= start:
                break
            found.append(at)
        found.reverse()
        return found


def _header_limit(response: httpx2.Response) -> int | None:
    for name in _LIMIT_HEADERS:
        value = response.headers.get(name)
        if value is None:
            continue
        try:
            number = float(value.split(",", 1)[0].split(";", 1)[0])
        except ValueError:
            continue
        if number >= 1 and math.isfinite(number):
            return int(number)
    return None
