"""The simulator kit: one `Simulator` per vendor app, with faults, limits, journal, webhooks.

A vendor simulator is a FastAPI app plus a `Simulator`. The simulator wraps the app in an
ASGI middleware that, for every request outside `/_sim/`, records it in the journal, applies
the fault plan, enforces the vendor's rate limits (answering 429 the vendor's way), and only
then lets the vendor routes answer. `/_sim/` is the control API; the same controls are plain
methods for tests in the same process.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import math
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrations.simulators.emitter import Signature, WebhookEmitter
from integrations.simulators.faults import FaultDecision, FaultPlanner
from integrations.simulators.journal import Journal, RecordedRequest
from integrations.simulators.limits import SimRateLimit, SimRateLimiter

__all__ = ["DroppedConnectionError", "SimClock", "Simulator", "hmac_hex_signer"]

ErrorBody = Callable[[int], tuple[dict[str, Any], dict[str, str]]]
TooMany = Callable[[float, SimRateLimit, int], tuple[dict[str, Any], dict[str, str]]]


class DroppedConnectionError(Exception):
    """Raised after the response started: the connection is cut mid-answer."""


class SimClock:
    """Real time plus an offset that `advance()` moves (state machines read it).

    `source` is the time it starts from; tests whose client waits on a virtual clock set it
    to that clock, so both sides agree on every window to the microsecond."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self.source = source
        self.offset = 0.0

    def now(self) -> float:
        return self.source() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


def hmac_hex_signer(header: str = "X-Signature") -> Callable[[bytes, str], Signature]:
    """A signer putting `sha256=<hex HMAC-SHA256 of the body>` in `header`."""

    def sign(body: bytes, secret: str) -> Signature:
        digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return Signature(headers={header: f"sha256={digest}"})

    return sign


def _default_error(status: int) -> tuple[dict[str, Any], dict[str, str]]:
    return {"detail": f"simulated error {status}"}, {}


def _default_429(
    wait: float, window: SimRateLimit, remaining: int
) -> tuple[dict[str, Any], dict[str, str]]:
    headers = {
        "Retry-After": str(max(1, math.ceil(wait))),
        "X-RateLimit-Limit": str(window.limit),
        "X-RateLimit-Remaining": str(remaining),
    }
    return {"detail": "rate limit exceeded"}, headers


class Simulator:
    """Controls shared by every vendor simulator.

    Args:
        name: the vendor name.
        seed: seeds the fault decisions and the vendor's data.
        signer: how the vendor signs webhooks.
        retry_delays / stop_statuses: the vendor's webhook retry behaviour.
    """

    def __init__(
        self,
        name: str,
        *,
        seed: int = 0,
        signer: Callable[[bytes, str], Signature] | None = None,
        retry_delays: tuple[float, ...] = (),
        stop_statuses: frozenset[int] = frozenset(),
    ) -> None:
        from integrations.simulators.control import control_router

        self.name = name
        self.seed = seed
        self.rng = random.Random(seed)
        self.clock = SimClock()
        self.faults = FaultPlanner(self.rng)
        self.limiter = SimRateLimiter(self.clock.now)
        self.default_limits: list[SimRateLimit] = []
        self.journal = Journal()
        self.emitter = WebhookEmitter(
            signer or hmac_hex_signer(), retry_delays=retry_delays, stop_statuses=stop_statuses
        )
        self.error_body: ErrorBody = _default_error
        self.too_many: TooMany = _default_429
        self.on_advance: list[Callable[[float], Awaitable[None]]] = []
        self.on_reset: list[Callable[[], None]] = []
        self.app = FastAPI(title=f"{name} simulator", docs_url=None, redoc_url=None)
        self.app.state.simulator = self
        self.app.include_router(control_router)
        self.asgi: ASGIApp = _FaultMiddleware(self.app, self)

    def set_rate_limits(self, windows: list[SimRateLimit]) -> None:
        """Replace the vendor's rate limits."""
        self.limiter.configure(windows)

    def use_default_limits(self, windows: list[SimRateLimit]) -> None:
        """The vendor's documented limits, restored by `reset()`."""
        self.default_limits = list(windows)
        self.limiter.configure(windows)

    async def advance(self, seconds: float) -> None:
        """Move simulated time forward and let the vendor's state machines catch up."""
        self.clock.advance(seconds)
        for hook in self.on_advance:
            await hook(seconds)

    def reset(self) -> None:
        """Back to the state at start: no faults, default limits, empty journal, fresh data."""
        self.rng.seed(self.seed)
        self.faults.clear()
        self.limiter.configure(self.default_limits)
        self.journal.clear()
        self.emitter.reset()
        self.clock.offset = 0.0
        for hook in self.on_reset:
            hook()


class _FaultMiddleware:
    """Journal → faults → rate limit → vendor routes, for every non-control request."""

    def __init__(self, app: ASGIApp, sim: Simulator) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sim"):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        record = RecordedRequest(
            scope["method"],
            scope["path"],
            scope.get("query_string", b"").decode("latin-1"),
            headers,
            body,
            raw_path=(scope.get("raw_path") or b"").split(b"?", 1)[0].decode("latin-1"),
        )
        self.sim.journal.add(record)
        status = await self._answer(scope, receive, send, body)
        self.sim.journal.answered(record, status)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, body: bytes) -> int:
        decision: FaultDecision = self.sim.faults.decide(scope["method"], scope["path"])
        if decision.delay_s:
            await asyncio.sleep(decision.delay_s)
        if decision.fault == "timeout":
            while (await receive())["type"] != "http.disconnect":
                pass
            return 0
        if decision.status is not None:
            payload, headers = self.sim.error_body(decision.status)
            return await _send_json(send, decision.status, payload, headers)
        wait, window = self.sim.limiter.check(scope["method"], scope["path"])
        if window is not None:
            payload, headers = self.sim.too_many(wait, window, self.sim.limiter.remaining(window))
            return await _send_json(send, 429, payload, headers)
        return await self._vendor(scope, body, send, decision.fault)

    async def _vendor(self, scope: Scope, body: bytes, send: Send, fault: str | None) -> int:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # the vendor app never needs a second message
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)

        await self.app(scope, replay, capture)
        start = next(m for m in captured if m["type"] == "http.response.start")
        content = b"".join(
            m.get("body", b"") for m in captured if m["type"] == "http.response.body"
        )
        if fault == "drop":
            await send(start)
            await send(
                {
                    "type": "http.response.body",
                    "body": content[: len(content) // 2],
                    "more_body": True,
                }
            )
            raise DroppedConnectionError("simulated dropped connection")
        if fault == "malformed":
            content = content[: max(1, len(content) // 2)] or b"{"
        elif fault == "truncate":
            content = _truncate(content)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(content)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": content})
        return int(start["status"])


def _truncate(content: bytes) -> bytes:
    """Cut the longest list in a JSON body to half (a page that lost items)."""
    try:
        data = json.loads(content)
    except ValueError:
        return content
    lists = (
        [(k, v) for k, v in data.items() if isinstance(v, list)] if isinstance(data, dict) else []
    )
    if isinstance(data, list):
        return json.dumps(data[: len(data) // 2]).encode()
    if lists:
        key, items = max(lists, key=lambda kv: len(kv[1]))
        data[key] = items[: len(items) // 2]
    return json.dumps(data).encode()


async def _send_json(send: Send, status: int, payload: Any, headers: dict[str, str]) -> int:
    content = json.dumps(payload).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})
    return status
