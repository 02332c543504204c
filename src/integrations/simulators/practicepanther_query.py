"""List queries of the PracticePanther simulator: swagger filters plus OData `$top/$skip/$orderby`.

- Accepted query parameters are exactly the swagger's for each list (`LIST_PARAMS`) plus the
  OData system options `$top`, `$skip`, `$orderby` (not in the swagger; BRIEF §3.1). An
  unknown parameter is a 400 naming it: the real API probably ignores it, but a client bug
  should surface here, not as a silently unfiltered list. `$filter` is not simulated (400).
- Date-time filters (`updated_since`, `created_since`, `due_date_from/to`) need an offset
  (`Z` or `+hh:mm`); without one the answer is 400. `updated_since` is inclusive (>=).
- `$orderby`: `updated_at` or `created_at`, optionally `asc`/`desc`, on accounts, matters and
  tasks. Contacts have no such fields, so ordering contacts is a 400. Default: updated_at asc.
- `updated_since` and the default order use only hashes and the change log (fast at any
  volume); other filters and `created_at` order scan lazily, one record at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from integrations.simulators.practicepanther_data import parse_id, parse_time
from integrations.simulators.practicepanther_order import UpdatedOrder
from integrations.simulators.practicepanther_records import USERS, Records

__all__ = ["LIST_PARAMS", "ODATA_PARAMS", "ListQuery", "QueryError", "run_query"]

_COMMON = {"assigned_to_user_id", "created_since", "updated_since", "search_text", "account_tag"}
LIST_PARAMS: dict[str, frozenset[str]] = {
    "accounts": frozenset(_COMMON | {"apiConsumer"}),
    "contacts": frozenset(_COMMON | {"account_id", "status", "company_name"}),
    "matters": frozenset(_COMMON | {"account_id", "status", "matter_tag"}),
    "tasks": frozenset(
        (_COMMON - {"search_text", "account_tag"})
        | {"account_id", "matter_id", "status", "due_date_from", "due_date_to", "activity_tag"}
    ),
}
ODATA_PARAMS = frozenset({"$top", "$skip", "$orderby"})
_TIMES = {"updated_since", "created_since", "due_date_from", "due_date_to"}
_IDS = {"assigned_to_user_id": "users", "account_id": "accounts", "matter_id": "matters"}
Predicate = Callable[[int, Callable[[], dict[str, Any]]], bool]


class QueryError(Exception):
    """A 400 naming the query parameter at fault."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(slots=True)
class ListQuery:
    kind: str
    top: int | None = None
    skip: int = 0
    order: str = "updated_at"
    descending: bool = False
    since: int | None = None
    filters: dict[str, Any] = field(default_factory=dict)


def _count(name: str, value: str) -> int:
    if not value.strip().isdigit():
        raise QueryError(name, f"{name} must be a non-negative integer")
    return int(value)


def parse_query(kind: str, params: list[tuple[str, str]], seed: int) -> ListQuery:
    """A `ListQuery` from raw query pairs; `QueryError` for anything the API would refuse."""
    query = ListQuery(kind)
    for name, value in params:
        if name == "$filter":
            raise QueryError(name, "$filter is not simulated; use the swagger filters")
        if name not in LIST_PARAMS[kind] and name not in ODATA_PARAMS:
            raise QueryError(name, f"unknown query parameter {name!r} for /{kind}")
        if name == "$top":
            query.top = _count(name, value)
        elif name == "$skip":
            query.skip = _count(name, value)
        elif name == "$orderby":
            _parse_order(query, value)
        elif name in _TIMES:
            moment = parse_time(value)
            if moment is None:
                raise QueryError(name, f"{name} must be ISO-8601 with a UTC offset")
            if name == "updated_since":
                query.since = moment
            else:
                query.filters[name] = moment
        elif name in _IDS:
            index = parse_id(seed, _IDS[name], value)
            if index is None and not _uuid_shaped(value):
                raise QueryError(name, f"{name} must be a UUID")
            query.filters[name] = -1 if index is None else index
        elif name != "apiConsumer":
            query.filters[name] = value.strip().lower()
    return query


def _uuid_shaped(value: str) -> bool:
    parts = value.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdefABCDEF" for c in "".join(parts)
    )


def _parse_order(query: ListQuery, value: str) -> None:
    words = value.split()
    allowed = set() if query.kind == "contacts" else {"updated_at", "created_at"}
    if not words or words[0] not in allowed or len(words) > 2:
        raise QueryError("$orderby", f"cannot order {query.kind} by {value!r}")
    if len(words) == 2 and words[1].lower() not in {"asc", "desc"}:
        raise QueryError("$orderby", "direction must be asc or desc")
    query.order = words[0]
    query.descending = len(words) == 2 and words[1].lower() == "desc"


def _predicates(records: Records, query: ListQuery) -> list[Predicate]:
    volumes, kind = records.volumes, query.kind
    account_of: Callable[[int], int] = {
        "accounts": lambda i: i,
        "contacts": volumes.account_of_contact,
        "matters": volumes.account_of_matter,
        "tasks": volumes.account_of_task,
    }[kind]
    owner = (
        (lambda i: account_of(i) % len(USERS)) if kind == "contacts" else (lambda i: i % len(USERS))
    )
    created_of = (lambda i: volumes.created("accounts", account_of(i))) if kind == "contacts" else (
        lambda i: volumes.created(kind, i))  # fmt: skip
    checks: list[Predicate] = []
    for name, wanted in query.filters.items():
        checks.append(_predicate(records, kind, name, wanted, account_of, owner, created_of))
    if query.since is not None and query.order != "updated_at":
        since = query.since
        checks.append(lambda i, _: records.effective_time(kind, i) >= since)
    return checks


def _predicate(
    records: Records,
    kind: str,
    name: str,
    wanted: Any,
    account_of: Callable[[int], int],
    owner: Callable[[int], int],
    created_of: Callable[[int], int],
) -> Predicate:
    volumes = records.volumes
    text_field = {"tasks": "subject"}.get(kind, "display_name")
    tag_of: Callable[[int, Callable[[], dict[str, Any]]], list[str]] = (
        (lambda i, rec: records.account(account_of(i))["tags"]) if name == "account_tag"
        else (lambda i, rec: rec()["tags"]))  # fmt: skip
    table: dict[str, Predicate] = {
        "account_id": lambda i, _: account_of(i) == wanted,
        "matter_id": lambda i, _: volumes.matter_of_task(i) == wanted,
        "assigned_to_user_id": lambda i, _: owner(i) == wanted,
        "created_since": lambda i, _: created_of(i) >= wanted,
        "status": lambda i, rec: str(rec()["status"]).lower() == wanted,
        "search_text": lambda i, rec: wanted in str(rec()[text_field]).lower(),
        "company_name": lambda i, _: (
            wanted in records.account(account_of(i))["company_name"].lower()
        ),
        "due_date_from": lambda i, rec: _due(rec) >= wanted,
        "due_date_to": lambda i, rec: _due(rec) <= wanted,
    }
    if name in table:
        return table[name]
    return lambda i, rec: wanted in [t.lower() for t in tag_of(i, rec)]


def _due(record: Callable[[], dict[str, Any]]) -> int:
    # Records may be written without an offset (`naive_times`): they are UTC either way.
    return parse_time(str(record()["due_date"]).removesuffix("Z") + "+00:00") or 0


def _candidates(records: Records, query: ListQuery) -> tuple[Iterator[int], int | None]:
    """Indices in order, and their count when no predicate applies (else None)."""
    if query.order == "created_at":
        n = records.volumes.count(query.kind)
        order = range(n - 1, -1, -1) if query.descending else range(n)
        return iter(order), n
    view = UpdatedOrder(records, query.kind, query.since)
    return view.indices(0, view.total, descending=query.descending), view.total


def run_query(records: Records, query: ListQuery, max_page: int | None) -> list[dict[str, Any]]:
    """The page of records the query selects, as vendor JSON."""
    top = query.top if query.top is not None else max_page
    if max_page is not None and top is not None:
        top = min(top, max_page)
    checks = _predicates(records, query)
    stop = None if top is None else query.skip + top
    if not checks and query.order == "updated_at":
        view = UpdatedOrder(records, query.kind, query.since)
        end = view.total if stop is None else stop
        indices = view.indices(query.skip, end, descending=query.descending)
        return [records.build(query.kind, i) for i in indices]
    candidates, _ = _candidates(records, query)
    return list(islice(_filtered(records, query.kind, candidates, checks), query.skip, stop))


def _filtered(
    records: Records, kind: str, indices: Iterator[int], checks: list[Predicate]
) -> Iterator[dict[str, Any]]:
    for index in indices:
        built: dict[str, Any] | None = None

        def record(index: int = index) -> dict[str, Any]:
            nonlocal built
            if built is None:
                built = records.build(kind, index)
            return built

        if all(check(index, record) for check in checks):
            yield record()
