"""Setting and clearing a simulator's fault plan through its control API (`/_sim/faults`)."""

from __future__ import annotations

from typing import Any

import httpx2

from integrations.core.client import BaseIntegration
from integrations.errors import IntegrationError

# The vendor's API reads; token exchanges (POST) stay healthy so a storm hits the calls.
STORM_ROUTE = "GET /*"


async def storm(url: str, route: str = STORM_ROUTE, **plan: Any) -> None:
    """Replace the fault plan of `route` at the simulator served on `url`."""
    async with httpx2.AsyncClient(base_url=url) as http:
        answer = await http.put("/_sim/faults", json={"route": route, "plan": plan})
        answer.raise_for_status()


async def calm(url: str) -> None:
    """End every storm at the simulator on `url`."""
    async with httpx2.AsyncClient(base_url=url) as http:
        (await http.delete("/_sim/faults")).raise_for_status()


async def limit(url: str, *windows: dict[str, Any]) -> None:
    """Replace the simulator's rate-limit windows."""
    async with httpx2.AsyncClient(base_url=url) as http:
        (await http.put("/_sim/rate-limits", json=list(windows))).raise_for_status()


async def outcome(call: Any) -> Any:
    """The call's answer or the typed error it raised; anything else propagates (and fails
    the test: an untyped exception is a crash the caller would see)."""
    try:
        return await call
    except IntegrationError as exc:
        return exc


async def breaker_state(client: BaseIntegration) -> str:
    return (await client.breaker.snapshot()).state
