"""Every HTTP connector against its simulator served on 127.0.0.1, as one table.

A `Vendor` makes a fresh simulator, a client of the connector pointed at the served URL on a
`VirtualClock` (backoff and Retry-After waits cost no real time, and the simulator reads the
same clock, so its rate-limit windows move with the client's waits), and one read call.
Each call `i` asks something different, so no cache answer hides a storm.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from integrations.address import AddressIntegration
from integrations.address.spec import ADDRESS_SPEC
from integrations.core.client import BaseIntegration
from integrations.core.clock import VirtualClock
from integrations.nicednb import NiceDnbIntegration
from integrations.nicednb.spec import NICEDNB_SPEC
from integrations.pandadoc import PandaDocIntegration
from integrations.pandadoc import operations as pandadoc_ops
from integrations.pandadoc.spec import PANDADOC_SPEC
from integrations.practicepanther import operations as pp_ops
from integrations.practicepanther.client import PracticePantherIntegration
from integrations.practicepanther.spec import PRACTICEPANTHER_SPEC
from integrations.practicepanther.token_store import MemoryTokenStore
from integrations.simulators import address, nicednb, pandadoc, practicepanther, typeform
from integrations.simulators.kit import Simulator
from integrations.typeform import TypeformIntegration
from integrations.typeform import operations as typeform_ops
from integrations.typeform.spec import TYPEFORM_SPEC
from tests.integrations.practicepanther.support import SIM_APP, authorize

# One attempt's longest wait, connect to last byte, in the timeout storms only (elsewhere the
# spec's own): what a simulated timeout costs in real time. A slow but healthy answer on a
# loaded machine then only costs one more retry of a read.
SHORT_ATTEMPT_TIMEOUT_S = 2.0
PANDADOC_KEY = "pd-chaos-key-0123456789abcdef"
NICE_APP = {"app_key": "chaos-app-key", "app_secret": "chaos-app-secret"}


def clock_now() -> VirtualClock:
    """A virtual clock starting at the real time (tokens the simulator issues stay valid)."""
    return VirtualClock(start=round(time.time(), 3))


def _spec(spec: Any, url: str, timeout: float | None) -> Any:
    return dataclasses.replace(spec, base_url=url, timeout_seconds=timeout or spec.timeout_seconds)


def _common(clock: VirtualClock) -> dict[str, Any]:
    return {"clock": clock, "environ": {}, "dotenv": None}


MakeClient = Callable[[Simulator, str, VirtualClock, float | None], BaseIntegration]


@dataclass(frozen=True)
class Vendor:
    """One connector: its simulator, a client over `url` (with an attempt timeout, or the
    spec's), and a read call."""

    name: str
    simulator: Callable[[], Simulator]
    client: MakeClient
    call: Callable[[Any, int], Awaitable[Any]]

    def __str__(self) -> str:
        return self.name


def _pandadoc_sim() -> Simulator:
    return pandadoc.create_simulator(seed=7, api_keys=[PANDADOC_KEY], send_retry_after=True)


def _pandadoc(
    sim: Simulator, url: str, clock: VirtualClock, timeout: float | None
) -> BaseIntegration:
    spec = _spec(PANDADOC_SPEC, url, timeout)
    creds = {"api_key": PANDADOC_KEY}
    return PandaDocIntegration(spec, credentials=creds, rng=lambda: 1.0, **_common(clock))


def _typeform_sim() -> Simulator:
    return typeform.create_simulator(seed=7, retry_delays=(), backoff_delays=())


def _typeform(
    sim: Simulator, url: str, clock: VirtualClock, timeout: float | None
) -> BaseIntegration:
    spec = _spec(TYPEFORM_SPEC, url, timeout)
    return TypeformIntegration(spec, credentials={"token": "tfp_chaos"}, **_common(clock))


def _pp_sim() -> Simulator:
    sim = practicepanther.create_simulator(seed=7)
    sim.set_volumes(accounts=20, contacts=30, matters=30, tasks=30)
    return sim


def _pp(sim: Simulator, url: str, clock: VirtualClock, timeout: float | None) -> BaseIntegration:
    store = MemoryTokenStore()
    store.tokens = authorize(url)  # through the simulator's own OAuth routes
    spec = _spec(PRACTICEPANTHER_SPEC, url, timeout)
    return PracticePantherIntegration(
        spec, credentials=SIM_APP, token_store=store, **_common(clock)
    )


def _nice_sim() -> Simulator:
    sim = nicednb.create_simulator(seed=0)
    sim.app_keys = {NICE_APP["app_key"]: NICE_APP["app_secret"]}
    return sim


def _nice(sim: Simulator, url: str, clock: VirtualClock, timeout: float | None) -> BaseIntegration:
    spec = _spec(NICEDNB_SPEC, url, timeout)
    return NiceDnbIntegration(spec, credentials=NICE_APP, **_common(clock))


def _juso(sim: Simulator, url: str, clock: VirtualClock, timeout: float | None) -> BaseIntegration:
    spec = _spec(ADDRESS_SPEC, url, timeout)
    creds = {"provider": "juso", "juso_key": "devU01TXsimulatedjusokey"}
    return AddressIntegration(spec, credentials=creds, **_common(clock))


async def _pandadoc_call(client: Any, i: int) -> Any:
    return await pandadoc_ops.list_documents(client, page=1 + i % 3, count=5)


async def _typeform_call(client: Any, i: int) -> Any:
    return await typeform_ops.list_forms(client, page=1, page_size=1 + i)


async def _pp_call(client: Any, i: int) -> Any:
    return await pp_ops.list_contacts(client, top=5, skip=i)


async def _nice_call(client: Any, i: int) -> Any:
    return await client.search_company(name=f"삼성 {i}")


async def _juso_call(client: Any, i: int) -> Any:
    return await client.search_address(f"세종대로 {i + 1}")


VENDORS = (
    Vendor("pandadoc", _pandadoc_sim, _pandadoc, _pandadoc_call),
    Vendor("typeform", _typeform_sim, _typeform, _typeform_call),
    Vendor("practicepanther", _pp_sim, _pp, _pp_call),
    Vendor("nicednb", _nice_sim, _nice, _nice_call),
    Vendor("address", address.create_simulator, _juso, _juso_call),
)
