"""Address fixtures: the simulator served over real HTTP on loopback, clients of both
providers on a virtual clock (cache TTLs and stale ages are exact, nothing waits)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from integrations.address import AddressIntegration
from integrations.core.clock import VirtualClock
from integrations.core.spec import RetrySpec
from integrations.simulators.address import AddressSimulator, create_simulator
from tests.helpers.http_server import serve_app

JUSO_KEY = "devU01TXsimulatedjusokey"
KAKAO_KEY = "kakao-rest-api-key-0123"


@pytest.fixture(name="sim", scope="module")
def _sim() -> AddressSimulator:
    return create_simulator(seed=0)


@pytest.fixture(name="sim_url", scope="module")
def _sim_url(sim: AddressSimulator) -> Iterator[str]:
    with serve_app(sim.asgi) as url:
        yield url


@pytest.fixture(autouse=True)
def _fresh_sim(sim: AddressSimulator) -> None:
    sim.reset()


@pytest.fixture(name="clock")
def _clock() -> VirtualClock:
    return VirtualClock()


def make_client(provider: str, url: str, clock: VirtualClock, **kw: object) -> AddressIntegration:
    """A live-mode client of `provider` pointed at the served simulator (fast retries)."""
    from integrations.address.spec import ADDRESS_SPEC

    spec = ADDRESS_SPEC.__class__(
        **{
            **{f: getattr(ADDRESS_SPEC, f) for f in ADDRESS_SPEC.__dataclass_fields__},
            "base_url": url,
            "retry": RetrySpec(max_attempts=2, base_seconds=0.01, cap_seconds=0.01),
        }
    )
    key = JUSO_KEY if provider == "juso" else KAKAO_KEY
    credentials = {"provider": provider, f"{provider}_key": key}
    return AddressIntegration(
        spec,
        credentials=credentials,
        clock=clock,
        environ={},
        dotenv=None,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(name="juso")
async def _juso(sim_url: str, clock: VirtualClock) -> AsyncIterator[AddressIntegration]:
    client = make_client("juso", sim_url, clock)
    yield client
    await client.aclose()


@pytest.fixture(name="kakao")
async def _kakao(sim_url: str, clock: VirtualClock) -> AsyncIterator[AddressIntegration]:
    client = make_client("kakao", sim_url, clock)
    yield client
    await client.aclose()
