"""Traffic for the dashboard's browser tests, made through the real server's REST API.

Every connector it calls is switched to mock mode (the whole pipeline runs against the
simulators). It makes successful and failed calls, checks their health once, delivers one
webhook event that is processed and one whose handler fails (dead after one attempt, see
`failing_handlers`), and runs a full PracticePanther sync; then it waits until the call log,
the events and the sync show them.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2

from integrations.webhooks.schemes import sign_standard

__all__ = ["WEBHOOK_SECRET", "Traffic", "make_traffic", "poll"]

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"dashboard-e2e-secret-0123456789ab").decode()
DEADLINE_S = 30.0


@dataclass(frozen=True, slots=True)
class Traffic:
    """What the tests look for on the pages."""

    ok_trace: str  # mock get_item, answered
    failed_trace: str  # pandadoc get_document_status of an unknown document: 404
    processed_event: int  # webhook event row ids
    failed_event: int
    sync_run: int
    health: dict[str, tuple[str, str]]  # name: (status, breaker state) the checks stored


def poll(what: str, check: Callable[[], Any]) -> Any:
    """`check()` until it returns something truthy, within DEADLINE_S (then fail naming `what`)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)  # a polling interval inside a deadline of DEADLINE_S
    raise AssertionError(f"{what}: not within {DEADLINE_S}s")


def _ok(response: httpx2.Response) -> Any:
    assert response.status_code < 300, f"{response.request.url}: {response.text}"
    return response.json()


def _action(api: httpx2.Client, name: str, action: str, body: dict[str, Any]) -> httpx2.Response:
    return api.post(f"/api/v1/integrations/{name}/actions/{action}", json=body)


def _deliver(api: httpx2.Client, event_id: str, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    stamp = int(time.time())
    headers = {
        "webhook-id": event_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard(WEBHOOK_SECRET, event_id, stamp, body),
        "content-type": "application/json",
    }
    _ok(api.post("/api/v1/webhooks/generic", content=body, headers=headers))


def _event_row(api: httpx2.Client, event_type: str, status: str) -> int | None:
    page = _ok(api.get("/api/v1/webhook-events", params={"event_type": event_type}))
    rows = [row for row in page["items"] if row["status"] == status]
    return rows[0]["id"] if rows else None


def _logged(api: httpx2.Client, name: str, trace: str) -> bool:
    return api.get(f"/api/v1/integrations/{name}/calls/{trace}").status_code == 200


def make_traffic(api: httpx2.Client) -> Traffic:
    """Configure, call, deliver and sync through `api` (admin token set); wait for the results."""
    for name in ("mock", "pandadoc", "typeform", "practicepanther"):
        _ok(api.patch(f"/api/v1/integrations/{name}", json={"enabled": True, "mode": "mock"}))
    _ok(
        api.patch(
            "/api/v1/integrations/generic",
            json={"enabled": True, "credentials": {"webhook_secret": WEBHOOK_SECRET}},
        )
    )
    ok = _action(api, "mock", "get_item", {"item_id": "item-1"})
    _ok(_action(api, "mock", "list_items", {"count": 3}))
    _ok(_action(api, "typeform", "list_forms", {}))
    _ok(_action(api, "pandadoc", "list_documents", {}))
    failed = _action(api, "pandadoc", "get_document_status", {"document_id": "unknown000000000000"})
    assert ok.status_code == 200 and failed.status_code == 404, (ok.text, failed.text)
    sync = _ok(api.post("/api/sync/trigger", params={"integration": "practicepanther"},
                        json={"syncType": "full"}))  # fmt: skip
    for name in ("mock", "pandadoc", "typeform"):  # "check now": a stored observation each
        _ok(api.get(f"/api/v1/integrations/{name}/health"))
    _deliver(api, "e2e-processed", {"type": "e2e.processed"})
    _deliver(api, "e2e-failing", {"type": "e2e.failing", "fail_attempts": 1})

    traces = (ok.headers["x-trace-id"], failed.headers["x-trace-id"])
    poll("calls in the call log", lambda: _logged(api, "mock", traces[0]))
    poll("failed call in the call log", lambda: _logged(api, "pandadoc", traces[1]))
    processed = poll("processed event", lambda: _event_row(api, "e2e.processed", "processed"))
    dead = poll("dead event", lambda: _event_row(api, "e2e.failing", "dead"))
    run = poll("finished sync", lambda: _finished_run(api, sync["jobId"]))
    listed = _ok(api.get("/api/v1/health"))["integrations"]
    health = {i["integration"]: (i["status"], i["circuit_state"]) for i in listed if i["source"]}
    return Traffic(traces[0], traces[1], processed, dead, run, health)


def _finished_run(api: httpx2.Client, job_id: str) -> int | None:
    params = {"integration": "practicepanther"}
    runs = _ok(api.get("/api/sync/logs", params=params))["items"]
    done = [run for run in runs if run["status"] == "success"]
    assert not [run for run in runs if run["status"] == "error"], (job_id, runs)
    return done[0]["id"] if done else None
