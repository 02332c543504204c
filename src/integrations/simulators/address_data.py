"""The address simulator's seeded data set and the search both vendors' routes share.

Addresses come from `datagen_ko.korean_address` (real 시도/시군구/동/도로명 combinations, fake
building numbers and codes), deduplicated by road address, plus coordinates near each 시도's
centre (Kakao returns coordinates; juso's search API does not). A keyword matches an address
when every whitespace-separated token occurs in its road address, jibun address or building
name: close enough to both vendors' behaviour to exercise paging and counts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from integrations.simulators.datagen_ko import KoreanAddress, korean_address

__all__ = ["SEEDED_ADDRESSES", "SimAddress", "search", "seeded_addresses"]

SEEDED_ADDRESSES = 400
# Approximate centres (longitude, latitude) of each 시도 of the region table.
_CENTRES = {
    "서울특별시": (126.98, 37.56),
    "부산광역시": (129.16, 35.16),
    "경기도": (127.11, 37.36),
    "인천광역시": (126.64, 37.39),
    "대구광역시": (128.63, 35.86),
    "대전광역시": (127.35, 36.36),
    "광주광역시": (126.85, 35.15),
    "제주특별자치도": (126.50, 33.49),
}


@dataclass(frozen=True, slots=True)
class SimAddress:
    """One seeded address with the parts either vendor reports."""

    base: KoreanAddress
    jibun_main: int
    jibun_sub: int
    building_main: int
    building_sub: int
    longitude: str
    latitude: str

    @property
    def road_full(self) -> str:
        """juso's `roadAddr`: the road address plus its 참고항목 "(동, 건물명)"."""
        extra = ", ".join(p for p in (self.base.emd, self.base.building_name) if p)
        return f"{self.base.road_address} ({extra})"

    def matches(self, tokens: list[str]) -> bool:
        text = f"{self.base.road_address} {self.base.jibun_address} {self.base.building_name}"
        return all(token in text for token in tokens)


def _numbers(text: str) -> tuple[int, int]:
    main, _, sub = text.partition("-")
    return int(main), int(sub or 0)


def seeded_addresses(seed: int, count: int = SEEDED_ADDRESSES) -> list[SimAddress]:
    """`count` distinct addresses, the same ones for the same seed."""
    rng = random.Random(f"address-{seed}")
    found: dict[str, SimAddress] = {}
    while len(found) < count:
        base = korean_address(rng)
        if base.road_address in found:
            continue
        jibun_main, jibun_sub = _numbers(base.jibun_address.rsplit(" ", 1)[1])
        building_main, building_sub = _numbers(base.building_no)
        lon, lat = _CENTRES[base.sido]
        found[base.road_address] = SimAddress(
            base,
            jibun_main,
            jibun_sub,
            building_main,
            building_sub,
            f"{lon + rng.uniform(-0.05, 0.05):.13f}",
            f"{lat + rng.uniform(-0.05, 0.05):.13f}",
        )
    return sorted(found.values(), key=lambda a: a.base.road_address)


def search(addresses: list[SimAddress], keyword: str) -> list[SimAddress]:
    """Every address matching all tokens of `keyword`, in road-address order."""
    tokens = keyword.split()
    return [a for a in addresses if a.matches(tokens)] if tokens else []
