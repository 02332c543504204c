"""One stream of one run: where to start, pages into batches, checkpoints, stop checks.

Where a pass starts: a full run reads everything, except that it resumes an unfinished
full pass of the stream (its checkpoint holds the high-water mark reached), and a full run
that resumes a full run which died (`resume_of`) reads a stream that run had finished only
for its changes since, as an incremental run does (at vendor rates, reading 100,000 contacts
again costs a quarter of an hour); an incremental run reads from the stream's cursor minus
the look-back. A stream with `cursor_field=None` but a `cursor_param` uses the run's start
time as its next cursor, stored only once the pass completes (a crash repeats the pass:
upserts make that harmless).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from integrations.logging import get_logger
from integrations.sync.checkpoint import BatchResult, commit_batch, parse_time, read_state
from integrations.sync.definition import Stream
from integrations.sync.paging import PageReader
from integrations.sync.runs import SyncRunSummary, stop_requested

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from integrations.sync.engine import Progress, SyncEngine

__all__ = ["MAX_PROBLEMS_KEPT", "StreamPass"]

MAX_PROBLEMS_KEPT = 200  # per run in `details.problems`; every one is logged
_log = get_logger()


class StreamPass:
    """Reads `stream` into its table for the run `summary` describes."""

    def __init__(
        self,
        engine: SyncEngine,
        client: Any,
        stream: Stream,
        summary: SyncRunSummary,
        *,
        full: bool,
        progress: Progress | None,
        fence: Callable[[AsyncSession], Awaitable[None]] | None = None,
        resume_of: int | None = None,
    ) -> None:
        self.engine = engine
        self.resume_of = resume_of
        self.changes_only = False  # a full run's pass over a stream its resumed run finished
        self.fence = fence
        self.client = client
        self.stream = stream
        self.summary = summary
        self.full = full
        self.progress = progress
        self.counts = {"processed": 0, "created": 0, "updated": 0, "failed": 0, "pages": 0}
        summary.per_stream[stream.name] = self.counts
        self.started = engine.now()
        self.high_water: dt.datetime | None = None
        self.full_pass = False
        self.kept_checkpoint: dict[str, Any] | None = None

    async def _start(self) -> dt.datetime | None:
        """The "changed since" time this pass asks for (None: everything)."""
        stream, definition = self.stream, self.engine.definition
        if stream.cursor_param is None:
            self.full_pass = stream.cursor_field is not None
            return None
        state = await read_state(self.engine.services.db, definition.integration, stream.name)
        since = state.cursor
        self.kept_checkpoint = state.checkpoint
        finished_in = (state.checkpoint or {}).get("full_done_run_id")
        resumable = self.resume_of is not None and finished_in == self.resume_of
        if self.full and since is not None and resumable:
            self.changes_only = True
            self.summary.details.setdefault("resumed", {})[stream.name] = (
                f"changes since {since.isoformat()} (its full pass finished in run {finished_in})"
            )
        elif self.full and stream.cursor_field is not None:
            self.full_pass = True
            resumed = (state.checkpoint or {}).get("full_high_water")
            since = parse_time(resumed)
            if since is not None:
                self.summary.details.setdefault("resumed", {})[stream.name] = resumed
        elif self.full:
            since = None
        if since is None:
            return None
        return since - dt.timedelta(seconds=definition.lookback_seconds)

    def _checkpoint(self, high_water: dt.datetime | None) -> dict[str, Any] | None:
        """Where a full pass that dies now resumes (incremental passes resume from the
        cursor itself)."""
        if self.changes_only:  # the stream stays finished, now as of this run
            return self._done(high_water)
        if not self.full_pass:
            return self.kept_checkpoint  # an unfinished full pass stays resumable
        if high_water is None:
            return None
        return {"full_high_water": high_water.isoformat(), "run_id": self.summary.run_id}

    def _done(self, _high_water: dt.datetime | None) -> dict[str, Any]:
        """The checkpoint of a stream whose full pass finished in this run."""
        return {"full_done_run_id": self.summary.run_id}

    async def run(self) -> bool:
        """Read the stream; False when a stop request ended it at a batch boundary (or
        before it began)."""
        if await stop_requested(self.engine.services.db, self.summary.run_id):
            return False
        since = await self._start()
        params = (
            {self.stream.cursor_param: since.isoformat()}
            if since and self.stream.cursor_param
            else {}
        )
        reader = PageReader(
            self.client,
            self.stream,
            params,
            self.engine.definition.max_pages,
            confirm_short_pages=self.full and not self.changes_only,
        )
        batch: list[dict[str, Any]] = []
        # Closed on every way out, so the page the reader asked for ahead never lingers.
        async with contextlib.aclosing(aiter(reader)) as pages:
            async for records in pages:
                self.counts["pages"] = reader.pages
                batch.extend(records)
                if len(batch) >= self.engine.definition.batch_size:
                    await self._commit(batch, self.high_water, self._checkpoint)
                    batch = []
                    if await stop_requested(self.engine.services.db, self.summary.run_id):
                        return False
        self.counts["pages"] = reader.pages
        await self._finish(batch, truncated=reader.truncated)
        return True

    async def _finish(self, batch: list[dict[str, Any]], *, truncated: bool) -> None:
        stream = self.stream
        if truncated:
            limit = self.engine.definition.max_pages
            self.summary.details.setdefault("page_limit", {})[stream.name] = (
                f"stopped after {limit} pages (the page safety limit); the rest is read by"
                " the next run from the committed cursor"
            )
            self.counts["truncated"] = 1
        # A complete pass of a full run replaces its resume point with "finished in this
        # run"; a truncated one keeps it; an incremental run keeps what was there.
        checkpoint = self._checkpoint if truncated or not self.full else self._done
        cursor = self.high_water
        if stream.cursor_field is None and stream.cursor_param is not None and not truncated:
            cursor = self.started
        await self._commit(batch, cursor, checkpoint)

    async def _commit(
        self,
        batch: list[dict[str, Any]],
        cursor: dt.datetime | None,
        checkpoint: Callable[[dt.datetime | None], dict[str, Any] | None],
    ) -> None:
        engine = self.engine
        result = await commit_batch(
            engine.services.db,
            engine.definition.integration,
            self.stream,
            batch,
            now=engine.now(),
            cursor=cursor,
            checkpoint=checkpoint,
            run_id=self.summary.run_id,
            fence=self.fence,
        )
        self.high_water = result.high_water
        self._count(result, len(batch))

    def _count(self, result: BatchResult, size: int) -> None:
        for key, value in (
            ("processed", size),
            ("created", result.created),
            ("updated", result.updated),
            ("failed", result.failed),
        ):
            self.counts[key] += value
            setattr(self.summary, key, getattr(self.summary, key) + value)
        kept = self.summary.details.setdefault("problems", [])
        for note in result.notes:
            _log.warning(
                "sync.record_problem",
                integration=self.engine.definition.integration,
                **note.as_dict(),
            )
            if len(kept) < MAX_PROBLEMS_KEPT:
                kept.append(note.as_dict())
        self.summary.details["problems_total"] = self.summary.details.get(
            "problems_total", 0
        ) + len(result.notes)
        if self.progress is not None:
            self.progress(self.stream.name, self.counts["processed"], None)
