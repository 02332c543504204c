"""PandaDoc connector fixtures: the simulator in this process, a client on a linked clock.

The client waits on a `VirtualClock`, and `LinkedClock` makes the simulator read that same
virtual time (`SimClock.source`). Polling for `document.draft`, 202 retries and rate-limit
windows thus advance documents and windows on both sides without real waiting, and both sides
agree on every window to the microsecond however slowly the machine runs the test (a
simulator on real time stamped requests later than the client believed, by the real time the
client took, which made window boundaries race on a loaded machine).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from dotenv import dotenv_values

from integrations.core.clock import VirtualClock
from integrations.pandadoc import PandaDocIntegration
from integrations.pandadoc.bodies import CreateFromTemplate, Recipient
from integrations.pandadoc.models import CreatedDocument
from integrations.pandadoc.operations import create_document_from_template
from integrations.simulators.pandadoc import PandaDocSimulator, create_simulator
from integrations.simulators.transport import SimulatorTransport

API = "https://api.pandadoc.com"
KEY = "pd-test-key-0123456789abcdef"
CLIENT_EMAIL = "client@example.com"
SENDER_EMAIL = "sender@example.com"
ROOT = Path(__file__).resolve().parents[3]
SPEC_PATH = ROOT.parent / "shared" / "contracts" / "pandadoc-openapi.json"
# Read before the suite's autouse fixture clears PANDADOC_* variables and changes folder.
LIVE_ENV: dict[str, str] = {
    k: v
    for k, v in {**dotenv_values(ROOT / ".env"), **os.environ}.items()
    if k.startswith("PANDADOC_") and v
}


class LinkedClock(VirtualClock):
    """A virtual clock the simulator reads too (see the module docstring)."""

    def __init__(self, sim: PandaDocSimulator) -> None:
        super().__init__(start=round(time.time(), 3))
        self.sim = sim
        sim.clock.source = super().now
        sim.clock.offset = 0.0
        self.started = self.now()

    @property
    def elapsed(self) -> float:
        """Virtual seconds since the clock was made."""
        return self.now() - self.started


@pytest.fixture(name="sim")
def _sim() -> PandaDocSimulator:
    return create_simulator(seed=7, api_keys=[KEY])


@pytest.fixture(name="clock")
def _clock(sim: PandaDocSimulator) -> LinkedClock:
    return LinkedClock(sim)


def make_client(sim: PandaDocSimulator, clock: VirtualClock, **kw: Any) -> PandaDocIntegration:
    """A client over `sim` with the test key; `kw` are extra client options."""
    options: dict[str, Any] = {
        "credentials": {"api_key": KEY},
        "transport": SimulatorTransport(sim),
        "clock": clock,
        "rng": lambda: 1.0,  # the jitter's upper bound: backoff waits are their ceilings
    }
    return PandaDocIntegration(**(options | kw))


@pytest.fixture(name="client")
async def _client(sim: PandaDocSimulator, clock: LinkedClock) -> AsyncIterator[PandaDocIntegration]:
    client = make_client(sim, clock)
    yield client
    await client.aclose()


@pytest.fixture(name="sim_http")
async def _sim_http(sim: PandaDocSimulator) -> AsyncIterator[httpx2.AsyncClient]:
    """Raw HTTP to the simulator, for checks behind the connector's back."""
    headers = {"Authorization": f"API-Key {KEY}"}
    async with httpx2.AsyncClient(
        transport=SimulatorTransport(sim), base_url=API, headers=headers
    ) as http:
        yield http


def template_id(sim: PandaDocSimulator, name: str = "Sales Proposal") -> str:
    """The id of a seeded template (roles Client and Sender), read without a request."""
    return next(t.id for t in sim.state.templates.values() if t.name == name)


def deal(sim: PandaDocSimulator, **extra: Any) -> CreateFromTemplate:
    """A create-from-template body for the Sales Proposal with two signers."""
    fields: dict[str, Any] = {
        "template_uuid": template_id(sim),
        "name": "Deal",
        "recipients": [
            Recipient(email=CLIENT_EMAIL, first_name="Cy", role="Client"),
            Recipient(email=SENDER_EMAIL, first_name="Sam", role="Sender"),
        ],
    }
    return CreateFromTemplate(**(fields | extra))


async def new_document(
    client: PandaDocIntegration, sim: PandaDocSimulator, **extra: Any
) -> CreatedDocument:
    """A document created from the Sales Proposal template (still `document.uploaded`)."""
    return await create_document_from_template(client, deal(sim, **extra))
