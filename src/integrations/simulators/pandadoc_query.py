"""`GET /documents` and `GET /templates` query handling: filters, ordering, pages.

Parsed by hand from the raw multi-valued query rather than FastAPI parameters, because the
metadata filter comes as free-form `metadata_<key>=<value>` keys (or as values of a repeated
`metadata` parameter, the way the spec models it) and errors must come out in PandaDoc's
`{field: [message]}` form. There is no total or next link: a page shorter than `count` is
the last one (BRIEF §1.3).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.datastructures import QueryParams

from integrations.simulators.pandadoc_models import (
    STATUS_BY_CODE,
    STATUS_CODES,
    Document,
    PandaDocError,
    Template,
    parse_iso,
)

__all__ = ["ORDERINGS", "page_of", "select_documents", "select_templates"]

MAX_COUNT, DEFAULT_COUNT = 100, 50

ORDERINGS: dict[str, Callable[[Document], Any]] = {
    "name": lambda d: d.name.lower(),
    "date_created": lambda d: d.created,
    "date_status_changed": lambda d: d.status_changed,
    "date_of_last_action": lambda d: d.modified,
    "date_modified": lambda d: d.modified,
    "date_sent": lambda d: d.date_sent,
    "date_completed": lambda d: d.date_completed,
    "date_expiration": lambda d: None,
    "date_declined": lambda d: d.date_declined,
    "status": lambda d: STATUS_CODES[d.status],
}
_TIME_FILTERS: dict[str, Callable[[Document], float | None]] = {
    "created": lambda d: d.created,
    "modified": lambda d: d.modified,
    "completed": lambda d: d.date_completed,
}


def _invalid(detail: dict[str, list[str]]) -> PandaDocError:
    return PandaDocError(400, {"type": "validation_error", "detail": detail})


def _integer(query: QueryParams, key: str, default: int, minimum: int) -> int:
    raw = query.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _invalid({key: ["A valid integer is required."]}) from None
    if value < minimum:
        raise _invalid({key: [f"Ensure this value is greater than or equal to {minimum}."]})
    return value


def page_of(items: list[Any], query: QueryParams) -> list[Any]:
    """The `page` (1-based) of `count` items; count is clamped to 1..100, default 50."""
    count = min(_integer(query, "count", DEFAULT_COUNT, 1), MAX_COUNT)
    page = _integer(query, "page", 1, 1)
    return items[(page - 1) * count : page * count]


def _status(query: QueryParams, key: str) -> str | None:
    if query.get(key) in (None, ""):
        return None
    code = _integer(query, key, 0, 0)
    if code not in STATUS_BY_CODE:
        raise _invalid({key: [f'"{code}" is not a valid choice.']})
    return STATUS_BY_CODE[code]


def _metadata(query: QueryParams) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, v in query.multi_items() if k.startswith("metadata_")]
    for value in query.getlist("metadata"):
        key, _, wanted = value.partition("=")
        pairs.append((key, wanted))
    return [(k.removeprefix("metadata_"), v) for k, v in pairs]


def _flag(query: QueryParams, key: str) -> bool:
    return query.get(key, "").lower() in {"true", "1", "yes"}


def select_documents(
    docs: list[Document], query: QueryParams, default_order: str
) -> list[Document]:
    """Filter and order documents by the list endpoint's parameters (before paging)."""
    checks: list[Callable[[Document], bool]] = [lambda d: d.deleted == _flag(query, "deleted")]
    if (include := _status(query, "status")) is not None:
        checks.append(lambda d: d.status == include)
    if (exclude := _status(query, "status__ne")) is not None:
        checks.append(lambda d: d.status != exclude)
    if q := query.get("q", "").lower():
        checks.append(lambda d: q in d.name.lower() or q in d.ref_number.lower())
    for param, attribute in (("template_id", "template"), ("id", "id"), ("tag", "tags")):
        if wanted := query.get(param):
            checks.append(_matcher(attribute, wanted))
    if query.get("form_id"):
        checks.append(lambda d: False)  # no forms are simulated
    if folder := query.get("folder_uuid"):
        checks.append(lambda d: d.folder_uuid == folder)
    if contact := query.get("contact_id"):
        checks.append(lambda d: any(r.contact_id == contact for r in d.recipients))
    for meta_key, meta_value in _metadata(query):
        checks.append(_matcher(f"metadata_{meta_key}", meta_value))
    for name, getter in _TIME_FILTERS.items():
        for suffix in ("from", "to"):
            if raw := query.get(f"{name}_{suffix}"):
                try:
                    bound = parse_iso(raw)
                except ValueError:
                    raise _invalid({f"{name}_{suffix}": ["Enter a valid date/time."]}) from None
                checks.append(_in_range(getter, bound, upper=suffix == "to"))
    order = query.get("order_by") or default_order
    if order.removeprefix("-") not in ORDERINGS:
        raise _invalid({"order_by": ["value is not a valid choice."]})
    sort_key = ORDERINGS[order.removeprefix("-")]
    found = [d for d in docs if all(check(d) for check in checks)]
    present = [d for d in found if sort_key(d) is not None]
    present.sort(key=lambda d: (sort_key(d), d.created), reverse=order.startswith("-"))
    return present + [d for d in found if sort_key(d) is None]  # no date: last either way


def _matcher(attribute: str, wanted: str) -> Callable[[Document], bool]:
    if attribute.startswith("metadata_"):
        key = attribute.removeprefix("metadata_")
        return lambda d: key in d.metadata and str(d.metadata[key]) == wanted
    if attribute == "template":
        return lambda d: d.template is not None and d.template.id == wanted
    if attribute == "tags":
        return lambda d: wanted in d.tags
    return lambda d: d.id == wanted


def _in_range(
    getter: Callable[[Document], float | None], bound: float, *, upper: bool
) -> Callable[[Document], bool]:
    """`_from` is inclusive (>=), `_to` exclusive (<); documents without the date drop out."""

    limit = round(bound * 1_000_000)

    def check(doc: Document) -> bool:
        value = getter(doc)
        if value is None:
            return False
        micros = round(value * 1_000_000)  # compare whole microseconds, as the API shows them
        return micros < limit if upper else micros >= limit

    return check


def select_templates(templates: list[Template], query: QueryParams) -> list[Template]:
    """Filter templates by q, id, folder_uuid, tag (repeatable: any of them), deleted;
    oldest first."""
    q = query.get("q", "").lower()
    tags = set(query.getlist("tag"))
    found = [
        t
        for t in templates
        if t.deleted == _flag(query, "deleted")
        and q in t.name.lower()
        and query.get("id", t.id) == t.id
        and query.get("folder_uuid", t.folder_uuid) == t.folder_uuid
        and (not tags or bool(tags & set(t.tags)))
    ]
    return sorted(found, key=lambda t: t.created)
