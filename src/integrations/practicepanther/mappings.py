"""PracticePanther records → local columns, as pure functions (property-tested).

| PracticePanther            | local                                                          |
|----------------------------|----------------------------------------------------------------|
| contact `id`               | `contacts.external_id` (the pp contact id)                     |
| first/last/display name    | `first_name`, `last_name`, `display_name`                      |
| `email`                    | `email`                                                        |
| `phone_mobile`, else work, else home | `phone`                                              |
| account name               | `company` when not the contact's own name (`company_of`)       |
| account `address_*`        | `address` JSON {street_1 .. zip_code}, with the account record  |
| `status` Active / Archived | `is_active`                                                    |
| the record                 | `raw` (contacts, tasks) / `pp_data` (exchanges)                |
| matter `id`                | `exchanges.pp_matter_id`                                       |
| `name`, `notes`            | `name`, `notes`                                                |
| `status`                   | `status` via `EXCHANGE_STATUS`; `status_raw` = the vendor value |
| `account_ref.id`           | `client_id` = the account's primary contact (resolved locally) |
| `open_date`                | `start_date`                                                   |
| custom field "Exchange Value" | `exchange_value`                                            |
| task `id`, `subject`, `notes` | `external_id`, `subject` (the title), `description`         |
| task `status`, `priority`  | via `TASK_STATUS`, `TASK_PRIORITY`                             |
| `matter_ref.id`            | `matter_external_id`; `exchange_id` resolved from exchanges    |
| `due_date`                 | `due_date`                                                     |

A value with no mapping is never dropped: the column keeps the vendor's raw value and the
record carries a problem (field, reason), which the sync reports (`partial`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = [
    "EXCHANGE_STATUS",
    "EXCHANGE_VALUE_LABEL",
    "TASK_PRIORITY",
    "TASK_STATUS",
    "MappedRecord",
    "company_of",
    "contact_values",
    "exchange_values",
    "map_enum",
    "parse_time",
    "ref_id",
    "task_values",
]

EXCHANGE_STATUS: Mapping[str, str] = {
    "Pending": "PENDING",
    "Open": "45D",
    "Closed": "COMPLETED",
    "Archived": "TERMINATED",
}
TASK_STATUS: Mapping[str, str] = {
    "NotCompleted": "PENDING",
    "InProgress": "IN_PROGRESS",
    "Completed": "COMPLETED",
    "Conditional": "CONDITIONAL",
}
TASK_PRIORITY: Mapping[str, str] = {"Low": "LOW", "Medium": "MEDIUM", "High": "HIGH"}
EXCHANGE_VALUE_LABEL = "exchange value"  # the matter custom field's label, any case
_ADDRESS = ("street_1", "street_2", "city", "state", "country", "zip_code")


@dataclass(slots=True)
class MappedRecord:
    """Column values, non-fatal problems (field, reason) and the references to resolve
    locally: column -> the vendor id it points at."""

    values: dict[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)
    references: dict[str, str | None] = field(default_factory=dict)


def map_enum(
    value: Any, table: Mapping[str, str], column: str, problems: list[tuple[str, str]]
) -> str | None:
    """`table[value]`; an unknown value is kept raw and noted in `problems`."""
    if value is None or value == "":
        return None
    text = str(value)
    if text in table:
        return table[text]
    problems.append((column, f"unknown value {text[:64]!r} kept as received"))
    return text[:64]


def parse_time(value: Any, column: str, problems: list[tuple[str, str]]) -> dt.datetime | None:
    """An ISO-8601 time as UTC; without an offset it is read as UTC. Unreadable: None and
    a problem (the raw text stays in the record's JSON)."""
    if value is None or value == "":
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        problems.append((column, "not an ISO-8601 date-time"))
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


def _text(value: Any, limit: int) -> str | None:
    return None if value in (None, "") else str(value)[:limit]


def ref_id(record: Mapping[str, Any], key: str) -> str | None:
    """The `id` of the `key` reference object (`account_ref`, `matter_ref`), if any."""
    ref = record.get(key)
    return str(ref["id"]) if isinstance(ref, Mapping) and ref.get("id") else None


def company_of(record: Mapping[str, Any], account: Mapping[str, Any]) -> str | None:
    """The contact's company. With its account record, that account's `company_name`.
    From `/contacts` alone, PracticePanther names the account after the company, or after
    the person for an individual's account: the account's name counts as the company when
    it is not the contact's own name (a second contact of an individual's account is the
    known miss: it gets the first person's name)."""
    if account:
        return _text(account.get("company_name"), 300)
    ref = record.get("account_ref")
    name = ref.get("display_name") if isinstance(ref, Mapping) else None
    own = record.get("display_name") or " ".join(
        str(record.get(k) or "") for k in ("first_name", "last_name")
    )
    return _text(name, 300) if name and str(name).strip() != str(own).strip() else None


def contact_values(record: Mapping[str, Any]) -> MappedRecord:
    """A contact's columns; `record["account"]` (the account it came with, when read from
    `/accounts`) supplies company and address."""
    account = record.get("account") if isinstance(record.get("account"), Mapping) else {}
    assert isinstance(account, Mapping)
    phones = (record.get(k) for k in ("phone_mobile", "phone_work", "phone_home"))
    address = {k: account.get(f"address_{k}") or None for k in _ADDRESS}
    contact = {k: v for k, v in record.items() if k != "account"}
    values = {
        "display_name": _text(record.get("display_name"), 300),
        "first_name": _text(record.get("first_name"), 150),
        "last_name": _text(record.get("last_name"), 150),
        "email": _text(record.get("email"), 320),
        "phone": _text(next((p for p in phones if p), None), 64),
        "company": company_of(record, account),
        "address": address if any(address.values()) else None,
        "account_external_id": ref_id(record, "account_ref") or _text(account.get("id"), 128),
        "is_active": record.get("status") != "Archived",
        "raw": contact,
    }
    return MappedRecord(values)


def exchange_value(record: Mapping[str, Any], problems: list[tuple[str, str]]) -> Decimal | None:
    """The number of the matter's "Exchange Value" custom field (None when absent)."""
    items = record.get("custom_field_values")
    for item in items if isinstance(items, list) else ():
        ref = item.get("custom_field_ref") if isinstance(item, Mapping) else None
        label = str((ref or {}).get("label") or "").strip().lower()
        if label != EXCHANGE_VALUE_LABEL:
            continue
        raw = item.get("value_number")
        try:
            number = Decimal(str(raw)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            problems.append(("exchange_value", "the Exchange Value field is not a number"))
            return None
        if not number.is_finite() or abs(number) >= Decimal("1e12"):
            problems.append(("exchange_value", "out of range for Numeric(14, 2)"))
            return None
        return number
    return None


def exchange_values(record: Mapping[str, Any]) -> MappedRecord:
    """A matter's columns as an exchange; `client_id` is resolved from `references`."""
    problems: list[tuple[str, str]] = []
    raw_status = record.get("status")
    values = {
        "name": _text(record.get("name") or record.get("display_name"), 300),
        "status": map_enum(raw_status, EXCHANGE_STATUS, "status", problems),
        "status_raw": _text(raw_status, 64),
        "start_date": parse_time(record.get("open_date"), "start_date", problems),
        "exchange_value": exchange_value(record, problems),
        "notes": _text(record.get("notes"), 1_000_000),
        "pp_data": dict(record),
    }
    return MappedRecord(values, problems, {"client_id": ref_id(record, "account_ref")})


def task_values(record: Mapping[str, Any]) -> MappedRecord:
    """A task's columns; `exchange_id` is resolved from `references`."""
    problems: list[tuple[str, str]] = []
    matter = ref_id(record, "matter_ref")
    users = record.get("assigned_to_users")
    first = users[0] if isinstance(users, list) and users else None
    first_user: Mapping[str, Any] = first if isinstance(first, Mapping) else {}
    values = {
        "subject": _text(record.get("subject"), 300),
        "description": _text(record.get("notes"), 1_000_000),
        "status": map_enum(record.get("status"), TASK_STATUS, "status", problems),
        "priority": map_enum(record.get("priority"), TASK_PRIORITY, "priority", problems),
        "matter_external_id": matter,
        "assigned_to": _text(first_user.get("display_name"), 200),
        "due_date": parse_time(record.get("due_date"), "due_date", problems),
        "raw": dict(record),
    }
    return MappedRecord(values, problems, {"exchange_id": matter})
