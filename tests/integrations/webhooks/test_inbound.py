"""The inbound pipeline: store-then-ack, dedupe, refusals, retries (52), outcomes (53), admin."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import time
from typing import Any

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from structlog.testing import capture_logs

from integrations.runtime_config import IntegrationSettingsUpdate
from integrations.services import Services
from integrations.storage.tables_inbound import WebhookEventRow
from integrations.webhooks.dispatch import InboxEvent
from integrations.webhooks.runtime import WebhookRuntime
from integrations.webhooks.schemes import sign_standard

SECRET = "whsec_" + base64.b64encode(b"inbound-test-secret-0123456789ab").decode()
ADMIN = {"Authorization": "Bearer test-admin-token-0123456789"}
URL = "/api/v1/webhooks/generic"


def signed(event_id: str, payload: dict[str, Any], secret: str = SECRET) -> dict[str, Any]:
    body = json.dumps(payload).encode()
    ts = int(time.time())
    headers = {
        "webhook-id": event_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign_standard(secret, event_id, ts, body),
        "content-type": "application/json",
    }
    return {"content": body, "headers": headers}


async def enable(services: Services, **credentials: str) -> None:
    creds = {"webhook_secret": SECRET, **credentials}
    update = IntegrationSettingsUpdate.model_validate({"enabled": True, "credentials": creds})
    await services.update_config("generic", update, changed_by="test")


async def _count(services: Services) -> int:
    async with services.db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(WebhookEventRow)) or 0)


async def test_store_then_ack_and_dedupe(client: httpx2.AsyncClient, services: Services) -> None:
    """A verified delivery is stored before its 200; a repeat answers 200 as a duplicate."""
    await enable(services)
    first = await client.post(URL, **signed("msg_1", {"type": "a.b"}))
    assert first.status_code == 200 and first.json() == {"status": "accepted", "event_id": "msg_1"}
    assert await _count(services) == 1
    again = await client.post(URL, **signed("msg_1", {"type": "a.b"}))
    assert again.json()["status"] == "duplicate"
    assert await _count(services) == 1


@pytest.mark.parametrize(
    "case",
    [
        pytest.param("bad-signature", id="bad"),
        pytest.param("no-secret", id="no-secret"),
        pytest.param("disabled", id="disabled"),
    ],
)
async def test_refusals_store_nothing(
    client: httpx2.AsyncClient, services: Services, app: Any, case: str
) -> None:
    """Bad signatures and missing secrets get 401, a disabled integration 409
    `integration_disabled` (the vendor retries; no 2xx it would take as delivered), and
    nothing is stored."""
    if case == "bad-signature":
        await enable(services)
        delivery = signed("msg_x", {"secret_payload": 1}, secret="whsec_" + "A" * 40)
    else:
        if case == "disabled":
            await services.update_config(
                "generic",
                IntegrationSettingsUpdate.model_validate(
                    {"credentials": {"webhook_secret": SECRET}}
                ),
                changed_by="t",
            )
        else:
            update = IntegrationSettingsUpdate.model_validate({"enabled": True})
            await services.update_config("generic", update, changed_by="t")
        delivery = signed("msg_x", {"secret_payload": 1})
    with capture_logs() as logs:
        response = await client.post(URL, **delivery)
    if case == "disabled":
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "integration_disabled"
        assert "generic is disabled" in response.json()["error"]["message"]
    else:
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "invalid_signature"
        assert app.state.webhooks.receiver.rejected["generic"] == 1
    assert await _count(services) == 0
    assert "secret_payload" not in json.dumps(logs, default=str)


async def test_unknown_integration_and_size_limit(
    client: httpx2.AsyncClient, services: Services
) -> None:
    """Unknown integrations are 404; bodies over the limit are 413 before anything else."""
    assert (await client.post("/api/v1/webhooks/nope", content=b"{}")).status_code == 404
    assert (await client.post("/api/v1/webhooks/practicepanther", content=b"{}")).status_code == 404
    await enable(services)
    big = signed("msg_big", {"blob": "x" * 1_100_000})
    response = await client.post(URL, **big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_secret_rotation_grace_period(client: httpx2.AsyncClient, services: Services) -> None:
    """During the grace period old and new secrets verify; after it only the new one."""
    new = "whsec_" + base64.b64encode(b"brand-new-secret-0123456789abcdef").decode()
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    await enable(
        services,
        webhook_secret=new,
        webhook_secret_previous=SECRET,
        webhook_secret_previous_expires_at=later,
    )
    assert (await client.post(URL, **signed("m1", {}, secret=SECRET))).status_code == 200
    assert (await client.post(URL, **signed("m2", {}, secret=new))).status_code == 200
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)).isoformat()
    await enable(
        services,
        webhook_secret=new,
        webhook_secret_previous=SECRET,
        webhook_secret_previous_expires_at=past,
    )
    client_app = client._transport.app  # type: ignore[attr-defined]
    client_app.state.webhooks.receiver.secrets.invalidate("generic")
    assert (await client.post(URL, **signed("m3", {}, secret=SECRET))).status_code == 401
    assert (await client.post(URL, **signed("m4", {}, secret=new))).status_code == 200


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(failures=st.integers(0, 7))
async def test_property_52_retries_with_growing_delays(services: Services, failures: int) -> None:
    """A failing handler is retried with growing delays until it succeeds or the limit."""
    await enable(services)
    runtime = WebhookRuntime.build(services)
    runtime.worker.max_attempts = 5
    calls: list[int] = []

    async def flaky(event: InboxEvent, session: AsyncSession) -> None:
        calls.append(event.attempt)
        if len(calls) <= failures:
            raise RuntimeError(f"boom {len(calls)} token=should-not-leak")

    runtime.handlers.register("generic", "*", flaky)
    event_id = f"evt-{failures}-{time.monotonic_ns()}"
    await runtime.receiver.inbox.store(_incoming(event_id))
    delays: list[float] = []
    while True:
        await runtime.worker.run_once()
        row = await _row(services, event_id)
        if row.status in {"processed", "dead"}:
            break
        delays.append((row.next_attempt_at - dt.datetime.now(dt.UTC)).total_seconds())
        await _make_due(services, event_id)
    expected_attempts = min(failures + 1, 5)
    assert calls == list(range(1, expected_attempts + 1))
    assert row.status == ("processed" if failures < 5 else "dead")
    assert [a["outcome"] for a in row.attempt_log][-1] == row.status
    assert all(d >= 0.9 for d in delays)  # never sooner than a second
    assert "should-not-leak" not in json.dumps(row.attempt_log)


async def test_property_53_every_event_logged_with_outcome(services: Services) -> None:
    """Each processed, retried or dead event writes its attempt and a log line."""
    await enable(services)
    runtime = WebhookRuntime.build(services)
    runtime.worker.max_attempts = 1

    async def handler(event: InboxEvent, session: AsyncSession) -> None:
        if event.payload.get("fail"):
            raise ValueError("nope")

    runtime.handlers.register("generic", "*", handler)
    await runtime.receiver.inbox.store(_incoming("ok-1", {"fail": False}))
    await runtime.receiver.inbox.store(_incoming("bad-1", {"fail": True}))
    with capture_logs() as logs:
        await runtime.worker.run_once()
    events = {(e["event"], e.get("event_id")) for e in logs}
    assert ("webhook.processed", "ok-1") in events
    assert ("webhook.dead_lettered", "bad-1") in events
    assert (await _row(services, "ok-1")).attempt_log[0]["outcome"] == "processed"
    assert (await _row(services, "bad-1")).attempt_log[0]["outcome"] == "dead"


async def test_worker_runs_in_background(
    app: Any, client: httpx2.AsyncClient, services: Services
) -> None:
    """A started worker processes a stored event without being asked."""
    await enable(services)
    done = asyncio.Event()

    async def handler(event: InboxEvent, session: AsyncSession) -> None:
        done.set()

    app.state.webhooks.handlers.register("generic", "*", handler)
    app.state.webhooks.start()
    try:
        await client.post(URL, **signed("bg-1", {"type": "x"}))
        await asyncio.wait_for(done.wait(), 5)
    finally:
        await app.state.webhooks.stop()


async def test_admin_list_detail_retry_replay(
    app: Any, client: httpx2.AsyncClient, services: Services
) -> None:
    """Events can be listed, read, retried one by one and replayed by time range."""
    await enable(services)
    for i in range(3):
        await client.post(URL, **signed(f"adm-{i}", {"type": "t.one" if i else "t.zero"}))
    await app.state.webhooks.worker.run_once()
    listed = (await client.get("/api/v1/webhook-events", params={"limit": 2}, headers=ADMIN)).json()
    assert listed["total"] == 3 and len(listed["items"]) == 2 and listed["next_before_id"]
    rest = await client.get(
        "/api/v1/webhook-events", headers=ADMIN, params={"before_id": listed["next_before_id"]}
    )
    assert len(rest.json()["items"]) == 1
    typed = await client.get(
        "/api/v1/webhook-events",
        headers=ADMIN,
        params={"event_type": "t.zero", "status": "processed"},
    )
    assert [i["event_id"] for i in typed.json()["items"]] == ["adm-0"]
    first_id = listed["items"][-1]["id"]
    detail = (await client.get(f"/api/v1/webhook-events/{first_id}", headers=ADMIN)).json()
    assert detail["signature_valid"] and detail["headers"]["webhook-signature"] == "***"
    assert detail["attempt_log"][0]["outcome"] == "processed"
    assert (
        await client.post(f"/api/v1/webhook-events/{first_id}/retry", headers=ADMIN)
    ).json() == {"queued": 1}
    assert (await client.get("/api/v1/webhook-events/999999", headers=ADMIN)).status_code == 404
    assert (
        await client.post("/api/v1/webhook-events/999999/retry", headers=ADMIN)
    ).status_code == 404
    now = dt.datetime.now(dt.UTC)
    window = {
        "received_from": (now - dt.timedelta(minutes=5)).isoformat(),
        "received_to": (now + dt.timedelta(minutes=5)).isoformat(),
    }
    replay = await client.post("/api/v1/webhook-events/replay", headers=ADMIN, json=window)
    assert replay.json() == {"matched": 3, "queued": 3}
    empty = await client.post(
        "/api/v1/webhook-events/replay",
        headers=ADMIN,
        json={**window, "received_to": window["received_from"]},
    )
    assert empty.json() == {"matched": 0, "queued": 0}  # [t, t) is empty, not an error
    typo = await client.post(
        "/api/v1/webhook-events/replay", headers=ADMIN, json={**window, "integration": "pandadco"}
    )
    assert typo.status_code == 422  # a typo is refused, not answered "nothing matched"
    [error] = typo.json()["error"]["errors"]
    assert error["field"] == "integration" and "pandadoc" in error["reason"]
    await app.state.webhooks.worker.run_once()
    again = (await client.get(f"/api/v1/webhook-events/{first_id}", headers=ADMIN)).json()
    assert again["attempts"] == 2 and again["status"] == "processed"  # retry + replay: one run


def _incoming(event_id: str, payload: dict[str, Any] | None = None) -> Any:
    from integrations.webhooks.inbox import IncomingEvent

    return IncomingEvent("generic", event_id, "t", {}, json.dumps(payload or {}).encode())


async def _row(services: Services, event_id: str) -> WebhookEventRow:
    async with services.db.sessions() as session:
        row = await session.scalar(
            select(WebhookEventRow).where(WebhookEventRow.event_id == event_id)
        )
    assert row is not None
    return row


async def _make_due(services: Services, event_id: str) -> None:
    async with services.db.sessions.begin() as session:
        row = await session.scalar(
            select(WebhookEventRow).where(WebhookEventRow.event_id == event_id)
        )
        assert row is not None
        row.next_attempt_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)


async def test_claim_lost_mid_handler_rolls_the_attempt_back(services: Services) -> None:
    """When the lease runs out during a handler and another worker re-claims the event, the
    first attempt's completion changes nothing and its handler's writes roll back: the event
    is processed once, by the worker that holds it."""
    from integrations.storage.tables import AlertRow
    from integrations.webhooks.queue import EventQueue

    await enable(services)
    runtime = WebhookRuntime.build(services)
    quick = EventQueue(services.db, lease_seconds=0.05)
    runtime.worker.queue = quick
    seen: list[int] = []

    async def slow(event: InboxEvent, session: AsyncSession) -> None:
        seen.append(event.attempt)
        session.add(AlertRow(integration="generic", kind="probe", message=f"a{event.attempt}"))
        if event.attempt == 1:
            await asyncio.sleep(0.1)  # the lease runs out; a second worker takes the event
            await EventQueue(services.db, lease_seconds=60).claim(10)

    runtime.handlers.register("generic", "*", slow)
    await runtime.receiver.inbox.store(_incoming("lost-1"))
    with capture_logs() as logs:
        await runtime.worker.run_once()
    assert "webhook.claim_lost" in {e["event"] for e in logs}
    row = await _row(services, "lost-1")
    assert (row.status, row.attempts, row.attempt_log) == ("processing", 2, [])
    async with services.db.sessions() as session:
        alerts = list(await session.scalars(select(AlertRow)))
    assert alerts == []  # the first attempt's write rolled back with it
    assert seen == [1]
