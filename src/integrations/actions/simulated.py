"""Operations that act out what a vendor's people do, on the vendor's simulator (mock mode).

A PandaDoc recipient opens and signs in a browser; a Typeform respondent fills in a form.
Nothing in a vendor's API does that, so a simulator has a control route for it
(`/_sim/...`), and each connector declares an operation over that route, named
`simulate_<who>_<what>` (`pandadoc simulate_recipient_sign`). It is an ordinary declared
operation: REST action, `integrations call`, MCP tool (a write, so MCP refuses it until
allowed), dry-run. Its request goes through the connector's client, so it is recorded like
any other call (`is_mock`), and the webhooks it sets off reach our receiver as the vendor's
would (see docs/simulators.md, "Mock mode closes the loop").

In live mode it refuses with 409 `mock_mode_only` before anything is sent: the vendor has no
such route, and nobody should be able to sign for a customer through us.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from integrations.actions.declaration import ActionContext
from integrations.errors import IntegrationError

__all__ = ["MockModeOnlyError", "WebhookOutcome", "call_simulator"]


class MockModeOnlyError(IntegrationError):
    """A simulated action was asked of an integration in live mode; nothing was sent."""

    http_status = 409
    code = "mock_mode_only"


class WebhookOutcome(BaseModel):
    """One webhook delivery a simulated action set off, as the simulator attempted it."""

    event: str | None = None
    url: str
    status: int | None = None
    delivered: bool


async def call_simulator(
    context: ActionContext, path: str, *, operation: str, body: dict[str, Any] | None = None
) -> Any:
    """POST `body` to the simulator's control route `path` through the connector's client
    and return the JSON answer.

    Raises:
        MockModeOnlyError: the integration runs in live mode (409; nothing is sent).
        IntegrationError: the simulator refused (404 unknown document or form, 409 wrong
            state), mapped like any answer of the vendor.
    """
    client = context.client
    if not client.is_mock:
        raise MockModeOnlyError(
            f"{client.name} {operation} acts on the {client.name} simulator and runs only in "
            f'mock mode (PATCH /api/v1/integrations/{client.name} {{"mode": "mock"}}); '
            "nothing was sent",
            integration=client.name,
        )
    response = await client.request("POST", path, operation=operation, json=body or {})
    return response.json()
