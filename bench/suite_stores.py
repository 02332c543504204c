"""The runner's rows for work that lands in the database: webhook ingest, the webhook worker's
drain, jobs and change events, each on SQLite and (when it listens) PostgreSQL, with one
"Engines" row per benchmark comparing the two.

Each function runs one benchmark with the runner's sizes, prints that benchmark's own detailed
report (the runner sends it to stderr as progress) and returns its table rows.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench import change_events, jobs_throughput, webhook_ingest, webhook_worker
from bench.sizes import Absent, Sizes
from bench.table import Figure, Row

LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _engine_row(what: str, rates: dict[str, float], unit: str, absent: Absent) -> Row:
    """PostgreSQL against SQLite for the same workload in the same run."""
    name = f"Engines: {what}, PostgreSQL / SQLite"
    if absent.postgres or "postgresql" not in rates:
        return Row(name, skipped=absent.postgres or "not measured", section="engines")
    return Row(
        name,
        Figure("PostgreSQL", rates["postgresql"], unit),
        Figure("SQLite", rates["sqlite"], unit),
        section="engines",
    )


def _backends(absent: Absent) -> list[str]:
    return ["sqlite"] + ([] if absent.postgres else ["postgresql"])


def ingest_rows(sizes: Sizes, absent: Absent) -> list[Row]:
    """The real receiver vs a bare INSERT-per-request endpoint, per database: durable events/s
    (wall clock, held to the target) and events per second of server CPU (what other load on
    the machine changes much less)."""
    args = argparse.Namespace(
        events=sizes.ingest_events,
        concurrency=50,
        rounds=1,
        loop="uvloop",
        http="httptools",
        profile=None,
    )
    target = f"≥ {webhook_ingest.TARGET_EVENTS_PER_S:,} events/s"
    rows, rates = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        for db in _backends(absent):
            app, bare = webhook_ingest.run_database(db, args, Path(tmp))
            webhook_ingest.report(db, app, bare)
            if app.ok != app.sent or bare.ok != bare.sent:
                raise RuntimeError(f"{db}: not every event was acknowledged: {app.errors}")
            rates[db] = app.rate
            rows.append(
                Row(
                    f"Webhook ingest, {LABEL[db]}: receiver vs bare INSERT endpoint",
                    Figure("receiver", app.rate, "events/s"),
                    Figure("bare", bare.rate, "events/s"),
                    target,
                    app.rate >= webhook_ingest.TARGET_EVENTS_PER_S,
                    section="webhooks",
                )
            )
            rows.append(
                Row(
                    f"Webhook ingest, {LABEL[db]}: per second of server CPU (the receiver"
                    f" waited for a CPU {app.server_waited / app.seconds:.0%} of its run)",
                    Figure("receiver", app.ok / app.server_cpu, "events/CPU-s"),
                    Figure("bare", bare.ok / bare.server_cpu, "events/CPU-s"),
                    section="webhooks",
                )
            )
    if absent.postgres:
        rows.append(
            Row(
                "Webhook ingest, PostgreSQL",
                skipped=absent.postgres,
                target=target,
                section="webhooks",
            )
        )
    return [*rows, _engine_row("webhook ingest", rates, "events/s", absent)]


def worker_rows(sizes: Sizes, absent: Absent) -> list[Row]:
    """The worker's drain in batches of 32 vs one transaction per event, per database."""
    args = argparse.Namespace(events=sizes.worker_events, concurrency=4)
    rows, rates = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-worker-") as tmp:
        for db in _backends(absent):
            single = webhook_worker.run(db, args, Path(tmp), 1, f"{db}-single")
            batched = webhook_worker.run(db, args, Path(tmp), 32, f"{db}-batched")
            print(f"{db}: per event {single.rate:,.0f}/s, batches of 32 {batched.rate:,.0f}/s")
            rates[db] = batched.rate
            rows.append(
                Row(
                    f"Webhook worker drain, {LABEL[db]}: batches of 32 vs one per transaction",
                    Figure("batched", batched.rate, "events/s"),
                    Figure("per event", single.rate, "events/s"),
                    section="webhooks",
                )
            )
    return [*rows, _engine_row("webhook worker drain", rates, "events/s", absent)]


def jobs_rows(sizes: Sizes, absent: Absent) -> list[Row]:
    """No-op jobs/s: embedded (SQLite) with 1 and 2 workers, procrastinate (PostgreSQL) too."""
    rate = {
        (kind, backend, workers): jobs_throughput.run_case(kind, backend, sizes.jobs, workers, 4)
        for kind, backend in [("embedded", "sqlite")]
        + ([] if absent.postgres else [("procrastinate", "postgresql")])
        for workers in (1, 2)
    }
    for case, value in rate.items():
        print(f"jobs {case}: {value:,.0f} jobs/s")
    one = Figure("1 worker", rate["embedded", "sqlite", 1], "jobs/s")
    rows = [
        Row(
            f"Jobs, embedded (SQLite): {sizes.jobs} no-op jobs, 2 workers vs 1",
            Figure("2 workers", rate["embedded", "sqlite", 2], "jobs/s"),
            one,
            section="jobs",
        )
    ]
    if absent.postgres:
        return [
            *rows,
            Row("Jobs, procrastinate (PostgreSQL)", skipped=absent.postgres, section="jobs"),
        ]
    pg_one = Figure("1 worker", rate["procrastinate", "postgresql", 1], "jobs/s")
    rows.append(
        Row(
            f"Jobs, procrastinate (PostgreSQL): {sizes.jobs} no-op jobs, 2 workers vs 1",
            Figure("2 workers", rate["procrastinate", "postgresql", 2], "jobs/s"),
            pg_one,
            section="jobs",
        )
    )
    rows.append(
        Row(
            "Engines: jobs, procrastinate (PostgreSQL) / embedded (SQLite), 1 worker",
            Figure("PostgreSQL", pg_one.value, "jobs/s"),
            Figure("SQLite", one.value, "jobs/s"),
            section="engines",
        )
    )
    return rows


def changes_rows(sizes: Sizes, absent: Absent) -> list[Row]:
    """Change events delivered (signed, ordered, stored) vs a bare POST loop, per database."""
    rows, rates = [], {}
    for db in _backends(absent):
        bare, durable = change_events.measure(db, sizes.change_events, sizes.change_entities)
        print(f"change events, {db}: {durable:,.0f} events/s, bare POST loop {bare:,.0f}/s")
        rates[db] = durable
        rows.append(
            Row(
                f"Change events, {LABEL[db]}: {sizes.change_events:,} over "
                f"{sizes.change_entities} records vs a bare POST loop",
                Figure("delivered", durable, "events/s"),
                Figure("bare POST", bare, "POSTs/s"),
                section="changes",
            )
        )
    return [*rows, _engine_row("change events", rates, "events/s", absent)]
