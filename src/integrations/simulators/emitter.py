"""Signed webhook delivery from a simulator, with the vendor's retry behaviour.

The vendor app supplies how to sign (headers and/or query parameters from the raw body)
and the retry schedule; the emitter POSTs, records every attempt, and retries failures in
the background until the schedule runs out or a status says stop (e.g. Typeform disables a
webhook on 410).

Deliveries go over the network unless a target URL starts with one of the emitter's
`routes`: in mock mode the server routes its own public URL to its own ASGI app, so a
simulator in the server's process reaches the server's receiver without a socket.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

__all__ = ["Delivery", "Signature", "WebhookEmitter"]


@dataclass(frozen=True, slots=True)
class Signature:
    """Where a signature goes: extra headers and query parameters."""

    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Delivery:
    """One event and every attempt to deliver it."""

    event_id: str
    url: str
    body: bytes
    headers: dict[str, str]
    params: dict[str, str]
    attempts: list[dict[str, Any]] = field(default_factory=list)
    delivered: bool = False
    gave_up: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "url": self.url,
            "body": self.body.decode("utf-8", "replace"),
            "headers": self.headers,
            "params": self.params,
            "attempts": self.attempts,
            "delivered": self.delivered,
            "gave_up": self.gave_up,
        }


class WebhookEmitter:
    """Posts signed events to a target URL, retrying like the vendor.

    Args:
        sign: builds the signature from the raw body and the secret.
        retry_delays: seconds before each retry (empty: one attempt only).
        stop_statuses: statuses after which the vendor stops retrying for good.
        transport: the HTTP transport (an ASGI transport reaches an in-process receiver).

    `routes` maps URL prefixes to transports that replace `transport` for targets under
    them; each is closed after every attempt, so it must outlive `aclose()` (an ASGI one does).
    """

    def __init__(
        self,
        sign: Callable[[bytes, str], Signature],
        *,
        retry_delays: tuple[float, ...] = (),
        stop_statuses: frozenset[int] = frozenset(),
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self._sign = sign
        self.retry_delays = retry_delays
        self.stop_statuses = stop_statuses
        self.transport = transport
        self.routes: dict[str, httpx2.AsyncBaseTransport] = {}
        self.url: str | None = None
        self.secret: str = ""
        self.deliveries: list[Delivery] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self.on_stop: Callable[[Delivery, int], None] | None = None

    def target(self, url: str | None, secret: str = "") -> None:
        """Where events go and with which secret they are signed (None: nowhere)."""
        self.url, self.secret = url, secret

    def transport_for(self, url: str) -> httpx2.AsyncBaseTransport | None:
        """The transport a delivery to `url` takes: a route whose prefix it starts with, else
        `transport` (None: the network)."""
        for prefix, transport in self.routes.items():
            if url.startswith(prefix):
                return transport
        return self.transport

    async def emit(
        self,
        event_id: str,
        payload: Any,
        *,
        url: str | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Delivery | None:
        """Deliver `payload` once now; schedule retries in the background if it fails.

        `headers` are extra headers for this event only (e.g. an event id the vendor keeps
        stable across retries); every retry resends them unchanged.
        """
        target = url or self.url
        if target is None:
            return None
        body = json.dumps(payload, separators=(",", ":")).encode()
        signature = self._sign(body, self.secret if secret is None else secret)
        sent = {"content-type": "application/json", **(headers or {}), **signature.headers}
        delivery = Delivery(event_id, target, body, sent, dict(signature.params))
        self.deliveries.append(delivery)
        if not await self._attempt(delivery) and self.retry_delays and not delivery.gave_up:
            task = asyncio.create_task(self._retry(delivery))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return delivery

    async def _attempt(self, delivery: Delivery) -> bool:
        at = dt.datetime.now(dt.UTC).isoformat()
        try:
            transport = self.transport_for(delivery.url)
            async with httpx2.AsyncClient(transport=transport, timeout=10.0) as client:
                answer = await client.post(
                    delivery.url,
                    content=delivery.body,
                    headers=delivery.headers,
                    params=delivery.params,
                )
            status: int | None = answer.status_code
            error = None
        except httpx2.HTTPError as exc:
            status, error = None, type(exc).__name__
        delivery.attempts.append({"at": at, "status": status, "error": error})
        delivery.delivered = status is not None and 200 <= status < 300
        if status is not None and status in self.stop_statuses:
            delivery.gave_up = True
            if self.on_stop is not None:
                self.on_stop(delivery, status)
        return delivery.delivered

    async def _retry(self, delivery: Delivery) -> None:
        for delay in self.retry_delays:
            await asyncio.sleep(delay)
            if await self._attempt(delivery) or delivery.gave_up:
                return
        delivery.gave_up = not delivery.delivered

    async def drain(self) -> None:
        """Wait for every scheduled retry to finish."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def reset(self) -> None:
        for task in self._tasks:
            task.cancel()
        self.deliveries.clear()
