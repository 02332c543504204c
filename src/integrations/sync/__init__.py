"""The generic sync engine: a connector declares streams, the engine syncs them.

See docs/sync.md for how to add a synced connector. Importing this package registers the
`sync_run` and `sync_schedules` jobs.
"""

from integrations.sync import jobs as _jobs  # noqa: F401 - registers the sync jobs
from integrations.sync.catalog import definition_for, find_definition, register_definition
from integrations.sync.context import MapContext
from integrations.sync.definition import (
    CursorPaging,
    LinkPaging,
    OffsetPaging,
    RecordProblem,
    Reference,
    Stream,
    SyncAlreadyRunningError,
    SyncDefinition,
    SyncType,
    json_array,
)
from integrations.sync.engine import SyncEngine
from integrations.sync.runs import SyncRunSummary
from integrations.sync.status import request_stop, sync_status

__all__ = [
    "CursorPaging",
    "LinkPaging",
    "MapContext",
    "OffsetPaging",
    "RecordProblem",
    "Reference",
    "Stream",
    "SyncAlreadyRunningError",
    "SyncDefinition",
    "SyncEngine",
    "SyncRunSummary",
    "SyncType",
    "definition_for",
    "find_definition",
    "json_array",
    "register_definition",
    "request_stop",
    "sync_status",
]
