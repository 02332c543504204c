"""`GET /forms/{form_id}/responses` for the simulator: filters, order and token paging.

Semantics (BRIEF §2.2, with the simulator's choices where Typeform is vague):

- Order: newest first by `submitted_at`, ties broken by token, a total order. `sort` takes
  `"{submitted_at|landed_at},{asc|desc}"`.
- `since` / `until`: inclusive bounds on `submitted_at`, ISO-8601 (naive means UTC) or unix
  seconds.
- `before=<token>`: only responses after that token in the newest-first order (older), the
  first `page_size` of them. `after=<token>`: only newer ones, the `page_size` closest to the
  token (so repeating with the newest token seen walks forward). Both are exclusive, reject
  `sort` (400) and reject an unknown token (400).
- `response_type` (comma list of started, partial, completed) or the older `completed`
  boolean; with neither, only completed responses are returned.
- `total_items` counts every match (after the token bound); `page_count` is
  `ceil(total_items / page_size)`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from typing import Any

from pydantic import BaseModel, ConfigDict

from integrations.simulators.typeform_errors import validation_error

__all__ = ["MAX_PAGE_SIZE", "ResponseQuery", "list_responses", "parse_moment"]

MAX_PAGE_SIZE = 1000
_TYPES = frozenset({"started", "partial", "completed"})
_SORT_FIELDS = frozenset({"submitted_at", "landed_at"})


class ResponseQuery(BaseModel):
    """The query parameters of one responses request, as received (others are ignored)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    page_size: int = 25
    since: str | None = None
    until: str | None = None
    after: str | None = None
    before: str | None = None
    included_response_ids: str | None = None
    excluded_response_ids: str | None = None
    response_type: str | None = None
    completed: bool | None = None
    sort: str | None = None
    query: str | None = None
    fields: str | None = None
    answered_fields: str | None = None


def parse_moment(value: str, field: str) -> dt.datetime:
    """ISO-8601 (naive = UTC) or unix seconds; 400 naming `field` otherwise."""
    text = value.strip()
    try:
        if text.lstrip("-").replace(".", "", 1).isdigit():
            return dt.datetime.fromtimestamp(float(text), dt.UTC)
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise validation_error(field, f"{field} must be ISO-8601 or unix seconds") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _moment(item: dict[str, Any], key: str) -> dt.datetime:
    return dt.datetime.fromisoformat(str(item[key]).replace("Z", "+00:00"))


def _csv(value: str | None) -> set[str]:
    return {part.strip() for part in (value or "").split(",") if part.strip()}


def _types(q: ResponseQuery) -> set[str]:
    if q.response_type:
        types = _csv(q.response_type)
        if not types <= _TYPES:
            raise validation_error("response_type", "must be started, partial or completed")
        return types
    if q.completed is not None:
        return {"completed"} if q.completed else {"started", "partial"}
    return {"completed"}


def _matches(
    item: dict[str, Any],
    q: ResponseQuery,
    types: set[str],
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> bool:
    if item.get("response_type", "completed") not in types:
        return False
    if (included := _csv(q.included_response_ids)) and item["response_id"] not in included:
        return False
    if item["response_id"] in _csv(q.excluded_response_ids):
        return False
    submitted = _moment(item, "submitted_at")
    if (since is not None and submitted < since) or (until is not None and submitted > until):
        return False
    answered = _csv(q.answered_fields)
    if answered and not any(
        {a["field"]["id"], a["field"]["ref"]} & answered for a in item["answers"]
    ):
        return False
    if q.query:
        text = json.dumps([item["answers"], item["hidden"]], ensure_ascii=False).lower()
        return q.query.lower() in text
    return True


def _order(q: ResponseQuery) -> tuple[str, bool]:
    if not q.sort:
        return "submitted_at", True
    if q.before or q.after:
        raise validation_error("sort", "sort cannot be combined with before or after")
    key, _, direction = q.sort.partition(",")
    if key.strip() not in _SORT_FIELDS or direction.strip().lower() not in {"", "asc", "desc"}:
        raise validation_error("sort", "sort must be '{submitted_at|landed_at},{asc|desc}'")
    return key.strip(), direction.strip().lower() != "asc"


def list_responses(items: list[dict[str, Any]], q: ResponseQuery) -> dict[str, Any]:
    """The `{total_items, page_count, items}` page for `q` over a form's responses."""
    if not 1 <= q.page_size <= MAX_PAGE_SIZE:
        raise validation_error("page_size", f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    field, newest_first = _order(q)
    types = _types(q)
    since = parse_moment(q.since, "since") if q.since else None
    until = parse_moment(q.until, "until") if q.until else None
    rows = [item for item in items if _matches(item, q, types, since, until)]
    rows.sort(key=lambda item: (_moment(item, field), item["token"]), reverse=newest_first)
    tokens = {item["token"]: item for item in items}
    for name, token in (("before", q.before), ("after", q.after)):
        if token is None:
            continue
        anchor = tokens.get(token)
        if anchor is None:
            raise validation_error(name, f"unknown response token {token!r}")
        mark = (_moment(anchor, "submitted_at"), token)
        rows = [
            item
            for item in rows
            if ((_moment(item, "submitted_at"), item["token"]) < mark) == (name == "before")
            and item["token"] != token
        ]
    total = len(rows)
    page = rows[-q.page_size :] if q.after and not q.before else rows[: q.page_size]
    wanted = _csv(q.fields)
    result = copy.deepcopy(page)
    if wanted:
        for item in result:
            item["answers"] = [
                a for a in item["answers"] if {a["field"]["id"], a["field"]["ref"]} & wanted
            ]
    return {
        "total_items": total,
        "page_count": math.ceil(total / q.page_size),
        "items": result,
    }
