"""The embedded runner's cron scheduler: defers each periodic job once per scheduled time.

Every process that runs a scheduler (each `serve`, each `worker`) looks at the same cron
times; the defer of a run carries the key `name@time`, unique in the `jobs` table, so the
run is queued once however many schedulers saw it. Runs that fell due while no scheduler
was up are not replayed: the first run after a start is the next cron time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator, Mapping

from croniter import croniter

from integrations.jobs.embedded import EmbeddedRunner
from integrations.jobs.registry import JOBS, JobSpec
from integrations.logging import get_logger
from integrations.storage.availability import log_loop_failure

__all__ = ["PeriodicScheduler", "due_times"]

_log = get_logger()
_MAX_NAP_S = 60.0


def due_times(cron: str, after: dt.datetime, until: dt.datetime) -> Iterator[dt.datetime]:
    """The cron times in (`after`, `until`], oldest first (UTC-aware in, UTC-aware out)."""
    times = croniter(cron, after)
    while (at := times.get_next(dt.datetime)) <= until:
        yield at.astimezone(dt.UTC)


class PeriodicScheduler:
    """Defers the periodic jobs of `jobs` into `runner` as their cron times pass.

    Args:
        runner: where runs are deferred; its clock is the scheduler's clock.
        jobs: the declarations (default: every `@job`); those without `periodic` are skipped.
    """

    def __init__(self, runner: EmbeddedRunner, jobs: Mapping[str, JobSpec] | None = None) -> None:
        self._runner = runner
        settings = runner.settings
        specs = (jobs if jobs is not None else JOBS).values()
        self._crons = {spec.name: cron for spec in specs if (cron := spec.cron(settings))}
        for cron in self._crons.values():
            if not croniter.is_valid(cron):
                raise ValueError(f"invalid cron expression {cron!r}")
        self._last = runner.now()

    async def tick(self) -> list[str]:
        """Defer every run that fell due since the last tick; the keys deferred here."""
        now = self._runner.now()
        deferred = []
        for name, cron in self._crons.items():
            for at in due_times(cron, self._last, now):
                key = f"{name}@{at.isoformat()}"
                if await self._runner.defer(name, schedule_key=key, scheduled_at=at):
                    deferred.append(key)
        self._last = now
        return deferred

    def _next_due(self) -> float:
        """Seconds until the next cron time of any job (at most a minute)."""
        now = self._runner.now()
        soonest = min(
            (croniter(cron, now).get_next(dt.datetime) for cron in self._crons.values()),
            default=now + dt.timedelta(seconds=_MAX_NAP_S),
        )
        return max(0.0, min(_MAX_NAP_S, (soonest - now).total_seconds()))

    async def run(self, stop: asyncio.Event) -> None:
        """Tick at every cron time until `stop` is set."""
        while not stop.is_set():
            try:
                await self.tick()
            except Exception as exc:  # a database hiccup must not end the schedule
                log_loop_failure(_log, "jobs.schedule_failed", exc)
            nap = asyncio.ensure_future(self._runner.clock.sleep(self._next_due()))
            stopped = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait({nap, stopped}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                nap.cancel()
                stopped.cancel()
