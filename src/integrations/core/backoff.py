"""Backoff arithmetic, free of I/O: the full-jitter schedule and server wait hints.

Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): the wait before retry
n (0-based) is uniform in [0, min(cap, base * factor**n)]. It spreads retries of many
clients better than equal or decorrelated jitter, at the same expected load.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from collections.abc import Callable, Mapping

import httpx2

__all__ = ["backoff_ceiling", "full_jitter", "server_wait"]


def backoff_ceiling(attempt: int, *, base: float, factor: float = 2.0, cap: float) -> float:
    """The largest wait before retry `attempt` (0-based): min(cap, base * factor**attempt)."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    try:
        return float(min(cap, base * factor**attempt))
    except OverflowError:  # a huge attempt number: the cap applies long before
        return float(cap)


def full_jitter(
    attempt: int,
    *,
    base: float,
    factor: float = 2.0,
    cap: float,
    rng: Callable[[], float] = random.random,
) -> float:
    """A random wait in [0, backoff_ceiling(attempt)] (seconds)."""
    return rng() * backoff_ceiling(attempt, base=base, factor=factor, cap=cap)


def _parse_retry_after(value: str, now: float) -> float | None:
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, when.timestamp() - now)


def _parse_reset(value: str, now: float) -> float | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    # Vendors send either seconds-until-reset or an epoch timestamp; epochs are large.
    return max(0.0, number - now) if number > 1_000_000_000 else max(0.0, number)


_HINTS = frozenset(
    {
        "retry-after",
        "x-ratelimit-remaining",
        "ratelimit-remaining",
        "x-ratelimit-reset",
        "ratelimit-reset",
    }
)
_RAW_HINTS = frozenset(h.encode() for h in _HINTS)


def _hint_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The wait-hint headers by lowercased name, repeats joined as `headers.items()` joins them."""
    if isinstance(headers, httpx2.Headers):
        # Every answer passes here: scan the raw names and decode only the hint headers.
        found: dict[str, str] = {}
        for raw_name, raw_value in headers.raw:
            name = raw_name.lower()
            if name in _RAW_HINTS:
                key, value = name.decode("ascii"), raw_value.decode(headers.encoding)
                found[key] = f"{found[key]}, {value}" if key in found else value
        return found
    return {k.lower(): v for k, v in headers.items() if k.lower() in _HINTS}


def server_wait(headers: Mapping[str, str], now: float) -> float | None:
    """How long the server asked us to wait, in seconds, or None when it did not say.

    Reads `Retry-After` (delta seconds or an HTTP date) first, then a rate-limit reset header
    (`X-RateLimit-Reset`, `RateLimit-Reset`) when the remaining budget is zero.
    """
    lowered = _hint_headers(headers)
    if "retry-after" in lowered:
        wait = _parse_retry_after(lowered["retry-after"], now)
        if wait is not None:
            return wait
    remaining = lowered.get("x-ratelimit-remaining", lowered.get("ratelimit-remaining"))
    reset = lowered.get("x-ratelimit-reset", lowered.get("ratelimit-reset"))
    if reset is not None and remaining is not None and remaining.strip() in {"0", "0.0"}:
        return _parse_reset(reset, now)
    return None
