"""`/api/v1/integrations/{name}/calls`: the detailed call log of one integration (admin).

Every logical call (all its retries) is one row, written in batches by the process that made
it, so a call shows up here within `flush_interval` (half a second) of finishing. Rows are
redacted when written. Times are RFC 3339 with a zone (`api.schemas.params.Timestamp`); the
range is half-open, `[since, until)`, and a reversed one is a 422 naming `until`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.exceptions import RequestValidationError

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.integration_detail import KnownName, known
from integrations.api.schemas.errors import error_responses
from integrations.api.schemas.params import FILTER_TEXT_PATTERN, ROW_ID_MAX, Timestamp
from integrations.errors import IntegrationError
from integrations.storage.repositories.call_logs import (
    CallFilter,
    CallLogRepository,
    CallStatus,
    call_log_dict,
)

__all__ = ["TraceNotFoundError", "check_range", "router"]

router = APIRouter(prefix="/api/v1/integrations", tags=["calls"], route_class=AdminRoute)
TraceId = Annotated[
    str,
    Path(
        pattern=r"^[A-Za-z0-9._:-]{1,64}$",
        description="The trace id of the call (`X-Trace-Id`, the log lines' `trace_id`)",
    ),
]


class TraceNotFoundError(IntegrationError):
    """No call of this integration carries the trace id."""

    http_status = 404
    code = "not_found"


def check_range(start: dt.datetime | None, end: dt.datetime | None, field: str) -> None:
    """A 422 naming `field` when the range ends before it starts (an empty range, where
    both are equal, is valid and matches nothing)."""
    if start is not None and end is not None and end < start:
        raise RequestValidationError(
            [{"loc": ("query", field), "msg": "must be after the start", "type": "value_error"}]
        )


@router.get(
    "/{name}/calls",
    summary="The integration's calls, newest first",
    responses=error_responses(404),
)
async def list_calls(
    name: KnownName,
    services: ServicesDep,
    _: AdminPrincipal,
    status: CallStatus | None = None,
    operation: Annotated[str | None, Query(pattern=FILTER_TEXT_PATTERN, max_length=128)] = None,
    since: Annotated[Timestamp | None, Query()] = None,
    until: Annotated[Timestamp | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[
        int | None, Query(ge=1, le=ROW_ID_MAX, description="`next_cursor` of the previous page")
    ] = None,
) -> dict[str, Any]:
    """Filtered by outcome, operation and time; paginated by `cursor` (pass the response's
    `next_cursor`, null on the last page)."""
    known(name)
    check_range(since, until, "until")
    filters = CallFilter(name, status, operation, since, until)
    async with services.db.sessions() as session:
        repo = CallLogRepository(session)
        rows = await repo.page(filters=filters, limit=limit, before_id=cursor)
        total = await repo.count(filters=filters)
    return {
        "items": [call_log_dict(r) for r in rows],
        "total": total,
        "next_cursor": rows[-1].id if len(rows) == limit else None,
    }


@router.get(
    "/{name}/calls/{trace_id}",
    summary="Every call made under one trace id",
    responses=error_responses(404),
)
async def get_trace(
    name: KnownName, trace_id: TraceId, services: ServicesDep, _: AdminPrincipal
) -> dict[str, Any]:
    """The calls of the integration carrying `trace_id` (one request may make several),
    oldest first, with their redacted request and response summaries."""
    known(name)
    async with services.db.sessions() as session:
        rows = await CallLogRepository(session).by_trace(integration=name, trace_id=trace_id)
    if not rows:
        raise TraceNotFoundError(f"no call of {name} with trace id {trace_id}")
    return {"trace_id": trace_id, "items": [call_log_dict(r, detail=True) for r in rows]}
