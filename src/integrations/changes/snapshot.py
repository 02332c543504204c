"""What changed in a record: its public fields as JSON, and the names that differ.

Writers call these around their upserts so every change carries the fields it touched and
the record as it now stands. Raw vendor payloads (`raw`, `*_data`) are not public fields: the
feed carries what our tables say, not the vendor's blob.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["changed_fields", "jsonable", "public_fields"]

_PRIVATE_SUFFIX = "_data"
_PRIVATE = frozenset({"raw", "id", "integration", "created_at", "updated_at", "last_sync_at"})


def jsonable(value: Any) -> Any:
    """`value` with datetimes as ISO-8601 text and decimals as strings, at any depth."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def public_fields(values: Mapping[str, Any], names: Iterable[str] | None = None) -> dict[str, Any]:
    """The record's public fields (bookkeeping and raw payload columns left out), as JSON."""
    keys = values.keys() if names is None else names
    return {
        key: jsonable(values.get(key))
        for key in keys
        if key not in _PRIVATE and not key.endswith(_PRIVATE_SUFFIX)
    }


def _comparable(value: Any) -> Any:
    """A value as stored and as mapped compare equal: instants in UTC, numbers as decimals."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    return value


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Public field names whose value differs (every one of `after` when there was no record)."""
    names = public_fields(after).keys()
    if before is None:
        return sorted(names)
    return sorted(
        name for name in names if _comparable(before.get(name)) != _comparable(after.get(name))
    )
