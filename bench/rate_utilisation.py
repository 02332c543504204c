"""Rate-limit utilisation: the share of PracticePanther's allowed request rate a full sync uses,
and how many requests the vendor refused (the target: at least 95%, and no 429 at all).

The one measurement behind both `tests/integrations/practicepanther/test_sync_rate.py` (which
asserts on it) and the runner's "rate limit" rows (which print it). The simulator, served on
127.0.0.1 in this process, enforces the window the connector is configured with; its journal's
arrival times are what is counted: the API requests received in the two windows (10 s)
starting at the first one, against what those windows allow. Each of 1 or 4 processes runs the
real sync engine (`rate_sync_worker.py`, forked from one launcher), their limiters sharing one
budget in Redis.

The window is 100 requests per 5 s (20/s), scaled down from the vendor's 300 per 5 minutes.
Sync pages go in the background lane, which PracticePanther's spec lets use the whole window
(`background_share=0`; the default 20% reserve would cap this at 80%). The limiter holds each
request in its window until a period after its answer, plus 0.1 s for calls never answered:
that margin costs 0.03% of a 5-minute window, 2% of a 5 s one and 10% of a 1 s one, so a
1 s window would not stand for the real case.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator

ROOT = Path(__file__).resolve().parents[1]
WORKER = "tests.integrations.practicepanther.rate_sync_worker"
LIMIT, PERIOD = 100, 5.0
MEASURED_WINDOWS = 2
PAGE_SIZE = 10
TARGET_SHARE = 0.95
# Pages beyond what the measured windows allow, so every process still has work when the
# measurement ends (1.5 s more at the limit).
SPARE_PAGES = 30
RUN_TIMEOUT_S = 90.0


@dataclass(frozen=True, slots=True)
class RateUse:
    """What `processes` syncs sharing one budget did to the simulator's limit."""

    processes: int
    records: int  # what each sync must store
    outcomes: list[dict[str, Any]]  # each sync's status, processed and error
    used: int  # API requests that arrived in the measured windows
    allowed: int  # what those windows allow
    refused: list[int]  # statuses other than 200 the simulator answered (429s above all)
    rejected: int  # requests the simulator's limiter turned away
    ran_out: bool  # the syncs ended inside the measured span (too little work to measure)

    @property
    def share(self) -> float:
        return self.used / self.allowed


def new_simulator() -> PracticePantherSimulator:
    """A simulator enforcing the measured window."""
    sim = create_simulator(seed=15)
    sim.set_rate_limit(LIMIT, PERIOD)
    return sim


def size_for(sim: PracticePantherSimulator, processes: int) -> int:
    """Volumes giving every sync the same number of pages, their sum just over what the
    measured windows allow (each of the three streams ends on a short page, and a full sync
    then asks once more for an empty one); the records each sync stores."""
    pages = math.ceil((LIMIT * MEASURED_WINDOWS + SPARE_PAGES) / processes / 3)
    per_stream = pages * PAGE_SIZE - 1
    sim.set_volumes(accounts=per_stream, contacts=per_stream, matters=per_stream, tasks=per_stream)
    return 3 * per_stream


def run_syncs(argv: list[str], start: Path) -> list[dict[str, Any]]:
    """Run the launcher; let its processes go once it says they are ready; their outcomes."""
    launcher = subprocess.Popen(  # noqa: S603 - our own interpreter and module
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
    if (ready, launcher.returncode) != ("ready", 0):
        raise RuntimeError(f"the sync processes failed ({ready!r}, rc {launcher.returncode}):"
                           f"\n{err[-3000:]}")  # fmt: skip
    outcomes: list[dict[str, Any]] = json.loads(out.strip().splitlines()[-1])
    return outcomes


def measure(
    sim: PracticePantherSimulator, base: str, *, processes: int, folder: Path,
    secret_key: str, redis_url: str, prefix: str,
) -> RateUse:  # fmt: skip
    """Size the data, run `processes` full syncs at `base` (the simulator `sim` serves),
    and count from its journal what they used of the measured windows."""
    records = size_for(sim, processes)
    shared = [secret_key, redis_url, prefix, base, str(LIMIT), str(PERIOD), str(PAGE_SIZE)]
    outcomes = run_syncs([str(processes), str(folder), *shared], folder / "start")
    api = [r for r in sim.journal.all() if r.path.startswith("/api/v2/")]
    arrivals = sorted(r.received_at.timestamp() for r in api)
    measured_end = arrivals[0] + MEASURED_WINDOWS * PERIOD
    return RateUse(
        processes=processes,
        records=records,
        outcomes=outcomes,
        used=sum(1 for t in arrivals if t < measured_end),
        allowed=LIMIT * MEASURED_WINDOWS,
        refused=[r.status or 0 for r in api if r.status != 200],
        rejected=sim.limiter.rejected,
        ran_out=arrivals[-1] < measured_end,
    )
