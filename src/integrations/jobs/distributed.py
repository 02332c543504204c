"""The distributed runner: the same `@job` declarations on procrastinate over PostgreSQL.

Every `integrations worker` (and `serve` unless `--no-worker`) pointed at the database
runs jobs; procrastinate supplies what the embedded runner builds itself:
- `lock` / `queueing_lock` are procrastinate's own (a refused defer, its `AlreadyEnqueued`,
  makes `defer` return None, as on the embedded runner);
- periodic jobs use `App.periodic`; procrastinate dedupes a scheduled time across workers;
- retries follow `FullJitterRetryStrategy`, the embedded runner's backoff;
- a worker killed mid-job stops sending heartbeats; every worker looks for jobs of workers
  silent for `lease_seconds` (`JobManager.get_stalled_jobs`) and queues them again
  (`retry_job`). procrastinate's schema comes from our migration 0006, never at runtime.

Defer in the caller's transaction: procrastinate 3.x takes an external psycopg connection
(`Task.configure(connection=...)`), so the SQLAlchemy session's own connection is handed
over. That needs the `postgresql+psycopg` driver (asyncpg cannot), and the defer runs in a
savepoint so a refused duplicate does not abort the caller's transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import random
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import procrastinate
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.errors import IntegrationError
from integrations.jobs.context import JobContext, run_job
from integrations.jobs.registry import JOBS, JobSpec, full_jitter
from integrations.logging import get_logger
from integrations.storage.availability import log_loop_failure

if TYPE_CHECKING:
    from integrations.factory import IntegrationFactory
    from integrations.services import Services

__all__ = ["FullJitterRetryStrategy", "ProcrastinateRunner"]

_log = get_logger()


class FullJitterRetryStrategy(BaseRetryStrategy):
    """Retry until `max_attempts` tries in all, after `full_jitter` seconds each time."""

    def __init__(
        self, max_attempts: int, base: float, cap: float, rng: Callable[[], float] = random.random
    ) -> None:
        self.max_attempts, self.base, self.cap, self.rng = max_attempts, base, cap, rng

    def get_retry_decision(
        self, *, exception: BaseException, job: procrastinate.jobs.Job
    ) -> RetryDecision | None:
        attempt = job.attempts + 1  # procrastinate counts the tries before this one
        if attempt >= self.max_attempts:
            return None
        wait = full_jitter(attempt, base=self.base, cap=self.cap, rng=self.rng)
        return RetryDecision(retry_in={"seconds": round(wait)})


def libpq_url(url: str) -> str:
    """`postgresql+psycopg://...` as psycopg's own connection string."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class JobQueueUnavailableError(IntegrationError):
    """procrastinate's tables did not take the job (database down, or not migrated)."""

    http_status = 503
    code = "job_queue_unavailable"


class ProcrastinateRunner:
    """A procrastinate `App` with one task per declaration.

    Args:
        services: settings and the (PostgreSQL) database.
        factory: the process's integration factory, handed to jobs (built lazily if None).
        jobs: the declarations (default: every `@job`).
        concurrency: jobs one worker runs at once (default `settings.jobs.concurrency`).
    """

    def __init__(
        self,
        services: Services,
        factory: IntegrationFactory | None = None,
        *,
        jobs: Mapping[str, JobSpec] | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.services = services
        self.settings = services.settings.jobs
        self._factory, self._owns_factory = factory, factory is None
        self.concurrency = concurrency or self.settings.concurrency
        connector = procrastinate.PsycopgConnector(
            conninfo=libpq_url(services.db.url), min_size=1, max_size=self.concurrency + 4
        )
        self.app = procrastinate.App(connector=connector)
        self._specs = dict(jobs if jobs is not None else JOBS)
        for spec in self._specs.values():
            self._register(spec)
        self._opened = False

    def _register(self, spec: JobSpec) -> None:
        async def task(context: procrastinate.JobContext, /, **args: Any) -> None:
            timestamp = args.pop("timestamp", None) if spec.cron(self.settings) else None
            ctx = JobContext(
                services=self.services,
                factory=self.factory,
                name=spec.name,
                job_id=str(context.job.id),
                attempt=context.job.attempts + 1,
                max_attempts=spec.attempts(self.settings),
                scheduled_at=dt.datetime.fromtimestamp(timestamp, dt.UTC) if timestamp else None,
            )
            await run_job(spec, ctx, args)

        retry = FullJitterRetryStrategy(
            spec.attempts(self.settings),
            self.settings.retry_base_seconds,
            self.settings.retry_cap_seconds,
        )
        registered: Any = self.app.task(name=spec.name, pass_context=True, retry=retry)(task)
        if cron := spec.cron(self.settings):
            self.app.periodic(cron=cron, periodic_id=spec.name)(registered)

    async def _open(self) -> None:
        if not self._opened:
            await self.app.open_async()
            self._opened = True

    async def defer(
        self,
        name: str,
        /,
        *,
        args: dict[str, Any] | None = None,
        lock: str | None = None,
        queueing_lock: str | None = None,
        session: AsyncSession | None = None,
    ) -> str | None:
        """Queue job `name`; its id, or None when a queued duplicate refused it."""
        spec = self._specs.get(name)
        if spec is None:
            raise ValueError(f"unknown job {name!r}; declare it with @job")
        args = dict(args or {})
        lock, queueing_lock = spec.locks(args, lock, queueing_lock)
        options: dict[str, Any] = {"lock": lock, "queueing_lock": queueing_lock}
        try:
            if session is None:
                await self._open()
                task = self.app.tasks[name].configure(**options)
                return str(await task.defer_async(**args))
            async with session.begin_nested():
                raw = await (await session.connection()).get_raw_connection()
                options["connection"] = raw.driver_connection
                task = self.app.tasks[name].configure(**options)
                return str(await task.defer_async(**args))
        except AlreadyEnqueued:
            _log.info("jobs.defer_refused", job=name, queueing_lock=queueing_lock)
            return None
        except ConnectorException as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else type(exc).__name__
            _log.warning("jobs.defer_failed", job=name, cause=cause)
            raise JobQueueUnavailableError(
                f"the job queue refused job {name!r} ({cause}); is the database reachable and "
                "migrated (integrations db upgrade)?"
            ) from exc

    async def run_worker(
        self, *, stop: asyncio.Event | None = None, until_idle: bool = False
    ) -> None:
        """Run jobs (and defer periodic ones) until `stop` is set, or until the queue is
        empty with `until_idle`; jobs of dead workers are queued again meanwhile."""
        await self._open()
        lease = self.settings.lease_seconds
        worker = asyncio.create_task(
            self.app.run_worker_async(
                concurrency=self.concurrency,
                wait=not until_idle,
                install_signal_handlers=False,
                name=f"worker-{os.getpid()}",
                fetch_job_polling_interval=self.settings.poll_seconds,
                update_heartbeat_interval=lease / 3,
                stalled_worker_timeout=lease,
            )
        )
        rescuer = asyncio.create_task(self._rescue_stalled(lease))
        stopper = asyncio.create_task((stop or asyncio.Event()).wait())
        try:
            await asyncio.wait({worker, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (rescuer, stopper, worker):
                task.cancel()  # a cancelled procrastinate worker finishes its jobs first
            for task in (rescuer, stopper, worker):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _rescue_stalled(self, lease: float) -> None:
        manager = self.app.job_manager
        while True:
            await asyncio.sleep(lease / 2)
            try:
                for stalled in await manager.get_stalled_jobs(seconds_since_heartbeat=lease):
                    _log.warning("jobs.stalled_retried", job=stalled.task_name, job_id=stalled.id)
                    await manager.retry_job(stalled)
            except Exception as exc:  # the database is down, or another worker rescued it first
                log_loop_failure(_log, "jobs.stalled_rescue_failed", exc)

    @property
    def factory(self) -> IntegrationFactory:
        if self._factory is None:
            from integrations.factory import IntegrationFactory

            self._factory = IntegrationFactory.for_process(self.services)
        return self._factory

    async def queue_depth(self) -> dict[str, int]:
        """Jobs by procrastinate status (todo, doing, succeeded, failed, ...)."""
        await self._open()
        rows = await self.app.connector.execute_query_all_async(
            "SELECT status::text AS status, count(*) AS n FROM procrastinate_jobs GROUP BY 1"
        )
        return {row["status"]: int(row["n"]) for row in rows}

    async def close(self) -> None:
        """Close procrastinate's pool and the factory this runner built."""
        if self._opened:
            await self.app.close_async()
            self._opened = False
        if self._owns_factory and self._factory is not None:
            await self._factory.close()
            self._factory = None
