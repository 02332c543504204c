"""The sync engine against a tiny vendor over real HTTP: order, incremental, problems,
failures, runs. (Crash resume: test_resume.py; locks and stop: test_control.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from integrations.core.clock import VirtualClock
from integrations.factory import IntegrationFactory
from integrations.services import Services
from integrations.storage.tables_inbound import ContactRow, ExchangeRow, SyncRunRow, TaskRow
from integrations.sync import SyncEngine
from tests.integrations.sync import demo_sync
from tests.integrations.sync.tiny_vendor import TinyVendor


def engine(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, **kw: Any
) -> SyncEngine:
    return SyncEngine(services, factory, demo_sync.definition(**kw), clock=clock)


async def local(services: Services, table: Any, key: str) -> dict[str, dict[str, Any]]:
    async with services.db.sessions() as session:
        rows = list(await session.scalars(select(table)))
    return {
        getattr(r, key): {c.key: getattr(r, c.key) for c in table.__table__.columns} for r in rows
    }


async def assert_mirrors(services: Services, vendor: TinyVendor) -> None:
    """Every vendor record is stored once, with its current values."""
    people = await local(services, ContactRow, "external_id")
    assert {k: v["display_name"] for k, v in people.items()} == {
        k: r["name"] for k, r in vendor.records["people"].items() if r.get("email") != "bad"
    }
    projects = await local(services, ExchangeRow, "pp_matter_id")
    assert {k: v["name"] for k, v in projects.items()} == {
        k: r["name"] for k, r in vendor.records["projects"].items()
    }
    todos = await local(services, TaskRow, "external_id")
    assert {k: v["subject"] for k, v in todos.items()} == {
        k: r["title"] for k, r in vendor.records["todos"].items()
    }


async def test_full_sync_runs_streams_in_dependency_order_and_resolves_references(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """Streams declared todos, projects, people run people → projects → todos, so each
    project's client and each todo's exchange resolve to local ids."""
    summary = await engine(services, factory, clock).run("full", triggered_by="alice")
    assert summary.status == "success"
    order = list(dict.fromkeys(stream for stream, _ in vendor.requests))
    assert order == ["people", "projects", "todos"]
    await assert_mirrors(services, vendor)
    people = await local(services, ContactRow, "external_id")
    projects = await local(services, ExchangeRow, "pp_matter_id")
    assert projects["j0003"]["client_id"] == people["p0003"]["id"]
    todos = await local(services, TaskRow, "external_id")
    assert todos["t0009"]["exchange_id"] == projects["j0001"]["id"]
    assert (summary.processed, summary.created, summary.updated) == (35, 35, 0)


async def test_incremental_fetches_only_changed_records_from_cursor_minus_lookback(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """After a full sync, an incremental one asks each stream for records changed since its
    highest committed `updated_at` minus the look-back, and stores just those."""
    sync = engine(services, factory, clock)
    await sync.run("full")
    last_person = max(r["updated_at"] for r in vendor.records["people"].values())
    vendor.requests.clear()
    vendor.touch("people", ["p0002", "p0007"], name="Renamed")
    vendor.touch("todos", ["t0001"], title="Changed")
    summary = await sync.run("incremental", trigger="schedule")
    assert summary.status == "success"
    asked = {stream: params.get("updated_since") for stream, params in vendor.requests}
    import datetime as dt

    expected = dt.datetime.fromisoformat(last_person) - dt.timedelta(seconds=60)
    assert dt.datetime.fromisoformat(asked["people"]) == expected
    # The changed records, plus each stream's last committed record (inside the look-back).
    assert summary.per_stream["people"]["processed"] == 3
    assert summary.per_stream["projects"]["processed"] == 1
    assert summary.per_stream["todos"]["processed"] == 2
    assert (summary.created, summary.updated) == (0, 6)
    await assert_mirrors(services, vendor)


async def test_single_stream_sync_reads_only_that_stream(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    summary = await engine(services, factory, clock).run("people")
    assert list(summary.per_stream) == ["people"]
    assert {stream for stream, _ in vendor.requests} == {"people"}


async def test_record_problems_make_the_run_partial_with_id_and_field(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """A record the mapper refuses is skipped and reported (id and field); a note about a
    field keeps the record; every other record is stored."""
    vendor.touch("people", ["p0004"], email="bad")
    vendor.add("projects", "j0100", name="Orphan", owner="p9999")
    summary = await engine(services, factory, clock).run("full")
    assert summary.status == "partial"
    assert summary.failed == 1
    problems = summary.details["problems"]
    assert {
        "stream": "people",
        "id": "p0004",
        "field": "email",
        "reason": "record skipped: not an email address",
    } in problems
    assert {
        "stream": "projects",
        "id": "j0100",
        "field": "owner",
        "reason": "no person p9999",
    } in problems
    await assert_mirrors(services, vendor)
    async with services.db.sessions() as session:
        row = await session.get(SyncRunRow, summary.run_id)
    assert row is not None and row.status == "partial" and row.failed_count == 1
    assert row.details is not None and row.details["problems_total"] == 3  # + j0004 → p0004


async def test_transient_vendor_failures_are_retried_by_the_pipeline(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """Two 503s on one page are retried (on the virtual clock) and the run succeeds."""
    vendor.failures = {2: 503, 3: 503}
    summary = await engine(services, factory, clock).run("full")
    assert summary.status == "success"
    assert (
        len(vendor.requests)
        == 2
        + len({s for s, _ in vendor.requests}) * 0
        + summary.per_stream["people"]["pages"]
        + summary.per_stream["projects"]["pages"]
        + summary.per_stream["todos"]["pages"]
    )
    await assert_mirrors(services, vendor)


async def test_hard_failure_ends_the_run_error_with_its_message_and_keeps_committed_batches(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """A vendor that keeps failing after people synced: the run is `error` with the
    message; people stay stored; the run row is closed with timings."""
    pages_of_people = 4  # 12 people, 5 per page, then the empty page that ends the stream
    vendor.failures = {n: 500 for n in range(pages_of_people + 1, 100)}
    summary = await engine(services, factory, clock).run("full")
    assert summary.status == "error"
    assert summary.error_message is not None and "ProviderServerError" in summary.error_message
    async with services.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContactRow)) == 12
        row = await session.get(SyncRunRow, summary.run_id)
    assert row is not None and row.status == "error" and row.finished_at is not None
    assert row.error_summary == summary.error_message


async def test_sync_runs_row_is_complete(
    services: Services, factory: IntegrationFactory, clock: VirtualClock
) -> None:
    summary = await engine(services, factory, clock).run(
        "full", trigger="manual", triggered_by="alice"
    )
    async with services.db.sessions() as session:
        row = await session.get(SyncRunRow, summary.run_id)
    assert row is not None
    assert (row.integration, row.sync_type, row.trigger, row.triggered_by) == (
        demo_sync.NAME,
        "full",
        "manual",
        "alice",
    )
    assert (
        row.status,
        row.processed_count,
        row.created_count,
        row.updated_count,
        row.failed_count,
    ) == ("success", 35, 35, 0, 0)
    assert row.finished_at is not None and row.finished_at >= row.started_at
    assert set(row.stream_counts) == {"people", "projects", "todos"}
    assert row.details is not None and row.details["streams"] == ["people", "projects", "todos"]


async def test_page_safety_limit_ends_partial_saying_so_and_the_next_run_continues(
    services: Services, factory: IntegrationFactory, clock: VirtualClock, vendor: TinyVendor
) -> None:
    """With 2 pages per stream, 12 people need two runs: the first is `partial` and says
    why, the second reads the rest from the committed cursor; nothing is lost."""
    sync = engine(services, factory, clock, max_pages=2)
    first = await sync.run("people")
    assert first.status == "partial"
    assert "page safety limit" in first.details["page_limit"]["people"]
    assert first.per_stream["people"]["processed"] == 10
    second = await sync.run("people")
    assert second.status == "success"
    people = await local(services, ContactRow, "external_id")
    assert set(people) == set(vendor.records["people"])


async def test_unknown_stream_is_refused(
    services: Services, factory: IntegrationFactory, clock: VirtualClock
) -> None:
    from integrations.errors import SyncError

    with pytest.raises(SyncError, match="no stream 'nope'"):
        await engine(services, factory, clock).run("nope")
