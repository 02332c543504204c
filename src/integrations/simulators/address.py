"""The Korean address search simulator: juso.go.kr and Kakao Local on one app.

The two vendors live on different hosts (`business.juso.go.kr`, `dapi.kakao.com`) but their
paths do not collide, so one app serves both: `address_juso` (`/addrlink/addrLinkApi.do`,
HTTP 200 with an `errorCode` for every outcome) and `address_kakao`
(`/v2/local/search/address.json`, `KakaoAK` auth, 4xx errors). Both search the same seeded
data set (`address_data`, 400 addresses for a seed).

Knobs (attributes, also under `PUT /_sim/address/state`): `unapproved_keys` and
`expired_keys` (juso E0001 / E0014), `juso_system_errors` (the next N juso calls answer
-999), `max_results` (above it juso answers E0015; 9,000 at juso), `kakao_keys` (empty: any
key), `kakao_quota` (calls left before Kakao's -10 quota error; None: unlimited). The kit's
fault plan (5xx bursts, delays, drops) applies to both. `reset()` restores all of it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Body

from integrations.simulators.address_data import SimAddress, seeded_addresses
from integrations.simulators.address_juso import install_juso
from integrations.simulators.address_kakao import install_kakao
from integrations.simulators.kit import Simulator

__all__ = ["AddressSimulator", "create_simulator"]

JUSO_MAX_RESULTS = 9_000


class AddressSimulator(Simulator):
    """Seeded addresses plus the knobs that make each vendor error reachable."""

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__("address", seed=seed)
        self.addresses: list[SimAddress] = seeded_addresses(seed)
        self.on_reset.append(self._defaults)
        self._defaults()

    def _defaults(self) -> None:
        self.unapproved_keys: set[str] = {"unapproved-key"}
        self.expired_keys: set[str] = {"expired-dev-key"}
        self.juso_system_errors = 0
        self.max_results = JUSO_MAX_RESULTS
        self.kakao_keys: set[str] = set()
        self.kakao_quota: int | None = None

    def state(self) -> dict[str, Any]:
        """The knobs, as the control API shows them."""
        return {
            "addresses": len(self.addresses),
            "unapproved_keys": sorted(self.unapproved_keys),
            "expired_keys": sorted(self.expired_keys),
            "juso_system_errors": self.juso_system_errors,
            "max_results": self.max_results,
            "kakao_keys": sorted(self.kakao_keys),
            "kakao_quota": self.kakao_quota,
        }

    def configure(self, changes: dict[str, Any]) -> None:
        """Set the knobs named in `changes` (unknown names are ignored)."""
        for name in ("unapproved_keys", "expired_keys", "kakao_keys"):
            if name in changes:
                setattr(self, name, set(changes[name]))
        for name in ("juso_system_errors", "max_results", "kakao_quota"):
            if name in changes:
                setattr(self, name, changes[name])


def create_simulator(seed: int = 0) -> AddressSimulator:
    """The address simulator app with juso's and Kakao's routes."""
    sim = AddressSimulator(seed=seed)
    install_juso(sim)
    install_kakao(sim)

    @sim.app.get("/_sim/address/state")
    async def show() -> dict[str, Any]:
        return sim.state()

    @sim.app.put("/_sim/address/state")
    async def change(changes: dict[str, Any] = Body(...)) -> dict[str, Any]:  # noqa: B008
        sim.configure(changes)
        return sim.state()

    return sim
