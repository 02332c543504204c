"""Whole-call deadlines, paced resumption after a 429, and unreadable success bodies.

The vendor is a real HTTP server on 127.0.0.1 (a scripted uvicorn app) or a vendor simulator;
the client waits on a `VirtualClock`, so a 120 s `Retry-After` costs no real time and every
assertion about waiting reads exact virtual seconds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator

import pytest

from integrations.core.clock import VirtualClock
from integrations.core.spec import AuthSpec, CircuitSpec, ProviderSpec, RetrySpec
from integrations.errors import InvalidResponseError, RateLimitedError, ServiceUnavailableError
from tests.helpers.http_server import Answer, RunningServer, serve_scripted
from tests.helpers.pipeline import DemoIntegration

pytestmark = pytest.mark.integration
START = 1_700_000_000.0


@pytest.fixture(name="server")
def _server() -> Iterator[RunningServer]:
    with serve_scripted() as running:
        yield running


def _client(
    url: str,
    clock: VirtualClock,
    *,
    deadline: float = 120.0,
    threshold: int = 5,
    rng: Callable[[], float] = random.random,
) -> DemoIntegration:
    spec = ProviderSpec(
        name="demo",
        base_url=url,
        auth=AuthSpec(scheme="header", name="Authorization", prefix="Bearer "),
        retry=RetrySpec(max_attempts=3, cap_seconds=8.0),
        circuit=CircuitSpec(failure_threshold=threshold),
        deadline_seconds=deadline,
        cache_ttl_seconds=0.0,
    )
    return DemoIntegration(spec, credentials={"api_key": "k"}, clock=clock, rng=rng)


async def test_a_long_retry_after_fails_this_call_and_the_next_at_once(
    server: RunningServer,
) -> None:
    """Retry-After 120 with a 30 s deadline: the call and the next fail with the wait, no sleep."""
    server.app.script(Answer(429, headers=(("Retry-After", "120"),)))
    clock = VirtualClock(START)
    client = _client(server.url, clock)
    with pytest.raises(RateLimitedError) as first:
        await client.request("GET", "/items/1", operation="get_item", deadline=30)
    assert first.value.retry_after == pytest.approx(120, abs=1)
    with pytest.raises(RateLimitedError) as second:
        await client.request("GET", "/items/2", operation="get_item", deadline=30)
    assert second.value.retry_after == pytest.approx(120, abs=1)
    assert clock.now() - START < 1  # nobody slept towards the 120 s
    assert server.app.count == 1  # the second call never went out
    await client.aclose()


async def test_a_long_retry_after_within_the_deadline_is_waited_for(
    server: RunningServer,
) -> None:
    """Retry-After 120 with a 150 s deadline: the call waits 120 s and succeeds."""
    server.app.script(Answer(429, headers=(("Retry-After", "120"),)), 200)
    clock = VirtualClock(START)
    client = _client(server.url, clock)
    response = await client.request("GET", "/items/1", operation="get_item", deadline=150)
    assert response.status_code == 200
    assert clock.now() - START == pytest.approx(120, abs=0.5)
    assert server.app.count == 2
    await client.aclose()


async def test_backoff_that_would_pass_the_deadline_is_not_started(
    server: RunningServer,
) -> None:
    """A 503 whose backoff (0.99 s, jitter fixed) would end past a 0.5 s deadline fails at
    once with the 503's error."""
    server.app.script(503, 503, 503)
    clock = VirtualClock(START)
    client = _client(server.url, clock, rng=lambda: 0.99)
    with pytest.raises(ServiceUnavailableError) as caught:
        await client.request("GET", "/items/1", operation="get_item", deadline=0.5)
    assert caught.value.status == 503
    assert server.app.count == 1
    await client.aclose()


async def test_a_malformed_json_success_is_an_invalid_response_error(
    server: RunningServer,
) -> None:
    """A 200 with truncated JSON raises InvalidResponseError with a preview, and counts as a
    vendor failure: the breaker opens after the threshold."""
    bad = Answer(200, body=b'{"id": "doc_1", "status": "sent", "na')
    server.app.script(bad, bad)
    clock = VirtualClock(START)
    client = _client(server.url, clock, threshold=2)
    for _ in range(2):
        with pytest.raises(InvalidResponseError) as caught:
            await client.request("GET", "/items/1", operation="get_item")
        assert "malformed JSON" in str(caught.value) and '"doc_1"' in caught.value.body
    assert await client.breaker.is_open()
    assert server.app.count == 2
    await client.aclose()


async def test_calls_resume_paced_after_a_429_window() -> None:
    """A vendor allowing 3 calls per 10 s, a spec allowing 2 per second, 8 calls at once:
    after the first refusal the limiter learns the vendor's rate and the waiting calls meet
    no further 429 at the simulator."""
    from integrations.simulators.limits import SimRateLimit
    from integrations.simulators.transport import SimulatorTransport
    from integrations.simulators.typeform import create_simulator
    from integrations.typeform import TypeformIntegration, operations

    sim = create_simulator(seed=3, retry_delays=(), backoff_delays=())
    clock = VirtualClock(START)
    sim.clock.source = clock.now
    sim.clock.offset = 0.0
    sim.set_rate_limits([SimRateLimit(limit=3, period_seconds=10, route=r"^GET ")])
    client = TypeformIntegration(
        transport=SimulatorTransport(sim), credentials={"token": "tfp_x"}, clock=clock
    )
    form_id = next(iter(sim.forms))

    forms = await asyncio.gather(*(operations.get_form(client, form_id) for _ in range(8)))
    assert {f.id for f in forms} == {form_id}
    statuses = [r.status for r in sim.journal.all(method="GET")]
    assert statuses.count(200) == 8
    assert statuses.count(429) == 1  # the one refusal that taught the rate, then none
    assert sim.limiter.rejected == 1
    await client.aclose()
