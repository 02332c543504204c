"""Shared fixtures and helpers for the PandaDoc simulator tests.

The webhook receiver verifies signatures with its own `hmac` computation (not the
simulator's signer), and the contract adapter turns httpx exchanges into openapi-core
request/response objects, so the tests check the simulator against independent references.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi import FastAPI, Request, Response

from integrations.simulators.pandadoc import PandaDocSimulator, create_simulator
from integrations.simulators.transport import SimulatorTransport

__all__ = [
    "API",
    "SPEC_PATH",
    "Receiver",
    "client_for",
    "create_doc",
    "first_template",
    "ready_doc",
    "subscribe",
]

API = "https://api.pandadoc.com"
SPEC_PATH = Path(__file__).resolve().parents[4] / "shared" / "contracts" / "pandadoc-openapi.json"
AUTH = {"Authorization": "API-Key test-key"}
HOOKS = "/public/v1/webhook-subscriptions"
ALL_DOC_EVENTS = [
    "document_state_changed",
    "recipient_completed",
    "document_completed_pdf_ready",
    "document_creation_failed",
    "document_updated",
    "document_deleted",
]


@dataclass
class Receiver:
    """An in-process webhook endpoint that checks `?signature=` with its own HMAC."""

    keys: dict[str, str] = field(default_factory=dict)  # subscription url path -> shared key
    statuses: list[int] = field(default_factory=list)  # answers to give first (then 200)
    calls: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/{name}")
        async def hook(name: str, request: Request) -> Response:
            raw = await request.body()
            key = self.keys.get(name, "")
            expected = hmac.new(key.encode(), raw, hashlib.sha256).hexdigest()
            signature = request.query_params.get("signature", "")
            self.calls.append(
                {
                    "name": name,
                    "raw": raw,
                    "body": json.loads(raw),
                    "signature_ok": hmac.compare_digest(expected, signature),
                    "event_id": request.headers.get("x-pandadoc-webhook-event-id"),
                }
            )
            return Response(status_code=self.statuses.pop(0) if self.statuses else 200)

        return app

    def events(self, name: str | None = None) -> list[str]:
        """Event names received, in order (each delivery is an array of notifications)."""
        return [
            item["event"]
            for call in self.calls
            if name is None or call["name"] == name
            for item in call["body"]
        ]


@pytest.fixture(name="sim")
def _sim() -> PandaDocSimulator:
    return create_simulator(seed=7)


@pytest.fixture(name="client")
async def _client(sim: PandaDocSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    async with client_for(sim) as client:
        yield client


@pytest.fixture(name="receiver")
def _receiver(sim: PandaDocSimulator) -> Receiver:
    receiver = Receiver()
    sim.emitter.transport = httpx2.ASGITransport(app=receiver.app())
    return receiver


def client_for(sim: PandaDocSimulator, **kwargs: Any) -> httpx2.AsyncClient:
    """A client talking to `sim` in-process with a valid API key."""
    headers = kwargs.pop("headers", AUTH)
    transport = kwargs.pop("transport", None) or SimulatorTransport(sim)
    return httpx2.AsyncClient(transport=transport, base_url=API, headers=headers, **kwargs)


async def first_template(client: httpx2.AsyncClient) -> dict[str, Any]:
    """The details of the first seeded template ("Sales Proposal": Client, Sender)."""
    listed = (await client.get("/public/v1/templates")).json()["results"]
    template_id = listed[0]["id"]
    details: dict[str, Any] = (
        await client.get(f"/public/v1/templates/{template_id}/details")
    ).json()
    return details


async def create_doc(client: httpx2.AsyncClient, **extra: Any) -> dict[str, Any]:
    """Create a document from the first template with a Client and a Sender signer."""
    template = await first_template(client)
    body = {
        "name": "Deal",
        "template_uuid": template["id"],
        "recipients": [
            {"email": "client@example.com", "first_name": "Cy", "role": "Client"},
            {"email": "sender@example.com", "first_name": "Sam", "role": "Sender"},
        ],
    } | extra
    answer = await client.post("/public/v1/documents", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def ready_doc(client: httpx2.AsyncClient, sim: PandaDocSimulator, **extra: Any) -> str:
    """A document already processed to `document.draft`; returns its id."""
    doc = await create_doc(client, **extra)
    await sim.advance(sim.config.processing_delay)
    return str(doc["id"])


async def subscribe(
    client: httpx2.AsyncClient, receiver: Receiver, name: str = "hook", **extra: object
) -> dict[str, object]:
    """Subscribe `receiver` (path `/name`) to every document event; remembers the key."""
    body = {"name": name, "url": f"https://receiver.test/{name}", "triggers": ALL_DOC_EVENTS}
    answer = await client.post(HOOKS, json=body | extra)
    assert answer.status_code == 201, answer.text
    receiver.keys[name] = answer.json()["shared_key"]
    return dict(answer.json())
