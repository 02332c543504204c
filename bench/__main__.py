"""Run every benchmark and print one table: each figure beside a baseline measured in the
same run, the ratio between them, and the target it is held to.

    .venv/bin/python -m bench [--only NAME ...] [--quick] [--markdown]

Run from the repository root. The default run takes under ten minutes on a two-core machine;
`--quick` takes a fraction of that with smaller volumes (noisier figures). PostgreSQL and
Redis rows are skipped, with the reason, when nothing listens at 127.0.0.1:5432 / :6379
(`INTEGRATIONS_TEST_POSTGRES_URL`, `INTEGRATIONS_TEST_REDIS_URL`). Each benchmark's own
report goes to stderr while it runs; the table goes to stdout (`--markdown`: as the Markdown
table docs/performance.md records). The exit status is 1 when a benchmark failed.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from typing import TextIO

from bench import suite_calls, suite_stores
from bench.databases import postgres_absent, redis_absent
from bench.sizes import DEFAULT, QUICK, Absent, Sizes
from bench.table import Row, format_markdown, format_text

Bench = Callable[[Sizes, Absent], list[Row]]

# name: (section of its rows, what it measures, the function); run in this order.
BENCHES: dict[str, tuple[str, str, Bench]] = {
    "pipeline": (
        "pipeline",
        "pipeline vs raw httpx2; Redis vs memory state",
        suite_calls.pipeline_rows,
    ),
    "ingest": (
        "webhooks",
        "webhook ingest vs a bare endpoint, SQLite and PostgreSQL",
        suite_stores.ingest_rows,
    ),
    "worker": ("webhooks", "webhook worker drain, batched vs per event", suite_stores.worker_rows),
    "sync": ("sync", "PracticePanther sync vs fetch only; RSS at N vs 10 N", suite_calls.sync_rows),
    "rate": ("rate limit", "share of the vendor's window used, no 429", suite_calls.rate_rows),
    "jobs": ("jobs", "no-op jobs/s, embedded and procrastinate", suite_stores.jobs_rows),
    "changes": ("changes", "change events vs a bare POST loop", suite_stores.changes_rows),
}
SECTIONS = ("pipeline", "engines", "webhooks", "sync", "rate limit", "jobs", "changes")


def run_benches(
    names: Sequence[str], sizes: Sizes, absent: Absent, err: TextIO
) -> tuple[list[Row], list[str]]:
    """Run each named benchmark; its rows (grouped by section) and the names that failed."""
    rows: list[Row] = []
    failed: list[str] = []
    for i, name in enumerate(names, 1):
        section, what, bench = BENCHES[name]
        print(f"[{i}/{len(names)}] {name}: {what} ...", file=err, flush=True)
        started = time.perf_counter()
        try:
            with redirect_stdout(err):  # the bench's own report is progress, not the table
                rows.extend(bench(sizes, absent))
        except (Exception, SystemExit) as exc:  # one failed bench must not hide the others
            traceback.print_exc(file=err)
            failed.append(name)
            rows.append(Row(f"{name}: {what}", skipped=f"FAILED: {exc}"[:160], section=section))
        took = time.perf_counter() - started
        print(f"[{i}/{len(names)}] {name} done in {took:.0f} s", file=err, flush=True)
    rows.sort(key=lambda row: SECTIONS.index(row.section))
    return rows, failed


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def run(
    names: Sequence[str],
    sizes: Sizes,
    *,
    markdown: bool = False,
    absent: Absent | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    """Run the benchmarks, print the table to `out`; 1 when one failed, else 0."""
    absent = absent or Absent(postgres=postgres_absent(), redis=redis_absent())
    for reason in (absent.postgres, absent.redis):
        if reason:
            print(f"{reason}: its rows are skipped", file=err)
    load_before, started = _load(), time.perf_counter()
    rows, failed = run_benches(names, sizes, absent, err)
    wall = time.perf_counter() - started
    about = (
        f"{len(names)} benchmark(s) in {wall / 60:.1f} min wall time on {os.cpu_count()} CPU(s);"
        f" load average (1, 5, 15 min) {load_before} at the start, {_load()} at the end"
    )
    print(about + "\n", file=out)
    print(format_markdown(rows) if markdown else format_text(rows), file=out)
    if failed:
        print(f"\nfailed: {', '.join(failed)} (tracebacks above, on stderr)", file=out)
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHES),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHES)}",
    )
    parser.add_argument("--quick", action="store_true", help="smaller volumes, a few minutes")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args(argv)
    from integrations.logging import configure_logging

    sink = io.StringIO()  # warnings would interleave with the progress; counted instead
    configure_logging(level="WARNING", fmt="json", stream=sink)
    names = [name for name in BENCHES if not args.only or name in args.only]
    status = run(names, QUICK if args.quick else DEFAULT, markdown=args.markdown)
    if lines := sink.getvalue().count("\n"):
        print(f"log lines at WARNING or above during the run: {lines}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
