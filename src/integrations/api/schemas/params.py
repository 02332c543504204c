"""Value types the admin API validates exactly as its OpenAPI document describes them.

Before these, the schema and the validation disagreed: `received_to=0.5` was read as a Unix
time though the schema says `date-time`; a date without a zone was compared as it came
(SQLite) or failed the query (500); `before_id=2147483648` overflowed PostgreSQL's
`integer` (500), and ids from 2**63 overflowed SQLite's.

- `Timestamp`: an RFC 3339 date-time *with* a zone (`Z` or `±hh:mm`), as `format: date-time`
  says; anything else is a 422 naming the parameter. It is read as UTC; a bound beyond what
  UTC can represent (`0001-01-01T00:00:00+01:00`) is the first or last representable instant,
  which selects the same rows.
- `ROW_ID_MAX`: the largest id a table's `integer` primary key holds on every backend.
- `FILTER_TEXT_PATTERN`: text without NUL, which no PostgreSQL text column holds.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

__all__ = ["FILTER_TEXT_PATTERN", "ROW_ID_MAX", "Timestamp"]

ROW_ID_MAX = 2**31 - 1
FILTER_TEXT_PATTERN = "^[^\\x00]*$"
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)
_EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)
_LATEST = dt.datetime.max.replace(tzinfo=dt.UTC)


def _rfc3339(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value  # from Python code, not from a request
    if not isinstance(value, str) or not _RFC3339.fullmatch(value):
        raise ValueError(
            "must be an RFC 3339 date-time with a time zone, e.g. 2026-01-31T12:00:00Z"
        )
    return value


def _as_utc(value: dt.datetime) -> dt.datetime:
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:  # beyond year 1 or 9999 once moved to UTC
        return _EARLIEST if value.year == dt.MINYEAR else _LATEST


Timestamp = Annotated[dt.datetime, BeforeValidator(_rfc3339), AfterValidator(_as_utc)]
