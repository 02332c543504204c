"""Pipeline overhead: the full call pipeline against raw httpx2, in the same run.

A local aiohttp.web server in its own process (`bench/item_server.py`) answers
`GET /items/{id}` with a small JSON body. After a warm-up, two clients
send the same authenticated GETs, `--concurrency` always in flight, each with a pool of
`POOL_SIZE`: raw, one `httpx2.AsyncClient` used directly (what a team would otherwise write);
pipeline, `BaseIntegration.request()` (record, cache, retry, breaker, limiter, response check,
`core.transport`) over the `httpx2.AsyncClient` it builds itself. The cache is off, as the
connectors ship it (the run fails on a hit), and the limiter never limits. Rounds alternate
(raw, pipeline, pipeline, raw, ...) so drift and other load on the machine hit both alike.
Besides throughput and latency, client CPU time per call (`time.process_time()`) shows the
pipeline's own cost. Logging runs at WARNING, as a busy production process would.

The target, throughput ratio (pipeline / raw) >= 0.90, is a guard: the pipeline stays thin on
top of the library it uses, without replacing the library to look fast.

    .venv/bin/python bench/pipeline_overhead.py [--requests 20000] [--concurrency 50]
        [--rounds 10] [--warmup 1000] [--loop uvloop|asyncio] [--check]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `bench` when run as a script

import httpx2

from bench.databases import delete_redis_prefix
from bench.item_server import bench_server
from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.redis_state import RedisStateStore
from integrations.core.spec import AuthSpec, ProviderSpec, RateLimitRule
from integrations.core.state import StateStore
from integrations.logging import configure_logging

TARGET_RATIO = 0.90
POOL_SIZE = 100  # INTEGRATIONS_HTTP__MAX_CONNECTIONS's default, for both clients
API_KEY = "bench-key-0123456789"

Send = Callable[[int], Awaitable[None]]


@dataclass(slots=True)
class Result:
    """`n` requests in `seconds` of wall time and `cpu` seconds of client CPU."""

    n: int
    seconds: float
    cpu: float
    latencies: list[float]

    @property
    def rps(self) -> float:
        return self.n / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.n * 1e6

    def pct_ms(self, q: int) -> float:
        return statistics.quantiles(self.latencies, n=100)[q - 1] * 1000

    @staticmethod
    def total(results: list[Result]) -> Result:
        return Result(
            sum(r.n for r in results),
            sum(r.seconds for r in results),
            sum(r.cpu for r in results),
            [x for r in results for x in r.latencies],
        )


async def drive(send: Send, ids: range, concurrency: int) -> Result:
    """Send one request per id with `concurrency` workers always in flight."""
    pending = iter(ids)
    latencies: list[float] = []
    clock = time.perf_counter

    async def worker() -> None:
        for i in pending:  # the shared iterator hands each id to exactly one worker
            started = clock()
            await send(i)
            latencies.append(clock() - started)

    cpu0, t0 = time.process_time(), clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Result(len(latencies), clock() - t0, time.process_time() - cpu0, latencies)


class BenchIntegration(BaseIntegration):
    """The smallest connector: the pipeline and nothing else."""

    async def health_check(self) -> HealthResult:
        started = time.perf_counter()
        response = await self.request("GET", "/items/health", operation="health", cache_ttl=0)
        return HealthResult(response.status_code == 200, (time.perf_counter() - started) * 1000)


def raw_client(base_url: str) -> tuple[httpx2.AsyncClient, Send]:
    """httpx2 used directly: same pool, same credential header, same GETs."""
    client = httpx2.AsyncClient(
        base_url=base_url,
        headers={"Authorization": f"Bearer {API_KEY}"},
        limits=httpx2.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE),
        timeout=30.0,
    )

    async def send(i: int) -> None:
        response = await client.get(f"/items/{i}")
        if response.status_code != 200:
            raise RuntimeError(f"raw: status {response.status_code}")

    return client, send


def pipeline_client(
    base_url: str, store: StateStore | None = None
) -> tuple[BenchIntegration, Send]:
    """The full pipeline over the transport `BaseIntegration` builds itself; a bearer key,
    and a limiter that never limits (10^9 calls per second). Breaker, limiter and cache keep
    their state in `store` (memory when None)."""
    spec = ProviderSpec(
        name="bench",
        base_url=base_url,
        auth=AuthSpec(scheme="header", name="Authorization", prefix="Bearer "),
        rate_limits=(RateLimitRule(limit=10**9, period_seconds=1),),
    )
    client = BenchIntegration(
        spec, credentials={"api_key": API_KEY}, store=store, max_connections=POOL_SIZE
    )

    async def send(i: int) -> None:
        await client.request("GET", f"/items/{i}", operation="get_item")

    return client, send


async def measure(
    base_url: str, args: argparse.Namespace, redis_url: str | None = None
) -> dict[str, list[Result]]:
    """Per-round results of raw and pipeline (and, given `redis_url`, the pipeline with its
    state in Redis), rounds alternating (raw, pipe, pipe, raw, ...)."""
    ids = itertools.count(0, 1_000_000)  # a fresh id range per drive: never a cache hit
    raw, send_raw = raw_client(base_url)
    pipe, send_pipe = pipeline_client(base_url)
    clients: list[httpx2.AsyncClient | BenchIntegration] = [raw, pipe]
    senders = {"raw": send_raw, "pipeline": send_pipe}
    store, prefix = None, f"bench-pipeline-{os.getpid()}-{time.time_ns()}:"
    if redis_url is not None:
        store = RedisStateStore.from_url(redis_url, prefix=prefix)
        shared, senders["redis"] = pipeline_client(base_url, store)
        clients.append(shared)
    runs: dict[str, list[Result]] = {kind: [] for kind in senders}
    try:
        for send in senders.values():
            start = next(ids)
            await drive(send, range(start, start + args.warmup), args.concurrency)
        chunk = max(1, args.requests // args.rounds)
        for r in range(args.rounds):
            for kind in list(senders) if r % 2 == 0 else reversed(senders):
                start = next(ids)
                result = await drive(senders[kind], range(start, start + chunk), args.concurrency)
                runs[kind].append(result)
    finally:
        for client in clients:
            await client.aclose()
        if store is not None and redis_url is not None:
            await store.close()
            delete_redis_prefix(redis_url, prefix)
    for client in clients[1:]:
        if hits := client.cache.get_stats("bench").hits:  # type: ignore[union-attr]
            raise RuntimeError(f"{hits} cache hits: every pipeline call must miss")
    return runs


def report(raws: list[Result], pipes: list[Result], args: argparse.Namespace) -> bool:
    """Print the comparison; True when the throughput ratio meets the target."""
    raw, pipe = Result.total(raws), Result.total(pipes)
    ratio = pipe.rps / raw.rps
    per_round = sorted(p.rps / r.rps for r, p in zip(raws, pipes, strict=True))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\n{raw.n:,} requests per client in {args.rounds} alternating rounds, "
        f"{args.concurrency} in flight, pool {POOL_SIZE}, loop {args.loop}, "
        f"Python {sys.version.split()[0]}, httpx2 {httpx2.__version__}, "
        f"{os.cpu_count()} CPU(s), load average {load}\n"
    )
    print(f"{'':<22} {'raw httpx2':>12} {'pipeline':>12} {'ratio':>8}")
    rows = (
        ("requests/s", raw.rps, pipe.rps, "{:,.0f}"),
        ("p50 latency ms", raw.pct_ms(50), pipe.pct_ms(50), "{:.2f}"),
        ("p99 latency ms", raw.pct_ms(99), pipe.pct_ms(99), "{:.2f}"),
        ("client CPU µs/call", raw.cpu_us, pipe.cpu_us, "{:.0f}"),
    )
    for label, a, b, fmt in rows:
        print(f"{label:<22} {fmt.format(a):>12} {fmt.format(b):>12} {b / a:>8.3f}")
    verdict = "PASS" if ratio >= TARGET_RATIO else "FAIL"
    print(
        f"\nthroughput ratio {ratio:.3f} (pipeline / raw; per round: min {per_round[0]:.3f}, "
        f"median {statistics.median(per_round):.3f}, max {per_round[-1]:.3f}), "
        f"target >= {TARGET_RATIO:.2f}: {verdict}"
    )
    print(f"added CPU µs per call {pipe.cpu_us - raw.cpu_us:.0f}")
    return ratio >= TARGET_RATIO


async def run(args: argparse.Namespace) -> bool:
    with bench_server() as base_url:
        runs = await measure(base_url, args)
    return report(runs["raw"], runs["pipeline"], args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20_000, help="measured requests per client")
    parser.add_argument("--concurrency", type=int, default=50, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=10, help="alternating raw/pipeline rounds")
    parser.add_argument("--warmup", type=int, default=1_000, help="warm-up requests per client")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()
    if min(args.requests - args.rounds, args.concurrency - 1, args.warmup, args.rounds - 1) < 0:
        parser.error("--requests must be >= --rounds >= 1, --concurrency >= 1, --warmup >= 0")
    sink = io.StringIO()
    configure_logging(level="WARNING", fmt="json", stream=sink)
    if args.loop == "uvloop":
        import uvloop  # what `integrations serve` runs on

        passed = uvloop.run(run(args))
    else:
        passed = asyncio.run(run(args))
    if sink.getvalue():
        print(f"log lines at WARNING or above during the run: {sink.getvalue().count(chr(10))}")
    if args.check and not passed:
        sys.exit(1)


if __name__ == "__main__":
    main()
