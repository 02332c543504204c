"""What a synced connector declares: its streams, how each pages, maps and depends.

A connector describes its sync as data (a `SyncDefinition` of `Stream`s) and the engine
(`integrations.sync.engine`) does the rest: paging, incremental cursors, batching with
checkpoints, locking, run records. Nothing vendor-specific lives in `integrations.sync`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import httpx2

from integrations.errors import SyncError

if TYPE_CHECKING:
    from integrations.storage.tables import Base
    from integrations.sync.context import MapContext

__all__ = [
    "CursorPaging",
    "LinkPaging",
    "OffsetPaging",
    "RecordProblem",
    "Reference",
    "Stream",
    "SyncAlreadyRunningError",
    "SyncDefinition",
    "SyncLockLostError",
    "SyncType",
    "json_array",
]

SyncType = Literal["contacts", "matters", "tasks", "full", "incremental"]


class RecordProblem(Exception):
    """Raised by a mapper: this record cannot be stored (the run continues, `partial`)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class SyncAlreadyRunningError(SyncError):
    """A sync of this integration is already running (the API answers 409)."""

    http_status = 409
    code = "sync_already_running"


class SyncLockLostError(SyncError):
    """The run's lock was taken over (its holder looked dead): the run stops writing."""

    code = "sync_lock_lost"


@dataclass(frozen=True, slots=True)
class OffsetPaging:
    """`$top`/`$skip` style: the next page skips what was read; a short page is the last
    (an empty one in full syncs: `PageReader.confirm_short_pages`)."""

    top_param: str = "$top"
    skip_param: str = "$skip"
    page_size: int = 100


@dataclass(frozen=True, slots=True)
class CursorPaging:
    """The body names the next page's cursor (`next_cursor(body)`; None: last page)."""

    cursor_param: str
    next_cursor: Callable[[Any], str | None]
    page_size: int = 100
    size_param: str = "limit"


@dataclass(frozen=True, slots=True)
class LinkPaging:
    """The response names the next page's URL (a `Link` header, a `next` field)."""

    next_url: Callable[[httpx2.Response], str | None]


def json_array(body: Any) -> list[dict[str, Any]]:
    """The default `extract`: the body is a plain JSON array of records."""
    if not isinstance(body, list):
        raise TypeError(f"expected a JSON array of records, got {type(body).__name__}")
    return body


Mapper = Callable[[dict[str, Any], "MapContext"], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Reference:
    """A record's pointer at a row an earlier stream stored: `of(record)` is the vendor id
    held in `table.key_column`. The engine resolves a batch's references in one query
    before mapping, so the mapper's `ctx.resolve(table, key_column, id)` reads a cache
    instead of querying once per record."""

    table: type[Base]
    key_column: str
    of: Callable[[dict[str, Any]], str | None]


@dataclass(frozen=True, slots=True)
class Stream:
    """One kind of record: where it is read, how it pages, and how it maps to a table.

    Args:
        cursor_field: the record field holding its update time (ISO-8601). The vendor must
            return records in ascending order of it (ties in a stable order): the committed
            high-water mark is what a crashed run resumes from. None with `cursor_param` set:
            the cursor is the run's start time, committed when the stream completes. Both
            None: a full pass every time.
        cursor_param: the query parameter taking "changed since" (ISO-8601 with offset).
        map_record: vendor record → column values of `table` (without integration/key).
        references: what `map_record` resolves, loaded for a whole batch at once.
    """

    name: str
    path: str
    table: type[Base]
    key_column: str
    external_id: Callable[[dict[str, Any]], str]
    map_record: Mapper
    paging: OffsetPaging | CursorPaging | LinkPaging = OffsetPaging()
    cursor_field: str | None = "updated_at"
    cursor_param: str | None = "updated_since"
    extract: Callable[[Any], list[dict[str, Any]]] = json_array
    depends_on: tuple[str, ...] = ()
    extra_params: Mapping[str, str] = field(default_factory=dict)
    references: tuple[Reference, ...] = ()


@dataclass(frozen=True, slots=True)
class SyncDefinition:
    """A connector's sync: streams (run in dependency order) and the engine's limits.

    Args:
        lookback_seconds: an incremental run asks for records changed since the cursor
            minus this overlap, against clock skew between the vendor's writers.
        max_pages: pages per stream per run; reaching it ends the run `partial`, saying so.
        batch_size: records upserted (with their checkpoint) per transaction.
    """

    integration: str
    streams: tuple[Stream, ...]
    lookback_seconds: float = 300.0
    max_pages: int = 50
    batch_size: int = 500

    def stream(self, name: str) -> Stream:
        for stream in self.streams:
            if stream.name == name:
                return stream
        known = ", ".join(s.name for s in self.streams)
        raise SyncError(f"{self.integration} has no stream {name!r}; streams: {known}")

    def ordered(self) -> list[Stream]:
        """Every stream, each after the streams it depends on."""
        done: dict[str, Stream] = {}

        def visit(stream: Stream, path: tuple[str, ...]) -> None:
            if stream.name in done:
                return
            if stream.name in path:
                raise SyncError(f"streams depend on each other: {' -> '.join(path)}")
            for name in stream.depends_on:
                visit(self.stream(name), (*path, stream.name))
            done[stream.name] = stream

        for stream in self.streams:
            visit(stream, ())
        return list(done.values())
