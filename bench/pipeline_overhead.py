"""Pipeline overhead: the full call pipeline against each engine's raw client, in one run.

One local HTTP server (aiohttp.web, in its own process so it does not share the client's
event loop or CPU thread) answers `GET /items/{id}` with a small JSON body. Every measurement
keeps `--concurrency` requests in flight and, after a warm-up, compares:

- raw: a client library used directly (httpx2.AsyncClient, aiohttp.ClientSession,
  httpx2.AsyncClient, or our native engine's transport with a plain httpx2.Request);
- pipeline: `BaseIntegration.request()` (record → cache → retry → breaker → limiter) over
  `create_transport(engine)`, every request a cache miss and the limiter never limiting.

The first row is the target: the default engine's full pipeline against the fastest raw
client library, aiohttp, used directly (what a team would otherwise write), in 10 or more
alternating rounds. The rows below show what the pipeline costs over each engine's own raw
client. Every ratio is against a baseline measured in the same run, on the same server. The
requests of a measurement are split into rounds that alternate (raw, pipeline, pipeline, raw,
...) so drift and other load on the machine hit both alike. Besides wall-clock throughput and
latency it reports the client's CPU time per request (`time.process_time()`), which shows the
pipeline's own cost even where the server, not the client, limits throughput.

Logging is configured at WARNING, as a busy production process would run: the pipeline's
`call.completed` (INFO) and `call.attempt_finished` (DEBUG) lines are then skipped before they
are built (`log_enabled`), and call records go to the in-memory recorder.

    .venv/bin/python bench/pipeline_overhead.py [--requests N] [--concurrency 50]
        [--engine all|httpx|aiohttp|httpx2|native] [--rounds 2] [--warmup 1000]
        [--budget 25] [--loop uvloop|asyncio] [--profile cprofile|pyinstrument]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import io
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.engines import DEFAULT_ENGINE, EngineName, create_transport
from integrations.core.spec import ProviderSpec, RateLimitRule
from integrations.logging import configure_logging

ENGINES: tuple[EngineName, ...] = ("httpx", "aiohttp", "httpx2", "native")
TARGET_RATIO = 0.95

# ---------------------------------------------------------------------------------------------
# The server (a child process)
# ---------------------------------------------------------------------------------------------


def serve() -> None:
    """Run the bench server on a free port of 127.0.0.1; print `PORT <n>` once listening."""
    from aiohttp import web

    async def item(request: web.Request) -> web.Response:
        body = json.dumps({"id": request.match_info["id"], "name": "item", "ok": True})
        return web.Response(body=body.encode(), content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/items/{id}", item)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(1024)
        await web.SockSite(runner, sock, backlog=1024).start()
        print(f"PORT {sock.getsockname()[1]}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        await stop.wait()
        await runner.cleanup()

    asyncio.run(main())


class Server:
    """The bench server in a child process, stopped by its PID."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and file
            [sys.executable, str(Path(__file__).resolve()), "--serve"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError(f"bench server did not start: {line!r}")
        self.url = f"http://127.0.0.1:{int(line.split()[1])}"

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


# ---------------------------------------------------------------------------------------------
# The driver
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Result:
    """One measurement: `n` requests in `seconds` of wall time and `cpu` seconds of CPU."""

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

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000

    def merge(self, other: Result) -> Result:
        return Result(
            self.n + other.n,
            self.seconds + other.seconds,
            self.cpu + other.cpu,
            self.latencies + other.latencies,
        )


Send = Callable[[int], Awaitable[None]]


async def drive(
    send: Send, start: int, n: int, concurrency: int, budget: float | None = None
) -> Result:
    """Send requests `start .. start+n-1` with `concurrency` workers always in flight.

    With a `budget` (seconds), no new request starts once it is spent: a slow engine then
    sends fewer than `n` (the report shows how many).
    """
    ids = iter(range(start, start + n))
    latencies: list[float] = []
    clock = time.perf_counter
    deadline = clock() + budget if budget else float("inf")

    async def worker() -> None:
        for i in ids:  # the shared iterator hands each id to exactly one worker
            t0 = clock()
            if t0 > deadline:
                return
            await send(i)
            latencies.append(clock() - t0)

    cpu0, t0 = time.process_time(), clock()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds, cpu = clock() - t0, time.process_time() - cpu0
    if not latencies or (budget is None and len(latencies) != n):
        raise RuntimeError(f"{len(latencies)} of {n} requests finished")
    return Result(len(latencies), seconds, cpu, latencies)


class Raw:
    """The engine's own client, used directly: no pipeline."""

    def __init__(self, engine: EngineName, base_url: str, max_connections: int) -> None:
        self.engine = engine
        self.base_url = base_url
        self.max_connections = max_connections
        self._client: Any = None

    async def __aenter__(self) -> Send:
        base = self.base_url
        if self.engine == "aiohttp":
            import aiohttp

            connector = aiohttp.TCPConnector(limit=self.max_connections)
            session = aiohttp.ClientSession(connector=connector)
            self._client = session

            async def send_aiohttp(i: int) -> None:
                async with session.get(f"{base}/items/{i}") as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"status {response.status}")

            return send_aiohttp
        if self.engine == "native":
            transport = create_transport("native", max_connections=self.max_connections)
            self._client = transport
            url = f"{base}/items/"

            async def send_native(i: int) -> None:
                response = await transport.handle_async_request(httpx2.Request("GET", f"{url}{i}"))
                if response.status_code != 200:
                    raise RuntimeError(f"status {response.status_code}")

            return send_native
        if self.engine == "httpx2":
            import httpx2

            client2 = httpx2.AsyncClient(limits=httpx2.Limits(max_connections=self.max_connections))
            self._client = client2

            async def send_httpx2(i: int) -> None:
                response = await client2.get(f"{base}/items/{i}")
                if response.status_code != 200:
                    raise RuntimeError(f"status {response.status_code}")

            return send_httpx2
        client = httpx2.AsyncClient(limits=httpx2.Limits(max_connections=self.max_connections))
        self._client = client

        async def send_httpx(i: int) -> None:
            response = await client.get(f"{base}/items/{i}")
            if response.status_code != 200:
                raise RuntimeError(f"status {response.status_code}")

        return send_httpx

    async def __aexit__(self, *exc: object) -> None:
        if self.engine == "aiohttp":
            await self._client.close()
        else:
            await self._client.aclose()


class BenchIntegration(BaseIntegration):
    """The smallest connector: the pipeline and nothing else."""

    async def health_check(self) -> HealthResult:
        started = time.perf_counter()
        response = await self.request("GET", "/items/health", operation="health", cache_ttl=0)
        return HealthResult(response.status_code == 200, (time.perf_counter() - started) * 1000)


class Pipeline:
    """`BaseIntegration.request()` over `create_transport(engine)`; every call a cache miss."""

    def __init__(self, engine: EngineName, base_url: str, max_connections: int) -> None:
        spec = ProviderSpec(
            name="bench",
            base_url=base_url,
            rate_limits=(RateLimitRule(limit=10**9, period_seconds=1),),
        )
        self.client = BenchIntegration(
            spec, transport=create_transport(engine, max_connections=max_connections)
        )

    async def __aenter__(self) -> Send:
        client = self.client

        async def send(i: int) -> None:
            await client.request("GET", f"/items/{i}", operation="get_item")

        return send

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()
        cache = self.client.cache.get_stats("bench")
        if cache.hits:
            raise RuntimeError(f"{cache.hits} cache hits: the bench must miss every time")


@dataclass(slots=True)
class EngineResult:
    engine: EngineName
    raw: Result
    pipeline: Result
    raw_engine: EngineName | None = None  # the headline: raw is another engine's client


_ids = itertools.count(1_000_000, 1_000_000)  # a fresh id range per measurement: never a hit


def _merged(results: list[Result]) -> Result:
    total, *rest = results
    for x in rest:
        total = total.merge(x)
    return total


async def measure_pair(
    raw_engine: EngineName,
    pipe_engine: EngineName,
    base_url: str,
    n: int,
    concurrency: int,
    rounds: int,
    warmup: int,
    budget: float | None,
) -> EngineResult:
    """`n` raw requests on `raw_engine`'s own client and `n` pipeline requests over
    `pipe_engine`, in `rounds` alternating chunks (ABBA), each measurement stopped after
    `budget` seconds."""
    runs: dict[str, list[Result]] = {"raw": [], "pipeline": []}
    async with (
        Raw(raw_engine, base_url, 100) as raw,
        Pipeline(pipe_engine, base_url, 100) as pipeline,
    ):
        senders = {"raw": raw, "pipeline": pipeline}
        for send in senders.values():
            await drive(send, next(_ids), warmup, concurrency)
        chunks = [n // rounds + (1 if r < n % rounds else 0) for r in range(rounds)]
        per_chunk = budget / rounds if budget else None
        for r, chunk in enumerate(chunks):
            order = ("raw", "pipeline") if r % 2 == 0 else ("pipeline", "raw")
            for kind in order:
                result = await drive(senders[kind], next(_ids), chunk, concurrency, per_chunk)
                runs[kind].append(result)
    return EngineResult(
        pipe_engine,
        _merged(runs["raw"]),
        _merged(runs["pipeline"]),
        raw_engine if raw_engine != pipe_engine else None,
    )


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


def _row(label: str, e: EngineResult, target: bool) -> str:
    raw, pipe = e.raw, e.pipeline
    ratio = pipe.rps / raw.rps
    flag = " <" if target and ratio < TARGET_RATIO else ""
    return (
        f"{label:<17} {raw.rps:>10,.0f} {pipe.rps:>10,.0f} {ratio:>6.3f}  "
        f"{raw.pct(50):>8.2f} {pipe.pct(50):>8.2f} {pipe.pct(50) / raw.pct(50):>6.2f}  "
        f"{raw.pct(99):>8.2f} {pipe.pct(99):>8.2f} {pipe.pct(99) / raw.pct(99):>6.2f}  "
        f"{raw.cpu_us:>8.0f} {pipe.cpu_us:>8.0f} {pipe.cpu_us - raw.cpu_us:>7.0f}{flag}"
    )


def report(
    results: list[EngineResult],
    headline: EngineResult | None,
    n: int,
    concurrency: int,
    rounds: int,
) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"\nup to {n:,} requests per measurement in {rounds} alternating round(s), "
        f"{concurrency} in flight, Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), "
        f"load average {load}\n"
    )
    head = (
        f"{'pipeline / raw':<17} {'raw req/s':>10} {'pipe req/s':>10} {'ratio':>6}  "
        f"{'raw p50':>8} {'pipe p50':>8} {'ratio':>6}  {'raw p99':>8} {'pipe p99':>8} "
        f"{'ratio':>6}  {'raw CPU':>8} {'pipe CPU':>8} {'+CPU':>7}"
    )
    print(head)
    print(
        f"{'':<17} {'':>10} {'':>10} {'':>6}  {'ms':>8} {'ms':>8} {'':>6}  {'ms':>8} {'ms':>8} "
        f"{'':>6}  {'us/req':>8} {'us/req':>8} {'us/req':>7}"
    )
    print("-" * len(head))
    if headline is not None:
        label = f"{headline.engine} / {headline.raw_engine or headline.engine}"
        print(_row(label, headline, target=True))
        print("-" * len(head))
    for e in results:
        print(_row(f"{e.engine} / {e.engine}", e, target=False))
    print(
        "\n(ratio = pipeline / raw in this run. The target, throughput ratio >= "
        f"{TARGET_RATIO}, is the first row: the default engine's full pipeline against the "
        "fastest raw client library, aiohttp, used directly. The rows below show what the "
        "pipeline costs over each engine used directly.)"
    )
    if len(results) > 1:
        base = next((e for e in results if e.engine == "httpx"), results[0])
        print(f"\nEngines side by side (x = throughput against {base.engine} in the same mode):")
        print(
            f"{'engine':<8} {'raw req/s':>10} {'x':>6} {'p50 ms':>7} {'p99 ms':>7}  "
            f"{'pipe req/s':>10} {'x':>6} {'p50 ms':>7} {'p99 ms':>7}  {'requests raw/pipe':>18}"
        )
        for e in results:
            raw, pipe = e.raw, e.pipeline
            print(
                f"{e.engine:<8} {raw.rps:>10,.0f} {raw.rps / base.raw.rps:>6.2f} "
                f"{raw.pct(50):>7.2f} {raw.pct(99):>7.2f}  {pipe.rps:>10,.0f} "
                f"{pipe.rps / base.pipeline.rps:>6.2f} {pipe.pct(50):>7.2f} {pipe.pct(99):>7.2f}  "
                f"{f'{raw.n:,}/{pipe.n:,}':>18}"
            )
    if not results:
        return
    best = max(results, key=lambda e: e.pipeline.rps)
    print(
        f"\nFastest pipeline engine: {best.engine} ({best.pipeline.rps:,.0f} req/s); "
        f"DEFAULT_ENGINE = {DEFAULT_ENGINE!r}"
    )


async def profile(engine: EngineName, base_url: str, n: int, concurrency: int, how: str) -> None:
    """Profile `n` pipeline requests on `engine` (after a warm-up)."""
    async with Pipeline(engine, base_url, 100) as send:
        await drive(send, next(_ids), min(n, 2000), concurrency)
        if how == "pyinstrument":
            from pyinstrument import Profiler  # not a project dependency: pip install it

            profiler = Profiler(interval=0.0005, async_mode="enabled")
            profiler.start()
            await drive(send, next(_ids), n, concurrency)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False, show_all=False))
            return
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        await drive(send, next(_ids), n, concurrency)
        prof.disable()
        stats = pstats.Stats(prof)
        stats.sort_stats("tottime").print_stats(35)


async def run(args: argparse.Namespace) -> None:
    engines: tuple[EngineName, ...] = ENGINES if args.engine == "all" else (args.engine,)
    server = Server()
    try:
        if args.profile:
            for engine in engines:
                await profile(engine, server.url, args.requests, args.concurrency, args.profile)
            return
        measure = functools.partial(
            measure_pair,
            base_url=server.url,
            n=args.requests,
            concurrency=args.concurrency,
            warmup=args.warmup,
            budget=args.budget or None,
        )
        headline = None
        if args.engine == "all":
            started = time.perf_counter()
            headline = await measure("aiohttp", DEFAULT_ENGINE, rounds=max(10, args.rounds))
            _progress(f"{DEFAULT_ENGINE} pipeline / aiohttp raw", headline, started)
        results = []
        for engine in engines:
            started = time.perf_counter()
            result = await measure(engine, engine, rounds=args.rounds)
            _progress(engine, result, started)
            results.append(result)
        report(results, headline, args.requests, args.concurrency, args.rounds)
    finally:
        server.stop()


def _progress(label: str, result: EngineResult, started: float) -> None:
    print(
        f"{label}: raw {result.raw.rps:,.0f} req/s ({result.raw.n:,} requests), "
        f"pipeline {result.pipeline.rps:,.0f} req/s ({result.pipeline.n:,} requests), "
        f"{time.perf_counter() - started:.1f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=20_000, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--engine", choices=("all", *ENGINES), default="all")
    parser.add_argument("--rounds", type=int, default=2, help="alternating raw/pipeline chunks")
    parser.add_argument("--warmup", type=int, default=1_000, help="warm-up requests per client")
    parser.add_argument(
        "--budget",
        type=float,
        default=25.0,
        help="seconds one measurement may take before it stops early (0: no limit)",
    )
    parser.add_argument("--profile", choices=("pyinstrument", "cprofile"), default=None)
    parser.add_argument(
        "--loop",
        choices=("uvloop", "asyncio"),
        default="uvloop",
        help="the client's event loop (both raw and pipeline run on it)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    sink = io.StringIO()
    configure_logging(level="WARNING", fmt="json", stream=sink)
    if args.loop == "uvloop":
        import uvloop  # what `integrations serve` runs on

        uvloop.run(run(args))
    else:
        asyncio.run(run(args))
    if sink.getvalue():
        print(f"\nlog lines at WARNING or above during the run: {sink.getvalue().count(chr(10))}")


if __name__ == "__main__":
    main()
