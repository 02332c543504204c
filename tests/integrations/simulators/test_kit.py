"""The simulator kit: scripted faults, 429s, drops, timeouts, journal, webhooks, control API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import httpx2
import pytest
from fastapi import FastAPI, Request

from integrations.simulators import create
from integrations.simulators.faults import FaultPlan, FaultPlanner
from integrations.simulators.kit import Simulator, hmac_hex_signer
from integrations.simulators.limits import SimRateLimit
from integrations.simulators.mock import MockSimulator
from integrations.simulators.transport import SimulatorTransport


@pytest.fixture(name="sim")
def _sim() -> MockSimulator:
    sim = create("mock")
    assert isinstance(sim, MockSimulator)
    return sim


@pytest.fixture(name="client")
async def _client(sim: MockSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    async with httpx2.AsyncClient(transport=SimulatorTransport(sim), base_url="http://sim") as c:
        yield c


async def test_scripted_statuses_in_order(client: httpx2.AsyncClient, sim: Simulator) -> None:
    """A scripted "503, 503, 200" is observed exactly in that order, then normal answers."""
    sim.faults.set("GET /items/*", FaultPlan(script="503, 503, 200"))
    statuses = [(await client.get("/items/1")).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert [r.status for r in sim.journal.all()] == statuses


async def test_rate_limit_answers_429_with_retry_after(
    client: httpx2.AsyncClient, sim: Simulator
) -> None:
    """Over the window the simulator answers 429 with Retry-After and the limit headers."""
    sim.set_rate_limits([SimRateLimit(limit=2, period_seconds=60, route="^GET /items")])
    answers = [await client.get("/items/1") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["Retry-After"]) >= 59
    assert answers[2].headers["X-RateLimit-Remaining"] == "0"
    assert (await client.get("/health")).status_code == 200  # another route: not limited


async def test_dropped_connection_is_a_transport_error(
    client: httpx2.AsyncClient, sim: Simulator
) -> None:
    """A dropped connection reaches the client as an httpx transport error."""
    sim.faults.set("*", FaultPlan(script=["drop"]))
    with pytest.raises(httpx2.TransportError):
        await client.get("/items/1")


async def test_timeout_is_a_read_timeout(client: httpx2.AsyncClient, sim: Simulator) -> None:
    """A request that never gets an answer times out like a real one."""
    sim.faults.set("*", FaultPlan(script=["timeout"]))
    with pytest.raises(httpx2.ReadTimeout):
        await client.get("/items/1", timeout=0.2)


async def test_malformed_and_truncated_bodies(client: httpx2.AsyncClient, sim: Simulator) -> None:
    """Malformed bodies are not JSON; truncated pages lose half their items."""
    sim.faults.set("*", FaultPlan(script=["malformed", "truncate", "ok"]))
    with pytest.raises(json.JSONDecodeError):
        (await client.get("/items/1")).json()
    assert len((await client.get("/items", params={"count": 8})).json()["items"]) == 4
    assert len((await client.get("/items", params={"count": 8})).json()["items"]) == 8


async def test_latency_is_added(client: httpx2.AsyncClient, sim: Simulator) -> None:
    """A fixed latency delays the answer."""
    sim.faults.set("*", FaultPlan(latency_ms=120))
    loop = asyncio.get_running_loop()
    started = loop.time()
    await client.get("/health")
    assert loop.time() - started >= 0.11


def test_random_faults_follow_the_seed() -> None:
    """The same seed replays the same random faults; rates are respected roughly."""
    import random

    def run(seed: int) -> list[object]:
        planner = FaultPlanner(random.Random(seed))
        planner.set(
            "*",
            FaultPlan(
                error_rate=0.3,
                error_statuses=[500, 502],
                drop_rate=0.1,
                latency_distribution="exponential",
                latency_spread_ms=5,
            ),
        )
        return [(d.status, d.fault) for d in (planner.decide("GET", "/x") for _ in range(2000))]

    first = run(7)
    assert first == run(7) and first != run(8)
    errors = sum(status is not None for status, _ in first)
    drops = sum(fault == "drop" for _, fault in first)
    assert 450 < errors < 650 and 130 < drops < 270


def test_fault_plan_validation() -> None:
    """Bad plans are refused with the field named."""
    with pytest.raises(ValueError, match="error_statuses"):
        FaultPlan(error_statuses=[99])
    with pytest.raises(ValueError, match="error_rate"):
        FaultPlan(error_rate=2)


async def test_journal_keeps_headers_and_body(client: httpx2.AsyncClient, sim: Simulator) -> None:
    """Every request is journaled with its headers and body."""
    await client.post("/items", json={"name": "x"}, headers={"X-Test": "1"})
    (recorded,) = sim.journal.all(method="POST")
    assert recorded.headers["x-test"] == "1"
    assert json.loads(recorded.body) == {"name": "x"}
    assert recorded.as_dict()["status"] == 201


async def test_webhook_signature_verifies_independently() -> None:
    """An emitted webhook's signature matches an HMAC computed here from the raw body."""
    received: list[tuple[bytes, str]] = []
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook(request: Request) -> dict[str, bool]:
        received.append((await request.body(), request.headers["X-Signature"]))
        return {"ok": True}

    sim = Simulator("demo", signer=hmac_hex_signer("X-Signature"))
    sim.emitter.transport = httpx2.ASGITransport(app=receiver)
    sim.emitter.target("http://receiver/hook", "whsec-test-123")
    delivery = await sim.emitter.emit("evt-1", {"event": "thing.happened", "id": 1})
    assert delivery is not None and delivery.delivered
    body, header = received[0]
    expected = hmac.new(b"whsec-test-123", body, hashlib.sha256).hexdigest()
    assert header == f"sha256={expected}"
    assert header != "sha256=" + hmac.new(b"other", body, hashlib.sha256).hexdigest()


async def test_webhook_retries_then_gives_up_on_stop_status() -> None:
    """Failed deliveries are retried on the schedule; a stop status ends them for good."""
    answers = [500, 500, 200]
    receiver = FastAPI()

    @receiver.post("/hook")
    async def hook() -> dict[str, int]:
        status = answers.pop(0)
        raise_status = status
        if raise_status != 200:
            from fastapi import HTTPException

            raise HTTPException(status)
        return {"ok": 1}

    sim = Simulator("demo", retry_delays=(0.01, 0.01, 0.01), stop_statuses=frozenset({410}))
    sim.emitter.transport = httpx2.ASGITransport(app=receiver)
    sim.emitter.target("http://receiver/hook", "k")
    delivery = await sim.emitter.emit("evt-2", {"n": 2})
    await sim.emitter.drain()
    assert delivery is not None and delivery.delivered
    assert [a["status"] for a in delivery.attempts] == [500, 500, 200]

    answers[:] = [410]
    stopped: list[int] = []
    sim.emitter.on_stop = lambda d, status: stopped.append(status)
    gone = await sim.emitter.emit("evt-3", {"n": 3})
    await sim.emitter.drain()
    assert gone is not None and gone.gave_up and stopped == [410]
    assert len(gone.attempts) == 1


async def test_control_api(client: httpx2.AsyncClient, sim: MockSimulator) -> None:
    """Faults, limits, time, journal, canned answers and reset work over HTTP."""
    put = await client.put("/_sim/faults", json={"route": "*", "plan": {"script": "502"}})
    assert put.status_code == 200
    assert (await client.get("/items/1")).status_code == 502
    assert (
        await client.put("/_sim/rate-limits", json=[{"limit": 5, "period_seconds": 1}])
    ).status_code == 200
    assert (await client.post("/_sim/advance", json={"seconds": 30})).json() == {
        "time_offset_seconds": 30.0
    }
    canned = await client.put("/_sim/mock-responses/get_item", json={"body": {"id": "fixed"}})
    assert canned.status_code == 200
    assert (await client.get("/items/9")).json() == {"id": "fixed"}
    state = (await client.get("/_sim/state")).json()
    assert state["requests"] == 2 and state["rate_limits"][0]["limit"] == 5
    requests = (await client.get("/_sim/requests", params={"method": "GET"})).json()["items"]
    assert [r["path"] for r in requests] == ["/items/1", "/items/9"]
    assert (await client.put("/_sim/webhook-target", json={"url": "http://x/h"})).status_code == 200
    assert (await client.get("/_sim/webhooks")).json() == {"items": []}
    assert (await client.delete("/_sim/mock-responses")).status_code == 200
    assert (await client.delete("/_sim/faults")).json() == {"faults": {}}
    assert (await client.post("/_sim/reset")).json() == {"reset": True}
    assert (await client.get("/_sim/state")).json()["requests"] == 0
    bad = await client.put("/_sim/faults", json={"route": "*", "plan": {"error_rate": 5}})
    assert bad.status_code == 422


def test_unknown_simulator() -> None:
    """Asking for a vendor without simulator names the ones there are."""
    with pytest.raises(Exception, match=r"available: .*mock.*pandadoc.*typeform"):
        create("nope")
