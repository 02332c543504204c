"""What changed in a record: its public fields as JSON, and the names that differ.

Writers call these around their upserts so every change carries the fields it touched and
the record as it now stands. Raw vendor payloads (`raw`, `*_data`) are not public fields: the
feed carries what our tables say, not the vendor's blob.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

__all__ = ["changed_fields", "is_public", "jsonable", "public_fields"]

_PRIVATE_SUFFIX = "_data"
_PRIVATE = frozenset({"raw", "id", "integration", "created_at", "updated_at", "last_sync_at"})
_PLAIN = frozenset({str, int, float, bool})


def jsonable(value: Any) -> Any:
    """`value` with datetimes as ISO-8601 text and decimals as strings, at any depth."""
    if value is None or type(value) in _PLAIN:  # most values: nothing to convert
        return value
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
    keys = _public_names(tuple(values if names is None else names))
    return {key: jsonable(values.get(key)) for key in keys}


def is_public(name: str) -> bool:
    """Whether column `name` is a public field (changes carry it and its differences)."""
    return name not in _PRIVATE and not name.endswith(_PRIVATE_SUFFIX)


@functools.lru_cache(maxsize=256)
def _public_names(names: tuple[str, ...]) -> tuple[str, ...]:
    # Records of one table share their column names: worked out once, not per record.
    return tuple(name for name in names if is_public(name))


def _comparable(value: Any) -> Any:
    """A value as stored and as mapped compare equal: instants in UTC, numbers as decimals."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)).normalize()
    return value


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[str]:
    """Public field names whose value differs (every one of `after` when there was no record)."""
    names = _public_names(tuple(after))
    if before is None:
        return sorted(names)
    return sorted(
        name for name in names if _comparable(before.get(name)) != _comparable(after.get(name))
    )
