"""How much work each benchmark row does: the default run (the whole runner in under ten
minutes on a two-core machine), `--quick`, and what a test passes for a row in seconds.

The standalone scripts keep their own, larger defaults (`bench/sync_throughput.py` syncs
350,000 records and measures RSS at 100,000 vs 1,000,000): those take most of an hour.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Absent:
    """Why PostgreSQL or Redis rows are skipped (None: the service listens)."""

    postgres: str | None
    redis: str | None


@dataclass(frozen=True, slots=True)
class Sizes:
    """The work of one run of the runner."""

    pipeline_requests: int  # per client, split over the rounds
    pipeline_rounds: int
    pipeline_warmup: int
    ingest_events: int  # per server (app and bare, on each database)
    worker_events: int  # drained per case
    sync_records: int  # the throughput cases (contacts, matters, tasks 2:1:4)
    rss_records: int  # RSS is compared at this and at ten times this
    rate_processes: tuple[int, ...]  # one rate-limit row per entry
    jobs: int  # no-op jobs per case
    change_events: int
    change_entities: int


DEFAULT = Sizes(
    pipeline_requests=6_000,
    pipeline_rounds=6,
    pipeline_warmup=500,
    ingest_events=5_000,
    worker_events=1_000,
    sync_records=35_000,
    rss_records=10_000,
    rate_processes=(1, 4),
    jobs=300,
    change_events=1_000,
    change_entities=250,
)

QUICK = Sizes(
    pipeline_requests=2_000,
    pipeline_rounds=2,
    pipeline_warmup=200,
    ingest_events=1_000,
    worker_events=300,
    sync_records=7_000,
    rss_records=2_000,
    rate_processes=(4,),
    jobs=200,
    change_events=300,
    change_entities=100,
)
