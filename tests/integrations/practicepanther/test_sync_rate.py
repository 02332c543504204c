"""Acceptance: a sync uses at least 95% of PracticePanther's allowed request rate and never
draws a 429, from 1 process and from 4 processes sharing one limiter budget in Redis.

The simulator (served on 127.0.0.1 in this process) enforces the window the connector is
configured with, and its journal's arrival times are what is measured: the API requests it
received in the two windows (10 s) starting at the first one, against their allowance. Each
process runs the real sync engine (`rate_sync_worker.py`, forked from one launcher).

The window is 100 requests per 5 s (20/s), scaled down from the default 300 per 5 minutes.
Sync pages go in the background lane, which PracticePanther's spec lets use the whole window
(`background_share=0`; the default 20% reserve would cap this at 80%). The limiter holds each
request in its window until a period after its answer, plus 0.1 s for calls never answered:
that margin costs 0.03% of a 5-minute window, 2% of a 5 s one and 10% of a 1 s one, so a
1 s window would not stand for the real case.
"""

from __future__ import annotations

import asyncio
import json
import math
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from tests.helpers.http_server import serve_app
from tests.helpers.services import REDIS_URL, require_service
from tests.helpers.shared_budget import delete_redis_prefix

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[3]
WORKER = "tests.integrations.practicepanther.rate_sync_worker"
LIMIT, PERIOD = 100, 5.0
MEASURED_WINDOWS = 2
PAGE_SIZE = 10
# Pages beyond what the measured windows allow, so every process still has work when the
# measurement ends (1.5 s more at the limit).
SPARE_PAGES = 30
RUN_TIMEOUT_S = 90.0


@pytest.fixture(name="sim")
def _sim() -> PracticePantherSimulator:
    sim = create_simulator(seed=15)
    sim.set_rate_limit(LIMIT, PERIOD)
    return sim


@pytest.fixture(name="base")
def _base(sim: PracticePantherSimulator) -> Iterator[str]:
    with serve_app(sim.asgi) as url:
        yield url


@pytest.fixture(name="redis_prefix")
def _redis_prefix() -> Iterator[str]:
    require_service("Redis", REDIS_URL, 6379)
    prefix = f"it-pp-rate-{uuid.uuid4().hex}:"
    yield prefix
    delete_redis_prefix(prefix)


def _size_for(sim: PracticePantherSimulator, processes: int) -> int:
    """Volumes giving every sync the same number of pages, their sum just over what the
    measured windows allow (each of the three streams ends on a short page); the records
    each sync stores."""
    pages = math.ceil((LIMIT * MEASURED_WINDOWS + SPARE_PAGES) / processes / 3)
    per_stream = pages * PAGE_SIZE - 1
    sim.set_volumes(accounts=per_stream, contacts=per_stream, matters=per_stream, tasks=per_stream)
    return 3 * per_stream


def _run_syncs(argv: list[str], start: Path) -> list[dict[str, object]]:
    """Run the launcher; let its processes go once it says they are ready; their outcomes."""
    launcher = subprocess.Popen(
        [sys.executable, "-m", WORKER, *argv, str(start)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        ready = launcher.stdout.readline().strip() if launcher.stdout else ""
        start.touch()
        out, err = launcher.communicate(timeout=RUN_TIMEOUT_S)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    assert (ready, launcher.returncode) == ("ready", 0), err[-3000:]
    outcomes: list[dict[str, object]] = json.loads(out.strip().splitlines()[-1])
    return outcomes


@pytest.mark.parametrize("processes", [1, 4], ids=["1-process", "4-processes"])
async def test_sync_uses_the_allowed_rate_without_429(
    sim: PracticePantherSimulator, base: str, redis_prefix: str, tmp_path: Path,
    secret_key: str, processes: int,
) -> None:  # fmt: skip
    """Over two windows the simulator receives >= 95% of the requests it allows, none refused."""
    records = _size_for(sim, processes)
    shared = [secret_key, REDIS_URL, redis_prefix, base, str(LIMIT), str(PERIOD), str(PAGE_SIZE)]
    argv = [str(processes), str(tmp_path), *shared]
    runs = await asyncio.to_thread(_run_syncs, argv, tmp_path / "start")
    assert [(r["status"], r["processed"]) for r in runs] == [("success", records)] * processes

    api = [r for r in sim.journal.all() if r.path.startswith("/api/v2/")]
    assert [r.status for r in api if r.status != 200] == []  # no 429, nor anything else
    assert sim.limiter.rejected == 0
    arrivals = sorted(r.received_at.timestamp() for r in api)
    measured_end = arrivals[0] + MEASURED_WINDOWS * PERIOD
    assert arrivals[-1] >= measured_end, "the syncs ran out of work inside the measured span"
    used = sum(1 for t in arrivals if t < measured_end)
    allowed = LIMIT * MEASURED_WINDOWS
    assert used >= 0.95 * allowed, f"{used} of {allowed} allowed requests ({used / allowed:.1%})"
