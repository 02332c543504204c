"""The Redis `StateStore`: one budget, one breaker and one cache for many processes.

Each operation is one Lua script, so it is atomic across processes, and it reads the time
from Redis (`TIME`), so processes on machines with skewed clocks still agree on windows.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from integrations.core.state import BreakerSnapshot, Window

__all__ = ["RedisStateStore"]

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000\n"

_ACQUIRE = (
    _NOW
    + """
local cost = tonumber(ARGV[1])
local wait = 0
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0')
if blocked > now then wait = blocked - now end
local n = #KEYS - 1
for i = 1, n do
  local key, limit, period = KEYS[i + 1], tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
  local excess = redis.call('ZCARD', key) + cost - limit
  if excess > 0 then
    local oldest = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
    local w = tonumber(oldest[2]) + period - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return tostring(wait) end
local holder = ARGV[2 * n + 2]
for i = 1, n do
  local key, period = KEYS[i + 1], tonumber(ARGV[2 * i + 1])
  for j = 1, cost do
    if holder ~= '' then
      redis.call('ZADD', key, now, holder .. ':' .. j)
    else
      redis.call('ZADD', key, now, now .. ':' .. redis.call('INCR', key .. ':seq'))
    end
  end
  local ttl = math.ceil(period * 1000) + 1000
  redis.call('PEXPIRE', key, ttl)
  redis.call('PEXPIRE', key .. ':seq', ttl)
end
return '0'
"""
)

# Only members still in their window move (XX): one that expired stays gone.
_SETTLE = (
    _NOW
    + """
local cost, holder = tonumber(ARGV[1]), ARGV[2]
for i = 1, #KEYS do
  for j = 1, cost do
    redis.call('ZADD', KEYS[i], 'XX', now, holder .. ':' .. j)
  end
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[i + 2]) * 1000) + 1000)
end
return 1
"""
)

_BLOCK = (
    _NOW
    + """
local untl = now + tonumber(ARGV[1])
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
if untl > cur then
  redis.call('SET', KEYS[1], tostring(untl), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 1
"""
)

_USAGE = (
    _NOW
    + """
local out = {}
local blocked = tonumber(redis.call('GET', KEYS[1]) or '0') - now
if blocked < 0 then blocked = 0 end
out[1] = tostring(blocked)
for i = 2, #KEYS do
  out[i] = redis.call('ZCOUNT', KEYS[i], '(' .. (now - tonumber(ARGV[i - 1])), '+inf')
end
return out
"""
)

_READ = """
local h = redis.call('HMGET', KEYS[1], 'state', 'failures', 'opened_at', 'trial_until')
local state = h[1] or 'closed'
local failures = tonumber(h[2] or '0')
local opened = tonumber(h[3] or '0')
local trial = tonumber(h[4] or '0')
local function out(a, b, s, f, o, tr)
  redis.call('HSET', KEYS[1], 'state', s, 'failures', f, 'opened_at', tostring(o),
             'trial_until', tostring(tr))
  return {a, b, s, tostring(f), tostring(o), tostring(tr)}
end
"""

_ENTER = (
    _NOW
    + _READ
    + """
if state == 'closed' then
  return {1, 0, state, tostring(failures), tostring(opened), tostring(trial)}
end
local reset, lease = tonumber(ARGV[1]), tonumber(ARGV[2])
if (state == 'open' and now >= opened + reset) or (state == 'half_open' and now >= trial) then
  return out(1, 1, 'half_open', failures, opened, now + lease)
end
return {0, 0, state, tostring(failures), tostring(opened), tostring(trial)}
"""
)

_RELEASE = (
    _NOW
    + _READ
    + """
if state == 'half_open' and trial == tonumber(ARGV[1]) then
  out(1, 0, state, failures, opened, now)
  return 1
end
return 0
"""
)

# Mirrors integrations.core.state.next_breaker_state.
_RECORD = (
    _NOW
    + _READ
    + """
local success, threshold = ARGV[1] == '1', tonumber(ARGV[2])
local before = {state, tostring(failures), tostring(opened), tostring(trial)}
local r
if success then
  if state == 'open' then r = {0, 0, state, failures, opened, trial}
  else r = {0, 0, 'closed', 0, 0, 0} end
elseif state == 'half_open' then r = {0, 0, 'open', failures + 1, now, 0}
elseif state == 'open' then r = {0, 0, state, failures, opened, trial}
elseif failures + 1 >= threshold then r = {0, 0, 'open', failures + 1, now, 0}
else r = {0, 0, 'closed', failures + 1, 0, 0} end
local after = out(r[1], r[2], r[3], r[4], r[5], r[6])
return {before[1], before[2], before[3], before[4], after[3], after[4], after[5], after[6]}
"""
)


def _snapshot(values: list[Any]) -> BreakerSnapshot:
    state, failures, opened, trial = (v.decode() if isinstance(v, bytes) else v for v in values)
    return BreakerSnapshot(str(state), int(float(failures)), float(opened), float(trial))


class RedisStateStore:
    """State in Redis under `prefix`.

    Args:
        client: a `redis.asyncio.Redis` (bytes responses).
        prefix: namespace of every key.
    """

    def __init__(self, client: Redis, *, prefix: str = "integrations:") -> None:
        self._redis = client
        self._prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)
        self._settle = client.register_script(_SETTLE)
        self._block = client.register_script(_BLOCK)
        self._usage = client.register_script(_USAGE)
        self._enter = client.register_script(_ENTER)
        self._record = client.register_script(_RECORD)
        self._release = client.register_script(_RELEASE)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "integrations:") -> RedisStateStore:
        """Connect lazily to the Redis at `url`."""
        client = Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        return cls(client, prefix=prefix)

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def acquire_windows(
        self, windows: list[Window], cost: int, block_key: str, holder: str | None = None
    ) -> float:
        for w in windows:
            if cost > w.limit:
                raise ValueError(f"cost {cost} exceeds the window limit {w.limit}")
        keys = [self._k(block_key)] + [self._k(w.key) for w in windows]
        args: list[Any] = [cost]
        for w in windows:
            args += [w.limit, repr(float(w.period))]
        args.append(holder or "")
        return float(await self._acquire(keys=keys, args=args))

    async def settle_windows(self, windows: list[Window], cost: int, holder: str) -> None:
        keys = [self._k(w.key) for w in windows]
        args: list[Any] = [cost, holder, *(repr(float(w.period)) for w in windows)]
        await self._settle(keys=keys, args=args)

    async def block(self, block_key: str, seconds: float) -> None:
        await self._block(keys=[self._k(block_key)], args=[repr(float(seconds))])

    async def window_usage(self, windows: list[Window], block_key: str) -> tuple[list[int], float]:
        keys = [self._k(block_key)] + [self._k(w.key) for w in windows]
        result = await self._usage(keys=keys, args=[repr(float(w.period)) for w in windows])
        blocked = result[0].decode() if isinstance(result[0], bytes) else result[0]
        return [int(n) for n in result[1:]], float(blocked)

    async def breaker_get(self, key: str) -> BreakerSnapshot:
        values = await self._redis.hmget(
            self._k(key), ["state", "failures", "opened_at", "trial_until"]
        )
        if values[0] is None:
            return BreakerSnapshot()
        return _snapshot(list(values))

    async def breaker_enter(
        self, key: str, reset_timeout: float, trial_timeout: float
    ) -> tuple[bool, bool, BreakerSnapshot]:
        result = await self._enter(
            keys=[self._k(key)], args=[repr(float(reset_timeout)), repr(float(trial_timeout))]
        )
        return bool(int(result[0])), bool(int(result[1])), _snapshot(result[2:6])

    async def breaker_record(
        self, key: str, success: bool, threshold: int
    ) -> tuple[BreakerSnapshot, BreakerSnapshot]:
        result = await self._record(keys=[self._k(key)], args=["1" if success else "0", threshold])
        return _snapshot(result[0:4]), _snapshot(result[4:8])

    async def breaker_release(self, key: str, trial_until: float) -> bool:
        return bool(await self._release(keys=[self._k(key)], args=[repr(float(trial_until))]))

    async def cache_get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._k(key))
        return value.encode() if isinstance(value, str) else value

    async def cache_set(self, key: str, value: bytes, ttl: float) -> None:
        if ttl > 0:
            await self._redis.set(self._k(key), value, px=max(1, int(ttl * 1000)))

    async def cache_delete(self, key: str) -> bool:
        return bool(await self._redis.delete(self._k(key)))

    async def cache_delete_pattern(self, pattern: str) -> int:
        deleted = 0
        batch: list[bytes] = []
        async for key in self._redis.scan_iter(match=self._k(pattern), count=500):
            batch.append(key)
            if len(batch) >= 500:
                deleted += await self._redis.unlink(*batch)
                batch.clear()
        if batch:
            deleted += await self._redis.unlink(*batch)
        return deleted

    async def close(self) -> None:
        await self._redis.aclose()
