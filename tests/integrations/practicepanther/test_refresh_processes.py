"""Single-flight across processes: 4 processes sharing the database and Redis find the
stored token inside its refresh margin at once; the simulator sees exactly one refresh."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from integrations.config import Settings
from integrations.practicepanther.token_store import DatabaseTokenStore, StoredTokens
from integrations.services import Services
from integrations.simulators.practicepanther import PracticePantherSimulator, create_simulator
from tests.helpers.http_server import serve_app
from tests.helpers.services import REDIS_URL, require_service
from tests.integrations.practicepanther.support import authorize

pytestmark = [pytest.mark.anyio, pytest.mark.integration]
PROCESSES = 4
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(name="sim")
def _sim() -> PracticePantherSimulator:
    return create_simulator(seed=4)


@pytest.fixture(name="base")
def _base(sim: PracticePantherSimulator) -> Iterator[str]:
    with serve_app(sim.asgi) as url:
        yield url


def _run_workers(argv: list[str], start: Path) -> list[tuple[int, str, str]]:
    """Start the workers, let them all go once each says ready; (code, stdout, stderr)."""
    module = "tests.integrations.practicepanther.refresh_worker"
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", module, *argv, str(start)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(PROCESSES)
    ]  # fmt: skip
    try:
        ready = [w.stdout.readline().strip() if w.stdout else "" for w in workers]
        start.touch()
        outputs = [w.communicate(timeout=60) for w in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert ready == ["ready"] * PROCESSES, outputs
    return [(w.returncode, out, err) for w, (out, err) in zip(workers, outputs, strict=True)]


async def test_four_processes_sharing_redis_refresh_once(
    services: Services, settings: Settings, sim: PracticePantherSimulator, base: str,
    tmp_path: Path, secret_key: str,
) -> None:  # fmt: skip
    require_service("Redis", REDIS_URL, 6379)
    redis.Redis.from_url(REDIS_URL).delete("integrations:lock:practicepanther:oauth-refresh")
    fresh = authorize(base)
    store = DatabaseTokenStore(services.db, services.box, integration="practicepanther")
    await store.save(StoredTokens(fresh.access_token, fresh.refresh_token, time.time() + 60))
    argv = [settings.resolved_database_url, secret_key, REDIS_URL, base]
    workers = await asyncio.to_thread(_run_workers, argv, tmp_path / "start")
    assert [code for code, _, _ in workers] == [0] * PROCESSES, [e[-2000:] for _, _, e in workers]
    counts = [int(out.strip().splitlines()[-1]) for _, out, _ in workers]
    assert sim.tokens.refreshed == 1 and sorted(counts) == [0, 0, 0, 1]
    stored = await store.load()
    assert stored is not None and stored.refresh_token != fresh.refresh_token
