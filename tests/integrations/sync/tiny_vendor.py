"""A tiny vendor for the sync engine's tests: people → projects → todos.

Records have `id`, `updated_at` (ISO-8601 UTC) and fields; lists answer plain JSON arrays
ordered by (updated_at, id), filtered by `updated_since` (inclusive; 400 without an offset)
and paged by `$top`/`$skip`, as PracticePanther does. Tests script failures per request
number, and an `on_request` hook may act while a request is being answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
STREAMS = ("people", "projects", "todos")


def stamp(minutes: float) -> str:
    return (T0 + dt.timedelta(minutes=minutes)).isoformat()


@dataclass
class TinyVendor:
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in STREAMS}
    )
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    failures: dict[int, int] = field(default_factory=dict)  # request number (1-based) → status
    on_request: Callable[[int], Awaitable[None]] | None = None
    minute: float = 0.0  # the vendor's clock, advanced by `touch`

    def seed(self, people: int, projects: int = 0, todos: int = 0) -> None:
        """Records 10 minutes apart (far more than the look-back) in id order."""
        for i in range(people):
            self._put("people", f"p{i:04d}", {"name": f"Person {i}", "email": f"p{i}@example.org"})
        for i in range(projects):
            self._put(
                "projects",
                f"j{i:04d}",
                {"name": f"Project {i}", "owner": f"p{i % max(people, 1):04d}"},
            )
        for i in range(todos):
            self._put(
                "todos",
                f"t{i:04d}",
                {"title": f"Todo {i}", "project": f"j{i % max(projects, 1):04d}"},
            )

    def _put(self, stream: str, rid: str, values: dict[str, Any]) -> None:
        self.minute += 10
        self.records[stream][rid] = {**values, "id": rid, "updated_at": stamp(self.minute)}

    def touch(self, stream: str, ids: list[str], **values: Any) -> None:
        """Change records now (later than anything so far)."""
        for rid in ids:
            self._put(stream, rid, {**self.records[stream][rid], **values, "id": rid})

    def add(self, stream: str, rid: str, **values: Any) -> None:
        self._put(stream, rid, values)

    def ordered(self, stream: str) -> list[dict[str, Any]]:
        return sorted(self.records[stream].values(), key=lambda r: (r["updated_at"], r["id"]))

    async def list_records(self, request: Request) -> JSONResponse:
        stream = request.path_params["stream"]
        params = dict(request.query_params)
        self.requests.append((stream, params))
        number = len(self.requests)
        if self.on_request is not None:
            await self.on_request(number)
        if number in self.failures:
            return JSONResponse({"error": "scripted"}, status_code=self.failures[number])
        if stream not in self.records:
            return JSONResponse({"error": "unknown"}, status_code=404)
        rows = self.ordered(stream)
        since = params.get("updated_since")
        if since is not None:
            moment = dt.datetime.fromisoformat(since)
            if moment.tzinfo is None:
                return JSONResponse({"error": "updated_since needs an offset"}, status_code=400)
            rows = [r for r in rows if dt.datetime.fromisoformat(r["updated_at"]) >= moment]
        skip, top = int(params.get("$skip", 0)), int(params.get("$top", 100))
        return JSONResponse(rows[skip : skip + top])

    @property
    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/{stream}", self.list_records)])

    def returned(self) -> int:
        """How many list requests were made."""
        return len(self.requests)
