"""Job runners on a migrated database: embedded on SQLite and PostgreSQL, procrastinate on
PostgreSQL (its schema comes from migration 0006, as in production)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import pytest

from integrations.config import Settings, load_settings
from integrations.jobs.registry import JobSpec
from integrations.jobs.runner import JobRunner, runner_for
from integrations.services import Services
from integrations.storage import migrate
from tests.helpers.services import fresh_postgres_database

RUNNERS = [
    pytest.param(("embedded", "sqlite"), id="embedded-sqlite"),
    pytest.param(("embedded", "postgresql"), id="embedded-postgresql"),
    pytest.param(("procrastinate", "postgresql"), id="procrastinate-postgresql"),
]


@dataclass
class JobBackend:
    """Settings of one runner kind on one migrated database; `runner()` makes workers."""

    kind: str
    settings: Settings
    services: list[Services]

    def runner(self, jobs: Mapping[str, JobSpec], **options: Any) -> JobRunner:
        services = Services(self.settings)
        self.services.append(services)
        return runner_for(services, _NoFactory(), jobs=jobs, **options)


class _NoFactory:
    """Jobs in these tests never call an integration."""

    async def close(self) -> None:
        return None


@pytest.fixture(name="backend", params=RUNNERS)
def _backend(
    request: pytest.FixtureRequest, tmp_path: Path, secret_key: str
) -> Iterator[tuple[str, str]]:
    kind, database = request.param
    if database == "sqlite":
        yield kind, f"sqlite+aiosqlite:///{tmp_path / 'jobs.db'}"
        return
    with fresh_postgres_database() as url:
        yield kind, url


@pytest.fixture(name="jobs_backend")
async def _jobs_backend(
    backend: tuple[str, str], tmp_path: Path, secret_key: str
) -> AsyncIterator[JobBackend]:
    kind, url = backend
    await anyio.to_thread.run_sync(migrate.upgrade, url)
    settings = load_settings(
        database_url=url,
        var_dir=tmp_path / "var",
        secret_key=secret_key,
        jobs={
            "runner": kind,
            "poll_seconds": 0.05,
            "retry_base_seconds": 0.001,
            "retry_cap_seconds": 0.001,
        },
    )
    made = JobBackend(kind, settings, [])
    yield made
    for services in made.services:
        await services.close()


async def run_until(
    runners: list[JobRunner], done: Callable[[], bool], *, seconds: float = 60.0
) -> None:
    """Run every runner's worker until `done()` holds, then stop them and close them."""
    stop = asyncio.Event()
    workers = [asyncio.create_task(r.run_worker(stop=stop)) for r in runners]
    deadline = time.monotonic() + seconds
    try:
        while not done():
            if time.monotonic() > deadline:
                pytest.fail("the jobs did not finish in time")
            for worker in workers:
                if worker.done():
                    worker.result()  # a crashed worker fails the test with its error
            await asyncio.sleep(0.02)  # a polling interval, not a timing assertion
    finally:
        stop.set()
        await asyncio.gather(*workers, return_exceptions=True)
        for runner in runners:
            await runner.close()
