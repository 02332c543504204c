"""Call log and metrics APIs: every call is in the detailed log (23), rates for any sequence
(24) through the whole pipeline, filters, pagination, CSV, and bad input named."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import uuid

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.errors import IntegrationError
from integrations.factory import IntegrationFactory
from integrations.logging import bind_trace_id
from integrations.mock.operations import get_item
from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.simulators.mock import CannedResponse, MockSimulator
from integrations.storage.db import Database
from integrations.storage.tables import CallLogRow

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
FAST = {"retry": {"max_attempts": 1}, "circuit": {"failure_threshold": 1000}}
BASE = "/api/v1/integrations/mock"


async def _clear(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.exec_driver_sql("DELETE FROM integration_call_logs")
        await conn.exec_driver_sql("DELETE FROM integration_metrics")


async def _run_calls(services: Services, statuses: list[int]) -> list[str]:
    """One `get_item` per status through the process factory (mock mode); the trace ids."""
    update = IntegrationSettingsUpdate.model_validate({"enabled": True, "mode": "mock", **FAST})
    await services.update_config("mock", update, changed_by="test")
    factory = IntegrationFactory.for_process(services)
    simulator = factory.simulator("mock")
    assert isinstance(simulator, MockSimulator)
    traces = []
    for status in statuses:
        simulator.canned["get_item"] = CannedResponse(status=status, body={"id": "1"})
        with bind_trace_id(uuid.uuid4().hex) as trace, contextlib.suppress(IntegrationError):
            traces.append(trace)
            await get_item(await factory.get("mock"), "1")  # type: ignore[arg-type]
    await factory.close()  # writes the call log rows and this process's metric windows
    return traces


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(statuses=st.lists(st.sampled_from([200, 201, 404, 409, 429, 500, 503]), max_size=10))
async def test_property_23_24_every_call_logged_and_rates_exact(
    client: httpx2.AsyncClient, services: Services, statuses: list[int]
) -> None:
    """Each call's trace id finds exactly its call; the metrics' counts and rates match."""
    await _clear(services.db)
    traces = await _run_calls(services, statuses)
    for trace, status in zip(traces, statuses, strict=True):
        answer = await client.get(f"{BASE}/calls/{trace}")
        assert answer.status_code == 200, answer.text
        (item,) = answer.json()["items"]
        assert (item["status_code"], item["success"]) == (status, status < 400)
        assert item["response_summary"]["status"] == status  # the detail view's summaries
    failed = sum(s >= 400 for s in statuses)
    listed = (await client.get(f"{BASE}/calls", params={"status": "failure"})).json()
    assert listed["total"] == failed
    totals = (await client.get(f"{BASE}/metrics")).json()["totals"]
    assert (totals["calls"], totals["failures"]) == (len(statuses), failed)
    expected_rate = (len(statuses) - failed) / len(statuses) if statuses else None
    assert totals["success_rate"] == pytest.approx(expected_rate)
    assert totals["rate_limited"] == statuses.count(429)


async def _insert_calls(db: Database, count: int) -> None:
    async with db.sessions.begin() as session:
        for i in range(count):
            session.add(
                CallLogRow(
                    integration="mock",
                    operation="get_item" if i % 2 else "list_items",
                    method="GET",
                    url=f"https://mock.example/items/{i}",
                    status_code=200 if i % 3 else 500,
                    success=bool(i % 3),
                    duration_ms=float(i),
                    trace_id=f"trace-{i}",
                    created_at=NOW - dt.timedelta(minutes=count - i),
                )
            )


async def test_pages_walk_every_call_newest_first(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Following `next_cursor` visits every matching call once, newest first."""
    await _insert_calls(services.db, 25)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 10, "operation": "get_item"}
        if cursor is not None:
            params["cursor"] = cursor
        page = (await client.get(f"{BASE}/calls", params=params)).json()
        assert page["total"] == 12
        seen += [item["trace_id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"trace-{i}" for i in range(23, 0, -2)]


async def test_time_and_status_filters(client: httpx2.AsyncClient, services: Services) -> None:
    """`since`/`until` are a half-open range; `status` picks successes or failures."""
    await _insert_calls(services.db, 10)
    since = (NOW - dt.timedelta(minutes=4)).isoformat()
    until = (NOW - dt.timedelta(minutes=1)).isoformat()
    page = (await client.get(f"{BASE}/calls", params={"since": since, "until": until})).json()
    assert [i["trace_id"] for i in page["items"]] == ["trace-8", "trace-7", "trace-6"]
    failures = (await client.get(f"{BASE}/calls", params={"status": "failure"})).json()
    assert {i["trace_id"] for i in failures["items"]} == {
        "trace-0",
        "trace-3",
        "trace-6",
        "trace-9",
    }


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        pytest.param("/calls", {"status": "ok"}, "status", id="status"),
        pytest.param("/calls", {"since": "yesterday"}, "since", id="since-format"),
        pytest.param(
            "/calls",
            {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
            "until",
            id="reversed",
        ),
        pytest.param("/calls", {"limit": 0}, "limit", id="limit"),
        pytest.param("/calls", {"cursor": "abc"}, "cursor", id="cursor"),
        pytest.param("/calls/bad%20id", {}, "trace_id", id="trace-id"),
        pytest.param(
            "/metrics",
            {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "to",
            id="from-after-to",
        ),
        pytest.param(
            "/metrics",
            {"from": "2026-01-01T00:00:00Z", "to": "2026-03-01T00:00:00Z"},
            "to",
            id="span",
        ),
        pytest.param("/metrics", {"format": "xml"}, "format", id="format"),
        pytest.param("/metrics", {"to": "2026-01-01"}, "to", id="to-without-zone"),
    ],
)
async def test_bad_input_is_422_naming_the_field(
    client: httpx2.AsyncClient, path: str, params: dict[str, str | int], field: str
) -> None:
    """Every bad filter is a 422 whose body names the parameter."""
    answer = await client.get(BASE + path, params=params)
    assert answer.status_code == 422, answer.text
    assert [e["field"] for e in answer.json()["error"]["errors"]] == [field]


async def test_unknown_integration_and_trace_are_404(client: httpx2.AsyncClient) -> None:
    """An unknown name is a 404 naming it; an unknown trace id is a 404 naming both."""
    for path in ("/api/v1/integrations/nope/calls", "/api/v1/integrations/nope/metrics"):
        answer = await client.get(path)
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "unknown_integration"
        assert "'nope'" in answer.json()["error"]["message"]
    answer = await client.get(f"{BASE}/calls/feedface")
    assert answer.status_code == 404 and "feedface" in answer.json()["error"]["message"]


async def test_admin_token_required(client: httpx2.AsyncClient) -> None:
    """Without the admin token both APIs answer 401."""
    for path in ("/calls", "/calls/abc", "/metrics"):
        answer = await client.get(BASE + path, headers={"Authorization": "Bearer wrong"})
        assert answer.status_code == 401


async def test_metrics_csv_series(client: httpx2.AsyncClient, services: Services) -> None:
    """`format=csv` answers the JSON series as CSV rows under a header row."""
    await _run_calls(services, [200, 500, 200])
    as_json = (await client.get(f"{BASE}/metrics", params={"operation": "get_item"})).json()
    answer = await client.get(f"{BASE}/metrics", params={"operation": "get_item", "format": "csv"})
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == len(as_json["items"]) >= 1
    assert sum(int(r["calls"]) for r in rows) == 3
    assert {r["operation"] for r in rows} == {"get_item"}
    assert float(rows[-1]["p50_ms"]) == pytest.approx(as_json["items"][-1]["p50_ms"])


async def test_trace_shows_the_limiter_and_breaker_decisions(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """A call held back by our rate limiter shows its wait; the call that met the open
    breaker shows it refused, the calls before it admitted."""
    limited = {
        "enabled": True,
        "mode": "mock",
        "retry": {"max_attempts": 1},
        "circuit": {"failure_threshold": 1},
        "rate_limits": [{"limit": 1, "period_seconds": 0.2}],
    }
    update = IntegrationSettingsUpdate.model_validate(limited)
    await services.update_config("mock", update, changed_by="test")
    factory = IntegrationFactory.for_process(services)
    simulator = factory.simulator("mock")
    assert isinstance(simulator, MockSimulator)
    traces = []
    for status in (200, 500, 200):  # the 500 opens the breaker (threshold 1)
        simulator.canned["get_item"] = CannedResponse(status=status, body={"id": "1"})
        with bind_trace_id(uuid.uuid4().hex) as trace, contextlib.suppress(IntegrationError):
            traces.append(trace)
            await get_item(await factory.get("mock"), "1")  # type: ignore[arg-type]
    await factory.close()

    first, second, third = [
        (await client.get(f"{BASE}/calls/{trace}")).json()["items"][0] for trace in traces
    ]
    assert first["limiter"] == {"waits": 0, "wait_seconds": 0.0}
    assert first["breaker"] == {"state": "closed", "refused": False, "decisions": ["admitted"]}
    assert second["limiter"]["waits"] == 1 and second["limiter"]["wait_seconds"] > 0
    assert second["breaker"]["decisions"] == ["admitted"]
    assert third["breaker"] == {"state": "open", "refused": True, "decisions": ["refused"]}
    assert third["error_class"] == "CircuitOpenError"
