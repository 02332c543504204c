"""Job declarations: one `@job` per job, read by both runners.

A job is an async function `fn(ctx, **args)` registered under a name. The declaration holds
everything a runner needs to treat it the same way on SQLite and on PostgreSQL: its cron
schedule, how often it may be tried, and the locks every defer of it takes by default.
`lock` and `queueing_lock` are templates formatted with the job's arguments, so
`lock="sync:{integration}"` means one running sync per integration.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from integrations.ops_config import JobSettings

__all__ = ["JOBS", "JobFunction", "JobSpec", "full_jitter", "job"]

JobFunction = Callable[..., Awaitable[None]]
Schedule = str | Callable[["JobSettings"], str]


@dataclass(frozen=True, slots=True)
class JobSpec:
    """One declared job.

    Args:
        name: unique name; what is stored in the queue and logged.
        func: `async def fn(ctx: JobContext, **args) -> None`.
        periodic: a cron expression, or a function of the job settings returning one
            (so operators can move the schedule), or None for a job deferred by hand.
        max_attempts: tries before the job fails for good (None: `settings.jobs`).
        lock / queueing_lock: default templates, formatted with the job's arguments.
    """

    name: str
    func: JobFunction
    periodic: Schedule | None = None
    max_attempts: int | None = None
    lock: str | None = None
    queueing_lock: str | None = None

    def cron(self, settings: JobSettings) -> str | None:
        """The cron expression for these settings (None: not periodic)."""
        if self.periodic is None or isinstance(self.periodic, str):
            return self.periodic
        return self.periodic(settings)

    def attempts(self, settings: JobSettings) -> int:
        return self.max_attempts or settings.max_attempts

    def locks(
        self, args: Mapping[str, Any], lock: str | None, queueing_lock: str | None
    ) -> tuple[str | None, str | None]:
        """The locks one defer takes: the caller's, else the declaration's templates."""
        return (
            lock if lock is not None else _format(self.lock, args),
            queueing_lock if queueing_lock is not None else _format(self.queueing_lock, args),
        )


def _format(template: str | None, args: Mapping[str, Any]) -> str | None:
    return template.format(**args) if template is not None else None


JOBS: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    periodic: Schedule | None = None,
    max_attempts: int | None = None,
    lock: str | None = None,
    queueing_lock: str | None = None,
) -> Callable[[JobFunction], JobFunction]:
    """Declare `fn` as the job `name` (a second declaration of a name replaces the first,
    which is what re-importing a module in tests does)."""

    def register(fn: JobFunction) -> JobFunction:
        JOBS[name] = JobSpec(name, fn, periodic, max_attempts, lock, queueing_lock)
        return fn

    return register


def full_jitter(
    attempt: int, *, base: float, cap: float, rng: Callable[[], float] = random.random
) -> float:
    """Seconds to wait before retry number `attempt` (1 after the first failure).

    "Full jitter": uniform over [0, min(cap, base * 2**(attempt-1))], so retries of jobs
    that failed together (a vendor outage) spread out instead of returning together.
    """
    ceiling = min(cap, base * 2 ** max(0, attempt - 1))
    return float(ceiling * rng())
