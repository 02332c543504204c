"""The control API under `/_sim/`: faults, limits, time, journal, webhooks, reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from integrations.simulators.faults import FaultPlan
from integrations.simulators.limits import SimRateLimit

if TYPE_CHECKING:
    from integrations.simulators.kit import Simulator

__all__ = ["control_router"]

control_router = APIRouter(prefix="/_sim", tags=["simulator control"])


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.simulator
    return sim


SimDep = Annotated["Simulator", Depends(_sim)]


class FaultRequest(BaseModel):
    """A plan for one route: "*" (all), "GET /path", or "POST /prefix/*"."""

    model_config = ConfigDict(extra="forbid")

    route: str = "*"
    plan: FaultPlan


class AdvanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seconds: float = Field(ge=0, le=86_400 * 365)


class WebhookTarget(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None
    secret: str = ""


@control_router.get("/state")
async def state(sim: SimDep) -> dict[str, Any]:
    """Name, seed, simulated time offset, faults, limits, counts."""
    return {
        "name": sim.name,
        "seed": sim.seed,
        "time_offset_seconds": sim.clock.offset,
        "faults": {route: plan.model_dump() for route, plan in sim.faults.plans.items()},
        "rate_limits": [w.model_dump() for w in sim.limiter.windows],
        "requests": len(sim.journal),
        "rate_limited": sim.limiter.rejected,
        "webhooks": len(sim.emitter.deliveries),
        "webhook_target": sim.emitter.url,
    }


@control_router.put("/faults")
async def set_faults(body: FaultRequest, sim: SimDep) -> dict[str, Any]:
    """Replace the fault plan of one route."""
    sim.faults.set(body.route, body.plan)
    return {"route": body.route, "plan": body.plan.model_dump()}


@control_router.delete("/faults")
async def clear_faults(sim: SimDep) -> dict[str, Any]:
    sim.faults.clear()
    return {"faults": {}}


@control_router.put("/rate-limits")
async def set_limits(body: list[SimRateLimit], sim: SimDep) -> dict[str, Any]:
    """Replace the vendor's rate-limit windows (an empty list turns limiting off)."""
    sim.set_rate_limits(body)
    return {"rate_limits": [w.model_dump() for w in body]}


@control_router.post("/advance")
async def advance(body: AdvanceRequest, sim: SimDep) -> dict[str, Any]:
    """Move simulated time forward (document processing, token expiry, ...)."""
    await sim.advance(body.seconds)
    return {"time_offset_seconds": sim.clock.offset}


@control_router.get("/requests")
async def requests(
    sim: SimDep, method: str | None = None, path: str | None = None
) -> dict[str, Any]:
    """Every received request, oldest first."""
    return {"items": [r.as_dict() for r in sim.journal.all(method=method, path=path)]}


@control_router.put("/webhook-target")
async def webhook_target(body: WebhookTarget, sim: SimDep) -> dict[str, Any]:
    """Where signed webhooks go, and the secret they are signed with."""
    sim.emitter.target(body.url, body.secret)
    return {"url": body.url}


@control_router.get("/webhooks")
async def webhooks(sim: SimDep) -> dict[str, Any]:
    """Every emitted webhook with its delivery attempts."""
    return {"items": [d.as_dict() for d in sim.emitter.deliveries]}


@control_router.post("/reset")
async def reset(sim: SimDep) -> dict[str, Any]:
    """Back to the start state."""
    sim.reset()
    return {"reset": True}
