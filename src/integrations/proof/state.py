"""The final state of a run: what it left in the local tables, canonical, and its digest.

Every table the run wrote to is read in full, except the bookkeeping that differs from run
to run by design (configuration rows holding encrypted credentials, call-log and metric
rows, locks). Each row keeps its columns but those that say *when* (timestamps, attempt
logs), *by which request* (trace ids) or carry transport details (stored webhook headers);
binary columns become their sha256. Rows are sorted by their JSON, so the order the
database returns them in does not matter. The calls the pipeline made are added in order:
connector, operation, method, URL, status, attempts.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import DateTime, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from integrations.core.records import CallRecord
from integrations.proof.world import ProofWorld
from integrations.storage.tables import Base

__all__ = ["IGNORED_COLUMNS", "IGNORED_TABLES", "final_state"]

IGNORED_TABLES = frozenset(
    {
        "integration_configs",  # encrypted credentials, generated per run
        "integration_config_history",
        "integration_call_logs",  # the calls are compared from the recorder instead
        "integration_metrics",
        "integration_health",
        "admin_tokens",
        "oauth_tokens",
        "sync_locks",
        "alembic_version",
    }
)
IGNORED_COLUMNS = frozenset(
    {"trace_id", "attempt_log", "headers", "locked_until", "next_attempt_at", "duration_ms"}
)


def _value(value: Any) -> Any:
    if isinstance(value, bytes):
        return "sha256:" + hashlib.sha256(value).hexdigest()
    return value


def _is_timestamp(column: Any) -> bool:
    # `UtcDateTime` is a TypeDecorator: its `impl` is the DateTime.
    kind = column.type
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def _columns(table: Table) -> list[str]:
    return [
        column.name
        for column in table.columns
        if column.name not in IGNORED_COLUMNS and not _is_timestamp(column)
    ]


async def _rows(session: AsyncSession, table: Table) -> list[dict[str, Any]]:
    names = _columns(table)
    result = await session.execute(select(*(table.c[name] for name in names)))
    rows = [{name: _value(value) for name, value in zip(names, row, strict=True)} for row in result]
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True, default=str))


def _call(record: CallRecord) -> dict[str, Any]:
    return {
        "connector": record.integration,
        "operation": record.operation,
        "method": record.method,
        "url": record.url,
        "status": record.status_code,
        "attempts": record.retry_count + 1,
        "success": record.success,
        "error": record.error_class,
    }


async def final_state(world: ProofWorld) -> dict[str, Any]:
    """The run's final state as plain JSON data (see the module docstring)."""
    tables: dict[str, Any] = {}
    async with world.services.db.sessions() as session:
        for name, table in sorted(Base.metadata.tables.items()):
            if name in IGNORED_TABLES:
                continue
            rows = await _rows(session, table)
            if rows:  # an untouched table says nothing about the run
                tables[name] = rows
    calls = [_call(record) for record in world.calls.records]
    # JSON round trip: the digest and the comparison see exactly what the file holds.
    state: dict[str, Any] = json.loads(json.dumps({"tables": tables, "calls": calls}, default=str))
    return state
