"""bench/sync_throughput.py runs end to end at a tiny scale, so it cannot rot unnoticed: the
simulator in its own process, the fetch-only baseline and a SQLite sync, each in a process
of its own (the peak-RSS runs are the same sync case at other volumes; PostgreSQL and RSS
are left out to keep this under ten seconds)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

BENCH = Path(__file__).resolve().parents[2] / "bench" / "sync_throughput.py"


def test_sync_throughput_bench_runs_at_a_tiny_scale() -> None:
    """700 records fetched and synced; both figure lines are printed with their ratios."""
    args = ["--scale", "0.002", "--skip-postgres", "--skip-rss"]
    done = subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    row = r"\s+700\s+[\d.]+\s+[\d,]+\s+(?P<ratio>[\d.]+)\s+[\d,]+\s+\d+$"
    fetched = re.search(r"^fetch only \(httpx2\)" + row, done.stdout, re.M)
    synced = re.search(r"^sync into sqlite" + row, done.stdout, re.M)
    assert fetched and synced, done.stdout
    assert fetched["ratio"] == "1.00" and float(synced["ratio"]) > 0, done.stdout
