"""A Redis lock for the token refresh, so processes sharing Redis refresh one at a time.

`SET key <owner> NX PX ttl` takes it; a compare-and-delete script releases it only for its
owner, so a holder that outlived its TTL can never release the next holder's lock. The TTL
bounds how long a crashed holder blocks the others; a waiter polls every `poll_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from integrations.errors import IntegrationError

__all__ = ["RedisLock", "RefreshLockTimeoutError"]

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RefreshLockTimeoutError(IntegrationError):
    """Another process held the refresh lock for longer than the wait allowed."""

    http_status = 503
    code = "refresh_lock_timeout"


class RedisLock:
    """The cross-process lock `TokenManager` takes around a refresh.

    Args:
        client: a Redis client (owned by the caller).
        ttl_seconds: how long a holder keeps the lock at most (a refresh takes far less).
        wait_seconds: how long a waiter waits before giving up.
        poll_seconds: how often a waiter tries again.
    """

    def __init__(
        self,
        client: Redis,
        *,
        ttl_seconds: float = 30.0,
        wait_seconds: float = 60.0,
        poll_seconds: float = 0.02,
        prefix: str = "integrations:lock:",
    ) -> None:
        self.client = client
        self.ttl_ms = int(ttl_seconds * 1000)
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.prefix = prefix

    @classmethod
    def from_url(cls, url: str) -> RedisLock:
        return cls(Redis.from_url(url))

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        """Wait for the lock on `key`, hold it for the block, release it.

        Raises:
            RefreshLockTimeoutError: not acquired within `wait_seconds`.
        """
        name, owner = self.prefix + key, uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.wait_seconds
        while not await self.client.set(name, owner, nx=True, px=self.ttl_ms):
            if loop.time() >= give_up:
                raise RefreshLockTimeoutError(f"the lock {key!r} stayed taken")
            await asyncio.sleep(self.poll_seconds)
        try:
            yield
        finally:
            await self.client.eval(_RELEASE, 1, name, owner)

    async def close(self) -> None:
        await self.client.aclose()
