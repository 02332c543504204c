"""Running the job layer in a process: `integrations worker`, or inside `integrations serve`.

One `JobWorker` per process: the runner `runner_for` picks, with its workers, plus, on the
embedded runner, the cron scheduler (procrastinate's workers defer periodic jobs
themselves). Stopping lets the jobs in progress finish, within `grace_seconds`; a job cut
off then is taken over by another worker when its lease ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from integrations.changes import delivery as change_delivery
from integrations.jobs import builtin as _builtin  # noqa: F401 - registers the platform's jobs
from integrations.jobs.runner import JobRunner, runner_for
from integrations.logging import get_logger
from integrations.reconciliation import jobs as _reconciliation  # noqa: F401 - registers it

if TYPE_CHECKING:
    from integrations.factory import IntegrationFactory
    from integrations.services import Services

__all__ = ["JobWorker"]

_log = get_logger()


class JobWorker:
    """The job runner and scheduler of one process.

    Args:
        services / factory: the process's own (jobs share its breakers and call records).
        concurrency: jobs run at once (default `settings.jobs.concurrency`).
        grace_seconds: how long `stop()` waits for jobs in progress.
    """

    def __init__(
        self,
        services: Services,
        factory: IntegrationFactory,
        *,
        concurrency: int | None = None,
        grace_seconds: float = 30.0,
    ) -> None:
        for module in services.settings.jobs.modules:  # their @job lines register them
            importlib.import_module(module)
        self.runner: JobRunner = runner_for(services, factory, concurrency=concurrency)
        self._stop = asyncio.Event()
        self._grace = grace_seconds
        self._tasks: list[asyncio.Task[None]] = []
        self._unnudge: Callable[[], None] | None = None

    def start(self) -> None:
        """Start the workers (and the embedded scheduler) in the background."""
        from integrations.jobs.embedded import EmbeddedRunner

        self._tasks.append(asyncio.create_task(self.runner.run_worker(stop=self._stop)))
        if isinstance(self.runner, EmbeddedRunner):
            from integrations.jobs.scheduler import PeriodicScheduler

            scheduler = PeriodicScheduler(self.runner)
            self._tasks.append(asyncio.create_task(scheduler.run(self._stop)))
        # Each committed change defers `change_delivery` (registered by the import above).
        self._unnudge = change_delivery.nudge_on_change(self.runner)
        _log.info("jobs.worker_started", runner=type(self.runner).__name__)

    async def wait(self) -> None:
        """Until the workers end (a crash re-raises here)."""
        await asyncio.gather(*self._tasks)

    async def stop(self) -> None:
        """Stop taking jobs, let those in progress finish, then release the runner."""
        self._stop.set()
        if self._unnudge is not None:
            self._unnudge()
        if self._tasks:
            _done, pending = await asyncio.wait(self._tasks, timeout=self._grace)
            for task in pending:
                task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        await self.runner.close()
        _log.info("jobs.worker_stopped")
