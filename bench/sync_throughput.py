"""Full-sync throughput: PracticePanther contacts, matters and tasks from the standalone
simulator into SQLite and PostgreSQL, against fetching the same pages; and peak RSS at two
volumes.

    .venv/bin/python bench/sync_throughput.py [--scale 1.0] [--rss-totals 100000 1000000]
        [--skip-postgres] [--skip-rss] [--profile sqlite|postgresql]

The simulator runs in its own process (`integrations simulate practicepanther`, real HTTP on
127.0.0.1, no rate limit) with 100,000 contacts, 50,000 matters and 200,000 tasks times
`--scale`. Each case runs in a fresh process (`bench/sync_cases.py`):

- fetch only (the baseline): the same `$top`/`$skip` pages of 100 through one
  `httpx2.AsyncClient`, JSON decoded, nothing mapped or stored: what the simulator and the
  wire cost;
- sync into SQLite / PostgreSQL: `SyncEngine.run("full")` with the connector's definition,
  through the client a server process builds (limiter, retry, breaker, call records in the
  database), into a fresh migrated database.

records/s is printed with its ratio to the fetch-only figure of the same run (what mapping,
upserting, checkpoints and change records cost on top of fetching), and the CPU time of the
case's process per record, which depends less than wall time on what else the machine runs.
Peak RSS is then measured for SQLite syncs of `--rss-totals` records (same proportions,
times `--scale`) and printed with their ratio.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import httpx2

from bench.databases import (
    postgres_database,
    postgres_reachable,
    prepare_app_database,
    sqlite_database,
)
from integrations.practicepanther.streams import PAGE_SIZE

CASES = Path(__file__).with_name("sync_cases.py")
SHARES = {"contacts": 2, "matters": 1, "tasks": 4}  # 100k : 50k : 200k
FULL_TOTAL = 350_000
TARGET_PER_S = 5_000


def volumes_for(total: int) -> dict[str, int]:
    """Contacts, matters and tasks in the 2:1:4 proportions, and half as many accounts."""
    counts = {kind: max(1, total * share // 7) for kind, share in SHARES.items()}
    return {"accounts": max(1, counts["contacts"] // 2), **counts}


def start_simulator() -> tuple[subprocess.Popen[bytes], str]:
    """The simulator app (`integrations simulate practicepanther` serves the same one) under
    uvicorn in its own process, on a free port; the process and its URL, without waiting."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    serve = (
        "import sys, uvicorn; from integrations.simulators import create; "
        "uvicorn.run(create('practicepanther').asgi, host='127.0.0.1', port=int(sys.argv[1]),"
        " log_level='warning', access_log=False)"
    )
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-c", serve, str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


def wait_until_up(process: subprocess.Popen[bytes], base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            httpx2.get(f"{base}/_sim/practicepanther/state", timeout=1)
            return
        except httpx2.TransportError:
            time.sleep(0.05)
    raise SystemExit("the simulator did not start")


def stop_simulator(process: subprocess.Popen[bytes]) -> None:
    """Stop the simulator process (by its PID, through `Popen`)."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def run_case(kind: str, base: str, url: str, total: int, *, profile: bool) -> dict[str, Any]:
    """Set the simulator's volumes for `total` records, run one case in its own process."""
    answer = httpx2.put(f"{base}/_sim/practicepanther/volumes", json=volumes_for(total))
    answer.raise_for_status()
    command = [sys.executable, str(CASES), kind, base, url, str(total), str(PAGE_SIZE)]
    done = subprocess.run(  # noqa: S603 - our own interpreter and file
        command + (["--profile"] if profile else []), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the {kind} case failed:\n{done.stderr[-4000:]}")
    if profile:
        print(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    expected = sum(volumes_for(total).values()) - volumes_for(total)["accounts"]
    if (result["status"], result["records"]) != ("success", expected):
        raise SystemExit(f"the {kind} case did not read or store every record: {result}")
    return result


def make_database(stack: ExitStack, backend: str, folder: Path, name: str) -> str:
    """A fresh migrated database on `backend`, dropped when `stack` closes."""
    opener = sqlite_database if backend == "sqlite" else postgres_database
    url: str = stack.enter_context(opener(folder, name))
    prepare_app_database(url)
    return url


def _row(name: str, result: dict[str, Any], baseline: float) -> None:
    rate = result["records"] / result["seconds"]
    cpu = result["cpu_seconds"] / result["records"] * 1e6
    print(f"{name:<24}{result['records']:>10,}{result['seconds']:>9.1f}{rate:>11,.0f}"
          f"{rate / baseline:>7.2f}{cpu:>15,.0f}{result['peak_rss_mb']:>13.0f}")  # fmt: skip


def report(
    process: subprocess.Popen[bytes], base: str, folder: Path, stack: ExitStack,
    options: argparse.Namespace,
) -> None:  # fmt: skip
    total = max(7, round(FULL_TOTAL * options.scale))
    counts = volumes_for(total)
    print(f"PracticePanther full sync: {counts['contacts']:,} contacts + {counts['matters']:,}"
          f" matters + {counts['tasks']:,} tasks, simulator in its own process")  # fmt: skip
    backends = ["sqlite"]
    if options.skip_postgres or not postgres_reachable():
        print("PostgreSQL skipped")
    else:
        backends.append("postgresql")
    # Databases are made (and migrated) while the simulator starts.
    urls = {
        backend: make_database(stack, backend, folder, f"sync-{backend}") for backend in backends
    }
    rss_totals = (
        [] if options.skip_rss else [max(7, round(t * options.scale)) for t in options.rss_totals]
    )
    rss_urls = [make_database(stack, "sqlite", folder, f"rss-{i}") for i in range(len(rss_totals))]
    wait_until_up(process, base)
    fetched = run_case("fetch", base, "", total, profile=False)
    baseline = fetched["records"] / fetched["seconds"]
    print(f"{'case':<24}{'records':>10}{'seconds':>9}{'records/s':>11}{'ratio':>7}"
          f"{'CPU µs/record':>15}{'peak RSS MB':>13}")  # fmt: skip
    _row("fetch only (httpx2)", fetched, baseline)
    for backend in backends:
        result = run_case("sync", base, urls[backend], total, profile=options.profile == backend)
        _row(f"sync into {backend}", result, baseline)
    print(f"target: >= {TARGET_PER_S:,} records/s")
    if not rss_totals:
        return
    peaks = [
        run_case("sync", base, url, rss_total, profile=False)["peak_rss_mb"]
        for url, rss_total in zip(rss_urls, rss_totals, strict=True)
    ]
    print(f"peak RSS, sync into sqlite: {rss_totals[0]:,} records {peaks[0]:.0f} MB,"
          f" {rss_totals[1]:,} records {peaks[1]:.0f} MB, ratio {peaks[1] / peaks[0]:.2f}"
          " (target <= 1.20)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="volume factor (0.1: quick)")
    parser.add_argument("--rss-totals", type=int, nargs=2, default=[100_000, 1_000_000])
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--profile", choices=["sqlite", "postgresql"], help="needs pyinstrument")
    options = parser.parse_args()
    simulator, base = start_simulator()
    try:
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            report(simulator, base, Path(tmp), stack, options)
    finally:
        stop_simulator(simulator)


if __name__ == "__main__":
    main()
