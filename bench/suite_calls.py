"""The runner's rows for outbound calls: pipeline overhead (and its state in Redis against
memory), sync throughput and RSS growth, and rate-limit utilisation.

Each function runs one benchmark with the runner's sizes, prints that benchmark's own detailed
report (the runner sends it to stderr as progress) and returns its table rows.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from contextlib import ExitStack
from pathlib import Path

from cryptography.fernet import Fernet

from bench import pipeline_overhead, sync_throughput
from bench.databases import REDIS_URL, delete_redis_prefix
from bench.item_server import bench_server
from bench.rate_utilisation import TARGET_SHARE, measure, new_simulator
from bench.sizes import Absent, Sizes
from bench.table import Figure, Row


def pipeline_rows(sizes: Sizes, absent: Absent) -> list[Row]:
    """Full pipeline vs raw httpx2, rounds alternating; with Redis, the pipeline keeping its
    breaker, limiter and cache state there, in the same rounds."""
    import uvloop  # what `integrations serve` runs on

    args = argparse.Namespace(
        requests=sizes.pipeline_requests,
        rounds=sizes.pipeline_rounds,
        warmup=sizes.pipeline_warmup,
        concurrency=50,
        loop="uvloop",
    )
    redis_url = None if absent.redis else REDIS_URL
    with bench_server() as base_url:
        runs = uvloop.run(pipeline_overhead.measure(base_url, args, redis_url))
    pipeline_overhead.report(runs["raw"], runs["pipeline"], args)
    total = {kind: pipeline_overhead.Result.total(results) for kind, results in runs.items()}
    raw, pipe = total["raw"], total["pipeline"]
    target = pipeline_overhead.TARGET_RATIO
    rows = [
        Row(
            "Pipeline overhead: full pipeline vs raw httpx2, 50 in flight",
            Figure("pipeline", pipe.rps, "req/s"),
            Figure("raw httpx2", raw.rps, "req/s"),
            f"ratio ≥ {target:.2f}",
            pipe.rps / raw.rps >= target,
            section="pipeline",
        ),
        Row(
            "Pipeline client CPU per call (lower is better)",
            Figure("pipeline", pipe.cpu_us, "µs"),
            Figure("raw httpx2", raw.cpu_us, "µs"),
            section="pipeline",
        ),
    ]
    if absent.redis:
        rows.append(
            Row("Engines: pipeline state, Redis / memory", skipped=absent.redis, section="engines")
        )
    else:
        rows.append(
            Row(
                "Engines: pipeline state, Redis / memory",
                Figure("Redis", total["redis"].rps, "req/s"),
                Figure("memory", pipe.rps, "req/s"),
                section="engines",
            )
        )
    return rows


def sync_rows(sizes: Sizes, absent: Absent) -> list[Row]:
    """PracticePanther full sync into SQLite (and PostgreSQL) against fetching the same pages
    from the simulator, and peak RSS of SQLite syncs of N and 10 N records."""
    process, base = sync_throughput.start_simulator()
    try:
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            folder = Path(tmp)
            backends = ["sqlite"] + ([] if absent.postgres else ["postgresql"])
            urls = {
                b: sync_throughput.make_database(stack, b, folder, f"sync-{b}") for b in backends
            }
            rss = [sizes.rss_records, 10 * sizes.rss_records]
            rss_urls = [
                sync_throughput.make_database(stack, "sqlite", folder, f"rss-{n}") for n in rss
            ]
            sync_throughput.wait_until_up(process, base)
            total = sizes.sync_records
            fetched = sync_throughput.run_case("fetch", base, "", total, profile=False)
            rates = {"fetch": fetched["records"] / fetched["seconds"]}
            for backend in backends:
                synced = sync_throughput.run_case("sync", base, urls[backend], total, profile=False)
                rates[backend] = synced["records"] / synced["seconds"]
                print(
                    f"sync into {backend}: {rates[backend]:,.0f} records/s"
                    f" (fetch only {rates['fetch']:,.0f}/s), {synced['peak_rss_mb']:.0f} MB"
                )
            peaks = [
                sync_throughput.run_case("sync", base, url, n, profile=False)["peak_rss_mb"]
                for url, n in zip(rss_urls, rss, strict=True)
            ]
            print(f"peak RSS: {rss[0]:,} records {peaks[0]:.0f} MB, {rss[1]:,} {peaks[1]:.0f} MB")
    finally:
        sync_throughput.stop_simulator(process)
    target = f"≥ {sync_throughput.TARGET_PER_S:,} records/s"
    fetch = Figure("fetch only", rates["fetch"], "records/s")
    rows = [
        Row(
            f"Sync, SQLite: {total:,} records vs fetching the same pages",
            Figure("sync", rates["sqlite"], "records/s"),
            fetch,
            target,
            rates["sqlite"] >= sync_throughput.TARGET_PER_S,
            section="sync",
        )
    ]
    if absent.postgres:
        rows.append(Row("Sync, PostgreSQL", skipped=absent.postgres, target=target, section="sync"))
        rows.append(
            Row("Engines: sync, PostgreSQL / SQLite", skipped=absent.postgres, section="engines")
        )
    else:
        pg = Figure("sync", rates["postgresql"], "records/s")
        rows.append(
            Row(
                f"Sync, PostgreSQL: {total:,} records vs fetching the same pages",
                pg,
                fetch,
                target,
                rates["postgresql"] >= sync_throughput.TARGET_PER_S,
                section="sync",
            )
        )
        rows.append(
            Row(
                "Engines: sync, PostgreSQL / SQLite",
                Figure("PostgreSQL", rates["postgresql"], "records/s"),
                Figure("SQLite", rates["sqlite"], "records/s"),
                section="engines",
            )
        )
    rows.append(
        Row(
            f"Sync peak RSS: {rss[1]:,} vs {rss[0]:,} records (SQLite)",
            Figure(f"{rss[1]:,} records:", peaks[1], "MB"),
            Figure(f"{rss[0]:,} records:", peaks[0], "MB"),
            "ratio ≤ 1.20",
            peaks[1] / peaks[0] <= 1.20,
            section="sync",
        )
    )
    return rows


def rate_rows(sizes: Sizes, absent: Absent) -> list[Row]:
    """Share of the simulator's window a sync uses, 1 and/or 4 processes sharing Redis."""
    from tests.helpers.http_server import serve_app  # the simulator in a thread, as the test

    rows = []
    for processes in sizes.rate_processes:
        syncs = "1 sync process" if processes == 1 else f"{processes} sync processes"
        name = f"Rate-limit use: {syncs} sharing one Redis budget"
        target = f"≥ {TARGET_SHARE:.0%} of allowed, no 429"
        if absent.redis:
            rows.append(Row(name, skipped=absent.redis, target=target, section="rate limit"))
            continue
        sim, prefix = new_simulator(), f"bench-rate-{uuid.uuid4().hex}:"
        try:
            with serve_app(sim.asgi) as base, tempfile.TemporaryDirectory() as tmp:
                use = measure(
                    sim,
                    base,
                    processes=processes,
                    folder=Path(tmp),
                    secret_key=Fernet.generate_key().decode(),
                    redis_url=REDIS_URL,
                    prefix=prefix,
                )
        finally:
            delete_redis_prefix(REDIS_URL, prefix)
        if use.ran_out or any(r["status"] != "success" for r in use.outcomes):
            raise RuntimeError(f"the rate measurement did not hold: {use}")
        refused = max(len(use.refused), use.rejected)  # 429s in the journal, by the limiter
        print(
            f"{syncs}: {use.used} of {use.allowed} allowed requests"
            f" ({use.share:.1%}), {refused} refused"
        )
        rows.append(
            Row(
                f"{name} (429s: {refused})",
                Figure("used", use.used, "requests"),
                Figure("allowed", use.allowed, "requests"),
                target,
                use.share >= TARGET_SHARE and refused == 0,
                section="rate limit",
            )
        )
    return rows
