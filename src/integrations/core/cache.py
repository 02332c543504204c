"""Response cache for idempotent reads, keyed by everything that makes a request distinct.

Only GET and HEAD answers with a 2xx status are cached, for the operation's TTL. The key is
integration + method + URL (query sorted) + body hash + a hash of the credentials, so two
accounts never share an entry and two requests share one exactly when they are equal.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import httpx

from integrations.core.context import call_context
from integrations.core.state import StateStore

__all__ = ["CacheLayer", "CacheStats", "ResponseCache", "generate_cache_key"]

_CACHEABLE = frozenset({"GET", "HEAD"})
_AUTH_HEADERS = ("authorization", "x-api-key", "cookie")
_AUTH_HEADER_SET = frozenset(_AUTH_HEADERS)


def generate_cache_key(integration: str, request: httpx.Request) -> str:
    """The cache key of `request`: equal exactly when the requests are equal."""
    url = request.url
    raw_query = url.query
    query = (
        urlencode(sorted(parse_qsl(raw_query.decode(), keep_blank_values=True)))
        if raw_query  # most reads have no query: skip parsing an empty one
        else ""
    )
    # One pass over the headers instead of one scan per name; equal to headers.get(h, "").
    found: dict[str, list[str]] = {}
    for name, value in request.headers.multi_items():
        if name in _AUTH_HEADER_SET:
            found.setdefault(name, []).append(value)
    identity = "\n".join(", ".join(found.get(h, ())) for h in _AUTH_HEADERS)
    digest = hashlib.sha256()
    for part in (
        request.method.upper(),
        url.scheme,
        url.netloc.decode(),
        url.path,
        query,
        identity,
    ):
        digest.update(part.encode())
        digest.update(b"\x00")
    digest.update(request.content)
    return f"cache:{integration}:{digest.hexdigest()}"


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Hits and misses of one integration's cache."""

    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def _dump(response: httpx.Response) -> bytes:
    return json.dumps(
        {
            "s": response.status_code,
            "h": [
                [k, v]
                for k, v in response.headers.multi_items()
                if k.lower() not in {"content-encoding", "transfer-encoding", "content-length"}
            ],
            "b": base64.b64encode(response.content).decode(),
        }
    ).encode()


def _load(raw: bytes, request: httpx.Request) -> httpx.Response:
    data = json.loads(raw)
    return httpx.Response(
        data["s"], headers=data["h"], content=base64.b64decode(data["b"]), request=request
    )


class ResponseCache:
    """get / set / delete / delete_pattern over a `StateStore`, with hit and miss counts."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._hits: Counter[str] = Counter()
        self._misses: Counter[str] = Counter()

    async def get(self, integration: str, key: str) -> bytes | None:
        """A cached value (counted as a hit), or None (counted as a miss)."""
        value = await self._store.cache_get(key)
        (self._hits if value is not None else self._misses)[integration] += 1
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        """Store `value` for `ttl` seconds (0 or less stores nothing)."""
        await self._store.cache_set(key, value, ttl)

    async def delete(self, key: str) -> bool:
        return await self._store.cache_delete(key)

    async def delete_pattern(self, pattern: str) -> int:
        """Drop every key matching a glob, e.g. `cache:pandadoc:*`."""
        return await self._store.cache_delete_pattern(pattern)

    async def invalidate(self, integration: str) -> int:
        """Drop every entry of one integration."""
        return await self.delete_pattern(f"cache:{integration}:*")

    def get_stats(self, integration: str) -> CacheStats:
        return CacheStats(self._hits[integration], self._misses[integration])


class CacheLayer(httpx.AsyncBaseTransport):
    """Answers repeated idempotent reads from the cache."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, cache: ResponseCache, default_ttl: float
    ) -> None:
        self._inner = inner
        self.cache = cache
        self.default_ttl = default_ttl

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        ctx = call_context(request)
        ttl = self.default_ttl if ctx.cache_ttl is None else ctx.cache_ttl
        if ttl <= 0 or request.method.upper() not in _CACHEABLE:
            return await self._inner.handle_async_request(request)
        key = generate_cache_key(ctx.integration, request)
        cached = await self.cache.get(ctx.integration, key)
        if cached is not None:
            ctx.cache_hit = True
            return _load(cached, request)
        response = await self._inner.handle_async_request(request)
        if 200 <= response.status_code < 300:
            await response.aread()
            await self.cache.set(key, _dump(response), ttl)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
