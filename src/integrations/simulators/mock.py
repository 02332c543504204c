"""The mock vendor: a small generic REST API that answers from request parameters.

`GET /items/{id}` echoes the id with a generated object, `GET /items?count=N` returns N
generated items, `POST /items` echoes the body with a new id. Canned answers per operation
(`set_mock_response`) take precedence; the kit's fault plan adds delays and errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Annotated, Any

from fastapi import Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from integrations.simulators.kit import Simulator

__all__ = ["MockSimulator", "create_simulator"]

MAX_ITEMS = 1000
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class CannedResponse(BaseModel):
    """A fixed answer for one operation."""

    model_config = ConfigDict(extra="forbid")

    status: int = 200
    body: Any = None


class MockSimulator(Simulator):
    """The mock vendor's simulator, with canned responses per operation."""

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__("mock", seed=seed)
        self.canned: dict[str, CannedResponse] = {}
        self.on_reset.append(self.canned.clear)

    def item(self, item_id: str, **fields: Any) -> dict[str, Any]:
        """A deterministic item for `item_id` (same id, same item)."""
        digest = int(hashlib.sha256(f"{self.seed}:{item_id}".encode()).hexdigest()[:12], 16)
        created = _EPOCH + dt.timedelta(seconds=digest % 31_536_000)
        return {
            "id": item_id,
            "name": f"Item {digest % 100_000:05d}",
            "created_at": created.isoformat(),
            "size": digest % 1000,
            **fields,
        }


def create_simulator(seed: int = 0) -> MockSimulator:
    """The mock vendor app with its routes."""
    sim = MockSimulator(seed=seed)
    app = sim.app

    def canned(operation: str) -> JSONResponse | None:
        answer = sim.canned.get(operation)
        if answer is None:
            return None
        return JSONResponse(answer.body, status_code=answer.status)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/items/{item_id}", response_model=None)
    async def get_item(item_id: str) -> Any:
        return canned("get_item") or sim.item(item_id)

    @app.get("/items", response_model=None)
    async def list_items(
        count: Annotated[int, Query(ge=0, le=MAX_ITEMS)] = 10, prefix: str = "item"
    ) -> Any:
        items = [sim.item(f"{prefix}-{i}") for i in range(count)]
        return canned("list_items") or {"items": items, "count": count}

    @app.post("/items", status_code=201, response_model=None)
    async def create_item(payload: Annotated[dict[str, Any], Body()]) -> Any:
        new_id = f"itm_{sim.rng.getrandbits(48):012x}"
        fields = {k: v for k, v in payload.items() if k not in {"id", "created_at"}}
        return canned("create_item") or sim.item(new_id, **fields)

    @app.put("/_sim/mock-responses/{operation}")
    async def set_canned(operation: str, answer: CannedResponse) -> dict[str, Any]:
        """Control API: fix the answer of one operation."""
        sim.canned[operation] = answer
        return {"operation": operation, **answer.model_dump()}

    @app.delete("/_sim/mock-responses")
    async def clear_canned() -> dict[str, Any]:
        sim.canned.clear()
        return {"cleared": True}

    return sim
