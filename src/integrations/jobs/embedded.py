"""The embedded runner: jobs in our own `jobs` table, run by asyncio workers in-process.

The single-process default (and any database when `INTEGRATIONS_JOBS__RUNNER=embedded`).
It keeps procrastinate's semantics without growing into a queue product: durable rows,
a lease per running job (renewed every third of `lease_seconds`; a worker that dies leaves
its job to be claimed again when the lease ends, counting as an attempt), `lock` (never two
running jobs with one lock), `queueing_lock` (a defer while a job with that lock is queued
is refused: `defer` returns None, as procrastinate's `AlreadyEnqueued`), and retries after
a full-jitter backoff capped at `retry_cap_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from integrations.core.clock import Clock, SystemClock
from integrations.jobs.context import JobContext, report_final_failure, run_job
from integrations.jobs.job_store import ClaimedJob, JobStore
from integrations.jobs.registry import JOBS, JobSpec, full_jitter
from integrations.logging import current_trace_id, get_logger
from integrations.storage.availability import caused_by_outage, log_loop_failure

if TYPE_CHECKING:
    from integrations.factory import IntegrationFactory
    from integrations.services import Services

__all__ = ["EmbeddedRunner"]

_log = get_logger()


class EmbeddedRunner:
    """Defers into and runs jobs from the `jobs` table.

    Args:
        services: settings (`settings.jobs`) and the database.
        factory: the process's integration factory, handed to jobs (built lazily if None).
        jobs: the declarations to run (default: every `@job`).
        clock / rng: injected time and randomness (tests).
        concurrency: jobs run at once by `run_worker` (default `settings.jobs.concurrency`).
    """

    def __init__(
        self,
        services: Services,
        factory: IntegrationFactory | None = None,
        *,
        jobs: Mapping[str, JobSpec] | None = None,
        clock: Clock | None = None,
        rng: Callable[[], float] = random.random,
        concurrency: int | None = None,
    ) -> None:
        self.services = services
        self.settings = services.settings.jobs
        self._factory = factory
        self._owns_factory = factory is None
        self._jobs = jobs if jobs is not None else JOBS
        self.clock: Clock = clock or SystemClock()
        self._rng = rng
        self.concurrency = concurrency or self.settings.concurrency
        self.store = JobStore(services.db, f"{os.getpid()}-{uuid.uuid4().hex[:8]}")
        self._wake = asyncio.Event()
        self._busy = 0

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock.now(), dt.UTC)

    async def defer(
        self,
        name: str,
        /,
        *,
        args: dict[str, Any] | None = None,
        lock: str | None = None,
        queueing_lock: str | None = None,
        session: AsyncSession | None = None,
        schedule_key: str | None = None,
        scheduled_at: dt.datetime | None = None,
    ) -> str | None:
        """Queue job `name`; its id, or None when a queued duplicate refused it.

        Args:
            session: queue it in the caller's transaction (it exists only if that commits).
            schedule_key: a periodic run's (name, time) key; a second defer is refused.
        """
        spec = self._spec(name)
        args = dict(args or {})
        lock, queueing_lock = spec.locks(args, lock, queueing_lock)
        values = {
            "name": name,
            "args": args,
            "status": "todo",
            "lock": lock,
            "queueing_lock": queueing_lock,
            "schedule_key": schedule_key,
            "attempts": 0,
            "max_attempts": spec.attempts(self.settings),
            "scheduled_at": scheduled_at or self.now(),
            "trace_id": current_trace_id(),
            "created_at": self.now(),
        }
        job_id = await self.store.insert(values, session)
        if job_id is None:
            _log.info("jobs.defer_refused", job=name, queueing_lock=queueing_lock)
            return None
        self._wake.set()
        return str(job_id)

    def _spec(self, name: str) -> JobSpec:
        try:
            return self._jobs[name]
        except KeyError:
            raise ValueError(f"unknown job {name!r}; declare it with @job") from None

    async def run_worker(
        self, *, stop: asyncio.Event | None = None, until_idle: bool = False
    ) -> None:
        """Run jobs with `concurrency` loops until `stop` is set (a job in progress is
        finished first) or, with `until_idle`, until no job is due and none is running."""
        stop = stop or asyncio.Event()
        async with asyncio.TaskGroup() as group:
            for _ in range(self.concurrency):
                group.create_task(self._loop(stop, until_idle))

    async def _loop(self, stop: asyncio.Event, until_idle: bool) -> None:
        while not stop.is_set():
            try:
                claimed = await self._claim_and_run()
            except Exception as exc:
                if not caused_by_outage(exc):
                    raise
                # The database is down or too slow: the loop waits a poll and tries again.
                # A job whose outcome was not written runs again when its lease ends.
                log_loop_failure(_log, "jobs.worker_turn_failed", exc)
                await self._pause(stop)
                continue
            if claimed:
                continue
            if until_idle and self._busy == 0:
                return
            await self._pause(stop)

    async def _claim_and_run(self) -> bool:
        """Claim the oldest due job and run it; False when none was due."""
        claimed = await self.store.claim(self.now(), self._lease_end())
        if claimed is None:
            return False
        self._busy += 1
        try:
            await self._run(claimed)
        finally:
            self._busy -= 1
        return True

    async def _pause(self, stop: asyncio.Event) -> None:
        self._wake.clear()
        waits = [
            asyncio.ensure_future(self.clock.sleep(self.settings.poll_seconds)),
            asyncio.ensure_future(stop.wait()),
            asyncio.ensure_future(self._wake.wait()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()

    def _lease_end(self) -> dt.datetime:
        return self.now() + dt.timedelta(seconds=self.settings.lease_seconds)

    async def _run(self, claimed: ClaimedJob) -> None:
        ctx = self._context(claimed)
        spec = self._jobs.get(claimed.name)
        if spec is None or claimed.attempt > claimed.max_attempts:
            # An unknown job, or one whose last attempt died with its worker.
            reason = "unknown job" if spec is None else "lease expired on the last attempt"
            ctx.attempt = claimed.max_attempts
            await report_final_failure(ctx, RuntimeError(reason))
            await self.store.fail(claimed.id, self.now(), reason)
            return
        keeper = asyncio.create_task(self._keep_lease(claimed.id))
        try:
            await run_job(spec, ctx, claimed.args)
        except Exception as exc:  # a job's failure is recorded, not raised
            await self._failed(claimed, repr(exc)[:2000])
        else:
            await self.store.succeed(claimed.id, self.now())
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper

    async def _failed(self, claimed: ClaimedJob, error: str) -> None:
        if claimed.attempt >= claimed.max_attempts:
            await self.store.fail(claimed.id, self.now(), error)
            return
        wait = full_jitter(
            claimed.attempt,
            base=self.settings.retry_base_seconds,
            cap=self.settings.retry_cap_seconds,
            rng=self._rng,
        )
        await self.store.retry(claimed.id, self.now() + dt.timedelta(seconds=wait), error)

    async def _keep_lease(self, job_id: int) -> None:
        while True:
            await self.clock.sleep(self.settings.lease_seconds / 3)
            if not await self.store.extend(job_id, self._lease_end()):
                _log.warning("jobs.lease_lost", job_id=job_id)
                return

    def _context(self, claimed: ClaimedJob) -> JobContext:
        return JobContext(
            services=self.services,
            factory=self.factory,
            name=claimed.name,
            job_id=str(claimed.id),
            attempt=claimed.attempt,
            max_attempts=claimed.max_attempts,
            trace_id=claimed.trace_id or "",
            scheduled_at=claimed.scheduled_at,
        )

    @property
    def factory(self) -> IntegrationFactory:
        if self._factory is None:
            from integrations.factory import IntegrationFactory

            self._factory = IntegrationFactory.for_process(self.services)
        return self._factory

    async def queue_depth(self) -> dict[str, int]:
        """Jobs by status: todo, doing, succeeded, failed."""
        return await self.store.depth()

    async def close(self) -> None:
        """Close the factory this runner built (a given one belongs to the caller)."""
        if self._owns_factory and self._factory is not None:
            await self._factory.close()
            self._factory = None
