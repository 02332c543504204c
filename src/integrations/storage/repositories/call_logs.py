"""The detailed call log (`integration_call_logs`), read back by the API and the CLI.

Rows are written by `telemetry.recorder.DatabaseCallRecorder`, already redacted (URL, error
text, header and body previews), so what this returns may be shown as it is. Pages run
newest first by row id: ids grow in insertion order, so a page boundary (`before_id`) stays
stable while new calls arrive, which a time-based offset would not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.storage.tables import CallLogRow

__all__ = ["CallFilter", "CallLogRepository", "CallStatus", "call_log_dict"]

CallStatus = Literal["success", "failure"]
C = CallLogRow


@dataclass(frozen=True, slots=True)
class CallFilter:
    """Which calls of one integration: outcome, operation, and a half-open time range."""

    integration: str
    status: CallStatus | None = None
    operation: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def apply(self, query: Select[Any]) -> Select[Any]:
        query = query.where(C.integration == self.integration)
        if self.status is not None:
            query = query.where(C.success.is_(self.status == "success"))
        if self.operation is not None:
            query = query.where(C.operation == self.operation)
        if self.since is not None:
            query = query.where(C.created_at >= self.since)
        if self.until is not None:
            query = query.where(C.created_at < self.until)
        return query


def call_log_dict(row: CallLogRow, *, detail: bool = False) -> dict[str, Any]:
    """A row as JSON-ready data; `detail` adds the request and response summaries and the
    decisions of our own layers (`_decisions`)."""
    out: dict[str, Any] = {
        "id": row.id,
        "trace_id": row.trace_id,
        "integration": row.integration,
        "operation": row.operation,
        "method": row.method,
        "url": row.url,
        "status_code": row.status_code,
        "success": row.success,
        "duration_ms": row.duration_ms,
        "retry_count": row.retry_count,
        "cache_hit": row.cache_hit,
        "is_mock": row.is_mock,
        "error_class": row.error_class,
        "error_message": row.error_message,
        "created_at": row.created_at.isoformat(),
    }
    if detail:
        out["request_summary"] = row.request_summary
        out["response_summary"] = row.response_summary
        out.update(_decisions(row.request_summary or {}))
    return out


def _decisions(summary: dict[str, Any]) -> dict[str, Any]:
    """What our rate limiter and breaker did to the call, from its request summary.

    `limiter`: how often and how long it held the call back (zeros: never). `breaker`: its
    decision per attempt (`admitted`, `trial`, `refused`), the state the last one implies and
    whether it refused the call; null when no attempt reached it (a cache hit, a call
    recorded before decisions were kept).
    """
    limiter = summary.get("limiter") or {"waits": 0, "wait_seconds": 0.0}
    decisions: list[str] = summary.get("breaker") or []
    if not decisions:
        return {"limiter": limiter, "breaker": None}
    state = {"admitted": "closed", "trial": "half_open"}.get(decisions[-1], "open")
    breaker = {"state": state, "refused": "refused" in decisions, "decisions": decisions}
    return {"limiter": limiter, "breaker": breaker}


class CallLogRepository:
    """Reads call log rows; the caller owns the session."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self, *, filters: CallFilter, limit: int, before_id: int | None = None
    ) -> list[CallLogRow]:
        """Up to `limit` matching rows, newest first, older than `before_id` when given."""
        query = filters.apply(select(C))
        if before_id is not None:
            query = query.where(C.id < before_id)
        return list(await self._session.scalars(query.order_by(C.id.desc()).limit(limit)))

    async def count(self, *, filters: CallFilter) -> int:
        """How many rows match (every page together)."""
        total = await self._session.scalar(filters.apply(select(func.count()).select_from(C)))
        return int(total or 0)

    async def by_trace(self, *, integration: str, trace_id: str) -> list[CallLogRow]:
        """Every call of `integration` made under `trace_id`, oldest first."""
        query = select(C).where(C.integration == integration, C.trace_id == trace_id)
        return list(await self._session.scalars(query.order_by(C.id)))
