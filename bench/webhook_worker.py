"""Webhook worker drain rate: batched transactions against one transaction per event.

    .venv/bin/python bench/webhook_worker.py [--events 5000] [--db sqlite|postgresql|both]
        [--rounds 2] [--concurrency 4] [--batch-size 32]

Each run fills a fresh, migrated database with `--events` pending events and times one
`WebhookWorker.run_once()` with a no-op handler for every event: the worker's own cost (claim,
read, mark processed, commit), which is what a burst of webhooks waits on. The baseline is the
same worker with `batch_size=1`, one transaction per event, measured in the same run; rounds
alternate baseline and batched (ABBA) and the median of each is shown, with the process's CPU
per event (the database driver's threads included). PostgreSQL runs in a throwaway database
next to `INTEGRATIONS_TEST_POSTGRES_URL` (default 127.0.0.1:5432, user postgres) and is skipped
when nothing listens there.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.databases import (
    postgres_database,
    postgres_reachable,
    prepare_app_database,
    sqlite_database,
)
from integrations.logging import configure_logging
from integrations.storage.db import Database
from integrations.storage.tables import utcnow
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.dispatch import HandlerRegistry, InboxEvent
from integrations.webhooks.queue import EventQueue
from integrations.webhooks.worker import WebhookWorker


@dataclass
class Drain:
    events: int
    seconds: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_us(self) -> float:
        return self.cpu / self.events * 1e6


async def _fill(db: Database, count: int) -> None:
    from sqlalchemy import insert

    now = utcnow()
    rows = [
        {
            "integration": "bench",
            "event_id": f"evt-{i}",
            "event_type": "bench.event",
            "status": "pending",
            "signature_valid": True,
            "headers": {"content-type": "application/json"},
            "body": b'{"id": %d, "type": "bench.event"}' % i,
            "attempts": 0,
            "attempt_log": [],
            "trace_id": f"{i:032x}",
            "received_at": now,
        }
        for i in range(count)
    ]
    async with db.sessions.begin() as session:
        for start in range(0, count, 1000):
            await session.execute(insert(WebhookEventRow), rows[start : start + 1000])


async def _drain(url: str, args: Any, batch_size: int) -> Drain:
    db = Database(url)
    try:
        await _fill(db, args.events)
        handlers = HandlerRegistry()

        async def no_op(event: InboxEvent, session: Any) -> None:
            return None

        handlers.register("bench", "*", no_op)
        worker = WebhookWorker(
            db,
            handlers,
            EventQueue(db),
            concurrency=args.concurrency,
            batch_size=batch_size,
        )
        cpu, started = time.process_time(), time.perf_counter()
        processed = await worker.run_once()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        await db.engine.dispose()
    if processed != args.events:
        raise SystemExit(f"drained {processed} of {args.events} events")
    return Drain(processed, elapsed, cpu)


def run(db: str, args: Any, folder: Path, batch_size: int, tag: str) -> Drain:
    make = sqlite_database if db == "sqlite" else postgres_database
    with make(folder, tag) as url:
        prepare_app_database(url)
        return asyncio.run(_drain(url, args, batch_size))


def report(db: str, args: Any, folder: Path) -> None:
    runs: dict[str, list[Drain]] = {"per-event": [], "batched": []}
    for round_ in range(args.rounds):
        order = ["per-event", "batched"] if round_ % 2 == 0 else ["batched", "per-event"]
        for kind in order:
            size = 1 if kind == "per-event" else args.batch_size
            runs[kind].append(run(db, args, folder, size, f"{db}-{kind}-{round_}"))
    median = {k: sorted(v, key=lambda d: d.rate)[(len(v) - 1) // 2] for k, v in runs.items()}
    base, batched = median["per-event"], median["batched"]
    print(
        f"\n{db}: {args.events:,} events, concurrency {args.concurrency}, median of "
        f"{args.rounds} round(s)"
    )
    for name, d in (
        ("one transaction per event", base),
        (f"batches of {args.batch_size}", batched),
    ):
        print(f"  {name:<27} {d.rate:>8,.0f} events/s   {d.cpu_us:6.0f} us CPU/event")
    print(
        f"  batched / per-event: {batched.rate / base.rate:.2f}x events/s, "
        f"{batched.cpu_us / base.cpu_us:.2f}x CPU per event"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    configure_logging(level="WARNING", fmt="json", stream=open(os.devnull, "w"))  # noqa: SIM115
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s), "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        for db in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
            if db == "postgresql" and not postgres_reachable():
                print("\npostgresql: skipped (nothing listens on 127.0.0.1:5432)")
                continue
            report(db, args, Path(tmp))


if __name__ == "__main__":
    main()
