"""The same job declarations behave the same on the embedded runner (SQLite, PostgreSQL)
and on procrastinate (PostgreSQL): exactly once, locks, queueing locks, retries, final
failure alerts and defers inside the caller's transaction."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from integrations.jobs import JobContext, queue_depth
from integrations.jobs.registry import JobSpec
from tests.integrations.jobs.conftest import JobBackend, run_until

pytestmark = pytest.mark.integration


def _spec(name: str, func: Any, **options: Any) -> dict[str, JobSpec]:
    return {name: JobSpec(name, func, **options)}


async def test_500_jobs_run_exactly_once_between_two_workers(jobs_backend: JobBackend) -> None:
    """500 deferred no-op jobs run once each, shared by two workers."""
    runs: Counter[int] = Counter()

    async def noop(ctx: JobContext, n: int) -> None:
        runs[n] += 1

    jobs = _spec("noop", noop)
    first, second = jobs_backend.runner(jobs), jobs_backend.runner(jobs)
    for n in range(500):
        assert await first.defer("noop", args={"n": n}) is not None
    await run_until([first, second], lambda: len(runs) == 500 and sum(runs.values()) >= 500)
    await asyncio.sleep(0.2)  # a duplicate would land now
    assert set(runs) == set(range(500))
    assert max(runs.values()) == 1
    depth = await queue_depth(jobs_backend.services[0])
    assert depth.get("succeeded") == 500


async def test_queueing_lock_refuses_a_second_queued_job(jobs_backend: JobBackend) -> None:
    """A job deferred twice under one queueing lock is queued, and runs, once."""
    runs: list[str] = []

    async def sync(ctx: JobContext, integration: str) -> None:
        runs.append(integration)

    runner = jobs_backend.runner(_spec("sync", sync, queueing_lock="sync:{integration}"))
    assert await runner.defer("sync", args={"integration": "pandadoc"}) is not None
    assert await runner.defer("sync", args={"integration": "pandadoc"}) is None
    assert await runner.defer("sync", args={"integration": "typeform"}) is not None
    await run_until([runner], lambda: len(runs) == 2)
    await asyncio.sleep(0.2)
    assert sorted(runs) == ["pandadoc", "typeform"]


async def test_lock_never_runs_two_jobs_at_once(jobs_backend: JobBackend) -> None:
    """Eight jobs under one lock, on two workers of four slots each, never overlap."""
    running, peak, done = 0, 0, 0

    async def sync(ctx: JobContext, n: int) -> None:
        nonlocal running, peak, done
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)  # holds the lock while the others are claimable
        running -= 1
        done += 1

    jobs = _spec("sync", sync, lock="sync:pandadoc")
    first, second = jobs_backend.runner(jobs), jobs_backend.runner(jobs)
    for n in range(8):
        await first.defer("sync", args={"n": n})
    await run_until([first, second], lambda: done == 8)
    assert peak == 1


async def test_failing_job_is_retried_until_it_succeeds(jobs_backend: JobBackend) -> None:
    """A job failing twice runs a third time and succeeds (attempts 1, 2, 3)."""
    attempts: list[int] = []

    async def flaky(ctx: JobContext) -> None:
        attempts.append(ctx.attempt)
        if len(attempts) < 3:
            raise RuntimeError("vendor down")

    runner = jobs_backend.runner(_spec("flaky", flaky, max_attempts=5))
    await runner.defer("flaky")
    await run_until([runner], lambda: len(attempts) == 3)
    await asyncio.sleep(0.2)
    assert attempts == [1, 2, 3]


async def test_final_failure_fires_job_failed(
    jobs_backend: JobBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job failing on its last allowed attempt fires one `job_failed` alert, and no more
    attempts run."""
    fired: list[tuple[Any, str]] = []

    class _Alerts:
        async def fire(self, signal: Any, *, dedupe_key: str) -> None:
            fired.append((signal, dedupe_key))

    monkeypatch.setattr(JobContext, "alerts", property(lambda self: _Alerts()))
    attempts: list[int] = []

    async def broken(ctx: JobContext) -> None:
        attempts.append(ctx.attempt)
        raise RuntimeError("always")

    runner = jobs_backend.runner(_spec("broken", broken, max_attempts=2))
    await runner.defer("broken")
    await run_until([runner], lambda: len(fired) == 1)
    await asyncio.sleep(0.3)
    assert attempts == [1, 2]
    signal, key = fired[0]
    assert (signal.kind, key) == ("job_failed", "job_failed:broken")
    assert "always" in signal.message


async def test_defer_in_the_callers_transaction(jobs_backend: JobBackend) -> None:
    """A job deferred in a rolled-back transaction never exists; a committed one runs."""
    runs: list[str] = []

    async def note(ctx: JobContext, tag: str) -> None:
        runs.append(tag)

    runner = jobs_backend.runner(_spec("note", note))
    db = jobs_backend.services[-1].db
    async with db.sessions() as session:
        await runner.defer("note", args={"tag": "rolled-back"}, session=session)
        await session.rollback()
    async with db.sessions.begin() as session:
        assert await runner.defer("note", args={"tag": "committed"}, session=session)
    await run_until([runner], lambda: runs == ["committed"])
    await asyncio.sleep(0.2)
    assert runs == ["committed"]
