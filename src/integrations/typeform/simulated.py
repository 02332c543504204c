"""Typeform's simulated respondents (mock mode only): someone submits a form.

Declared with the other operations (`tools.TOOLS`). It runs the simulator's control route
(`POST /_sim/typeform/forms/{id}/submit`) through the Typeform client; the simulator stores a
completed response and delivers `form_response` to every enabled webhook of the form, signed
with that webhook's secret, as Typeform does. With our webhook set up (`setup_webhook`) the
delivery lands in our `form_responses` table. In live mode it refuses with 409
`mock_mode_only` (`actions.simulated`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.actions.declaration import ActionContext, OperationSpec
from integrations.actions.simulated import WebhookOutcome, call_simulator
from integrations.core.urls import api_path
from integrations.typeform.models import FORM_ID_PATTERN

__all__ = ["SIMULATED_TOOLS", "SimulatedSubmission", "SimulatedSubmitInput"]


class SimulatedSubmitInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    form_id: str = Field(pattern=FORM_ID_PATTERN, description="the form's id (from its URL)")
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="answers by field ref or id; fields left out get generated answers",
    )
    hidden: dict[str, str] = Field(
        default_factory=dict, description="values of the form's hidden fields"
    )


class SimulatedSubmission(BaseModel):
    """The stored response and the `form_response` deliveries it set off."""

    form_id: str
    token: str
    landed_at: dt.datetime
    submitted_at: dt.datetime
    hidden: dict[str, Any] = Field(default_factory=dict)
    webhooks: list[WebhookOutcome]


async def _submit(context: ActionContext, args: SimulatedSubmitInput) -> SimulatedSubmission:
    path = api_path("/_sim/typeform/forms/{id}/submit", id=args.form_id)
    body = {"answers": args.answers, "hidden": args.hidden}
    answer = await call_simulator(context, path, operation="simulate_respondent_submit", body=body)
    response = answer["response"]
    webhooks = [
        WebhookOutcome(
            event="form_response",
            url=d["url"],
            status=d["attempts"][-1]["status"] if d["attempts"] else None,
            delivered=d["delivered"],
        )
        for d in answer["deliveries"]
    ]
    return SimulatedSubmission(
        form_id=args.form_id,
        token=response["token"],
        landed_at=response["landed_at"],
        submitted_at=response["submitted_at"],
        hidden=response.get("hidden") or {},
        webhooks=webhooks,
    )


SIMULATED_TOOLS: list[OperationSpec] = [
    OperationSpec(
        "typeform",
        "simulate_respondent_submit",
        "Mock mode only: a respondent submits a form; its webhooks deliver form_response "
        "(stored in the local form_responses table when our webhook is set up).",
        SimulatedSubmitInput,
        SimulatedSubmission,
        True,  # it adds a response at the (simulated) vendor: MCP asks for permission
        _submit,
        example={"form_id": "Onb0Rd5x"},
    ),
]
