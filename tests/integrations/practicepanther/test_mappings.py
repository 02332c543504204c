"""The mapping as pure functions: every known status maps as documented, every unknown value
is kept raw and reported (never dropped), times come out UTC, nothing raises on odd input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from integrations.practicepanther.mappings import (
    EXCHANGE_STATUS,
    TASK_PRIORITY,
    TASK_STATUS,
    contact_values,
    exchange_values,
    map_enum,
    parse_time,
    task_values,
)

_TEXT = st.text(max_size=80)
_ANY = st.one_of(st.none(), _TEXT, st.integers(), st.booleans())


def test_the_guide_status_mapping() -> None:
    assert dict(EXCHANGE_STATUS) == {
        "Pending": "PENDING",
        "Open": "45D",
        "Closed": "COMPLETED",
        "Archived": "TERMINATED",
    }


@given(st.sampled_from(sorted(EXCHANGE_STATUS)) | _TEXT)
def test_a_status_is_mapped_or_kept_raw_and_reported(raw: str) -> None:
    mapped = exchange_values({"id": "m", "status": raw})
    if raw in EXCHANGE_STATUS:
        assert mapped.values["status"] == EXCHANGE_STATUS[raw] and not mapped.problems
    elif raw:
        assert mapped.values["status"] == raw[:64]
        assert [f for f, _ in mapped.problems] == ["status"]
    assert mapped.values["status_raw"] == (raw[:64] or None)


@given(_ANY, st.sampled_from([TASK_STATUS, TASK_PRIORITY]))
def test_map_enum_never_drops_a_value(raw: Any, table: dict[str, str]) -> None:
    problems: list[tuple[str, str]] = []
    out = map_enum(raw, table, "col", problems)
    if raw in (None, ""):
        assert out is None and not problems
    elif str(raw) in table:
        assert out == table[str(raw)] and not problems
    else:
        assert out == str(raw)[:64] and len(problems) == 1


# Fixed offsets, as the API writes them (a zone's non-existent DST hour has no one instant).
_OFFSETS = st.builds(
    dt.timezone,
    st.timedeltas(min_value=dt.timedelta(hours=-23), max_value=dt.timedelta(hours=23)).map(
        lambda d: dt.timedelta(minutes=d // dt.timedelta(minutes=1))
    ),
)


@given(st.datetimes(timezones=_OFFSETS | st.none()))
def test_times_come_out_as_the_same_instant_in_utc(moment: dt.datetime) -> None:
    problems: list[tuple[str, str]] = []
    parsed = parse_time(moment.isoformat(), "t", problems)
    assert parsed is not None and parsed.tzinfo == dt.UTC and not problems
    expected = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    assert parsed == expected


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "status",
                "priority",
                "due_date",
                "subject",
                "notes",
                "matter_ref",
                "assigned_to_users",
            ]
        ),
        _ANY,
    )
)
def test_task_mapping_accepts_any_shape(record: dict[str, Any]) -> None:
    mapped = task_values({"id": "t", **record})
    assert mapped.values["raw"]["id"] == "t"
    assert set(mapped.references) == {"exchange_id"}


@given(
    st.dictionaries(
        st.sampled_from(
            ["status", "open_date", "name", "account_ref", "custom_field_values", "notes"]
        ),
        _ANY,
    )
)
def test_matter_and_contact_mappings_accept_any_shape(record: dict[str, Any]) -> None:
    assert exchange_values({"id": "m", **record}).values["pp_data"]["id"] == "m"
    assert contact_values({"id": "c", **record}).values["raw"]["id"] == "c"


def test_a_task_maps_as_documented() -> None:
    record = {
        "id": "t1", "subject": "Call QI", "notes": "<p>hi</p>", "status": "InProgress",
        "priority": "High", "matter_ref": {"id": "m1"}, "due_date": "2024-03-12T00:00:00+09:00",
        "assigned_to_users": [{"id": "u", "display_name": "Alex Morgan"}],
    }  # fmt: skip
    mapped = task_values(record)
    assert mapped.values["subject"] == "Call QI" and mapped.values["description"] == "<p>hi</p>"
    assert (mapped.values["status"], mapped.values["priority"]) == ("IN_PROGRESS", "HIGH")
    assert mapped.values["due_date"] == dt.datetime(2024, 3, 11, 15, tzinfo=dt.UTC)
    assert mapped.references == {"exchange_id": "m1"} and not mapped.problems


def test_a_matter_maps_as_documented() -> None:
    record = {
        "id": "m1", "name": "Lee 1031", "status": "Open", "account_ref": {"id": "a1"},
        "open_date": "2024-01-02T00:00:00Z", "notes": "n",
        "custom_field_values": [
            {"custom_field_ref": {"label": "Exchange Value"}, "value_number": 1234567.891}
        ],
    }  # fmt: skip
    mapped = exchange_values(record)
    assert mapped.values["status"] == "45D" and mapped.values["status_raw"] == "Open"
    assert mapped.values["exchange_value"] == Decimal("1234567.89")
    assert mapped.values["start_date"] == dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    assert mapped.values["pp_data"] == record and mapped.references == {"client_id": "a1"}


def test_a_contact_maps_as_documented() -> None:
    record = {
        "id": "c1", "first_name": "Jo", "last_name": "Kim", "display_name": "Jo Kim",
        "email": "jo@example.com", "phone_mobile": "", "phone_work": "+1 555", "status": "Archived",
        "account_ref": {"id": "a1", "display_name": "Acme LLC"},
    }  # fmt: skip
    values = contact_values(record).values
    assert values["phone"] == "+1 555" and values["company"] == "Acme LLC"
    assert values["account_external_id"] == "a1" and values["is_active"] is False
    own = contact_values({**record, "account_ref": {"id": "a1", "display_name": "Jo Kim"}})
    assert own.values["company"] is None  # an individual's account is not a company
    account = {"id": "a1", "company_name": "Acme", "address_city": "Austin"}
    account["address_zip_code"] = "1"
    with_account = contact_values({**record, "account": account}).values
    assert with_account["company"] == "Acme"
    assert with_account["address"] == {
        "street_1": None, "street_2": None, "city": "Austin", "state": None, "country": None,
        "zip_code": "1",
    }  # fmt: skip
    assert "account" not in with_account["raw"]
