"""Job throughput: no-op jobs per second, embedded (SQLite) against procrastinate (PostgreSQL).

    .venv/bin/python bench/jobs_throughput.py [--jobs 1000] [--concurrency 4] [--rounds 2]

Each case fills a fresh, migrated database with `--jobs` queued no-op jobs (not timed), then
times 1 or 2 workers draining it (`run_worker(until_idle=True)`, `--concurrency` jobs each).
The two workers are two runners with their own connection pools in this one process: they
measure what the queue costs (claims, leases, commits and their contention), not extra CPU.
Every figure is printed as a ratio to the embedded 1-worker baseline measured in the same run
(median of `--rounds`). PostgreSQL runs in a throwaway database next to
`INTEGRATIONS_TEST_POSTGRES_URL` and is skipped when nothing listens there.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.databases import postgres_database, postgres_reachable, sqlite_database
from integrations.config import load_settings
from integrations.jobs import JobContext
from integrations.jobs.registry import JobSpec
from integrations.jobs.runner import runner_for
from integrations.logging import configure_logging
from integrations.services import Services
from integrations.storage import migrate


async def _noop(ctx: JobContext, n: int) -> None:
    return None


JOBS = {"noop": JobSpec("noop", _noop)}


async def _drain(url: str, kind: str, jobs: int, workers: int, concurrency: int) -> float:
    """Seconds `workers` runners take to run `jobs` queued no-op jobs."""
    settings = load_settings(
        database_url=url, jobs={"runner": kind, "poll_seconds": 0.05, "concurrency": concurrency}
    )
    services = [Services(settings) for _ in range(workers)]
    runners = [runner_for(s, object(), jobs=JOBS) for s in services]  # type: ignore[arg-type]
    try:
        for n in range(jobs):
            await runners[0].defer("noop", args={"n": n})
        started = time.perf_counter()
        await asyncio.gather(*(r.run_worker(until_idle=True) for r in runners))
        return time.perf_counter() - started
    finally:
        for runner, service in zip(runners, services, strict=True):
            await runner.close()
            await service.close()


def run_case(kind: str, backend: str, jobs: int, workers: int, concurrency: int) -> float:
    """Jobs/s of `workers` runners of `kind` draining `jobs` no-op jobs from a fresh database."""
    database = sqlite_database if backend == "sqlite" else postgres_database
    with tempfile.TemporaryDirectory() as folder, database(Path(folder), "jobs") as url:
        migrate.upgrade(url)
        return jobs / asyncio.run(_drain(url, kind, jobs, workers, concurrency))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=2)
    options = parser.parse_args()
    configure_logging(level="WARNING")
    cases = [("embedded", "sqlite", 1), ("embedded", "sqlite", 2)]
    if postgres_reachable():
        cases += [("procrastinate", "postgresql", 1), ("procrastinate", "postgresql", 2)]
    else:
        print("PostgreSQL not reachable: procrastinate cases skipped")
    rates: dict[tuple[str, str, int], list[float]] = {case: [] for case in cases}
    for _ in range(options.rounds):
        for kind, backend, workers in cases:
            rate = run_case(kind, backend, options.jobs, workers, options.concurrency)
            rates[kind, backend, workers].append(rate)
    baseline = statistics.median(rates["embedded", "sqlite", 1])
    print(f"{options.jobs} no-op jobs, concurrency {options.concurrency} per worker")
    print(f"{'runner':<28}{'workers':>8}{'jobs/s':>10}{'ratio':>8}")
    for (kind, backend, workers), values in rates.items():
        rate = statistics.median(values)
        print(f"{kind + ' (' + backend + ')':<28}{workers:>8}{rate:>10.0f}{rate / baseline:>8.2f}")


if __name__ == "__main__":
    main()
