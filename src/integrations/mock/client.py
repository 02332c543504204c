"""`MockIntegration`: a connector for development and tests, backed by the mock simulator.

It always runs in mock mode: its transport is the mock vendor in this process, so the whole
pipeline (cache, retry, breaker, limiter, records) runs exactly as for a real vendor, and
every call is recorded and logged as mock.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import httpx2
from pydantic import BaseModel

from integrations.core.client import BaseIntegration, HealthResult
from integrations.core.spec import ProviderSpec
from integrations.mock.spec import MOCK_SPEC
from integrations.simulators.faults import FaultPlan
from integrations.simulators.mock import CannedResponse, MockSimulator, create_simulator
from integrations.simulators.transport import SimulatorTransport

__all__ = ["MockIntegration"]


class MockIntegration(BaseIntegration):
    """The mock connector.

    Args:
        spec: defaults to `MOCK_SPEC` (runtime settings applied by the factory).
        transport: a `SimulatorTransport` to an existing mock simulator; a new one otherwise.
        **kw: the `BaseIntegration` options (store, clock, recorder, ...).
    """

    SPEC = MOCK_SPEC

    def __init__(
        self,
        spec: ProviderSpec | None = None,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        **kw: Any,
    ) -> None:
        if not isinstance(transport, SimulatorTransport):
            transport = SimulatorTransport(create_simulator())
        simulator = transport.simulator
        assert isinstance(simulator, MockSimulator)
        self.simulator = simulator
        kw["is_mock"] = True
        super().__init__(spec or MOCK_SPEC, transport=transport, **kw)

    async def health_check(self) -> HealthResult:
        """A GET of `/health` through the pipeline."""
        started = time.perf_counter()
        await self.request("GET", "/health", operation="health_check", cache_ttl=0)
        return HealthResult(True, (time.perf_counter() - started) * 1000, "mock vendor is up")

    def set_mock_response(self, operation: str, response: Any, *, status: int = 200) -> None:
        """Answer `operation` with `response` (a dict, list or pydantic model) from now on."""
        body = response.model_dump(mode="json") if isinstance(response, BaseModel) else response
        self.simulator.canned[operation] = CannedResponse(status=status, body=body)

    def clear_mock_responses(self) -> None:
        self.simulator.canned.clear()

    def enable_error_simulation(self, rate: float, statuses: Iterable[int] = (500,)) -> None:
        """Fail a share `rate` of calls, with a status drawn from `statuses`."""
        plan = self._plan().model_copy(
            update={"error_rate": rate, "error_statuses": list(statuses)}
        )
        self.simulator.faults.set("*", FaultPlan.model_validate(plan.model_dump()))

    def disable_error_simulation(self) -> None:
        self.simulator.faults.set("*", self._plan().model_copy(update={"error_rate": 0.0}))

    def set_delay(self, seconds: float) -> None:
        """Delay every answer by `seconds`."""
        plan = self._plan().model_copy(update={"latency_ms": seconds * 1000})
        self.simulator.faults.set("*", FaultPlan.model_validate(plan.model_dump()))

    def _plan(self) -> FaultPlan:
        return self.simulator.faults.plans.get("*", FaultPlan())
