"""Replaying: the recorded exchanges answer the pipeline, in order, instead of a simulator.

Each request the pipeline sends must be the next one on tape, for the same connector, with
the same method, path, query and body (headers are not compared: idempotency keys and
credentials differ from run to run). The first request that differs stops the replay with
`ReplayDivergedError` naming it. Webhooks are delivered where they arrived in the recording:
those that came during an exchange before its answer is returned, those that came between
exchanges before the next one starts, before the scenario's next webhook processing pass
if that came first, or at the end.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable

import httpx2

from integrations.proof.format import (
    Exchange,
    ProofRun,
    WebhookArrival,
    decode_body,
    encode_body,
)
from integrations.proof.recording import target_of
from integrations.proof.redaction import redact_body

__all__ = ["ReplayDivergedError", "ReplayTape", "ReplayingTransport"]

DeliverRecorded = Callable[[WebhookArrival], Awaitable[int]]


class ReplayDivergedError(Exception):
    """The replayed run did something the recording did not (never an `IntegrationError`, so
    no layer of the pipeline takes it for a vendor failure and retries it)."""


class ReplayTape:
    """What is left to replay of one recording, and the first divergence seen."""

    def __init__(self, run: ProofRun, deliver: DeliverRecorded) -> None:
        self._exchanges = deque(sorted(run.exchanges, key=lambda e: e.seq))
        self._webhooks = deque(sorted(run.webhooks, key=lambda w: w.seq))
        self._deliver = deliver
        self.completed = 0
        self.passes = 0
        self.divergence: str | None = None

    def diverge(self, message: str) -> ReplayDivergedError:
        if self.divergence is None:  # the first one is what went wrong; the rest follow it
            self.divergence = message
        return ReplayDivergedError(message)

    def next_exchange(self, connector: str, request: httpx2.Request, body: bytes) -> Exchange:
        seq = self.completed + 1
        got = f"{connector} {request.method} {target_of(request)}"
        if not self._exchanges:
            raise self.diverge(f"exchange {seq}: the replay sent {got}; the recording has no more")
        recorded = self._exchanges[0]
        wanted = f"{recorded.connector} {recorded.method} {recorded.url}"
        if got != wanted:
            raise self.diverge(f"exchange {seq}: recorded {wanted}, replay sent {got}")
        sent = redact_body(body, request.headers.get("content-type", ""))
        if encode_body(sent) != recorded.request_body:
            raise self.diverge(f"exchange {seq} ({wanted}): the request body differs")
        return self._exchanges.popleft()

    async def deliver_due(self, during: int) -> None:
        """Deliver the webhooks due now: those of exchange `during` (0: between exchanges)."""
        while self._webhooks:
            head = self._webhooks[0]
            due = head.during == during if during else not head.during
            if not due or head.after > self.completed or head.passes > self.passes:
                return
            self._webhooks.popleft()
            status = await self._deliver(head)
            if status != head.status:
                raise self.diverge(
                    f"webhook {head.seq} ({head.connector}): recorded answer {head.status}, "
                    f"replay answered {status}"
                )

    async def processing(self) -> None:
        """Before a processing pass: deliver what came before it in the recording."""
        await self.deliver_due(0)
        self.passes += 1

    async def finish(self) -> None:
        """Deliver what came after the last exchange; anything left unplayed diverges."""
        await self.deliver_due(0)
        if self._exchanges:
            left = self._exchanges[0]
            raise self.diverge(
                f"exchange {left.seq}: recorded {left.connector} {left.method} {left.url}, "
                f"the replay never sent it ({len(self._exchanges)} recorded exchanges unplayed)"
            )
        if self._webhooks:
            raise self.diverge(f"webhook {self._webhooks[0].seq} was never delivered")


class ReplayingTransport(httpx2.AsyncBaseTransport):
    """Answers `connector`'s requests from `tape`."""

    def __init__(self, tape: ReplayTape, connector: str) -> None:
        self._tape = tape
        self._connector = connector

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        tape = self._tape
        if tape.divergence is not None:  # stop at the first: what follows is noise
            raise ReplayDivergedError(tape.divergence)
        body = await request.aread()
        await tape.deliver_due(0)
        exchange = tape.next_exchange(self._connector, request, body)
        await tape.deliver_due(exchange.seq)
        tape.completed += 1
        if exchange.error is not None:
            raise _transport_error(exchange, request)
        return httpx2.Response(
            exchange.status or 0,
            headers=exchange.response_headers,
            content=decode_body(exchange.response_body),
            request=request,
        )


def _transport_error(exchange: Exchange, request: httpx2.Request) -> httpx2.TransportError:
    """The recorded transport error, raised again (a timeout, a dropped connection)."""
    kind = getattr(httpx2, exchange.error or "", None)
    if not (isinstance(kind, type) and issubclass(kind, httpx2.TransportError)):
        kind = httpx2.TransportError
    return kind(exchange.error_message or "recorded transport error", request=request)
