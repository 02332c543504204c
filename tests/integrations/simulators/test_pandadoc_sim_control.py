"""PandaDoc simulator: deletes, locks, the manual-status table, fault shapes, control API."""

from __future__ import annotations

import httpx2
import pytest

from integrations.simulators import create
from integrations.simulators.faults import FaultPlan
from integrations.simulators.pandadoc import PandaDocSimulator
from tests.integrations.simulators.pandadoc_support import (
    Receiver,
    _client,
    _receiver,
    _sim,
    create_doc,
    ready_doc,
    subscribe,
)

__all__ = ["_client", "_receiver", "_sim"]

DOCS = "/public/v1/documents"
HOOKS = "/public/v1/webhook-subscriptions"


async def test_delete_then_404(client: httpx2.AsyncClient, sim: PandaDocSimulator) -> None:
    """DELETE answers 204 and the document is gone for status and details."""
    doc_id = await ready_doc(client, sim)
    deleted = await client.delete(f"{DOCS}/{doc_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = await client.get(f"{DOCS}/{doc_id}")
    assert gone.status_code == 404
    assert gone.json() == {"type": "request_error", "detail": "Not found"}
    assert (await client.delete(f"{DOCS}/{doc_id}")).status_code == 404


async def test_locked_document_answers_423(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """Writes to a locked document are 423 document_locked until the lock expires."""
    doc_id = await ready_doc(client, sim)
    assert (await client.post(f"/_sim/pandadoc/documents/{doc_id}/lock")).status_code == 200
    for method, path, body in (
        ("DELETE", "", None),
        ("POST", "/send", {}),
        ("PATCH", "/status", {"status": 2}),
        ("POST", "/draft", None),
    ):
        answer = await client.request(method, f"{DOCS}/{doc_id}{path}", json=body)
        assert answer.status_code == 423, (method, path)
        assert answer.json()["type"] == "document_locked"
        assert answer.json()["lock_type"] == "wopi_editing"
        assert len(answer.json()["locked_by_user_id"]) == 22
    details = (await client.get(f"{DOCS}/{doc_id}/details")).json()
    assert details["lock"]["lock_type"] == "wopi_editing"
    await sim.advance(901)
    assert (await client.delete(f"{DOCS}/{doc_id}")).status_code == 204


# The spec's table: current status -> (to completed 2, to voided 11, to paid 10, to declined 12).
TABLE = {
    "document.draft": "YNYY",
    "document.approved": "NNNN",
    "document.sent": "YYNY",
    "document.viewed": "YYNY",
    "document.completed": "NNNY",
    "document.waiting_pay": "NNYY",
    "document.paid": "NNNN",
    "document.voided": "YNYY",
    "document.declined": "YNYN",
}
CASES = [
    (start, code, flags[i] == "Y")
    for start, flags in TABLE.items()
    for i, code in enumerate((2, 11, 10, 12))
]


@pytest.mark.parametrize(("start", "code", "allowed"), CASES)
async def test_manual_status_transition_table(
    client: httpx2.AsyncClient, sim: PandaDocSimulator, start: str, code: int, allowed: bool
) -> None:
    """PATCH status follows the spec's table: 204 when allowed, 409 with the status if not."""
    doc_id = await ready_doc(client, sim)
    if start != "document.draft":
        await sim.force_status(doc_id, start)
    answer = await client.patch(f"{DOCS}/{doc_id}/status", json={"status": code, "note": "x"})
    if allowed:
        assert answer.status_code == 204
        names = {2: "completed", 10: "paid", 11: "voided", 12: "declined"}
        status = (await client.get(f"{DOCS}/{doc_id}")).json()["status"]
        assert status == f"document.{names[code]}"
    else:
        assert answer.status_code == 409 and answer.json()["status"] == start


async def test_manual_status_body_checks(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """A status outside 2/10/11/12 is 400; paid needs a connected payment app."""
    doc_id = await ready_doc(client, sim)
    bad = await client.patch(f"{DOCS}/{doc_id}/status", json={"status": 1})
    assert bad.status_code == 400 and "status" in bad.json()["detail"]
    sim.configure(payment_app_connected=False)
    assert (await client.patch(f"{DOCS}/{doc_id}/status", json={"status": 10})).status_code == 409


async def test_fault_statuses_use_pandadoc_error_shapes(
    client: httpx2.AsyncClient, sim: PandaDocSimulator
) -> None:
    """Injected faults answer with PandaDoc's body for that status."""
    sim.faults.set("*", FaultPlan(script=[403, 423, 502, 429]))
    kinds = [(await client.get(DOCS)).json().get("type") for _ in range(4)]
    assert kinds == ["permissions_error", "document_locked", "server_error", "throttled"]


async def test_control_api_over_http(client: httpx2.AsyncClient, sim: PandaDocSimulator) -> None:
    """The /_sim control routes advance time, sign, lock, force statuses and set keys."""
    doc = await create_doc(client)
    doc_id = doc["id"]
    assert (await client.post("/_sim/advance", json={"seconds": 3})).status_code == 200
    assert (await client.get(f"/public/v1/documents/{doc_id}")).json()["status"] == (
        "document.draft"
    )
    await client.post(f"/public/v1/documents/{doc_id}/send", json={})
    viewed = await client.post(f"/_sim/pandadoc/documents/{doc_id}/view")
    assert viewed.json()["status"] == "document.viewed"
    for email in ("client@example.com", "sender@example.com"):
        signed = await client.post(f"/_sim/pandadoc/documents/{doc_id}/sign", json={"email": email})
    assert signed.json()["status"] == "document.completed"
    refused = await client.post(f"/_sim/pandadoc/documents/{doc_id}/view")
    assert refused.status_code == 409
    forced = await client.put(
        f"/_sim/pandadoc/documents/{doc_id}/status", json={"status": "document.waiting_pay"}
    )
    assert forced.json()["status"] == "document.waiting_pay"
    config = await client.put("/_sim/pandadoc/config", json={"processing_delay": 0.5})
    assert config.json()["processing_delay"] == 0.5
    assert (await client.put("/_sim/pandadoc/config", json={"nope": 1})).status_code == 422
    assert len((await client.get("/_sim/pandadoc/outbox")).json()["items"]) == 4
    keys = await client.put("/_sim/pandadoc/api-keys", json={"keys": ["k1"]})
    assert keys.json() == {"keys": ["k1"]} and sim.api_keys == {"k1"}


async def test_reset_restores_seeded_state(
    client: httpx2.AsyncClient, sim: PandaDocSimulator, receiver: Receiver
) -> None:
    """Reset brings back the same templates and clears documents, subscriptions, settings."""
    before = (await client.get("/public/v1/templates")).json()
    await subscribe(client, receiver)
    await create_doc(client)
    sim.configure(processing_delay=9, sandbox=True)
    sim.api_keys = {"other"}
    assert (await client.post("/_sim/reset")).status_code == 200
    assert sim.config.processing_delay == 3.0 and not sim.config.sandbox and not sim.api_keys
    assert (await client.get("/public/v1/templates")).json() == before
    assert (await client.get("/public/v1/documents")).json() == {"results": []}
    assert (await client.get(HOOKS)).json() == {"items": []}
    assert [w.name for w in sim.limiter.windows][:2] == ["create from PDF", "create from template"]


def test_registered_in_simulators_registry() -> None:
    """`create("pandadoc")` builds this simulator from the registry."""
    assert isinstance(create("pandadoc", seed=3), PandaDocSimulator)


async def test_unknown_routes_answer_pandadoc_shapes(client: httpx2.AsyncClient) -> None:
    """Unknown vendor paths and methods get PandaDoc bodies; control paths keep FastAPI's."""
    missing = await client.get("/public/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"type": "request_error", "detail": "Not found"}
    wrong = await client.put(DOCS)
    assert wrong.status_code == 405 and wrong.json()["type"] == "request_error"
    invalid = await client.post("/_sim/pandadoc/documents/x/sign", json={"emial": "a@b.co"})
    assert invalid.status_code == 422 and isinstance(invalid.json()["detail"], list)
    assert (await client.post("/_sim/pandadoc/documents/x/view")).status_code == 404
