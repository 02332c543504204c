"""The sync engine: runs a connector's `SyncDefinition` into its local tables.

One run: take the integration's lock, open a `sync_runs` row, then for each stream in
dependency order read pages through the connector's pipeline, map and upsert them in
batches (each batch commits with the stream's cursor checkpoint), checking for a stop
request between batches; close the row with the outcome and release the lock.

Outcomes: `success`; `partial` when records were skipped (mapper `RecordProblem`) or a
stream hit the page safety limit (the details say which: nothing is dropped silently, the
next run continues from the committed cursor); `stopped` after a stop request; `error` when
something failed for good (the vendor after the pipeline's retries, the database), with its
message. A run cancelled or killed mid-way leaves its committed batches; the next run
resumes from the last committed cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any, Literal, Protocol

from integrations.core.clock import Clock, SystemClock
from integrations.errors import IntegrationError
from integrations.logging import get_logger
from integrations.services import Services
from integrations.sync.definition import Stream, SyncDefinition
from integrations.sync.locks import DEFAULT_TTL_S, SyncLock
from integrations.sync.runs import (
    SyncRunSummary,
    finish_run,
    interrupted_full_run,
    mark_interrupted,
    open_run,
)
from integrations.sync.stream_pass import StreamPass

__all__ = ["ClientFactory", "Progress", "SyncEngine"]

_log = get_logger()
Progress = Callable[[str, int, int | None], None]
Trigger = Literal["schedule", "manual"]


class ClientFactory(Protocol):
    """Where the engine gets the connector's client (`IntegrationFactory` is one)."""

    async def get(self, name: str) -> Any: ...


class SyncEngine:
    """Runs `definition` for its integration.

    Args:
        services: settings and the database.
        factory: gives the connector's client (its pipeline: limiter, retry, breaker).
        clock: time for run rows, cursors and lock expiry (tests pass a virtual clock).
        client: use this client instead of `factory.get(...)` (tests of the engine alone).
        lock_ttl_seconds: how long the lock of a holder that cannot be checked (another
            host, on SQLite) blocks others after that holder stopped renewing it.
    """

    def __init__(
        self,
        services: Services,
        factory: ClientFactory | None,
        definition: SyncDefinition,
        *,
        clock: Clock | None = None,
        client: Any = None,
        lock_ttl_seconds: float = DEFAULT_TTL_S,
    ) -> None:
        if factory is None and client is None:
            raise ValueError("SyncEngine needs a factory or a client")
        self.services = services
        self.factory = factory
        self.definition = definition
        self.clock: Clock = clock or SystemClock()
        self._client = client
        self._lock_ttl = lock_ttl_seconds

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.clock.now(), dt.UTC)

    def streams_for(self, sync_type: str) -> tuple[list[Stream], bool]:
        """The streams a run of `sync_type` covers, in order, and whether it is full."""
        if sync_type == "full":
            return self.definition.ordered(), True
        if sync_type == "incremental":
            return self.definition.ordered(), False
        return [self.definition.stream(sync_type)], False

    async def run(
        self,
        sync_type: str,
        *,
        trigger: Trigger = "manual",
        triggered_by: str | None = None,
        progress: Progress | None = None,
    ) -> SyncRunSummary:
        """Run once; raises `SyncAlreadyRunningError` while another run holds the lock and
        `SyncError` for an unknown stream; every other failure ends the run `error`."""
        streams, full = self.streams_for(sync_type)
        db, name = self.services.db, self.definition.integration
        lock = SyncLock(db, name, ttl_seconds=self._lock_ttl)
        await lock.acquire(self.now())
        try:
            if await mark_interrupted(db, name, self.now()):
                _log.warning("sync.interrupted_runs_closed", integration=name)
            run_id = await open_run(
                db, name, sync_type, trigger=trigger, triggered_by=triggered_by, now=self.now()
            )
            summary = SyncRunSummary(run_id)
            summary.details["streams"] = [s.name for s in streams]
            resume_of = await interrupted_full_run(db, name, run_id) if full else None
            if resume_of is not None:
                summary.details["resumes_run"] = resume_of
            keeper = asyncio.create_task(self._keep_lock(lock))
            try:
                await self._run_streams(summary, streams, full, progress, lock, resume_of)
            finally:
                keeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await keeper
        finally:
            await asyncio.shield(lock.release())
        return summary

    async def _run_streams(
        self,
        summary: SyncRunSummary,
        streams: list[Stream],
        full: bool,
        progress: Progress | None,
        lock: SyncLock,
        resume_of: int | None = None,
    ) -> None:
        try:
            client = self._client or await self._factory().get(self.definition.integration)
            for stream in streams:
                step = StreamPass(
                    self,
                    client,
                    stream,
                    summary,
                    full=full,
                    progress=progress,
                    fence=lock.fence,
                    resume_of=resume_of,
                )
                if not await step.run():
                    summary.status = "stopped"
                    summary.details["stopped_at"] = stream.name
                    break
            else:
                summary.status = "partial" if _is_partial(summary) else "success"
        except asyncio.CancelledError:
            summary.status = "error"
            summary.error_message = "cancelled before it finished"
            await asyncio.shield(finish_run(self.services.db, summary, self.now()))
            raise
        except Exception as exc:
            summary.status = "error"
            summary.error_message = _describe(exc)
            _log.error(
                "sync.run_failed",
                integration=self.definition.integration,
                error=summary.error_message,
            )
        await finish_run(self.services.db, summary, self.now())
        _log.info(
            "sync.run_finished",
            integration=self.definition.integration,
            run_id=summary.run_id,
            status=summary.status,
            processed=summary.processed,
            created=summary.created,
            updated=summary.updated,
            failed=summary.failed,
        )

    def _factory(self) -> ClientFactory:
        assert self.factory is not None
        return self.factory

    async def _keep_lock(self, lock: SyncLock) -> None:
        # Real time, not the injected clock: the lock's liveness is a real-world matter,
        # and a virtual clock would otherwise race ahead while a request waits on I/O.
        while True:
            await asyncio.sleep(self._lock_ttl / 3)
            if not await lock.renew(self.now()):
                _log.error("sync.lock_lost", integration=self.definition.integration)
                return


def _is_partial(summary: SyncRunSummary) -> bool:
    return summary.failed > 0 or bool(summary.details.get("page_limit"))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, IntegrationError):
        text = f"{type(exc).__name__}: {exc.message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:2000]
