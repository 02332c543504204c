"""What a 429 teaches the limiter: the vendor's real rate, so calls resume paced after it.

A spec's limits can be wrong (a vendor that documents none, a budget shared with another
app). After a 429 the limiter pauses for the vendor's `Retry-After`, but if it then let every
waiting call go at once, the vendor would refuse all but its limit again. So each 429 also
installs a learned sliding window, used on top of the spec's own rules:

- its **limit** is the vendor's `X-RateLimit-Limit` (or `RateLimit-Limit`) when sent, else the
  number of this process's calls the vendor accepted just before refusing (calls admitted
  within the pause, less the refused ones);
- its **period** is the pause plus the age of the oldest of those accepted calls: for a
  sliding window that is exactly the vendor's period, for a fixed window a little more.

Later 429s only tighten it (smaller limit, longer period). It is forgotten `forget_after`
seconds after the last 429 (at least ten periods), so a passing squeeze by another app does
not slow this process for good.
"""

from __future__ import annotations

import math
from collections import deque

import httpx2

from integrations.core.state import Window

__all__ = ["LearnedLimit"]

_LIMIT_HEADERS = ("x-ratelimit-limit", "ratelimit-limit")
_HISTORY = 10_000


class LearnedLimit:
    """The window learned from the vendor's 429s, for one integration.

    Args:
        key: the state-store key of the learned window's log.
        forget_after: seconds after the last 429 that the window is dropped (at least ten
            of its periods).
    """

    def __init__(self, key: str, *, forget_after: float = 600.0) -> None:
        self._key = key
        self._forget_after = forget_after
        self._admitted: deque[float] = deque(maxlen=_HISTORY)
        self._refused: deque[float] = deque(maxlen=_HISTORY)
        self.window: Window | None = None
        self._until = 0.0

    def admitted(self, now: float) -> None:
        """A call was let through at `now`."""
        self._admitted.append(now)

    def active(self, now: float) -> Window | None:
        """The learned window, while it is in force."""
        if self.window is not None and now >= self._until:
            self.window = None
        return self.window

    def refused(self, response: httpx2.Response, pause: float, now: float) -> Window:
        """Learn from a 429 received at `now` that asked for `pause` seconds."""
        self._refused.append(now)
        since = now - pause
        admitted = [t for t in self._admitted if t > since]
        refused = sum(1 for t in self._refused if t > since)
        limit = _header_limit(response) or max(1, len(admitted) - refused)
        oldest = admitted[0] if admitted else now
        period = pause + (now - oldest)
        if self.window is not None:
            limit = min(limit, self.window.limit)
            period = max(period, self.window.period)
        self.window = Window(self._key, limit, period)
        self._until = now + max(self._forget_after, 10 * period)
        return self.window


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
