"""`/_sim/practicepanther/…`: the PracticePanther simulator's own controls (no auth).

| route (under `/_sim/practicepanther`) | effect |
|---|---|
| `GET  /state` | volumes, OAuth settings, token counters, change log |
| `PUT  /volumes` | `{"contacts": 100000, …}`: new volumes, change log cleared |
| `POST /modify` | `{"kind": "matters", "percent": 1}`: the ids changed and their updated_at |
| `GET  /changes?kind=&since_round=` | ids changed after a round |
| `PUT  /oauth` | replace OAuth settings (clients, lifetimes, answers) |
| `POST /tokens` | a token pair without the browser round trip |
| `PUT  /rate-limit` | `{"limit": 300, "period_seconds": 300}`; `{"limit": null}` turns it off |
| `PUT  /listing` | `{"max_page_size": 500, "naive_times": false}` |

The kit's `/_sim/faults`, `/_sim/requests` (journal), `/_sim/advance` and `/_sim/reset`
apply as for every simulator; reset restores default volumes, settings and an empty log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from integrations.simulators.practicepanther_oauth import OAuthSettings
from integrations.simulators.practicepanther_records import Records

if TYPE_CHECKING:
    from integrations.simulators.practicepanther import PracticePantherSimulator

__all__ = ["install_control"]


class VolumesBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    accounts: int | None = Field(default=None, ge=0, le=100_000_000)
    contacts: int | None = Field(default=None, ge=0, le=100_000_000)
    matters: int | None = Field(default=None, ge=0, le=100_000_000)
    tasks: int | None = Field(default=None, ge=0, le=100_000_000)


class ModifyBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: str
    percent: float = Field(ge=0, le=100)


class RateLimitBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int | None = Field(default=None, gt=0)
    period_seconds: float = Field(default=300.0, gt=0)


class ListingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_page_size: int | None = Field(default=None, gt=0)
    naive_times: bool = False


class TokensBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str | None = None


def install_control(sim: PracticePantherSimulator) -> None:
    """Register `/_sim/practicepanther/…` on `sim.app`."""
    router = APIRouter(prefix="/_sim/practicepanther", tags=["practicepanther controls"])

    @router.get("/state")
    async def state() -> dict[str, Any]:
        return sim.state()

    @router.put("/volumes")
    async def volumes(body: VolumesBody) -> dict[str, Any]:
        try:
            sim.set_volumes(**body.model_dump(exclude_none=True))
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return {
            kind: sim.volumes.count(kind) for kind in ("accounts", "contacts", "matters", "tasks")
        }

    @router.post("/modify")
    async def modify(body: ModifyBody) -> dict[str, Any]:
        try:
            change = sim.modify(body.kind, body.percent)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return {"round": change.round, "kind": change.kind, "updated_at": change.updated_at,
                "count": len(change.ids), "ids": list(change.ids)}  # fmt: skip

    @router.get("/changes")
    async def changes(kind: str, since_round: int = 0) -> dict[str, Any]:
        return {"kind": kind, "ids": sim.changed_ids(kind, since_round)}

    @router.put("/oauth")
    async def oauth(body: OAuthSettings) -> dict[str, Any]:
        sim.oauth = body
        return body.model_dump()

    @router.post("/tokens")
    async def tokens(body: TokensBody) -> dict[str, object]:
        if body.client_id is not None and body.client_id not in sim.oauth.clients:
            raise HTTPException(400, "client_id is not a registered client")
        return sim.issue_tokens(body.client_id)

    @router.put("/rate-limit")
    async def rate_limit(body: RateLimitBody) -> dict[str, Any]:
        sim.set_rate_limit(body.limit, body.period_seconds)
        return body.model_dump()

    @router.put("/listing")
    async def listing(body: ListingBody) -> dict[str, Any]:
        sim.max_page_size = body.max_page_size
        old = sim.records
        sim.records = Records(old.seed, old.volumes, old.changes, naive_times=body.naive_times)
        return body.model_dump()

    sim.app.include_router(router)
