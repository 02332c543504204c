"""Acceptance: a sync uses at least 95% of PracticePanther's allowed request rate and never
draws a 429, from 1 process and from 4 processes sharing one limiter budget in Redis.

The measurement (the window, the volumes, the launcher of the sync processes and what is
counted from the simulator's journal) is `bench/rate_utilisation.py`, which the benchmark
runner (`python -m bench`) prints as its rate-limit rows; this test asserts on it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.rate_utilisation import TARGET_SHARE, measure, new_simulator

from integrations.simulators.practicepanther import PracticePantherSimulator
from tests.helpers.http_server import serve_app
from tests.helpers.services import REDIS_URL, require_service
from tests.helpers.shared_budget import delete_redis_prefix

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


@pytest.fixture(name="sim")
def _sim() -> PracticePantherSimulator:
    return new_simulator()


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


@pytest.mark.parametrize("processes", [1, 4], ids=["1-process", "4-processes"])
async def test_sync_uses_the_allowed_rate_without_429(
    sim: PracticePantherSimulator, base: str, redis_prefix: str, tmp_path: Path,
    secret_key: str, processes: int,
) -> None:  # fmt: skip
    """Over two windows the simulator receives >= 95% of the requests it allows, none refused."""
    use = await asyncio.to_thread(
        measure, sim, base, processes=processes, folder=tmp_path, secret_key=secret_key,
        redis_url=REDIS_URL, prefix=redis_prefix,
    )  # fmt: skip
    assert [(r["status"], r["processed"]) for r in use.outcomes] == [
        ("success", use.records)
    ] * processes
    assert use.refused == []  # no 429, nor anything else
    assert use.rejected == 0
    assert not use.ran_out, "the syncs ran out of work inside the measured span"
    assert use.share >= TARGET_SHARE, f"{use.used} of {use.allowed} allowed ({use.share:.1%})"
