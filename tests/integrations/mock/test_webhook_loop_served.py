"""Mock mode closes the webhook loop in real `integrations serve` processes, nothing else.

Two servers share one PostgreSQL database, as a scaled-out deployment would: `api` serves
every request with its webhook worker switched off, `drain` only runs a webhook worker. A
simulator in `api` delivers to `api`'s own receiver in-process, which stores the event; only
`drain` can process it, so the local tables change only if the event went through the
shared inbox. `public_url` names a port nobody listens on: a delivery that left the process
over the network would fail, so every `200` below was answered in-process.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen, TimeoutExpired
from typing import Any

import httpx2
import pytest
from cryptography.fernet import Fernet

from integrations.storage import migrate
from tests.helpers.serve_process import ADMIN_TOKEN, RunningServe, spawn_serve
from tests.helpers.services import fresh_postgres_database

# One worker runs the whole file: its tests share the two servers.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("mock-webhook-loop-served")]

PUBLIC_URL = "http://127.0.0.1:9"  # the discard port: nothing answers there
DEADLINE_S = 15.0
STARTUP_S = 60.0
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@dataclass(frozen=True, slots=True)
class Servers:
    api: RunningServe
    drain: RunningServe


def _wait_until_serving(started: list[tuple[Popen[bytes], RunningServe]]) -> None:
    """Poll each server's `/healthz` until 200, with one client (a client per poll would
    spend more CPU on TLS set-up than the servers' start-up gets on a busy machine)."""
    deadline = time.monotonic() + STARTUP_S
    with httpx2.Client(timeout=5) as client:
        for process, server in started:
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"serve exited with {process.returncode}:\n{server.log.read_text()}"
                    )
                try:
                    if client.get(f"{server.url}/healthz").status_code == 200:
                        break
                except httpx2.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"not serving within {STARTUP_S}s:\n{server.log.read_text()}")
                time.sleep(0.2)  # a polling interval inside a deadline of STARTUP_S


@pytest.fixture(name="servers", scope="module")
def _servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """`api` (API, no webhook worker) and `drain` (webhook worker) on one new database."""
    folder = tmp_path_factory.mktemp("loop")
    shared = {
        "INTEGRATIONS_PUBLIC_URL": PUBLIC_URL,
        "INTEGRATIONS_SECRET_KEY": Fernet.generate_key().decode(),
    }
    with fresh_postgres_database() as url:
        # Migrated here, so the two servers (whose start-up only finds it current) can start
        # side by side: most of a start is importing, which they then share in time.
        migrate.upgrade(url)
        started = [
            spawn_serve(folder, url, INTEGRATIONS_WEBHOOKS__WORKER_ENABLED="false", **shared),
            spawn_serve(folder, url, **shared),
        ]
        try:
            _wait_until_serving(started)
            yield Servers(started[0][1], started[1][1])
        finally:
            for process, _ in started:
                if process.poll() is None:
                    process.terminate()  # SIGTERM to this PID: uvicorn shuts down gracefully
            for process, _ in started:
                try:
                    process.wait(timeout=15)
                except TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)


def _client(server: RunningServe) -> httpx2.Client:
    return httpx2.Client(base_url=server.url, headers=ADMIN, timeout=60)


def _enable_mock(client: httpx2.Client, name: str) -> None:
    answer = client.patch(f"/api/v1/integrations/{name}", json={"enabled": True, "mode": "mock"})
    assert answer.status_code == 200, answer.text


def _action(client: httpx2.Client, integration: str, action: str, /, **arguments: Any) -> Any:
    answer = client.post(f"/api/v1/integrations/{integration}/actions/{action}", json=arguments)
    assert answer.status_code == 200, answer.text
    return answer.json()


def _poll(read: Callable[[], Any], done: Callable[[Any], bool]) -> Any:
    """`read()` until `done` holds for its value, within DEADLINE_S; the last value."""
    deadline = time.monotonic() + DEADLINE_S
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.2)  # a polling interval inside a deadline of DEADLINE_S
        value = read()
    assert done(value), value
    return value


def _assert_quiet(servers: Servers) -> None:
    """Neither server logged an error or a refused webhook so far."""
    for server in (servers.api, servers.drain):
        log = Path(server.log).read_text()
        assert "webhook.rejected" not in log and "webhook.refused" not in log, log
        assert "[error" not in log and "Traceback" not in log, log


def _changes(client: httpx2.Client, integration: str, entity: str) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {"integration": integration, "entity": entity, "limit": 500}
    page = client.get("/api/v1/changes", params=params)
    assert page.status_code == 200, page.text
    changes: list[dict[str, Any]] = page.json()["changes"]
    return changes


def test_pandadoc_create_send_sign_lands_in_the_documents_table(servers: Servers) -> None:
    """Create from a template, send, a simulated signature: every webhook is verified and
    stored by `api`, processed by `drain`, and the document is `completed` in the local
    table and in the change feed."""
    with _client(servers.api) as api:
        _enable_mock(api, "pandadoc")
        [template] = _action(api, "pandadoc", "list_templates", query="Sales Proposal")["templates"]
        recipients = [
            {"email": "client@example.com", "role": "Client"},
            {"email": "sender@example.com", "role": "Sender"},
        ]
        draft = _action(
            api,
            "pandadoc",
            "create_document",
            template_id=template["id"],
            name="Loop proposal",
            recipients=recipients,
        )
        document_id = draft["id"]
        assert draft["status"] == "document.draft"
        sent = _action(api, "pandadoc", "send_document", document_id=document_id, silent=True)
        assert sent["status"] == "document.sent"
        signed = _action(api, "pandadoc", "simulate_recipient_sign", document_id=document_id)
        assert signed["status"] == "document.completed"
        assert all(r["has_completed"] for r in signed["recipients"])
        events = [w["event"] for w in signed["webhooks"]]
        assert events.count("recipient_completed") == 2 and "document_state_changed" in events
        target = f"{PUBLIC_URL}/api/v1/webhooks/pandadoc"
        assert {(w["url"], w["status"], w["delivered"]) for w in signed["webhooks"]} == {
            (target, 200, True)
        }

        row = _poll(
            lambda: api.get(f"/api/v1/pandadoc/documents/{document_id}").json(),
            lambda doc: doc.get("status") == "document.completed",
        )
        assert {r["email"]: r["has_completed"] for r in row["recipients"]} == {
            "client@example.com": True,
            "sender@example.com": True,
        }
        mine = [
            c for c in _changes(api, "pandadoc", "documents") if c["external_id"] == document_id
        ]
        assert mine[0]["kind"] == "created" and mine[-1]["data"]["status"] == "document.completed"
        assert {c["source"] for c in mine} == {"webhook"}
        stored = api.get("/api/v1/webhook-events", params={"integration": "pandadoc"}).json()
        assert stored["total"] >= 6  # draft, sent, viewed, 2 signatures, completed
        assert {e["status"] for e in stored["items"]} == {"processed"}
    _assert_quiet(servers)


def test_typeform_submission_lands_in_the_responses_table(servers: Servers) -> None:
    """Set up our webhook on a form, a simulated respondent submits: the `form_response`
    delivery, signed with the form webhook's own secret, becomes a stored response."""
    with _client(servers.api) as api:
        _enable_mock(api, "typeform")
        hook = _action(api, "typeform", "setup_webhook", form_id="Onb0Rd5x")
        assert hook["url"] == f"{PUBLIC_URL}/api/v1/webhooks/typeform" and hook["enabled"]
        submitted = _action(
            api,
            "typeform",
            "simulate_respondent_submit",
            form_id="Onb0Rd5x",
            answers={"full_name": "Ada Loop"},
        )
        assert [(w["event"], w["status"], w["delivered"]) for w in submitted["webhooks"]] == [
            ("form_response", 200, True)
        ]
        token = submitted["token"]

        def stored() -> list[dict[str, Any]]:
            page = api.get("/api/v1/typeform/forms/Onb0Rd5x/responses").json()
            return [r for r in page["items"] if r["token"] == token]

        [response] = _poll(stored, lambda found: len(found) == 1)
        assert response["response_type"] == "completed"
        assert response["answers"]["full_name"] == "Ada Loop"
        keys = [c["external_id"] for c in _changes(api, "typeform", "form_responses")]
        assert keys == [f"Onb0Rd5x:{token}"]
    _assert_quiet(servers)
