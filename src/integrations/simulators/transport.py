"""In-process transport to a simulator: mock mode's bottom layer.

`httpx2.ASGITransport` neither enforces timeouts nor knows a dropped connection; this
wrapper does both, so a simulated timeout or drop reaches the pipeline as the same
`httpx` error a real network would raise, and retry and breaker react the same way.
"""

from __future__ import annotations

import anyio
import httpx2

from integrations.simulators.kit import DroppedConnectionError, Simulator

__all__ = ["SimulatorTransport"]

DEFAULT_TIMEOUT_S = 30.0


class SimulatorTransport(httpx2.AsyncBaseTransport):
    """Sends requests to `simulator` inside this process."""

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator
        self._asgi = httpx2.ASGITransport(app=simulator.asgi)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        timeout = (request.extensions.get("timeout") or {}).get("read") or DEFAULT_TIMEOUT_S
        try:
            with anyio.fail_after(timeout):
                return await self._asgi.handle_async_request(request)
        except TimeoutError as exc:
            raise httpx2.ReadTimeout("simulated timeout", request=request) from exc
        except DroppedConnectionError as exc:
            raise httpx2.RemoteProtocolError(str(exc), request=request) from exc
