"""Recording: every attempt the pipeline sends, and every webhook our receiver gets, on tape.

`RecordingTransport` sits at the bottom of a connector's pipeline, under retry, breaker and
limiter, so each retry is an exchange of its own; it passes the request on unchanged and
keeps a redacted copy of both sides. `WebhookTap` is where a simulator delivers its webhooks
during a recording: it hands each to the receiver and notes when it came, relative to the
exchanges, so a replay can deliver it at the same point.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import httpx2

from integrations.core.clock import Clock
from integrations.proof.format import Exchange, WebhookArrival, encode_body
from integrations.proof.redaction import redact_body, redact_headers, redact_query

__all__ = ["Deliver", "RecordingTape", "RecordingTransport", "WebhookTap", "target_of"]

# (connector, body, headers, query) -> the status our receiver answered
Deliver = Callable[[str, bytes, dict[str, str], dict[str, str]], Awaitable[int]]
WEBHOOK_PREFIX = "/api/v1/webhooks/"


def target_of(request: httpx2.Request) -> str:
    """What a proof file names a request by: the path and the redacted query."""
    query = httpx2.QueryParams(redact_query(request.url.params))
    return f"{request.url.path}?{query}" if query else request.url.path


class RecordingTape:
    """The exchanges and webhook arrivals of one run, timed on its clock."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.start = clock.now()
        self.exchanges: list[Exchange] = []
        self.webhooks: list[WebhookArrival] = []
        self.started = 0
        self.in_flight = 0  # the exchange on the wire now (0: none)
        self.passes = 0  # webhook processing passes run so far

    async def processing(self) -> None:
        """The scenario is about to process the stored webhooks."""
        self.passes += 1

    def offset(self) -> float:
        return round(self.clock.now() - self.start, 6)


class RecordingTransport(httpx2.AsyncBaseTransport):
    """Passes requests to `inner` and records each attempt on `tape`."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, tape: RecordingTape, connector: str):
        self._inner = inner
        self._tape = tape
        self._connector = connector

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        tape = self._tape
        body = await request.aread()
        tape.started += 1
        exchange = Exchange(
            seq=tape.started,
            at=tape.offset(),
            elapsed_ms=0.0,
            connector=self._connector,
            method=request.method,
            url=target_of(request),
            request_headers=redact_headers(request.headers),
            request_body=encode_body(redact_body(body, request.headers.get("content-type", ""))),
        )
        tape.in_flight = exchange.seq
        began = time.perf_counter()
        try:
            response = await self._inner.handle_async_request(request)
            await response.aread()
        except httpx2.TransportError as exc:
            exchange.error, exchange.error_message = type(exc).__name__, str(exc)
            raise
        else:
            exchange.status = response.status_code
            exchange.response_headers = redact_headers(response.headers)
            kind = response.headers.get("content-type", "")
            exchange.response_body = encode_body(redact_body(response.content, kind))
        finally:
            exchange.elapsed_ms = round((time.perf_counter() - began) * 1000, 3)
            tape.in_flight = 0
            tape.exchanges.append(exchange)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class WebhookTap(httpx2.AsyncBaseTransport):
    """A simulator's route to our receiver: delivers each webhook and records its arrival."""

    def __init__(self, tape: RecordingTape, deliver: Deliver) -> None:
        self._tape = tape
        self._deliver = deliver

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        tape = self._tape
        body = await request.aread()
        path = request.url.path
        connector = path.removeprefix(WEBHOOK_PREFIX).strip("/")
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.url.params.items())
        arrival = WebhookArrival(
            seq=len(tape.webhooks) + 1,
            at=tape.offset(),
            connector=connector,
            during=tape.in_flight,
            after=len(tape.exchanges),
            passes=tape.passes,
            path=path,
            query=redact_query(query),
            headers=redact_headers(headers),
            body=encode_body(body),
        )
        arrival.status = await self._deliver(connector, body, headers, query)
        tape.webhooks.append(arrival)
        return httpx2.Response(arrival.status, json={"received": arrival.status < 300})
