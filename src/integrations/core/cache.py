"""Response cache for idempotent reads, keyed by everything that makes a request distinct.

Only GET and HEAD answers with a 2xx status are cached, for the operation's TTL. The key is
integration + method + URL (query sorted) + body hash + a hash of the credentials, so two
accounts never share an entry and two requests share one exactly when they are equal.

Tags (invalidation by entity). Keys are hashes, so "every cached answer about document X"
cannot be found by pattern. A read names the entities its answer contains in the request
extension `CACHE_TAGS` (e.g. `documents:<id>`, see `entity_tag`); each tag has a generation
token in the store (`cachetag:<integration>:<tag>`, a random value) and the token is part of
the entry's key. `invalidate_tag` deletes the token: the next read makes a new one, so every
entry stored under the old one becomes unreachable at once, in memory and in Redis alike (old
entries expire with their TTL), and a record nobody read from the cache leaves nothing behind
(a sync recording 1,000,000 changes writes no tokens).
A read that looked the token up before an invalidation and stores its answer after it stores
it under the old token, so it is never served: no answer fetched before an event is served
after it. A token that is missing (never made, expired, evicted) is replaced by a fresh
random one, which again only causes misses, never a stale hit.

Change listeners run in synchronous code after a commit, so the new token is written by a
task a moment later; `begin_invalidation` (called synchronously by the listener) makes this
process bypass the cache for the tag until `end_invalidation`, so even that moment serves
nothing stale here. Other processes sharing Redis see the new token one round trip later.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

import httpx2

from integrations.core.context import call_context
from integrations.core.state import StateStore

__all__ = [
    "CACHE_TAGS",
    "CacheLayer",
    "CacheStats",
    "ResponseCache",
    "begin_invalidation",
    "end_invalidation",
    "entity_tag",
    "generate_cache_key",
]

CACHE_TAGS = "integrations.cache_tags"  # request extension: tuple of tags of the answer
_TAG_TTL = 7 * 86_400.0  # a token outliving its entries; an expired one only costs misses

_CACHEABLE = frozenset({"GET", "HEAD"})
_AUTH = {b"authorization": 0, b"x-api-key": 1, b"cookie": 2}  # header → its place in the key
_SKIPPED = frozenset({b"content-encoding", b"transfer-encoding", b"content-length"})


def generate_cache_key(integration: str, request: httpx2.Request) -> str:
    """The cache key of `request`: equal exactly when the requests are equal.

    Built from the raw (already percent-encoded) URL and header bytes: decoding them first
    would only cost time, since httpx2 normalises both the same way for equal requests.
    """
    url = request.url
    path, _, raw_query = url.raw_path.partition(b"?")
    query = (
        urlencode(sorted(parse_qsl(raw_query.decode(), keep_blank_values=True))).encode()
        if raw_query  # most reads have no query: skip parsing an empty one
        else b""
    )
    # Repeats keep their order and the credential headers always come in the same order,
    # whatever order they were set in.
    found = [(n.lower(), v) for n, v in request.headers.raw if n.lower() in _AUTH]
    if len(found) > 1:
        found.sort(key=lambda pair: _AUTH[pair[0]])
    parts = [request.method.encode(), url.raw_scheme, url.netloc, path, query]
    parts += (name + b"=" + value for name, value in found)
    parts.append(request.content)
    digest = hashlib.sha256(b"\x00".join(parts))
    return f"cache:{integration}:{digest.hexdigest()}"


# (integration, tag) → invalidations of this process whose new token is not written yet.
_in_flight: Counter[tuple[str, str]] = Counter()


def begin_invalidation(integration: str, tag: str) -> None:
    """From now until `end_invalidation`, this process neither serves nor stores `tag`."""
    _in_flight[(integration, tag)] += 1


def end_invalidation(integration: str, tag: str) -> None:
    """The new token of `tag` is written (or writing it failed): caching may resume."""
    _in_flight[(integration, tag)] -= 1
    if _in_flight[(integration, tag)] <= 0:
        del _in_flight[(integration, tag)]


def entity_tag(entity: str, external_id: str) -> str:
    """The tag of cached answers containing one record, e.g. `documents:<id>` (the same
    entity names as the change log)."""
    return f"{entity}:{external_id}"


@dataclass(frozen=True, slots=True)
class CacheStats:
    """Hits and misses of one integration's cache."""

    hits: int
    misses: int

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


def _dump(response: httpx2.Response) -> bytes:
    """The answer as one blob: `status`, then `name: value` lines, a blank line, the body.

    The body is stored decoded, so the original framing headers are dropped. Header names
    and values hold no CR or LF (httpx2 refuses them), so the lines split back unambiguously.
    """
    lines = [b"%d" % response.status_code]
    kept = [(k, v) for k, v in response.headers.raw if k.lower() not in _SKIPPED]
    lines += [k + b": " + v for k, v in kept]
    lines.append(b"")
    lines.append(response.content)
    return b"\r\n".join(lines)


def _load(raw: bytes, request: httpx2.Request) -> httpx2.Response:
    head, _, body = raw.partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = [_header(line) for line in lines]
    return httpx2.Response(int(status), headers=headers, content=body, request=request)


def _header(line: bytes) -> tuple[bytes, bytes]:
    name, _, value = line.partition(b": ")
    return name, value


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

    async def tagged_key(self, integration: str, key: str, tags: tuple[str, ...]) -> str:
        """`key` bound to the current generation of each tag (see the module docstring)."""
        tokens = [await self._token(integration, tag) for tag in sorted(tags)]
        digest = hashlib.sha256("\x00".join([key, *tokens]).encode()).hexdigest()
        return f"cache:{integration}:{digest}"

    async def _token(self, integration: str, tag: str) -> str:
        name = f"cachetag:{integration}:{tag}"
        token = await self._store.cache_get(name)
        if token is None:
            token = secrets.token_hex(8).encode()
            await self._store.cache_set(name, token, _TAG_TTL)
        return token.decode()

    async def invalidate_tag(self, integration: str, tag: str) -> None:
        """Make every cached answer tagged `tag` unreachable (its generation token goes; the
        next read makes a new one)."""
        await self._store.cache_delete(f"cachetag:{integration}:{tag}")

    def get_stats(self, integration: str) -> CacheStats:
        return CacheStats(self._hits[integration], self._misses[integration])


class CacheLayer(httpx2.AsyncBaseTransport):
    """Answers repeated idempotent reads from the cache."""

    def __init__(
        self, inner: httpx2.AsyncBaseTransport, cache: ResponseCache, default_ttl: float
    ) -> None:
        self._inner = inner
        self.cache = cache
        self.default_ttl = default_ttl

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        ctx = call_context(request)
        ttl = self.default_ttl if ctx.cache_ttl is None else ctx.cache_ttl
        if ttl <= 0 or request.method.upper() not in _CACHEABLE:
            return await self._inner.handle_async_request(request)
        key = generate_cache_key(ctx.integration, request)
        tags = request.extensions.get(CACHE_TAGS)
        if tags:
            if any((ctx.integration, tag) in _in_flight for tag in tags):
                return await self._inner.handle_async_request(request)
            key = await self.cache.tagged_key(ctx.integration, key, tuple(tags))
        ctx.cache_lookup = True  # a miss is a lookup without a hit (metrics count both)
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
