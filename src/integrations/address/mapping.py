"""Vendor rows → `Address`, and the ids that let `get_address_details` find one again.

Neither vendor has a "get by id" endpoint. An address id therefore carries what is needed
to search for it again: the provider, a keyword that pins it (its road address) and the
vendor's own identity of the row (juso `bdMgtSn`, Kakao's address name), as unpadded
URL-safe base64 of a JSON array. Details are that search, answered from the cache when the
address was seen recently, and the row with the same identity picked from it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from integrations.address.models import Address
from integrations.address.spec import PROVIDERS, Provider

__all__ = ["decode_id", "encode_id", "from_juso", "from_kakao", "native_id"]


def encode_id(provider: Provider, keyword: str, native: str) -> str:
    raw = json.dumps([provider, keyword, native], ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_id(address_id: str) -> tuple[Provider, str, str] | None:
    """(provider, keyword, native id) of an id; None when it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(address_id + "=" * (-len(address_id) % 4))
        provider, keyword, native = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if provider not in PROVIDERS or not isinstance(keyword, str) or not isinstance(native, str):
        return None
    return provider, keyword, native


def _int(value: Any) -> int:
    try:
        return int(str(value).strip() or 0)
    except ValueError:
        return 0


def _float(value: Any) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def from_juso(row: dict[str, Any]) -> Address:
    """One `juso[]` row (every value a string)."""
    road = str(row.get("roadAddrPart1") or row.get("roadAddr") or "")
    building = str(row.get("bdNm") or "") or None
    return Address(
        id=encode_id("juso", road, str(row.get("bdMgtSn") or road)),
        provider="juso",
        zip_code=str(row.get("zipNo") or ""),
        road_address=road,
        road_address_reference=str(row.get("roadAddrPart2") or ""),
        jibun_address=str(row.get("jibunAddr") or ""),
        english_address=str(row.get("engAddr") or "") or None,
        building_name=building,
        sido=str(row.get("siNm") or ""),
        sigungu=str(row.get("sggNm") or ""),
        eupmyeondong=str(row.get("emdNm") or ""),
        road_name=str(row.get("rn") or ""),
        building_main_no=_int(row.get("buldMnnm")),
        building_sub_no=_int(row.get("buldSlno")),
        underground=str(row.get("udrtYn")) == "1",
        legal_dong_code=str(row.get("admCd") or ""),
        road_name_code=str(row.get("rnMgtSn") or "") or None,
        building_code=str(row.get("bdMgtSn") or "") or None,
    )


def from_kakao(document: dict[str, Any]) -> Address:
    """One Kakao `documents[]` entry (road part or jibun part may be null)."""
    road = document.get("road_address") or {}
    jibun = document.get("address") or {}
    region = road or jibun
    road_name = str(road.get("address_name") or "")
    name = road_name or str(document.get("address_name") or "")
    return Address(
        id=encode_id("kakao", name, name),
        provider="kakao",
        zip_code=str(road.get("zone_no") or ""),
        road_address=road_name,
        jibun_address=str(jibun.get("address_name") or ""),
        building_name=str(road.get("building_name") or "") or None,
        sido=str(region.get("region_1depth_name") or ""),
        sigungu=str(region.get("region_2depth_name") or ""),
        eupmyeondong=str(jibun.get("region_3depth_name") or region.get("region_3depth_name") or ""),
        road_name=str(road.get("road_name") or ""),
        building_main_no=_int(road.get("main_building_no")),
        building_sub_no=_int(road.get("sub_building_no")),
        underground=road.get("underground_yn") == "Y",
        legal_dong_code=str(jibun.get("b_code") or ""),
        admin_dong_code=str(jibun.get("h_code") or "") or None,
        longitude=_float(document.get("x")),
        latitude=_float(document.get("y")),
    )


def native_id(address: Address) -> str:
    """The vendor's identity of `address` (what its id was encoded with)."""
    decoded = decode_id(address.id)
    return decoded[2] if decoded else ""
