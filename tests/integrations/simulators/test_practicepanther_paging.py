"""PracticePanther simulator lists: every record exactly once for any `$top`, `updated_since`
selects exactly the modified records, order, filters, determinism (hypothesis properties)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.simulators.practicepanther import KINDS, create_simulator
from integrations.simulators.practicepanther_data import iso, parse_time
from integrations.simulators.practicepanther_query import parse_query, run_query

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
volumes = st.fixed_dictionaries(
    {
        "accounts": st.integers(1, 25),
        "contacts": st.integers(0, 50),
        "matters": st.integers(0, 40),
        "tasks": st.integers(0, 60),
    }
)
modifications = st.lists(st.tuples(st.sampled_from(KINDS), st.floats(0.5, 40)), max_size=4)


def _list(sim: Any, kind: str, **params: str | int) -> list[dict[str, Any]]:
    pairs = [(name, str(value)) for name, value in params.items()]
    return run_query(sim.records, parse_query(kind, pairs, sim.seed), sim.max_page_size)


def _all_pages(sim: Any, kind: str, top: int, **params: str) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    while True:
        page = _list(sim, kind, **{"$top": top, "$skip": len(seen)}, **params)
        seen += page
        if len(page) < top:
            return seen


def _time(sim: Any, kind: str, record: dict[str, Any]) -> int:
    if kind == "contacts":
        record = sim.records.account(
            sim.records.volumes.account_of_contact(int(record["id"][-12:], 16))
        )
    return parse_time(record["updated_at"]) or 0


@PROPERTY
@given(volumes, modifications, st.sampled_from(KINDS), st.integers(1, 30), st.integers(0, 5))
def test_paging_covers_every_record_once_in_order(
    counts: dict[str, int], changes: list[tuple[str, float]], kind: str, top: int, seed: int
) -> None:
    sim = create_simulator(seed=seed)
    sim.set_volumes(**counts)
    for changed_kind, percent in changes:
        sim.modify(changed_kind, percent)
    records = _all_pages(sim, kind, top)
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids)) == counts[kind]
    assert set(ids) == {sim.records.id(kind, i) for i in range(counts[kind])}
    times = [_time(sim, kind, r) for r in records]
    assert times == sorted(times)
    unpaged = _list(sim, kind)
    assert [r["id"] for r in unpaged] == ids
    if kind != "contacts":
        newest_first = _all_pages(sim, kind, top, **{"$orderby": "updated_at desc"})
        assert [r["id"] for r in newest_first] == ids[::-1]
        by_creation = _all_pages(sim, kind, top, **{"$orderby": "created_at"})
        assert [r["id"] for r in by_creation] == [sim.records.id(kind, i) for i in range(len(ids))]


@PROPERTY
@given(volumes, st.sampled_from(KINDS), st.floats(0.5, 60), st.integers(1, 30))
def test_updated_since_returns_exactly_the_modified_records(
    counts: dict[str, int], kind: str, percent: float, top: int
) -> None:
    sim = create_simulator(seed=1)
    sim.set_volumes(**counts)
    sim.modify("tasks" if kind == "matters" else "matters", 10)  # an earlier, older round
    change = sim.modify(kind, percent)
    since = iso(change.updated_at)
    found = {r["id"] for r in _all_pages(sim, kind, top, updated_since=since)}
    if kind == "contacts":  # contacts follow their account's updated_at (no own timestamp)
        accounts = {sim.records.volumes.account_of_contact(i) for i in change.indices}
        block = sim.records.volumes.contacts_of_account
        expected = {sim.records.id(kind, i) for a in accounts for i in block(a)}
    else:
        expected = set(change.ids)
    assert found == expected
    assert set(sim.changed_ids(kind, since_round=change.round - 1)) == set(change.ids)


def test_modified_records_change_content_and_keep_references() -> None:
    sim = create_simulator(seed=2)
    before = {m["id"]: m for m in _list(sim, "matters")}
    change = sim.modify("matters", 10)
    after = {m["id"]: m for m in _list(sim, "matters")}
    for record_id in change.ids:
        assert after[record_id]["notes"].endswith("[revision 1]")
        assert after[record_id]["updated_at"] > before[record_id]["updated_at"]
        assert after[record_id]["account_ref"] == before[record_id]["account_ref"]
    untouched = set(before) - set(change.ids)
    assert all(after[i] == before[i] for i in untouched)


def test_references_are_consistent() -> None:
    sim = create_simulator(seed=4)
    accounts = {a["id"]: a for a in _list(sim, "accounts")}
    contacts = {c["id"]: c for c in _list(sim, "contacts")}
    matters = {m["id"]: m for m in _list(sim, "matters")}
    for contact in contacts.values():
        account = accounts[contact["account_ref"]["id"]]
        assert contact["account_ref"]["display_name"] == account["display_name"]
        members = [account["primary_contact"]["id"]] + [c["id"] for c in account["other_contacts"]]
        assert contact["id"] in members
        assert contact["is_primary_contact"] == (contact["id"] == members[0])
    for matter in matters.values():
        assert matter["account_ref"]["id"] in accounts
    tasks = _list(sim, "tasks")
    assert any(t["matter_ref"] is None for t in tasks)
    for task in tasks:
        assert task["account_ref"]["id"] in accounts
        if task["matter_ref"] is not None:
            matter = matters[task["matter_ref"]["id"]]
            assert matter["account_ref"] == task["account_ref"]
        for contact in task["assigned_to_contacts"]:
            assert contacts[contact["id"]]["account_ref"] == task["account_ref"]


def test_filters_select_what_they_name() -> None:
    sim = create_simulator(seed=5)
    account = _list(sim, "accounts", **{"$top": 1, "$skip": 3})[0]
    contacts = _list(sim, "contacts", account_id=account["id"])
    assert contacts and all(c["account_ref"]["id"] == account["id"] for c in contacts)
    matter = _list(sim, "matters", **{"$top": 1})[0]
    tasks = _list(sim, "tasks", matter_id=matter["id"])
    assert tasks and all(t["matter_ref"]["id"] == matter["id"] for t in tasks)
    open_matters = _list(sim, "matters", status="Open")
    assert open_matters and all(m["status"] == "Open" for m in open_matters)
    unknown = "00000000-0000-4000-8000-000000000000"
    assert _list(sim, "contacts", account_id=unknown) == []
    page = _list(sim, "tasks", status="Completed", **{"$top": 3, "$skip": 1})
    completed = [t for t in _list(sim, "tasks") if t["status"] == "Completed"]
    assert page == completed[1:4]


def test_same_seed_same_data_other_seed_other_data() -> None:
    first, second, other = (create_simulator(seed=s) for s in (9, 9, 10))
    for kind in KINDS:
        assert _list(first, kind) == _list(second, kind)
        assert _list(first, kind) != _list(other, kind)
