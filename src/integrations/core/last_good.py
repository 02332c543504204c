"""Last good answers: what a connector may answer with, marked stale, while its vendor fails.

The response cache (`core.cache`) forgets an answer when its TTL ends, which is right for
serving fresh data but leaves nothing to fall back on when the vendor is down the next day.
`LastGoodAnswers` keeps each read's last successful answer for much longer (`keep_seconds`)
under its own key prefix (`last-good:<integration>:`), in the same `StateStore` as the cache
(so Redis shares it between processes when configured). It is opt-in and separate from the
cache layer on purpose: only the connector knows which failures a stale answer may cover (a
vendor outage: yes; a rejected keyword: no) and how to mark the answer for its caller.

Entries are `saved_at` (8 bytes, big-endian float seconds on the client's clock) + the
answer's bytes; the age is measured on the same clock, so tests on a `VirtualClock` see
exact ages. Invalidating an integration's cache (`cache:<name>:*`) does not drop them.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

from integrations.core.clock import Clock
from integrations.core.state import StateStore

__all__ = ["DEFAULT_KEEP_SECONDS", "LastGoodAnswers", "StaleAnswer"]

DEFAULT_KEEP_SECONDS = 30 * 86_400.0  # a month: long enough to ride out any outage
_STAMP = struct.Struct(">d")


@dataclass(frozen=True, slots=True)
class StaleAnswer:
    """A remembered answer: its bytes, when it was saved and how old it is (seconds)."""

    body: bytes
    saved_at: float
    age_seconds: float


class LastGoodAnswers:
    """Save and load the last good answer of one integration's logical queries.

    Args:
        integration: the connector name (part of every key).
        store: the client's state store (the one its response cache uses).
        clock: the client's clock (ages are measured on it).
        keep_seconds: how long an answer is kept after it was last saved (0: never kept).
    """

    def __init__(
        self,
        integration: str,
        store: StateStore,
        clock: Clock,
        *,
        keep_seconds: float = DEFAULT_KEEP_SECONDS,
    ) -> None:
        self.integration = integration
        self.keep_seconds = keep_seconds
        self._store = store
        self._clock = clock

    def key(self, *parts: str) -> str:
        """The key of a logical query (e.g. operation name and its normalised arguments).

        Hashed, so keywords, names and birth dates never appear in the store's key space.
        """
        digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()
        return f"last-good:{self.integration}:{digest}"

    async def save(self, key: str, body: bytes) -> None:
        """Remember `body` as the last good answer for `key`, stamped now."""
        await self._store.cache_set(key, _STAMP.pack(self._clock.now()) + body, self.keep_seconds)

    async def load(self, key: str) -> StaleAnswer | None:
        """The remembered answer for `key`, with its age; None when there is none."""
        raw = await self._store.cache_get(key)
        if raw is None or len(raw) < _STAMP.size:
            return None
        (saved_at,) = _STAMP.unpack(raw[: _STAMP.size])
        age = max(0.0, self._clock.now() - saved_at)
        return StaleAnswer(raw[_STAMP.size :], saved_at, age)
