"""Chaos fixtures: a watch on our log lines, and each connector over its served simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from integrations.core.clock import VirtualClock
from integrations.simulators.kit import Simulator
from tests.chaos.logwatch import LogWatch, watch_logs
from tests.chaos.vendors import VENDORS, Vendor, clock_now
from tests.helpers.http_server import serve_app


@pytest.fixture(name="logs")
def _logs() -> Iterator[LogWatch]:
    with watch_logs() as watch:
        yield watch


@dataclass
class Served:
    """A connector's client over its simulator on 127.0.0.1, and the clock both read."""

    vendor: Vendor
    sim: Simulator
    url: str
    clock: VirtualClock
    client: Any

    async def call(self, i: int = 0) -> Any:
        return await self.vendor.call(self.client, i)

    def api_requests(self) -> int:
        """Requests the vendor received, token exchanges and control calls left out."""
        return sum(1 for r in self.sim.journal.all() if r.method == "GET")


@pytest.fixture(name="served", params=VENDORS, ids=str)
async def _served(request: pytest.FixtureRequest) -> AsyncIterator[Served]:
    vendor: Vendor = request.param
    sim = vendor.simulator()
    clock = clock_now()
    sim.clock.source = clock.now  # vendor windows follow the client's virtual waits
    sim.set_rate_limits([])  # each storm sets the limits it is about
    with serve_app(sim.asgi) as url:
        client = vendor.client(sim, url, clock, None)
        sim.journal.clear()
        yield Served(vendor, sim, url, clock, client)
        await client.aclose()


@pytest.fixture(name="database_url")
def _database_url(tmp_path: Path) -> str:
    """SQLite only: storms are about the pipeline, and a file database keeps them cheap."""
    return f"sqlite+aiosqlite:///{tmp_path / 'chaos.db'}"
