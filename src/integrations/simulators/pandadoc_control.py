"""PandaDoc-specific control routes under `/_sim/pandadoc`.

What a real account does outside the API — recipients opening and signing in a browser, a
user opening a document in the editor (lock), account settings — is driven from here. Each
route is a thin wrapper over a `PandaDocSimulator` method, so in-process tests and
out-of-process clients exercise the same code. Refusals come back as `{"detail": ...}` with
the status the method chose (404 unknown document, 409 wrong state). A document action
answers the document's status, its recipients' completion and the webhooks it set off
(event, URL, last status; never the signature).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from integrations.simulators.emitter import Delivery
from integrations.simulators.pandadoc_models import PandaDocError
from integrations.simulators.pandadoc_views import status_body

if TYPE_CHECKING:
    from integrations.simulators.pandadoc import PandaDocSimulator

__all__ = ["ApiKeys", "LockRequest", "SignRequest", "StatusRequest", "register_control_routes"]


class ApiKeys(BaseModel):
    """Accepted API keys / bearer tokens (empty: any non-empty credential)."""

    model_config = ConfigDict(extra="forbid")

    keys: list[str]


class SignRequest(BaseModel):
    """Who signs: one recipient by email, or (no email) every signer left, in order."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = None


class LockRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(default=900.0, gt=0)


class StatusRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: str


def register_control_routes(sim: PandaDocSimulator) -> None:
    """Add `/_sim/pandadoc/...` to the simulator app (outside auth, limits and faults)."""
    router = APIRouter(prefix="/_sim/pandadoc", tags=["pandadoc simulator control"])

    @router.put("/api-keys")
    async def set_api_keys(body: ApiKeys) -> dict[str, Any]:
        sim.api_keys = set(body.keys)
        return {"keys": sorted(sim.api_keys)}

    @router.get("/config")
    async def get_config() -> dict[str, Any]:
        return sim.config.model_dump()

    @router.put("/config")
    async def set_config(request: Request) -> JSONResponse:
        """Change some switches, e.g. `{"processing_delay": 0, "pdf_delay": 5}`."""
        try:
            changes = await request.json()
            if not isinstance(changes, dict):
                raise TypeError("expected an object")
            return JSONResponse(sim.configure(**changes).model_dump())
        except (ValidationError, TypeError, ValueError) as exc:
            return JSONResponse({"detail": str(exc)}, status_code=422)

    @router.get("/webhooks/dropped")
    async def dropped_webhooks() -> dict[str, Any]:
        """Events lost on purpose (`webhook_drop_rate`), oldest first."""
        return {"items": list(sim.hub.dropped)}

    @router.get("/outbox")
    async def outbox() -> dict[str, Any]:
        """Simulated notification emails/SMS (none for silently sent documents)."""
        return {"items": list(sim.state.outbox)}

    async def act(coro: Any) -> JSONResponse:
        first = len(sim.emitter.deliveries)
        try:
            doc = await coro
        except PandaDocError as exc:
            return JSONResponse(exc.body, status_code=exc.status)
        # What the action set off, so a caller sees its webhooks arrive (or not) at once.
        webhooks = [_outcome(d) for d in sim.emitter.deliveries[first:]]
        recipients = [
            {"email": r.email, "role": r.role, "has_completed": r.has_completed}
            for r in doc.recipients
        ]
        extra = {"lock": doc.lock, "recipients": recipients, "webhooks": webhooks}
        return JSONResponse(status_body(doc) | extra)

    @router.post("/documents/{doc_id}/view")
    async def view(doc_id: str) -> JSONResponse:
        return await act(sim.view(doc_id))

    @router.post("/documents/{doc_id}/sign")
    async def sign(doc_id: str, body: SignRequest | None = None) -> JSONResponse:
        return await act(sim.sign(doc_id, (body or SignRequest()).email))

    @router.post("/documents/{doc_id}/lock")
    async def lock(doc_id: str, body: LockRequest | None = None) -> JSONResponse:
        return await act(sim.lock(doc_id, (body or LockRequest()).seconds))

    @router.delete("/documents/{doc_id}/lock")
    async def unlock(doc_id: str) -> JSONResponse:
        return await act(sim.unlock(doc_id))

    @router.put("/documents/{doc_id}/status")
    async def force_status(doc_id: str, body: StatusRequest) -> JSONResponse:
        return await act(sim.force_status(doc_id, body.status))

    sim.app.include_router(router)


def _outcome(delivery: Delivery) -> dict[str, Any]:
    """One delivery as a control answer shows it: no signature, no body beyond the event."""
    try:
        notes = json.loads(delivery.body)
        event = notes[0]["event"] if isinstance(notes, list) and notes else None
    except (ValueError, KeyError, TypeError):
        event = None
    last = delivery.attempts[-1] if delivery.attempts else {}
    return {
        "event": event,
        "url": delivery.url,
        "status": last.get("status"),
        "delivered": delivery.delivered,
    }
