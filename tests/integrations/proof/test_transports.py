"""The recording and replaying transports alone, and redaction: unit tests on
`httpx2.MockTransport` (no simulator, no database)."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from integrations.core.clock import VirtualClock
from integrations.proof.format import (
    Exchange,
    ProofRun,
    WebhookArrival,
    decode_body,
    digest_of,
    encode_body,
)
from integrations.proof.recording import RecordingTape, RecordingTransport, WebhookTap
from integrations.proof.redaction import REDACTED, redact_body, redact_headers, redact_query
from integrations.proof.replaying import ReplayDivergedError, ReplayingTransport, ReplayTape
from integrations.proof.runner import state_diff

pytestmark = pytest.mark.unit


def _run(exchanges: list[Exchange], webhooks: list[WebhookArrival] | None = None) -> ProofRun:
    return ProofRun("s", 0, "now", exchanges, webhooks or [], {}, "sha256:x")


def _exchange(seq: int, url: str = "/items", **fields: Any) -> Exchange:
    return Exchange(seq, 0.0, 0.0, "v", "GET", url, {}, {"text": ""}, **fields)


async def test_recording_keeps_a_transport_error_and_reraises_it() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("too slow", request=request)

    tape = RecordingTape(VirtualClock())
    transport = RecordingTransport(httpx2.MockTransport(refuse), tape, "v")
    with pytest.raises(httpx2.ReadTimeout):
        await transport.handle_async_request(httpx2.Request("GET", "https://x.test/items?a=1"))
    (exchange,) = tape.exchanges
    assert (exchange.url, exchange.error, exchange.error_message) == (
        "/items?a=1",
        "ReadTimeout",
        "too slow",
    )
    assert exchange.status is None and tape.in_flight == 0
    await transport.aclose()


async def test_recording_masks_credentials_in_request_and_response() -> None:
    def answer(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json={"access_token": "tok-1", "name": "n"})

    tape = RecordingTape(VirtualClock())
    transport = RecordingTransport(httpx2.MockTransport(answer), tape, "v")
    request = httpx2.Request(
        "POST",
        "https://x.test/token?api_key=k-1&page=2",
        headers={"Authorization": "Bearer s-1"},
        data={"client_secret": "s-2", "grant_type": "x"},
    )
    await transport.handle_async_request(request)
    (exchange,) = tape.exchanges
    text = json.dumps(
        exchange.__getstate__() if hasattr(exchange, "__getstate__") else str(exchange)
    )
    for secret in ("k-1", "s-1", "s-2", "tok-1"):
        assert secret not in text and secret not in str(exchange)
    assert exchange.url == f"/token?api_key={REDACTED}&page=2"
    assert exchange.request_headers["authorization"] == REDACTED
    assert json.loads(exchange.response_body["text"]) == {"access_token": REDACTED, "name": "n"}


async def test_webhook_tap_notes_the_exchange_in_flight() -> None:
    tape = RecordingTape(VirtualClock())
    tape.in_flight, tape.exchanges = 3, [_exchange(1), _exchange(2)]
    seen: list[tuple[str, dict[str, str]]] = []

    async def deliver(connector: str, body: bytes, headers: Any, query: dict[str, str]) -> int:
        seen.append((connector, query))
        return 401

    tap = WebhookTap(tape, deliver)
    url = "http://proof.invalid/api/v1/webhooks/pandadoc?signature=abc"
    answer = await tap.handle_async_request(httpx2.Request("POST", url, content=b"[]"))
    assert answer.status_code == 401
    assert seen == [("pandadoc", {"signature": "abc"})]  # the receiver gets the real one
    (hook,) = tape.webhooks
    assert (hook.during, hook.after, hook.query, hook.status) == (
        3,
        2,
        {"signature": REDACTED},
        401,
    )


async def test_replay_raises_the_recorded_transport_error() -> None:
    recorded = [
        _exchange(1, error="ConnectError", error_message="refused"),
        _exchange(2, error="NoSuchError", error_message="odd"),
        _exchange(3, status=204),
    ]

    async def deliver(hook: WebhookArrival) -> int:
        return 200

    tape = ReplayTape(_run(recorded), deliver)
    transport = ReplayingTransport(tape, "v")
    with pytest.raises(httpx2.ConnectError, match="refused"):
        await transport.handle_async_request(httpx2.Request("GET", "https://x.test/items"))
    with pytest.raises(httpx2.TransportError, match="odd"):  # an unknown name: the base class
        await transport.handle_async_request(httpx2.Request("GET", "https://x.test/items"))
    answer = await transport.handle_async_request(httpx2.Request("GET", "https://x.test/items"))
    assert answer.status_code == 204
    await tape.finish()
    assert tape.divergence is None


async def test_replay_stops_at_the_first_divergence() -> None:
    async def deliver(hook: WebhookArrival) -> int:
        return 200

    tape = ReplayTape(_run([_exchange(1), _exchange(2)]), deliver)
    transport = ReplayingTransport(tape, "v")
    with pytest.raises(
        ReplayDivergedError, match="recorded v GET /items, replay sent v GET /other"
    ):
        await transport.handle_async_request(httpx2.Request("GET", "https://x.test/other"))
    with pytest.raises(ReplayDivergedError, match="/other"):  # later requests repeat the first
        await transport.handle_async_request(httpx2.Request("GET", "https://x.test/items"))


async def test_webhooks_between_exchanges_keep_their_place() -> None:
    """One that came between two exchanges arrives before the second; one that came before a
    processing pass arrives before that pass; one that came after it, at the end."""
    order: list[str] = []

    async def deliver(hook: WebhookArrival) -> int:
        order.append(f"hook{hook.seq}")
        return 200

    hooks = [
        WebhookArrival(1, 0.0, "pandadoc", 0, 1, 0, "/w", {}, {}, {"text": "[]"}),
        WebhookArrival(2, 0.0, "pandadoc", 0, 2, 0, "/w", {}, {}, {"text": "[]"}),
        WebhookArrival(3, 0.0, "pandadoc", 0, 2, 1, "/w", {}, {}, {"text": "[]"}),
    ]
    tape = ReplayTape(_run([_exchange(1), _exchange(2)], hooks), deliver)
    transport = ReplayingTransport(tape, "v")
    for _ in range(2):
        await transport.handle_async_request(httpx2.Request("GET", "https://x.test/items"))
        order.append("call")
    await tape.processing()
    order.append("pass")
    assert order == ["call", "hook1", "call", "hook2", "pass"]
    await tape.finish()
    assert order[-1] == "hook3" and tape.divergence is None


def test_bodies_round_trip_as_text_or_base64() -> None:
    assert encode_body("é".encode()) == {"text": "é"}
    binary = b"\xff\x00\x10"
    assert "base64" in encode_body(binary) and decode_body(encode_body(binary)) == binary


def test_redaction_leaves_what_holds_no_secret_untouched() -> None:
    body = b'{"a": [1, {"b": "c"}]}'
    assert redact_body(body, "application/json") is body  # byte for byte
    assert redact_body(b"not json", "application/json") == b"not json"
    assert redact_body(b"x=1", "application/x-www-form-urlencoded") == b"x=1"
    assert redact_body(b"token=1", "text/plain") == b"token=1"
    nested = redact_body(b'{"a": [{"refresh_token": "r"}], "password": null}', "application/json")
    assert json.loads(nested) == {"a": [{"refresh_token": REDACTED}], "password": None}
    headers = redact_headers({"Content-Length": "3", "X-Api-Key": "k", "Location": "/cb"})
    assert headers == {"x-api-key": REDACTED, "location": "/cb"}
    assert redact_query({"code": "c", "q": "x"}) == {"code": REDACTED, "q": "x"}


def test_digest_is_canonical_and_diff_names_the_places() -> None:
    assert digest_of({"b": 1, "a": [1, 2]}) == digest_of({"a": [1, 2], "b": 1})
    assert state_diff({"a": [1, 2], "b": {"c": 1}}, {"a": [1], "b": {"c": 2}}) == [
        "state.a: 2 items recorded, 1 replayed",
        "state.b.c: 1 -> 2",
    ]
    many = state_diff({"x": list(range(30))}, {"x": [v + 1 for v in range(30)]})
    assert len(many) == 10
