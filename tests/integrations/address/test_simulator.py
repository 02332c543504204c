"""The address simulator as `integrations simulate address` serves it: registered by name,
seeded data, and its control API."""

from __future__ import annotations

import httpx2

from integrations.simulators import create
from integrations.simulators.address import AddressSimulator
from integrations.simulators.address_juso import keyword_error
from integrations.simulators.nicednb import NiceDnbSimulator


async def test_registered_by_name_and_controlled_over_http() -> None:
    """`create("address")` and `create("nicednb")` give the simulators; the same seed gives
    the same addresses; `PUT /_sim/address/state` sets a knob."""
    sim = create("address", seed=3)
    assert isinstance(sim, AddressSimulator) and isinstance(create("nicednb"), NiceDnbSimulator)
    assert [a.base for a in sim.addresses] == [a.base for a in create("address", seed=3).addresses]  # type: ignore[attr-defined]

    transport = httpx2.ASGITransport(app=sim.asgi)
    async with httpx2.AsyncClient(transport=transport, base_url="http://sim") as http:
        changed = await http.put("/_sim/address/state", json={"max_results": 5})
    assert changed.json()["max_results"] == 5 and sim.max_results == 5


def test_keyword_rules_follow_the_documented_codes() -> None:
    """A valid keyword passes; each rule gives its code."""
    assert keyword_error("테헤란로 152") is None
    assert [keyword_error(k) for k in ("", "경기도", "a", "2024", "a" * 81)] == [
        "E0005",
        "E0006",
        "E0008",
        "E0009",
        "E0010",
    ]
