"""`/api/v1/integrations/{name}/metrics`: one integration's metric windows as a series (admin).

Each item is one window (`INTEGRATIONS_METRICS__WINDOW_SECONDS`, 5 minutes by default) with
the rows of every process merged: counts add up and p50/p95/p99 are computed again over the
merged latency samples. This process's open windows are flushed first, so its latest calls
are included; other processes' calls appear after their next flush
(`INTEGRATIONS_METRICS__FLUSH_SECONDS`). A range spans at most 31 days.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from integrations.api.admin_route import AdminRoute
from integrations.api.deps import AdminPrincipal, ServicesDep
from integrations.api.integration_detail import KnownName, known
from integrations.api.routes.integration_calls import check_range
from integrations.api.schemas.errors import error_responses
from integrations.api.schemas.params import FILTER_TEXT_PATTERN, Timestamp
from integrations.logging import get_logger
from integrations.telemetry.windows import WindowStats, aggregate_metrics, windows_csv

__all__ = ["MAX_SPAN", "router"]

router = APIRouter(prefix="/api/v1/integrations", tags=["metrics"], route_class=AdminRoute)
MAX_SPAN = dt.timedelta(days=31)
DEFAULT_SPAN = dt.timedelta(hours=24)
_log = get_logger()


async def _flush_own_windows(request: Request) -> None:
    factory = getattr(request.app.state, "factory", None)
    windows = getattr(factory, "windows", None)
    if windows is None:
        return
    try:
        await windows.flush()
    except Exception:  # stale by one flush interval is better than no answer
        _log.exception("metrics.flush_failed", writer=windows.writer)


def _shifted(when: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    try:
        return when + delta
    except OverflowError:  # near year 1 or 9999: the first or last representable instant
        edge = dt.datetime.min if delta < dt.timedelta(0) else dt.datetime.max
        return edge.replace(tzinfo=dt.UTC)


def _bounds(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    """The range asked for, 24 hours by default; 422 naming `to` when reversed or too long."""
    end = end or (_shifted(start, DEFAULT_SPAN) if start else dt.datetime.now(dt.UTC))
    start = start or _shifted(end, -DEFAULT_SPAN)
    check_range(start, end, "to")
    if end - start > MAX_SPAN:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", "to"),
                    "msg": "must be within 31 days of from",
                    "type": "value_error",
                }
            ]
        )
    return start, end


def _totals(
    name: str, windows: list[WindowStats], start: dt.datetime, end: dt.datetime
) -> dict[str, Any]:
    """Every window merged, over the range asked for."""
    total = WindowStats(name, "*", start, 0)
    for window in windows:
        total = total.merged(window)
    total.window_start, total.window_seconds = start, int((end - start).total_seconds())
    return total.as_dict()


@router.get(
    "/{name}/metrics",
    summary="The integration's metric windows over a time range",
    responses={**error_responses(404), 200: {"content": {"text/csv": {}}}},
)
async def get_metrics(
    name: KnownName,
    request: Request,
    services: ServicesDep,
    _: AdminPrincipal,
    start: Annotated[
        Timestamp | None, Query(alias="from", description="range start (default: to - 24 h)")
    ] = None,
    end: Annotated[
        Timestamp | None, Query(alias="to", description="range end (default: now)")
    ] = None,
    operation: Annotated[str | None, Query(pattern=FILTER_TEXT_PATTERN, max_length=128)] = None,
    output: Annotated[Literal["json", "csv"], Query(alias="format")] = "json",
) -> Any:
    """Windows overlapping [from, to), oldest first, with calls, success rate, failures by
    error class, retries, limiter waits, 429s, cache hits/misses, cost and p50/p95/p99 (ms).
    Operations are merged (`operation: "*"`) unless `operation` picks one. `format=csv`
    answers the same series as CSV with a header row."""
    known(name)
    start, end = _bounds(start, end)
    await _flush_own_windows(request)
    windows = await aggregate_metrics(
        services.db, integration=name, start=start, end=end, operation=operation
    )
    if output == "csv":
        filename = f"{name}-metrics-{start:%Y%m%dT%H%M%SZ}.csv"
        return Response(
            windows_csv(windows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return {
        "integration": name,
        "operation": operation or "*",
        "from": start.isoformat(),
        "to": end.isoformat(),
        "items": [w.as_dict() for w in windows],
        "totals": _totals(name, windows, start, end),
    }
