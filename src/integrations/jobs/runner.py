"""The runner interface and the choice between the embedded and the distributed runner."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import func, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.storage.tables_jobs import JobRow

if TYPE_CHECKING:
    from integrations.factory import IntegrationFactory
    from integrations.services import Services

__all__ = ["JobRunner", "lock_in_use", "queue_depth", "runner_for", "runner_kind"]

_UNDEFINED_TABLE = "42P01"  # PostgreSQL's SQLSTATE for a missing table


class JobRunner(Protocol):
    """Where jobs are deferred and run; both runners give the same guarantees."""

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
        """Queue job `name`: its id, or None when a queued job holds `queueing_lock`.
        With `session`, the job exists only if the caller's transaction commits."""
        ...

    async def run_worker(
        self, *, stop: asyncio.Event | None = None, until_idle: bool = False
    ) -> None:
        """Run jobs until `stop` is set, or until none is due with `until_idle`."""
        ...

    async def queue_depth(self) -> dict[str, int]:
        """Jobs by status."""
        ...

    async def close(self) -> None:
        """Release what the runner opened."""
        ...


def runner_kind(services: Services) -> str:
    """`procrastinate` or `embedded`, as `settings.jobs.runner` (auto: by database)."""
    chosen = services.settings.jobs.runner
    if chosen == "auto":
        return "embedded" if services.db.is_sqlite else "procrastinate"
    if chosen == "procrastinate" and services.db.is_sqlite:
        raise ValueError("INTEGRATIONS_JOBS__RUNNER=procrastinate needs a PostgreSQL database")
    return chosen


def runner_for(
    services: Services, factory: IntegrationFactory | None = None, **options: Any
) -> JobRunner:
    """The runner for this process's settings; `options` go to its constructor."""
    if runner_kind(services) == "procrastinate":
        from integrations.jobs.distributed import ProcrastinateRunner

        return ProcrastinateRunner(services, factory, **options)
    from integrations.jobs.embedded import EmbeddedRunner

    return EmbeddedRunner(services, factory, **options)


async def queue_depth(services: Services) -> dict[str, int]:
    """Jobs by status in the queue this process's settings use (for `/metrics`): one
    query on the process's own database connection, no runner is opened."""
    if runner_kind(services) == "procrastinate":
        statement: Any = text(
            "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"
        )
    else:
        statement = select(JobRow.status, func.count()).group_by(JobRow.status)
    async with services.db.sessions() as session:
        return {str(status): int(n) for status, n in (await session.execute(statement)).all()}


async def lock_in_use(services: Services, session: AsyncSession, lock: str) -> bool:
    """Whether a job with `lock` is queued or running, read in the caller's transaction
    (a caller that must not queue a second one holds its own lock around this and the
    defer). A running job of a dead worker counts until another worker takes it over."""
    if runner_kind(services) == "procrastinate":
        from integrations.jobs.distributed import JobQueueUnavailableError

        statement: Any = text(
            "SELECT EXISTS (SELECT 1 FROM procrastinate_jobs"
            " WHERE lock = :lock AND status IN ('todo', 'doing'))"
        )
        try:
            return bool(await session.scalar(statement, {"lock": lock}))
        except ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != _UNDEFINED_TABLE:
                raise
            raise JobQueueUnavailableError(
                "the job queue's tables are missing; migrate the database (integrations db upgrade)"
            ) from exc
    found = await session.scalar(
        select(JobRow.id).where(JobRow.lock == lock, JobRow.status.in_(("todo", "doing"))).limit(1)
    )
    return found is not None
