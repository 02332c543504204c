"""The embedded worker through a database outage: a failed write of a job's outcome costs a
logged turn and a second run of that job once its lease ends, never the worker itself."""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import pytest

from integrations.config import load_settings
from integrations.jobs import JobContext
from integrations.jobs.embedded import EmbeddedRunner
from integrations.jobs.registry import JobSpec
from integrations.logging import configure_logging
from integrations.services import Services
from integrations.storage import migrate
from integrations.storage.availability import DatabaseUnavailableError
from tests.integrations.jobs.conftest import run_until

pytestmark = pytest.mark.integration


async def test_an_outcome_lost_to_an_outage_reruns_the_job_and_the_worker_survives(
    tmp_path: Path, secret_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    settings = load_settings(
        database_url=url,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        jobs={"runner": "embedded", "poll_seconds": 0.05, "lease_seconds": 1},
    )
    services = Services(settings)
    runs: Counter[int] = Counter()

    async def mark(ctx: JobContext, n: int) -> None:
        runs[n] += 1

    runner = EmbeddedRunner(services, None, jobs={"mark": JobSpec("mark", mark)})
    real_succeed, failures = runner.store.succeed, []

    async def succeed_after_one_outage(*args: Any) -> Any:
        if not failures:
            failures.append(args)
            raise DatabaseUnavailableError("database unavailable: no answer within 5 s")
        return await real_succeed(*args)

    monkeypatch.setattr(runner.store, "succeed", succeed_after_one_outage)
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="json", stream=stream)
    for n in range(3):
        await runner.defer("mark", args={"n": n})
    try:
        # The job whose success was not written runs again after its 1 s lease.
        await run_until([runner], lambda: sum(runs.values()) == 4, seconds=30)
    finally:
        await services.close()
    assert set(runs) == {0, 1, 2} and sorted(runs.values()) == [1, 1, 2]
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    turns = [line for line in lines if line["event"] == "jobs.worker_turn_failed"]
    assert len(turns) == 1 and turns[0]["level"] == "warning", turns
    assert "DatabaseUnavailableError" in turns[0]["error"]
    assert "Traceback" not in stream.getvalue()
