"""PandaDoc's simulated recipients (mock mode only): a recipient views or signs a sent document.

Declared with the other operations (`tools.TOOLS`). Each runs the simulator's control route
(`POST /_sim/pandadoc/documents/{id}/view|sign`) through the PandaDoc client; the simulator
moves the document (sent → viewed → completed) and delivers the webhooks PandaDoc would send
(`document_state_changed`, `recipient_completed`), which keep our `documents` table current.
In live mode each refuses with 409 `mock_mode_only` (`actions.simulated`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.declaration import ID_PATTERN, ActionContext, OperationSpec
from integrations.actions.simulated import WebhookOutcome, call_simulator
from integrations.core.urls import api_path

__all__ = [
    "SIMULATED_TOOLS",
    "SimulatedDocument",
    "SimulatedRecipient",
    "SimulatedSignInput",
    "SimulatedViewInput",
]

_EXAMPLE_DOC = "msFYActMfJHqNTKH8YSvF1"


class SimulatedViewInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document_id: str = Field(pattern=ID_PATTERN, description="a sent document's id")


class SimulatedSignInput(SimulatedViewInput):
    recipient_email: str | None = Field(
        default=None,
        min_length=3,
        max_length=320,
        description="the signer who signs; leave out for every signer left, in signing order",
    )


class SimulatedRecipient(BaseModel):
    email: str | None
    role: str | None
    has_completed: bool


class SimulatedDocument(BaseModel):
    """The document after the simulated action, and the webhooks the action set off."""

    id: str
    name: str
    status: str
    date_modified: dt.datetime | None = None
    date_completed: dt.datetime | None = None
    recipients: list[SimulatedRecipient]
    webhooks: list[WebhookOutcome]


async def _view(context: ActionContext, args: SimulatedViewInput) -> SimulatedDocument:
    path = api_path("/_sim/pandadoc/documents/{id}/view", id=args.document_id)
    answer = await call_simulator(context, path, operation="simulate_recipient_view")
    return SimulatedDocument.model_validate(answer)


async def _sign(context: ActionContext, args: SimulatedSignInput) -> SimulatedDocument:
    path = api_path("/_sim/pandadoc/documents/{id}/sign", id=args.document_id)
    body = {"email": args.recipient_email} if args.recipient_email else {}
    answer = await call_simulator(context, path, operation="simulate_recipient_sign", body=body)
    return SimulatedDocument.model_validate(answer)


def _op(action: str, description: str, model: type[BaseModel], run: Any) -> OperationSpec:
    return OperationSpec(
        "pandadoc",
        action,
        description,
        model,
        SimulatedDocument,
        True,  # it changes the (simulated) vendor's document: MCP asks for permission
        run,
        example={"document_id": _EXAMPLE_DOC},
    )


SIMULATED_TOOLS: list[OperationSpec] = [
    _op(
        "simulate_recipient_view",
        "Mock mode only: a recipient opens a sent document (sent -> viewed), with its webhook.",
        SimulatedViewInput,
        _view,
    ),
    _op(
        "simulate_recipient_sign",
        "Mock mode only: a recipient (default: every signer left) signs a sent document; the "
        "last signature completes it. Its webhooks update the local documents table.",
        SimulatedSignInput,
        _sign,
    ),
]
